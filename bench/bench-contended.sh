#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-contended.sh - a victim that cannot get CPU: pinned to CPU 1, which a SCHED_FIFO busy loop
# saturates once the victim has filled its memory. Its exit then runs only in the time the kernel
# leaves normal tasks on that CPU (RT throttling, 5% by default), so the memory comes back as fast
# as someone else unmaps it. Killers at their packaged placement and priority: reapd at its unit's
# Nice=-10 with its reaper on CPU 0 at SCHED_FIFO 60 (ReaperCPUs=0, above the busy loop's 50; the
# configuration reapd.conf(5) shows for this), reapd at the unit's defaults alone (reapd-default:
# reaper anywhere, nice -10), earlyoom 1.8.2 (process_mrelease from its main loop, nice 0, any
# CPU, as Debian's unit runs it), earlyoom 1.7 (waits for the victim) and the bench's own plain
# SIGKILL at the crossing (the control).
# Usage: bench-contended.sh BUILD OUT [RUNS] [VICTIM_MB]   (root; prints a markdown section,
#        writes OUT/contended.dat and OUT/contended.png)
#
# The scenario is bench-kill.sh's (KINDS=contended): the busy loop ends itself after 60 s and is
# killed at the end of every run and in bench-kill.sh's EXIT trap; bench-kill.sh refuses to start
# it when RT throttling is off (sched_rt_runtime_us -1). Takes the bench lock unless
# REAPD_BENCH_LOCKED is set by a caller holding it.
set -euo pipefail
BUILD=$1 OUT=$2 RUNS=${3:-3} VICTIM_MB=${4:-1536}
B=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
. "$B/bench-lock.sh"
bench_lock
. "$B/peers.sh"
peers_ensure >/dev/null || { echo "bench-contended: peers missing (bench/peers.sh)" >&2; exit 1; }
E17=earlyoom-$EARLYOOM17_VERSION E18=earlyoom-$EARLYOOM18_VERSION
KILLERS="sigkill reapd reapd-default $E18 $E17"
REAPER_CONF='[Kill]\nReaperCPUs=0\nReaperSchedPolicy=fifo\nReaperPriority=60\n'
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# REPORT_ONLY=1: the table and plot again from OUT/contended.dat, nothing run
[ -n "${REPORT_ONLY:-}" ] || KINDS=contended FROZEN_MB=$VICTIM_MB KILLERS=$KILLERS REAPD_NICE=-10 REAPD_CONF=$REAPER_CONF \
    KILL_DAT="$OUT/contended.dat" bash "$B/bench-kill.sh" "$BUILD" "$OUT/contended-work" 0 "$RUNS" \
    >"$OUT/contended.kill.md"

# contended.dat: killer kind n detect back killed mb sigkills detect_own to_mrelease call call_to_back who
#                caller_cpu caller_wait
col() { awk -v k="$1" -v c="$2" '$1 == k && $c != "-" {v = $c; print (v < 0 ? -v : v)}' "$OUT/contended.dat" | sort -g; }
med() { col "$1" "$2" | awk '{a[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
range() { col "$1" "$2" | awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR) printf "%.0f–%.0f", lo, hi}'; }
notback() { awk -v k="$1" '$1 == k && $5 != "-" && $5 < 0' "$OUT/contended.dat" | wc -l; }
ms() { [ "$1" = - ] && echo - || printf "%.${2:-1}f ms" "$1"; }
desc() {
    case $1 in
    sigkill) echo "plain SIGKILL at the crossing (control)" ;;
    reapd) echo "reapd, reaper on CPU 0 at SCHED_FIFO 60, nice -10" ;;
    reapd-default) echo "reapd, unit defaults (reaper anywhere, nice -10)" ;;
    "$E18") echo "$E18, process_mrelease from its main loop, nice 0" ;;
    "$E17") echo "$E17, waits for the victim, nice 0" ;;
    esac
}
echo "| killer | runs | SIGKILL → memory back (median, range) | SIGKILL → its process_mrelease() | the call | the caller's CPU, run-queue wait | processes killed per run |"
echo "|---|---:|---:|---:|---:|---:|---:|"
: >"$OUT/contended-plot.dat"
for k in $KILLERS; do
    n=$(awk -v k="$k" '$1 == k' "$OUT/contended.dat" | wc -l)
    b=$(med "$k" 5) nb=$(notback "$k")
    if [ "$nb" -gt 0 ]; then bs="not back after $(printf '%.1f' "$(echo "$b / 1000" | bc -l)") s in $nb of $n"
    else bs="$(ms "$b") ($(range "$k" 5))"; fi
    kl=$(awk -v k="$k" '$1 == k {print $6}' "$OUT/contended.dat" | sort -n | uniq | paste -sd/)
    cw="$(ms "$(med "$k" 14)"), $(ms "$(med "$k" 15)")"
    [ "$k" = sigkill ] || [ "$k" = "$E17" ] && cw=-
    echo "| $(desc "$k") | $n | $bs | $(ms "$(med "$k" 10)" 2) | $(ms "$(med "$k" 11)") | $cw | $kl |"
    lab=$k
    [ "$k" = reapd ] && lab="reapd, reaper CPU 0 fifo"
    [ "$k" = reapd-default ] && lab="reapd, defaults"
    [ "$k" = sigkill ] && lab="plain SIGKILL"
    printf '"%s" %s "%s"\n' "$lab" "${b/-/NaN}" "$([ "$b" = - ] && echo - || printf '%.0f ms' "$b")" >>"$OUT/contended-plot.dat"
done
echo
echo "The victim: a ${VICTIM_MB} MB hog pinned to CPU 1 (taskset), filled first; then a SCHED_FIFO 50 busy"
echo "loop pinned to CPU 1 takes that CPU, and a pusher (unpinned) crosses a threshold 256 MB under"
echo "MemAvailable, two bystanders beside; each killer one after the other on the same workload, $RUNS"
echo "runs each (bench-kill.sh, KINDS=contended). RT throttling: sched_rt_runtime_us"
echo "$(cat /proc/sys/kernel/sched_rt_runtime_us) of $(cat /proc/sys/kernel/sched_rt_period_us), so the victim's"
echo "exit gets what normal tasks are left of CPU 1. SIGKILL is the kernel's signal_generate event for the"
echo "victim, memory back the first 0.5 ms sample of its cgroup charge under 10% of its peak; the"
echo "process_mrelease() columns are the killer's own call (syscall tracepoints, by its thread), its CPU"
echo "and run-queue wait the calling thread's schedstat over the run."
[ -n "${REPORT_ONLY:-}" ] || echo "Load average (1/5/15 min) at the start: $load0; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
gnuplot -e "dat='$OUT/contended-plot.dat'; out='$OUT/contended.png'" "$B/plot-contended.gp" 2>&1 |
    sed 's/^/# gnuplot: /' >&2 || true
