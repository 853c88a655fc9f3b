#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-kill.sh - reapd, earlyoom 1.8.2 and earlyoom 1.7 on the same workloads with the same threshold: how long
# from crossing it to SIGKILL, from SIGKILL to the victim's memory being back, and how many
# processes died, for a running victim and for a stuck (frozen, D state) one.
# Usage: bench-kill.sh BUILD OUT [RUNS_RUNNING] [RUNS_FROZEN]
#        (root; prints a markdown section, writes OUT/kill.dat)
#
# Every workload lives in a PID namespace of its own with a private /proc, and in cgroups
# the bench made. earlyoom runs inside that namespace (it can see and kill nothing else);
# reapd runs outside, scoped with Cgroup= to the workload's cgroup. earlyoom 1.7 is Debian 12's;
# 1.8.2, the newest Debian has (trixie), is built by bench/peers.sh and calls process_mrelease
# after its SIGKILL. All get an absolute threshold just under the MemAvailable of the moment
# (earlyoom: SIGKILL at once, no SIGTERM, -M T,T for 1.7 and the same amount as -m of its own
# base for 1.8.2, peers_earlyoom_mem; reapd MinAvailable=T), so a workload of a few hundred MB
# crosses it. Swap (someone else's swap file may come and go on a shared machine) is ruled out
# of the decision for all (earlyoom -s 100,100; reapd HeadroomMode=or, MinSwapFree=0), and
# reapd's PSI levels are off (PressureSome=0, PressureFull=0): earlyoom has none, this compares
# the memory threshold path.
#
# Clocks: bench-watch samples MemAvailable and the victim cgroup's charge every 0.5 ms on
# CLOCK_MONOTONIC; a private tracefs instance (trace_clock mono) timestamps every SIGKILL
# generated on the machine (signal:signal_generate, sig 9) with its sender and target, and
# every process_mrelease() call's entry and exit with its caller (syscalls tracepoints).
#
# Reused by bench-sweep.sh and bench-contended.sh through the environment: KINDS (running
# frozen; contended: the victim pinned to CONTENDED_CPU, which a SCHED_FIFO busy loop then
# saturates), KILLERS (adds sigkill: the bench's own plain SIGKILL at the crossing, the
# control; reapd-default: reapd without REAPD_CONF), FROZEN_MB (the stuck victim's size),
# KILL_DAT (instead of OUT/kill.dat), REAPD_CONF (lines appended to reapd's configuration),
# REAPD_NICE (reapd's nice value), KEEP_RUNS (a directory: each run's trace, watch and
# killer's log are kept there).
set -Eeuo pipefail
# set -e stops quietly: say where
trap 'echo "bench-kill.sh: line $LINENO: \"$BASH_COMMAND\" failed" >&2' ERR
BUILD=$1 OUT=$2 NRUN=${3:-5} NFRZ=${4:-2}
. "$(dirname "$0")/bench-lib.sh"
bench_init reapd-bench-kill
. "$(dirname "$0")/peers.sh"
peers_ensure || lab_fail "peers missing (bench/peers.sh)"
# the killers, by the name kill.dat and the report give them
KILLERS=${KILLERS:-"reapd earlyoom-$EARLYOOM18_VERSION earlyoom-$EARLYOOM17_VERSION"}
KINDS=${KINDS:-"running frozen"}
KILL_DAT=${KILL_DAT:-$OUT/kill.dat}

RUNNING_MARGIN_MB=1024 # the grower crosses after ~1 GB: a victim of about that size
FROZEN_MB=${FROZEN_MB:-1536} # the stuck victim, frozen before anything happens
FROZEN_MARGIN_MB=256   # a small pusher then crosses the threshold; the frozen hog is the biggest
FROZEN_WAIT_MS=12000   # how long after the crossing we wait for a stuck victim's memory
CONTENDED_CPU=${CONTENDED_CPU:-1}
CONTENDED_PRIO=50      # the busy loop's SCHED_FIFO priority: above every normal task
CONTENDED_SECS=60      # the busy loop ends itself after this long, whatever happens to us

trace_start "signal/signal_generate:sig == 9" syscalls/sys_enter_process_mrelease syscalls/sys_exit_process_mrelease
: >"$KILL_DAT"
: >"$LAB_DIR/notes"

if [[ " $KINDS " == *" contended "* ]]; then
    # RT throttling must be on: it leaves the CPU's normal tasks (kernel threads pinned there too)
    # 5% of it; without it a pinned SCHED_FIFO loop would starve them for good
    rt=$(cat /proc/sys/kernel/sched_rt_runtime_us)
    [ "$rt" -ge 0 ] && [ "$rt" -lt "$(cat /proc/sys/kernel/sched_rt_period_us)" ] ||
        lab_fail "RT throttling is off (sched_rt_runtime_us=$rt): no contended runs"
    [ "$(nproc)" -gt "$CONTENDED_CPU" ] || lab_fail "no CPU $CONTENDED_CPU"
fi
BUSY=""
# busy_start: the SCHED_FIFO loop on CONTENDED_CPU, ending itself after CONTENDED_SECS
# schedstat_sum TID[,TID...]: "cpu_ns wait_ns timeslices" of these threads, summed
schedstat_sum() {
    local t
    for t in ${1//,/ }; do cat "/proc/$t/schedstat" 2>/dev/null; done | awk '{a += $1; b += $2; c += $3} END {if (NR) printf "%.0f %.0f %d\n", a, b, c}'
}
busy_start() {
    chrt -f "$CONTENDED_PRIO" taskset -c "$CONTENDED_CPU" \
        bash -c 'end=$((SECONDS + $1)); while [ $SECONDS -lt $end ]; do :; done' _ "$CONTENDED_SECS" &
    BUSY=$!; BG_PIDS+=("$BUSY")
}
busy_stop() {
    [ -n "$BUSY" ] || return 0
    lab_is_child "$BUSY" && kill -9 "$BUSY" 2>/dev/null
    wait "$BUSY" 2>/dev/null || true
    BUSY=""
}

cg_mk() { local d; for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do [ -n "$d" ] && mkdir -p "$d$LAB_CG/$1"; done; return 0; }

# run_one KILLER KIND N: one scenario; appends a line to KILL_DAT:
#   killer kind n detect_ms back_ms killed victim_mb sigkills detect_own_ms
#   sigkill_to_mrelease_ms mrelease_call_ms mrelease_end_to_back_ms mrelease_caller
#   caller_cpu_ms caller_runqueue_wait_ms (its schedstat over the run: the call runs preemptible)
# back_ms is -WAITED_MS when the memory was not back; detect_ms is - when nothing was killed;
# the mrelease columns are - when nobody called process_mrelease() after the SIGKILL.
run_one() {
    local killer=$1 kind=$2 n=$3 s="$1-$2-$3" avail0 thr killer_pid="" vpid pids=() w t_cross t_kill t_back
    local line killed sigkills c peak back base=""
    cg_mk "$s/by1"; cg_mk "$s/by2"; cg_mk "$s/victim"; cg_mk "$s/push"
    ns_start
    ns_run "$s/by1" -- "$HOG" 100 --ready-fd 3 3>"$LAB_DIR/$s.by1"; pids+=("$(ns_last_pid)")
    ns_run "$s/by2" -- "$HOG" 150 --ready-fd 3 3>"$LAB_DIR/$s.by2"; pids+=("$(ns_last_pid)")
    lab_wait_ready "$LAB_DIR/$s.by1"; lab_wait_ready "$LAB_DIR/$s.by2"
    if [ "$kind" = frozen ]; then
        ns_run "$s/victim" -- "$HOG" "$FROZEN_MB" --ready-fd 3 3>"$LAB_DIR/$s.victim"
        vpid=$(ns_last_pid); pids+=("$vpid")
        lab_wait_ready "$LAB_DIR/$s.victim"
        cg_freeze "$s/victim" FROZEN
        for _ in $(seq 1 50); do grep -q FROZEN "$LAB_V1FRZ$LAB_CG/$s/victim/freezer.state" && break; sleep 0.1; done
        avail0=$(mem_available_kb); thr=$((avail0 - FROZEN_MARGIN_MB * 1024))
    elif [ "$kind" = contended ]; then
        # filled first: faulting it in on a saturated CPU would take minutes
        ns_run "$s/victim" -- taskset -c "$CONTENDED_CPU" "$HOG" "$FROZEN_MB" --ready-fd 3 3>"$LAB_DIR/$s.victim"
        vpid=$(ns_last_pid); pids+=("$vpid")
        lab_wait_ready "$LAB_DIR/$s.victim"
        busy_start
        avail0=$(mem_available_kb); thr=$((avail0 - FROZEN_MARGIN_MB * 1024))
    else
        avail0=$(mem_available_kb); thr=$((avail0 - RUNNING_MARGIN_MB * 1024))
    fi

    if [ "$killer" = sigkill ]; then
        # the control: SIGKILL as soon as the watcher below saw the crossing, nothing else
        : >"$LAB_DIR/$s.watch"
        (while ! grep -q '^cross ' "$LAB_DIR/$s.watch"; do sleep 0.002; done; kill -9 "$vpid"; echo "sent SIGKILL") \
            >"$LAB_DIR/$s.log" 2>&1 &
        killer_pid=$!; BG_PIDS+=("$killer_pid")
    elif [[ $killer == reapd* ]]; then
        mkdir -p "$LAB_DIR/$s.run"
        printf '[Monitor]\nCgroup=%s/%s\nMinAvailable=%sK\nMinSwapFree=0\nHeadroomMode=or\nPressureSome=0\nPressureFull=0\n%b' \
            "$LAB_CG" "$s" "$thr" "$([ "$killer" = reapd ] && echo "${REAPD_CONF:-}")" >"$LAB_DIR/$s.conf"
        RUNTIME_DIRECTORY=$LAB_DIR/$s.run nice -n "${REAPD_NICE:-0}" "$REAPD" --config "$LAB_DIR/$s.conf" --log-target=stderr \
            2>"$LAB_DIR/$s.log" &
        killer_pid=$!; BG_PIDS+=("$killer_pid")
        wait_file "$LAB_DIR/$s.log" monitoring 50 || { cat "$LAB_DIR/$s.log" >&2; lab_fail "reapd did not start"; }
    else
        local bin=$EARLYOOM17 mem
        [ "$killer" = "earlyoom-$EARLYOOM18_VERSION" ] && bin=$EARLYOOM18
        mem=$(peers_earlyoom_mem "$bin" "$thr" "$thr")
        # 1.8 and later: the same share for bench-watch, to time its own crossing
        [ "$bin" = "$EARLYOOM18" ] && base=$(echo "$mem" | awk '{split($2, a, ","); print a[1]}')
        # shellcheck disable=SC2086 # the options, split
        ns_run "" -- "$bin" $mem -s 100,100 >"$LAB_DIR/$s.log" 2>&1
        killer_pid=$(ns_last_pid)
        wait_file "$LAB_DIR/$s.log" "mem avail" 50 || { cat "$LAB_DIR/$s.log" >&2; lab_fail "earlyoom did not start"; }
    fi
    sleep 0.5
    # the threads that may call process_mrelease (reapd: every thread of its reaper pool), their
    # CPU time and run-queue wait over the run, summed
    local caller=- ss0=""
    if [[ $killer == reapd* ]]; then
        caller=""
        for f in /proc/"$killer_pid"/task/*/comm; do
            [ "$(cat "$f" 2>/dev/null)" = reapd-reaper ] && caller+="${caller:+,}$(basename "$(dirname "$f")")"
        done
        caller=${caller:--}
    elif [ "$killer" != sigkill ]; then
        caller=$killer_pid
    fi
    [ "$caller" != - ] && ss0=$(schedstat_sum "$caller")

    # earlyoom 1.8 and later: also when its own measure crossed ($base of MemAvailable + AnonPages)
    "$WATCH" "$thr" "$(cg_usage_file "$s/victim")" $([ "$kind" != running ] && echo "$FROZEN_WAIT_MS" || echo 10000) $base \
        >"$LAB_DIR/$s.watch" &
    w=$!; BG_PIDS+=("$w")
    trace_clear
    if [ "$kind" != running ]; then
        # smaller than the stuck victim whatever its size, so that every killer chooses the victim
        ns_run "$s/push" -- "$GROWER" 16 10 $((FROZEN_MB / 2 < FROZEN_MARGIN_MB * 4 ? FROZEN_MB / 2 : FROZEN_MARGIN_MB * 4)) \
            >/dev/null
        pids+=("$(ns_last_pid)")
    else
        # 16 MB per 1 ms pause: as fast as this machine faults memory in (~0.6 GB/s)
        ns_run "$s/victim" -- "$GROWER" 16 1 $((RUNNING_MARGIN_MB * 4)) >/dev/null; vpid=$(ns_last_pid); pids+=("$vpid")
    fi
    wait "$w" || true
    sleep 2 # whatever the killer does next (a second kill?) belongs to this scenario too
    trace_dump >"$LAB_DIR/$s.trace"
    # only this run's caller: other reapds (a CI's) may call process_mrelease meanwhile too
    local ss1="" cpu_ms=- wait_ms=-
    [ "$caller" != - ] && ss1=$(schedstat_sum "$caller")
    if [ -n "$ss0" ] && [ -n "$ss1" ]; then
        read -r cpu_ms wait_ms < <(echo "$ss0 $ss1" | awk '{printf "%.3f %.3f\n", ($4 - $1) / 1e6, ($5 - $2) / 1e6}')
    fi
    { grep -v '^#' "$TRACE/trace" || true; } | awk -v tids="$caller" 'BEGIN { n = split(tids, l, ","); for (i = 1; i <= n; i++) want[l[i]] = 1 }
    {
        n = split($1, c, "-"); if (!(c[n] in want)) next
        for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) break
        if ($(i + 1) !~ /^sys_process_mrelease/) next
        t = $i; sub(":", "", t); split(t, p, ".")
        printf "%d%06d %s\n", p[1], p[2], ($(i + 2) == "->" ? "exit" : "enter")
    }' >"$LAB_DIR/$s.mrelease"

    busy_stop
    [[ $killer == reapd* ]] && kill -TERM "$killer_pid" 2>/dev/null
    if [ "$killer" = sigkill ]; then kill -9 "$killer_pid" 2>/dev/null || true; wait "$killer_pid" 2>/dev/null || true; fi
    cg_freeze "$s/victim" THAWED 2>/dev/null || true
    ns_kill "${NS_PIDS[-1]}"
    [[ $killer == reapd* ]] && { wait "$killer_pid" 2>/dev/null || true; }

    t_cross=$(awk '$1 == "cross" {print $2}' "$LAB_DIR/$s.watch")
    t_crosspcp=$(awk '$1 == "crosspcp" {print $2}' "$LAB_DIR/$s.watch")
    [ "$killer" = "earlyoom-$EARLYOOM18_VERSION" ] && t_crosspcp=$(awk '$1 == "crossbase" {print $2}' "$LAB_DIR/$s.watch")
    line=$(awk '$1 == "back" || $1 == "timeout"' "$LAB_DIR/$s.watch")
    back=${line%% *}; t_back=$(echo "$line" | awk '{print $2}'); peak=$(echo "$line" | awk '{print $3}')
    t_kill=$(awk -v p="pid=$vpid" '$2 == "signal_generate" { for (i = 3; i <= NF; i++) if ($i == p) { print $1; exit } }' "$LAB_DIR/$s.trace")
    killed=0 sigkills=0
    for p in "${pids[@]}"; do
        c=$(grep -c " pid=$p " "$LAB_DIR/$s.trace" || true)
        [ "$c" -gt 0 ] && killed=$((killed + 1))
        sigkills=$((sigkills + c))
    done
    # void: the workload never took MemAvailable under the line and nobody acted, so nobody had
    # to. Not a result about the killer: the caller runs it again (VOID_RETRY), saying so in the
    # notes. A killer that acted before the crossing, by its own measure (earlyoom 1.8.2 counts
    # differently), has a result: that run counts.
    RUN_VOID=0
    if [ -z "$t_cross" ] && [ -z "$t_kill" ] && [ "$killed" = 0 ] && [ "${VOID_RETRY:-0}" = 1 ]; then
        bench_log "kill: $killer $kind #$n: nothing crossed the threshold (void run), again"
        echo "- $killer, $kind run $n: one attempt in which nothing crossed the threshold, not counted; run again" \
            >>"$LAB_DIR/notes"
        RUN_VOID=1
        return 0
    fi
    local det="-" bk="-" detp="-"
    if [ -n "$t_kill" ] && [ -n "$t_cross" ]; then det=$(echo "($t_kill - $t_cross) / 1000" | bc -l); fi
    if [ "$killer" != "earlyoom-$EARLYOOM17_VERSION" ] && [ "$killer" != sigkill ] && [ -n "$t_kill" ] && [ -n "$t_crosspcp" ]; then
        detp=$(echo "($t_kill - $t_crosspcp) / 1000" | bc -l)
    fi
    if [ -n "$t_kill" ] && [ -n "$t_back" ]; then
        bk=$(echo "($t_back - $t_kill) / 1000" | bc -l)
        [ "$back" = timeout ] && bk=-$bk
    fi
    # the first process_mrelease() after the SIGKILL, and the end of that caller's call
    local mr mr_in="-" mr_call="-" mr_back="-" mr_who="-"
    mr=$(awk -v t="${t_kill:-0}" '$1 >= t && $2 == "enter" && !s {s = $1} s && $2 == "exit" {print s, $1; exit}' \
        "$LAB_DIR/$s.mrelease")
    if [ -n "$mr" ] && [ -n "$t_kill" ]; then
        read -r ms me <<<"$mr"
        mr_who=$([[ $killer == reapd* ]] && echo reapd-reaper || echo "$killer")
        mr_in=$(echo "($ms - $t_kill) / 1000" | bc -l); mr_call=$(echo "($me - $ms) / 1000" | bc -l)
        [ "$back" = back ] && mr_back=$(echo "($t_back - $me) / 1000" | bc -l)
    fi
    printf "%s %s %d %s %s %d %d %d %s %s %s %s %s %s %s\n" "$killer" "$kind" "$n" "$det" "$bk" "$killed" $((${peak:-0} / 1024)) \
        "$sigkills" "$detp" "$mr_in" "$mr_call" "$mr_back" "$mr_who" "$cpu_ms" "$wait_ms" >>"$KILL_DAT"
    bench_log "kill: $killer $kind #$n: crossed->SIGKILL $(printf %.1f "$det" 2>/dev/null || echo -) ms, SIGKILL->back $(printf %.1f "$bk" 2>/dev/null || echo -) ms, killed $killed ($sigkills SIGKILLs), victim ${peak:-?} kB"
    sed "s/^/#   $s: /" "$LAB_DIR/$s.log" | grep -E "[Kk]ill|Victim|sending|exited|failed" | head -8 >&2 || true
    # anything but one clean kill is worth a line in the report
    if [ "$killed" != 1 ] || grep -q "not killed" "$LAB_DIR/$s.log"; then
        grep -E "Killed|not killed|sending SIG|kill failed" "$LAB_DIR/$s.log" | sed "s/^<[0-9]>//; s/^/- $killer, $kind run $n: /" \
            >>"$LAB_DIR/notes" || true
    fi
    sed "s/^/#   $s: /" "$LAB_DIR/$s.watch" >&2
    if [ -n "${KEEP_RUNS:-}" ]; then
        mkdir -p "$KEEP_RUNS"
        for f in trace mrelease log watch conf; do [ -e "$LAB_DIR/$s.$f" ] && cp "$LAB_DIR/$s.$f" "$KEEP_RUNS/$s.$f"; done
    fi
    return 0
}

for kind in $KINDS; do
    runs=$NFRZ
    [ "$kind" = running ] && runs=$NRUN
    for n in $(seq 1 "$runs"); do
        for k in $KILLERS; do
            # at most two attempts more for a run in which nothing crossed; the third counts
            for try in 1 2 3; do
                VOID_RETRY=$([ "$try" -lt 3 ] && echo 1 || echo 0)
                run_one "$k" "$kind" "$n"
                [ "$RUN_VOID" = 1 ] || break
            done
        done
    done
done

# median FILTER COLUMN: the median of a kill.dat column over the lines matching killer/kind
med() {
    awk -v k="$1" -v d="$2" -v c="$3" '$1 == k && $2 == d && $c != "-" {print $c}' "$KILL_DAT" | sort -g |
        awk '{a[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
range() {
    awk -v k="$1" -v d="$2" -v c="$3" '$1 == k && $2 == d && $c != "-" {print $c}' "$KILL_DAT" | sort -g |
        awk 'NR == 1 {lo = $1} {hi = $1} END {if (!NR) print "-"; else printf "%.1f–%.1f", lo, hi}'
}

echo "| victim | killer | runs | threshold crossed → SIGKILL (median, range) | crossed by the killer's own measure → SIGKILL | SIGKILL → memory back (median, range) | crossed → memory back | processes killed per run | SIGKILLs sent per run | victim size |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for kind in $KINDS; do
    for k in $KILLERS; do
        runs=$(awk -v k="$k" -v d="$kind" '$1 == k && $2 == d' "$KILL_DAT" | wc -l)
        det=$(med "$k" "$kind" 4) bk=$(med "$k" "$kind" 5)
        kl=$(awk -v k="$k" -v d="$kind" '$1 == k && $2 == d {print $6}' "$KILL_DAT" | sort -n | uniq | paste -sd/)
        mb=$(med "$k" "$kind" 7)
        sk=$(awk -v k="$k" -v d="$kind" '$1 == k && $2 == d {print $8}' "$KILL_DAT" | sort -n | uniq | paste -sd/)
        if [ "$bk" != "-" ] && awk "BEGIN {exit !($bk < 0)}"; then
            bks="not back after $(printf '%.1f' "$(echo "-($bk) / 1000" | bc -l)") s"
            tot="never (while stuck)"
        elif [ "$bk" != "-" ]; then
            bks="$(printf '%.1f ms' "$bk") ($(range "$k" "$kind" 5))"
            tot=$([ "$det" != "-" ] && printf '%.1f ms' "$(echo "$det + $bk" | bc -l)" || echo -)
        else
            bks="-"; tot="-"
        fi
        dets=$([ "$det" != "-" ] && echo "$(printf '%.1f ms' "$det") ($(range "$k" "$kind" 4))" || echo "no kill")
        [ "$det" = "-" ] && [ "$bk" != "-" ] && dets="before it crossed"
        detp=$(med "$k" "$kind" 9)
        if [ "$k" = "earlyoom-$EARLYOOM17_VERSION" ]; then
            detps="same (MemAvailable)"
        elif [ "$detp" != "-" ]; then
            detps="$(printf '%.1f ms' "$detp") ($(range "$k" "$kind" 9))"
        else
            detps="-"
        fi
        echo "| $kind | $k | $runs | $dets | $detps | $bks | $tot | $kl | $sk | $mb MB |"
    done
done
echo
echo "Running victim: a grower faulting memory in as fast as this machine allows (16 MB steps, ~0.6 GB/s),"
echo "with two bystanders (100 and 150 MB); the threshold is 1 GB under the MemAvailable of the moment."
echo "Stuck victim: a ${FROZEN_MB} MB hog frozen in the v1 freezer (D state), two bystanders, and a pusher"
echo "growing to $((FROZEN_MB / 2 < FROZEN_MARGIN_MB * 4 ? FROZEN_MB / 2 : FROZEN_MARGIN_MB * 4)) MB that crosses a threshold ${FROZEN_MARGIN_MB} MB under MemAvailable; the frozen hog is the"
echo "biggest process, so every killer chooses it. \"Crossed\" is the first 0.5 ms sample of MemAvailable"
echo "under the threshold (bench-watch); SIGKILL is the kernel's signal_generate event for the victim"
echo "(tracefs, CLOCK_MONOTONIC); \"memory back\" is the victim's cgroup charge under 10% of its peak."
echo "reapd counts the free pages parked on the per-CPU lists as available (MemAvailable misses them,"
echo "and after a kill they hold much of what the victim freed: see reapd.conf(5), MinAvailable=), so at"
echo "the same setting it acts that much lower than MemAvailable alone; the second column times it"
echo "from when MemAvailable plus those lists (/proc/zoneinfo, read by bench-watch from twice the"
echo "threshold down) crossed the threshold. earlyoom $EARLYOOM18_VERSION measures MemAvailable as a share of MemAvailable + AnonPages"
echo "and is given that share of the threshold as it stood when it started; the free pages a previous run"
echo "left on the per-CPU lists come back into that sum later, so it may act before MemAvailable itself"
echo "crosses (\"before it crossed\"); its second column times it from its own measure (bench-watch). They held $(awk '/count:/ {s += $2} END {printf "%.0f", s * 4 / 1024}' /proc/zoneinfo) MB at the end of this run."
echo "\"Processes killed\" counts every SIGKILL generated for one of the scenario's processes (victim,"
echo "bystanders, pusher) until 2 s after the memory was back or the wait ended; a frozen victim counts"
echo "once it was sent SIGKILL, even though it cannot die; \"SIGKILLs sent\" counts repeats too. A/B"
echo "in these columns means some runs had A and others B."
if [ -s "$LAB_DIR/notes" ]; then
    echo
    echo "What the killers logged in the runs that did not end with one clean kill:"
    echo
    cat "$LAB_DIR/notes"
fi
