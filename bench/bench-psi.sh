#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-psi.sh - reapd's PSI event-to-kill latency with 1 000 processes in its scope.
# Usage: bench-psi.sh BUILD OUT [SAMPLES] [SLEEPERS]  (root; prints a markdown section, writes OUT/psi.dat)
#
# A swap file, a cgroup with a swap thrasher under a 400 MB limit (1.4 GB working set, the
# LAB.md recipe) next to 1 000 sleepers; reapd scoped to that cgroup with only a "full" PSI
# trigger (PressureFull=5% of a 2 s window: a trigger event means "kill now"). Each sample is
# one thrasher, from its start until reapd killed it. A private tracefs instance on
# CLOCK_MONOTONIC records every wakeup of reapd's main thread (sched:sched_waking, with the
# task that woke it: a kworker running the PSI averaging work for unprivileged triggers, or
# psimon for privileged ones) and every SIGKILL
# (signal:signal_generate); the latency is SIGKILL minus the last wakeup before it.
# earlyoom has no PSI (neither Debian 12's 1.7 nor 1.8.2, the newest Debian has), so there is
# nothing to compare here.
set -euo pipefail
BUILD=$1 OUT=$2 N=${3:-20} NSLEEP=${4:-1000}
. "$(dirname "$0")/bench-lib.sh"
bench_init reapd-bench-psi

LIMIT_MB=400
# reapd runs at the nice value of its unit (systemd/reapd.service.in: Nice=-10), as installed.
NICE=${REAPD_NICE:-$(sed -n 's/^Nice=//p' "$(dirname "$0")/../systemd/reapd.service.in")}
NICE=${NICE:-0}
WSET_MB=1400

lab_swap 2G
for sub in psi/thrash psi/sleepers; do
    for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do [ -n "$d" ] && mkdir -p "$d$LAB_CG/$sub"; done
done
if [ -n "$LAB_V1MEM" ]; then
    echo $((LIMIT_MB << 20)) >"$LAB_V1MEM$LAB_CG/psi/thrash/memory.limit_in_bytes"
else
    echo $((LIMIT_MB << 20)) >"$LAB_V2$LAB_CG/psi/thrash/memory.max"
fi
# sleepers_up: (re)start the sleepers if they are gone (reapd may kill their parent)
respawned=0
sleepers=""
sleepers_up() {
    [ -n "$sleepers" ] && lab_alive "$sleepers" && return 0
    [ -n "$sleepers" ] && respawned=$((respawned + 1))
    rm -f "$LAB_DIR/sleepers.ready"
    lab_spawn psi/sleepers -- "$SLEEPERS" "$NSLEEP" "$LAB_DIR/sleepers.ready"
    sleepers=$LAB_LAST_PID
    wait_file "$LAB_DIR/sleepers.ready" ready 600 || lab_fail "sleepers did not start"
}
sleepers_up

mkdir -p "$LAB_DIR/run"
cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG/psi
MinAvailable=0
MinSwapFree=0
PressureSome=0
PressureFull=5%
PressureWindow=2s
CONF
RUNTIME_DIRECTORY=$LAB_DIR/run nice -n "$NICE" "$REAPD" --config "$LAB_DIR/reapd.conf" --log-target=stderr 2>"$LAB_DIR/reapd.log" &
reapd=$!
BG_PIDS+=("$reapd")
wait_file "$LAB_DIR/reapd.log" monitoring 50 || { cat "$LAB_DIR/reapd.log" >&2; lab_fail "reapd did not start"; }
trace_start "signal/signal_generate:sig == 9" "sched/sched_waking:pid == $reapd" \
    "syscalls/sys_exit_epoll_wait:common_pid == $reapd"
bench_log "psi: reapd $reapd (nice $NICE) scoped to $LAB_CG/psi with $NSLEEP sleepers; $N thrashers"

tpids=()
t_start=$(date +%s)
for i in $(seq 1 "$N"); do
    sleepers_up
    lab_spawn psi/thrash -- "$THRASH" "$WSET_MB"
    tp=$LAB_LAST_PID
    tpids+=("$tp")
    for _ in $(seq 1 600); do lab_alive "$tp" || break; sleep 0.05; done
    if lab_alive "$tp"; then
        bench_log "psi: thrasher $i not killed in 30 s"
        kill -9 "$tp"
    fi
    wait "$tp" 2>/dev/null || true
    # reapd ignores trigger events for one window after a kill (their stall predates it)
    sleep 2.5
    # stay within the run's time budget
    [ $(($(date +%s) - t_start)) -gt 240 ] && { bench_log "psi: stopping after $i samples (time budget)"; break; }
done
trace_dump >"$LAB_DIR/trace"
scanned=$(grep -c "pressure-full" "$LAB_DIR/reapd.log" || true)
others=$(grep "Killed process" "$LAB_DIR/reapd.log" | grep -vc "(bench-thrash)" || true)
grep "Killed process" "$LAB_DIR/reapd.log" | grep -v "(bench-thrash)" | sed 's/^/# psi: not a thrasher: /' >&2 || true
# when, relative to the kill before it: the SIGKILLs reapd sent to anything but a thrasher
extra=$(awk -v t="${tpids[*]}" 'BEGIN {n = split(t, a, " "); for (i = 1; i <= n; i++) th["pid=" a[i]] = 1}
    $2 == "signal_generate" && $3 == "reapd" {
        for (i = 4; i <= NF; i++) if ($i ~ /^pid=/) p = $i
        if (!(p in th)) { printf "%s%.0f ms", sep, (last ? ($1 - last) / 1000 : -1); sep = ", " }
        if (p in th) last = $1 }' "$LAB_DIR/trace")

: >"$OUT/psi.dat"
for tp in "${tpids[@]}"; do
    awk -v p="pid=$tp" '
        $2 == "sched_waking" { t_wake = $1; waker = $3 }
        $2 ~ /epoll_wait/ { t_ret = $1; t_ev = t_wake; ev_waker = waker } # "sys_epoll_wait -> 0x1"
        $2 == "signal_generate" { for (i = 4; i <= NF; i++) if ($i == p && !done) {
            printf "%.3f %s %s %.3f\n", ($1 - t_ev) / 1000, ev_waker, $3, ($1 - t_ret) / 1000; done = 1 } }' \
        "$LAB_DIR/trace" >>"$OUT/psi.dat"
done
awk '{print $1}' "$OUT/psi.dat" >"$LAB_DIR/lat"
awk '{print $4}' "$OUT/psi.dat" >"$LAB_DIR/proc"
n=$(wc -l <"$LAB_DIR/lat")
bypsi=$(awk '$2 ~ /^(psimon|kworker)/' "$OUT/psi.dat" | wc -l)
echo "| $NSLEEP sleepers + 1 thrasher in scope | samples | p50 | p90 | p99 | max |"
echo "|---|---:|---:|---:|---:|---:|"
for f in lat proc; do
    [ $f = lat ] && what="PSI event (reapd woken) → SIGKILL" || what="reapd running (epoll_wait returned) → SIGKILL"
    printf "| %s | %d | %s ms | %s ms | %s ms | %s ms |\n" "$what" "$n" \
        "$(pct 50 "$LAB_DIR/$f")" "$(pct 90 "$LAB_DIR/$f")" "$(pct 99 "$LAB_DIR/$f")" "$(pct 100 "$LAB_DIR/$f")"
done
echo
echo "From one tracefs instance on CLOCK_MONOTONIC: the SIGKILL is signal_generate; reapd running is"
echo "the return of its main thread's epoll_wait before it; the event is the sched_waking of that"
echo "thread before that return (its waker was a kworker or psimon — the PSI trigger work; without"
echo "CAP_SYS_RESOURCE the trigger is served by the 2 s averaging work on a kworker — in $bypsi of $n"
echo "samples; the SIGKILLs were sent by: $(awk '{print $3}' "$OUT/psi.dat" | sort | uniq -c | awk '{printf "%s%s ×%d", s, $2, $1; s = ", "}'))."
echo "In between: reading memory state, the decision, ranking (one BPF task-iterator read, or /proc when BPF is unavailable), full reads of the top candidates, scoring,"
echo "pidfd_open and the identity check. $n samples, so p99 is the largest or second largest (nearest rank)."
echo "reapd ran at nice $NICE, the Nice= of its unit (REAPD_NICE overrides)."
echo
echo "reapd logged $scanned kill records on pressure-full; $others of its victims were not a thrasher${extra:+ (sent ${extra} after the SIGKILL of the thrasher before)};"
echo "the sleepers were restarted $respawned times, so every sample had $NSLEEP sleepers in scope."
echo "Thrasher: $WSET_MB MB touched at random under a $LIMIT_MB MB limit with a 2 GB swap file; $NSLEEP sleepers"
echo "(bench-sleepers) in a sibling cgroup inside reapd's scope."
