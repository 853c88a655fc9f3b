#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-scan.sh - CPU cost of one victim decision (scan every process, pick one), reapd vs
# earlyoom 1.7 and 1.8.2, over the same 1 000 and 10 000 sleepers.
# Usage: bench-scan.sh BUILD OUT [SECONDS]  (root; prints a markdown section, writes OUT/scan.dat:
#   sleepers procs reapd_us eo17_us reapd_n eo17_n scoped_us scoped_n victim_mb eo18_us eo18_n)
#
# Each size gets a PID namespace with a private /proc holding only the sleepers and a hog
# (the victim both choose: 512 MB, a clear winner, and 64 MB, a close one), and each
# killer runs in it in turn, in dry run, with a threshold it is always under: it decides
# (scans and chooses) over and over, sends nothing. CPU time of all its threads
# (schedstat) over SECONDS, divided by the number of decisions it logged, is the cost of
# one decision, including its per-cycle overhead (reading meminfo, logging the decision).
# earlyoom (1.7 and 1.8.2): --dryrun -r 0 -M MemTotal,MemTotal -s 100,100 (100 %: always under); reapd: --dry-run, MinAvailable=100%,
# HeadroomMode=or, MinSwapFree=0, no PSI levels, KillTimeout=100ms.
set -euo pipefail
BUILD=$1 OUT=$2 SECS=${3:-10}
. "$(dirname "$0")/bench-lib.sh"
bench_init reapd-bench-scan
. "$(dirname "$0")/peers.sh"
peers_ensure || lab_fail "peers missing (bench/peers.sh)"

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
MinAvailable=100%
MinSwapFree=0
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=100ms
CONF
mkdir -p "$LAB_DIR/run"

# measure NAME LOG PATTERN: CPU per decision of the process ns_run just started
measure() {
    local pid c0 c1 l0 l1 i
    pid=$(ns_last_pid)
    for i in $(seq 1 100); do [ "$(grep -c "$3" "$2" 2>/dev/null || true)" -ge 2 ] && break; sleep 0.1; done
    c0=$(proc_cpu_ns "$pid"); l0=$(grep -c "$3" "$2" || true)
    sleep "$SECS"
    c1=$(proc_cpu_ns "$pid"); l1=$(grep -c "$3" "$2" || true)
    kill -9 "$pid"
    wait "$NS_LAST" 2>/dev/null || true
    [ "$l1" -gt "$l0" ] || { head -5 "$2" >&2; echo "$1 - 0"; return; }
    bench_log "measure $1: cpu $c0 -> $c1 ns, decisions $l0 -> $l1, last: $(grep "$3" "$2" | tail -1 | cut -c1-90)"
    echo "$1 $(echo "($c1 - $c0) / ($l1 - $l0) / 1000" | bc -l) $((l1 - l0))"
}

: >"$OUT/scan.dat"
for n in ${SIZES:-1000 10000}; do
  for vmb in ${VICTIMS:-512 64}; do
    ns_start
    # PID 2 is a placeholder: reapd takes PID 2 for kthreadd and every child of PID 2 for a
    # kernel thread. Then the victim both choose, a hog (bigger than either killer, or
    # earlyoom picks itself and gives up), and the sleepers.
    ns_run "" -- sleep infinity
    ns_last_pid >/dev/null
    ns_run "scan-$n" -- "$HOG" "$vmb"
    ns_last_pid >/dev/null
    ns_run "scan-$n" -- "$SLEEPERS" "$n" "$LAB_DIR/ready-$n-$vmb"
    wait_file "$LAB_DIR/ready-$n-$vmb" ready 1200 || lab_fail "sleepers did not start"
    # what a killer there sees: init, placeholder, hog, sleepers and their parent, itself (not sh and ls)
    procs=$(($(nsenter -t "$NS" -p -m -- sh -c 'ls -d /proc/[0-9]* | wc -l') - 1))
    total=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    ns_run "" -- "$EARLYOOM17" --dryrun -r 0 -M "$total,$total" -s 100,100 >"$LAB_DIR/eo-$n-$vmb.log" 2>&1
    read -r _ eo eo_n < <(measure "earlyoom-$EARLYOOM17_VERSION" "$LAB_DIR/eo-$n-$vmb.log" "sending SIGKILL")
    ns_run "" -- "$EARLYOOM18" --dryrun -r 0 -M "$total,$total" -s 100,100 >"$LAB_DIR/eo18-$n-$vmb.log" 2>&1
    read -r _ eo18 eo18_n < <(measure "earlyoom-$EARLYOOM18_VERSION" "$LAB_DIR/eo18-$n-$vmb.log" "sending SIGKILL")
    ns_run "" -- env RUNTIME_DIRECTORY="$LAB_DIR/run" "$REAPD" --dry-run --config "$LAB_DIR/reapd.conf" \
        --log-target=stderr 2>"$LAB_DIR/reapd-$n-$vmb.log"
    read -r _ rp rp_n < <(measure reapd "$LAB_DIR/reapd-$n-$vmb.log" "Would kill")
    printf 'Cgroup=%s/scan-%s\n' "$LAB_CG" "$n" | sed '/^\[Monitor\]/r /dev/stdin' "$LAB_DIR/reapd.conf" >"$LAB_DIR/reapd-cg-$n-$vmb.conf"
    ns_run "" -- env RUNTIME_DIRECTORY="$LAB_DIR/run" "$REAPD" --dry-run --config "$LAB_DIR/reapd-cg-$n-$vmb.conf" \
        --log-target=stderr 2>"$LAB_DIR/reapd-cg-$n-$vmb.log"
    read -r _ rc rc_n < <(measure reapd-cgroup "$LAB_DIR/reapd-cg-$n-$vmb.log" "Would kill")
    ns_kill "${NS_PIDS[-1]}"
    echo "$n $procs $rp $eo $rp_n $eo_n $rc $rc_n $vmb $eo18 $eo18_n" >>"$OUT/scan.dat"
    bench_log "scan: $n sleepers ($procs processes), victim $vmb MB: reapd $rp us/decision ($rp_n), earlyoom $EARLYOOM17_VERSION $eo us/decision ($eo_n), $EARLYOOM18_VERSION $eo18 ($eo18_n), reapd scoped $rc ($rc_n)"
  done
done

e7=$EARLYOOM17_VERSION e8=$EARLYOOM18_VERSION
echo "| sleepers | victim | processes in /proc | reapd system-wide, CPU per decision | per process | earlyoom $e8, CPU per decision | per process | earlyoom $e7, CPU per decision | per process | reapd / earlyoom $e8 | reapd / earlyoom $e7 | reapd Cgroup= scoped, per decision | per process |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
while read -r n procs rp eo rp_n eo_n rc rc_n vmb eo18 eo18_n; do
    printf "| %d | %d MB | %d | %.2f ms (%d decisions) | %.2f µs | %.2f ms (%d decisions) | %.2f µs | %.2f ms (%d decisions) | %.2f µs | %.2f | %.2f | %.2f ms (%d decisions) | %.2f µs |\n" \
        "$n" "$vmb" "$procs" "$(echo "$rp / 1000" | bc -l)" "$rp_n" "$(echo "$rp / $procs" | bc -l)" \
        "$(echo "$eo18 / 1000" | bc -l)" "$eo18_n" "$(echo "$eo18 / $procs" | bc -l)" \
        "$(echo "$eo / 1000" | bc -l)" "$eo_n" "$(echo "$eo / $procs" | bc -l)" "$(echo "$rp / $eo18" | bc -l)" "$(echo "$rp / $eo" | bc -l)" \
        "$(echo "$rc / 1000" | bc -l)" "$rc_n" "$(echo "$rc / $procs" | bc -l)"
done <"$OUT/scan.dat"
echo
echo "CPU time (schedstat, all threads) over ${SECS} s divided by the decisions logged in that time;"
echo "every killer in dry run in the same PID namespace (holding only a placeholder, a hog of the"
echo "victim's size that all choose, and the sleepers), one after the other."
if grep -q "BPF ranking in use" "$LAB_DIR"/reapd-*.log; then
    echo "reapd ranked with its BPF task iterator (reapd(8), BPF ranking): one read gives every process's"
    echo "rss, swap, page tables and oom_score_adj, the exact badness bound of each, and only possible"
    echo "winners are read in full from /proc, system-wide and scoped with Cgroup= (the iterator filters"
    echo "the cgroup in the kernel; the hog and sleepers are in that cgroup), as in the"
else
    echo "reapd could not load its BPF iterator ($(grep -ho "BPF ranking unavailable: [^;]*" "$LAB_DIR"/reapd-*.log | head -1))"
    echo "and ranked by the kernel's oom_score, reading only possible winners in full (select_ranked):"
    echo "with a 512 MB victim the sleepers are ruled out, with a 64 MB one they are not and it reads them"
    echo "all; scoped with Cgroup= it reads every process in full (snapshot_take), as in the"
fi
echo "PSI benchmark below. The placeholder takes PID 2, as in the first runs of this bench (reapd now"
echo "takes PID 2's children for kernel threads only when PID 2 is one, so it no longer needs it)."
