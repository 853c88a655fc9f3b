#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-idle.sh - idle cost of reapd, earlyoom 1.8.2 and earlyoom 1.7 side by side, all with their defaults:
# CPU ms per minute, wakeups (context switches) per second, RSS.
# Usage: bench-idle.sh BUILD OUT [SECONDS]   (root; prints a markdown section, writes OUT/idle.dat)
#
# reapd runs system-wide with --dry-run (it is idle: nothing to kill, and could kill nothing).
# Each earlyoom runs in its own PID namespace with a private /proc, where it sees only itself.
set -euo pipefail
BUILD=$1 OUT=$2 SECS=${3:-60}
. "$(dirname "$0")/bench-lib.sh"
bench_init reapd-bench-idle
. "$(dirname "$0")/peers.sh"
peers_ensure || lab_fail "peers missing (bench/peers.sh)"

# Nothing read, nothing inherited: built-in defaults, state file in our own directory.
# reapd-system watches the whole machine; reapd-cgroup the same defaults scoped to an empty
# cgroup of ours, so other people's memory pressure on the host cannot wake it.
mkdir -p "$LAB_DIR/run-sys" "$LAB_DIR/run-cg"
# The state directory on a tmpfs, as systemd's RuntimeDirectory= (/run) has it on the hosts reapd
# is for: here the bench's directory is on an ext4 mounted with discard, where each rewrite of
# the state file (once a minute) replaces an inode and waits for a discard, a cost no user pays.
for d in run-sys run-cg; do
    mount -t tmpfs -o size=1m,mode=0755 tmpfs "$LAB_DIR/$d" || lab_fail "cannot mount a tmpfs for reapd's state"
    BENCH_MOUNTS+=("$LAB_DIR/$d")
done
for d in "$LAB_V2" "$LAB_V1MEM"; do [ -n "$d" ] && mkdir -p "$d$LAB_CG/idle"; done
printf '[Monitor]\nCgroup=%s/idle\n' "$LAB_CG" >"$LAB_DIR/cg.conf"
RUNTIME_DIRECTORY=$LAB_DIR/run-sys "$REAPD" --dry-run --config "$LAB_DIR/none.conf" --log-target=stderr \
    2>"$LAB_DIR/reapd-sys.log" &
rsys=$!
BG_PIDS+=("$rsys")
sleep 1 # each 10 s loop in its own second: see the notes printed below
RUNTIME_DIRECTORY=$LAB_DIR/run-cg "$REAPD" --dry-run --config "$LAB_DIR/cg.conf" --log-target=stderr \
    2>"$LAB_DIR/reapd-cg.log" &
rcg=$!
BG_PIDS+=("$rcg")
sleep 1

# The floor: what one wakeup costs on this machine whatever the daemon does, a bare timerfd
# loop at reapd's idle interval (10 s) that reads meminfo and pressure through kept fds.
"$BUILD/bench/bench-tick" 10000 &
tick=$!
BG_PIDS+=("$tick")
sleep 1
# The same work in an sd-event loop, the timerfd an IO source as in reapd's monitor: what the
# event loop reapd is built on adds. And from an sd-event time source, which reapd's monitor
# used before: what that costs.
"$BUILD/bench/bench-tick" 10000 --sd-event &
sdtick=$!
BG_PIDS+=("$sdtick")
sleep 1
"$BUILD/bench/bench-tick" 10000 --sd-event-time &
sdtime=$!
BG_PIDS+=("$sdtime")

ns_start
ns_run "" -- "$EARLYOOM17" >"$LAB_DIR/earlyoom.log" 2>&1
eo=$(ns_last_pid) || lab_fail "earlyoom $EARLYOOM17_VERSION did not start"
ns_start
ns_run "" -- "$EARLYOOM18" >"$LAB_DIR/earlyoom18.log" 2>&1
eo18=$(ns_last_pid) || lab_fail "earlyoom $EARLYOOM18_VERSION did not start"
for f in sys cg; do
    wait_file "$LAB_DIR/reapd-$f.log" monitoring 50 || { cat "$LAB_DIR/reapd-$f.log" >&2; lab_fail "reapd did not start"; }
done
sleep 1
bench_log "idle: reapd $rsys (system), $rcg (cgroup), earlyoom $eo and $eo18 (PID namespaces), floor $tick, ${SECS}s"

sleep 4 # past start-up: the first samples, mlockall, earlyoom's first report
psi0=$(awk '/^some/ {print $2}' /proc/pressure/memory)
declare -A c0 t0 s0
for p in "$rsys" "$rcg" "$eo" "$eo18" "$tick" "$sdtick" "$sdtime"; do c0[$p]=$(proc_cpu_ns "$p"); t0[$p]=$(proc_ticks "$p"); s0[$p]=$(proc_switches "$p"); done
start=$(date +%s.%N)
sleep "$SECS"
end=$(date +%s.%N)
el=$(echo "$end - $start" | bc -l)
psi1=$(awk '/^some/ {print $2}' /proc/pressure/memory)
kills=$(grep -c "Would kill" "$LAB_DIR/reapd-sys.log" || true)

: >"$OUT/idle.dat"
echo "| idle, ${SECS} s, defaults | CPU ms/min (schedstat) | CPU ms/min (stat ticks) | wakeups/s | µs per wakeup | threads | VmRSS | RssAnon | PSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for p in "$rcg" "$rsys" "$eo18" "$eo" "$tick" "$sdtick" "$sdtime"; do
    case $p in
    "$rsys") name=reapd-system ;; "$rcg") name=reapd-cgroup ;; "$tick") name=floor ;; "$sdtick") name=floor-sd-event ;; "$sdtime") name=floor-sd-time ;;
    "$eo18") name=earlyoom-$EARLYOOM18_VERSION ;; *) name=earlyoom-$EARLYOOM17_VERSION ;;
    esac
    cpu=$(echo "($(proc_cpu_ns "$p") - ${c0[$p]}) / 1000000 * 60 / $el" | bc -l)
    ticks=$(echo "($(proc_ticks "$p") - ${t0[$p]}) * 1000 / $(getconf CLK_TCK) * 60 / $el" | bc -l)
    wk=$(echo "($(proc_switches "$p") - ${s0[$p]}) / $el" | bc -l)
    nth=$(ls /proc/"$p"/task | wc -l)
    rss=$(proc_rss_kb "$p") anon=$(proc_anon_kb "$p") pss=$(proc_pss_kb "$p")
    perw=$(echo "if ($wk > 0) $cpu * 1000 / 60 / $wk else 0" | bc -l)
    printf "| %s | %.3f | %.0f | %.3f | %.0f | %d | %.2f MB | %.2f MB | %.2f MB |\n" \
        "$(case $name in floor) echo "floor: a bare timerfd loop, 10 s" ;; floor-sd-event) echo "floor: the same in an sd-event loop" ;; floor-sd-time) echo "floor: the same from an sd-event time source" ;; *) echo "$name" ;; esac)" "$cpu" "$ticks" "$wk" "$perw" "$nth" \
        "$(echo "$rss / 1024" | bc -l)" "$(echo "$anon / 1024" | bc -l)" "$(echo "$pss / 1024" | bc -l)"
    printf "%s %.4f %.4f %.3f\n" "$name" "$cpu" "$wk" "$(echo "$rss / 1024" | bc -l)" >>"$OUT/idle.dat"
done
echo
echo "CPU from /proc/PID/task/*/schedstat (ns, all threads) and from utime+stime in /proc/PID/stat"
echo "(10 ms ticks: too coarse for an idle daemon); wakeups = voluntary + nonvoluntary context"
echo "switches of all threads; RSS/PSS at the end. reapd: \`reapd --dry-run\` with built-in defaults:"
echo "reapd-system watches the whole host (memory PSI of the host during the run: $psi0 at the start,"
echo "$psi1 at the end; $kills dry-run kill decisions), reapd-cgroup is scoped to an empty cgroup of"
echo "the bench (its PSI is zero, MemAvailable is the host's); both keep their state file on a tmpfs, as"
echo "under systemd (/run), not on this host's ext4 with discard. earlyoom $EARLYOOM17_VERSION (Debian 12) and $EARLYOOM18_VERSION (built from"
echo "Debian trixie's source package, bench/peers.sh): \`earlyoom\` with its defaults (report every 1 s to stdout), each in a PID"
echo "namespace of its own. The floor is bench-tick: a bare loop that sleeps on a timerfd through epoll and, every"
echo "10 s (reapd's idle interval), reads meminfo and pressure through kept fds, nothing else: what a"
echo "wakeup costs on this machine whatever the daemon does; the second floor does the same in an sd-event loop that"
echo "watches the timerfd as an IO source (as reapd's monitor does), the cost of the event loop before any of reapd's"
echo "own work; the third from an sd-event time source instead (as reapd's monitor did before: what that costs). The"
echo "daemons and floors are started 1 s apart, so that no two wake together into caches warmed by the other. All"
echo "measured at the same time over ${el%.*} s."
ratio() { awk -v n="$1" -v d="$2" '$1 == n {a = $2} $1 == d {b = $2} END {printf "%.2f", (b > 0 ? a / b : 0)}' "$OUT/idle.dat"; }
echo
echo "Ratios of CPU per minute: reapd-system $(ratio reapd-system floor)× the bare floor and $(ratio reapd-system floor-sd-event)× the"
echo "sd-event floor (reapd-cgroup $(ratio reapd-cgroup floor)× and $(ratio reapd-cgroup floor-sd-event)×); the sd-event floor is"
echo "$(ratio floor-sd-event floor)× the bare one, the sd-event time-source floor $(ratio floor-sd-time floor)×; earlyoom $EARLYOOM18_VERSION is"
echo "$(ratio "earlyoom-$EARLYOOM18_VERSION" reapd-system)× reapd-system."
