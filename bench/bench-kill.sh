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
# generated on the machine (signal:signal_generate, sig 9) with its sender and target.
set -euo pipefail
BUILD=$1 OUT=$2 NRUN=${3:-5} NFRZ=${4:-2}
. "$(dirname "$0")/bench-lib.sh"
bench_init reapd-bench-kill
. "$(dirname "$0")/peers.sh"
peers_ensure || lab_fail "peers missing (bench/peers.sh)"
# the killers, by the name kill.dat and the report give them
KILLERS="reapd earlyoom-$EARLYOOM18_VERSION earlyoom-$EARLYOOM17_VERSION"

RUNNING_MARGIN_MB=1024 # the grower crosses after ~1 GB: a victim of about that size
FROZEN_MB=1536         # the stuck victim, frozen before anything happens
FROZEN_MARGIN_MB=256   # a small pusher then crosses the threshold; the frozen hog is the biggest
FROZEN_WAIT_MS=12000   # how long after the crossing we wait for a stuck victim's memory

trace_start "signal/signal_generate:sig == 9"
: >"$OUT/kill.dat"
: >"$LAB_DIR/notes"

cg_mk() { local d; for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do [ -n "$d" ] && mkdir -p "$d$LAB_CG/$1"; done; return 0; }

# run_one KILLER KIND N: one scenario; appends a line to OUT/kill.dat:
#   killer kind n detect_ms back_ms killed victim_mb sigkills
# back_ms is -WAITED_MS when the memory was not back; detect_ms is - when nothing was killed.
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
    else
        avail0=$(mem_available_kb); thr=$((avail0 - RUNNING_MARGIN_MB * 1024))
    fi

    if [ "$killer" = reapd ]; then
        mkdir -p "$LAB_DIR/$s.run"
        printf '[Monitor]\nCgroup=%s/%s\nMinAvailable=%sK\nMinSwapFree=0\nHeadroomMode=or\nPressureSome=0\nPressureFull=0\n' \
            "$LAB_CG" "$s" "$thr" >"$LAB_DIR/$s.conf"
        RUNTIME_DIRECTORY=$LAB_DIR/$s.run "$REAPD" --config "$LAB_DIR/$s.conf" --log-target=stderr \
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

    # earlyoom 1.8 and later: also when its own measure crossed ($base of MemAvailable + AnonPages)
    "$WATCH" "$thr" "$(cg_usage_file "$s/victim")" $([ "$kind" = frozen ] && echo "$FROZEN_WAIT_MS" || echo 10000) $base \
        >"$LAB_DIR/$s.watch" &
    w=$!; BG_PIDS+=("$w")
    trace_clear
    if [ "$kind" = frozen ]; then
        ns_run "$s/push" -- "$GROWER" 16 10 $((FROZEN_MARGIN_MB * 4)) >/dev/null; pids+=("$(ns_last_pid)")
    else
        # 16 MB per 1 ms pause: as fast as this machine faults memory in (~0.6 GB/s)
        ns_run "$s/victim" -- "$GROWER" 16 1 $((RUNNING_MARGIN_MB * 4)) >/dev/null; vpid=$(ns_last_pid); pids+=("$vpid")
    fi
    wait "$w" || true
    sleep 2 # whatever the killer does next (a second kill?) belongs to this scenario too
    trace_dump >"$LAB_DIR/$s.trace"

    [ "$killer" = reapd ] && kill -TERM "$killer_pid" 2>/dev/null
    cg_freeze "$s/victim" THAWED 2>/dev/null || true
    ns_kill "${NS_PIDS[-1]}"
    [ "$killer" = reapd ] && { wait "$killer_pid" 2>/dev/null || true; }

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
    local det="-" bk="-" detp="-"
    if [ -n "$t_kill" ] && [ -n "$t_cross" ]; then det=$(echo "($t_kill - $t_cross) / 1000" | bc -l); fi
    if [ "$killer" != "earlyoom-$EARLYOOM17_VERSION" ] && [ -n "$t_kill" ] && [ -n "$t_crosspcp" ]; then
        detp=$(echo "($t_kill - $t_crosspcp) / 1000" | bc -l)
    fi
    if [ -n "$t_kill" ] && [ -n "$t_back" ]; then
        bk=$(echo "($t_back - $t_kill) / 1000" | bc -l)
        [ "$back" = timeout ] && bk=-$bk
    fi
    printf "%s %s %d %s %s %d %d %d %s\n" "$killer" "$kind" "$n" "$det" "$bk" "$killed" $((${peak:-0} / 1024)) "$sigkills" \
        "$detp" >>"$OUT/kill.dat"
    bench_log "kill: $killer $kind #$n: crossed->SIGKILL $(printf %.1f "$det" 2>/dev/null || echo -) ms, SIGKILL->back $(printf %.1f "$bk" 2>/dev/null || echo -) ms, killed $killed ($sigkills SIGKILLs), victim ${peak:-?} kB"
    sed "s/^/#   $s: /" "$LAB_DIR/$s.log" | grep -E "[Kk]ill|Victim|sending|exited|failed" | head -8 >&2 || true
    # anything but one clean kill is worth a line in the report
    if [ "$killed" != 1 ] || grep -q "not killed" "$LAB_DIR/$s.log"; then
        grep -E "Killed|not killed|sending SIG|kill failed" "$LAB_DIR/$s.log" | sed "s/^<[0-9]>//; s/^/- $killer, $kind run $n: /" \
            >>"$LAB_DIR/notes" || true
    fi
    sed "s/^/#   $s: /" "$LAB_DIR/$s.watch" >&2
}

for n in $(seq 1 "$NRUN"); do
    for k in $KILLERS; do run_one "$k" running "$n"; done
done
for n in $(seq 1 "$NFRZ"); do
    for k in $KILLERS; do run_one "$k" frozen "$n"; done
done

# median FILTER COLUMN: the median of a kill.dat column over the lines matching killer/kind
med() {
    awk -v k="$1" -v d="$2" -v c="$3" '$1 == k && $2 == d && $c != "-" {print $c}' "$OUT/kill.dat" | sort -g |
        awk '{a[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
range() {
    awk -v k="$1" -v d="$2" -v c="$3" '$1 == k && $2 == d && $c != "-" {print $c}' "$OUT/kill.dat" | sort -g |
        awk 'NR == 1 {lo = $1} {hi = $1} END {if (!NR) print "-"; else printf "%.1f–%.1f", lo, hi}'
}

echo "| victim | killer | runs | threshold crossed → SIGKILL (median, range) | crossed by the killer's own measure → SIGKILL | SIGKILL → memory back (median, range) | crossed → memory back | processes killed per run | SIGKILLs sent per run | victim size |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for kind in running frozen; do
    for k in $KILLERS; do
        runs=$(awk -v k="$k" -v d="$kind" '$1 == k && $2 == d' "$OUT/kill.dat" | wc -l)
        det=$(med "$k" "$kind" 4) bk=$(med "$k" "$kind" 5)
        kl=$(awk -v k="$k" -v d="$kind" '$1 == k && $2 == d {print $6}' "$OUT/kill.dat" | sort -n | uniq | paste -sd/)
        mb=$(med "$k" "$kind" 7)
        sk=$(awk -v k="$k" -v d="$kind" '$1 == k && $2 == d {print $8}' "$OUT/kill.dat" | sort -n | uniq | paste -sd/)
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
echo "growing to $((FROZEN_MARGIN_MB * 4)) MB that crosses a threshold ${FROZEN_MARGIN_MB} MB under MemAvailable; the frozen hog is the"
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
