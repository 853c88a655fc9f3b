#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "thrash" (issue 7; the acceptance test of issue 5): with a 2 GB swap file on, a
# cgroup limited to 400 MB holds a workload that randomly touches 1.4 GB (thrash.c) and an
# idle 30 MB bystander. Memory headroom cannot trigger (MinSwapFree=0 with HeadroomMode=and:
# swap never counts as low, so memory alone never does either; and the machine's MemAvailable
# stays high, which the test checks); PressureFull=0. So reapd may act on the "some" stall
# alone, and issue 5 says: it kills the thrasher within PressureDuration + 2 s of the stall's
# start, and the bystander survives.
#
# The clock. Pushing 1.4 GB through a 400 MB limit (the fill) is a burst of direct reclaim
# (measured 60-85 % "some" over 2 s) that any threshold catches at once; issue 5 is about the
# steady thrash after it. So reapd starts once the fill is done and one more 2 s window has
# passed (the share then is the steady thrash's, checked to be at least half the threshold),
# and the clock starts at t_ready, the journal timestamp of reapd's "monitoring" message: the
# stall is already on then, and reapd cannot have seen it earlier. The thrasher must be dead
# (seen by a 100 ms poll) within PressureDuration + 2 s of t_ready. The script also prints the
# time from the end of the first 2 s window reapd could measure above the threshold, and from
# the end of the fill.
#
# Threshold: issue 5's 10 %. LAB.md measured 10-13 % "some" (avg10) for this workload with one
# thread and called 10 % borderline. Measured here with one thread (PressureDuration=6s, bound
# 8 s, 2 cores shared with other tests): 16 of 17 runs killed in 4.6-6.4 s, one in 10.6 s (the
# steady share over reapd's watch was 9.35 %: a thrasher that gets less CPU faults less, and
# the share moved between 9 and 21 % with the machine's load). "some" is the share of time at
# least one task of the group waits on memory, so the workload now touches its 1.4 GB from two
# threads (THRASH_THREADS), which keeps the share well above 10 % (see the commit for the runs).
# THRASH_SOME and THRASH_THREADS override both; the "steady thrash" line prints the share
# reapd starts on.
# Usage: scenario-thrash.sh REAPD HOG THRASH
set -euo pipefail
REAPD=$1 HOG=$2 THRASH=$3
SOME=${THRASH_SOME:-10%}
THREADS=${THRASH_THREADS:-2}
DURATION_S=${THRASH_DURATION_S:-6}
WORKSET_MB=1400
LIMIT_MB=400
TIMEOUT_S=60
SETTLE_S=4
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

lab_init reapd-sc-thrash
lab_limit $((LIMIT_MB << 20))
lab_swap 2G
journal_start
dmesg_mark
PRESSURE=$LAB_V2$LAB_CG/memory.pressure

lab_spawn -- "$HOG" 30 --ready-fd 3 3>"$LAB_DIR/b1"; b1=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/b1"
lab_log "bystander $b1 (30 MB) ready; swap $(swapon --show=NAME,SIZE --noheadings | tr -s ' ')"

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=1%
MinSwapFree=0
HeadroomMode=and
PressureSome=$SOME
PressureFull=0
PressureWindow=2s
PressureDuration=${DURATION_S}s
[Kill]
KillTimeout=5s
CONF

now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }
some_total() { local _a _b _c _d tot; read -r _a _b _c _d tot <"$PRESSURE"; echo "${tot#total=}"; }
thr=${SOME%\%}
thr_permyriad=$((thr * 100))

# sample: one point of the cgroup's "some" stall counter, the measured share over the newest
# span of at least 2 s (as reapd measures it), and the machine's MemAvailable.
T=() S=()
t_stall="" t_thr="" t_filled="" t_ready="" t_dead="" max_share=0 share=0 sysavail_min=""
sample() {
    local t s i j avail
    t=$(now_us); s=$(some_total)
    T+=("$t"); S+=("$s")
    [ -z "$t_stall" ] && [ "$s" -gt "$s_start" ] && t_stall=$t
    i=$((${#T[@]} - 1)) j=$i
    while [ "$j" -gt 0 ] && [ $((t - T[j])) -lt 2000000 ]; do j=$((j - 1)); done
    if [ $((t - T[j])) -ge 2000000 ]; then
        share=$(((s - S[j]) * 10000 / (t - T[j])))
        if [ -n "$t_filled" ] && [ "${T[j]}" -ge "$t_filled" ] && [ "$share" -gt "$max_share" ]; then
            max_share=$share
        fi
        if [ -n "$t_ready" ] && [ "${T[j]}" -ge "$t_ready" ] && [ -z "$t_thr" ] && [ "$share" -ge "$thr_permyriad" ]; then
            t_thr=$t
        fi
    fi
    [ -z "$t_filled" ] && grep -q filled "$LAB_DIR/filled" 2>/dev/null && t_filled=$t
    read -r _ avail _ < <(grep MemAvailable /proc/meminfo)
    if [ -z "$sysavail_min" ] || [ "$avail" -lt "$sysavail_min" ]; then sysavail_min=$avail; fi
    return 0
}
pct() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100)))%"; }

# Phase 1, without reapd: the fill. Pushing 1.4 GB through a 400 MB limit is not the steady
# thrash of issue 5 but a burst of direct reclaim (measured: 60-85 % "some" over 2 s), which
# any threshold catches. reapd starts once the fill is done, on the steady random touching.
t_start=$(now_us); s_start=$(some_total)
lab_spawn -- "$THRASH" $WORKSET_MB --ready-fd 3 --threads "$THREADS" 3>"$LAB_DIR/filled"; thrasher=$LAB_LAST_PID
lab_log "thrasher $thrasher started ($WORKSET_MB MB in $LIMIT_MB MB, $THREADS threads)"
while [ -z "$t_filled" ] && lab_alive "$thrasher" && [ $(($(now_us) - t_start)) -lt $((TIMEOUT_S * 1000000)) ]; do
    sample; sleep 0.1
done
[ -n "$t_filled" ] || lab_fail "the thrasher did not finish its fill in ${TIMEOUT_S} s"
lab_log "fill done after $(((t_filled - t_start) / 1000)) ms; share over the last 2 s $(pct "$share")"
# Let one whole 2 s window (and some) pass after the fill, so the share reapd first measures
# is the steady thrash's, not the fill's burst.
while [ $(($(now_us) - t_filled)) -lt $((SETTLE_S * 1000000)) ] && lab_alive "$thrasher"; do
    sample; sleep 0.1
done
lab_log "steady thrash: share over the last 2 s $(pct "$share")"

# Phase 2: the steady thrash, with reapd watching from t_ready (the journal's timestamp of its
# "monitoring" message). The stall is already on then (checked below), so the clock of issue 5
# starts at t_ready: the thrasher must die within PressureDuration + 2 s of it.
reapd_start "$REAPD" "$LAB_DIR/reapd.conf"
t_ready=$(journalctl -o json --no-pager "_PID=$REAPD_PID" | jq -r 'select(.MESSAGE | test("monitoring")) | .__REALTIME_TIMESTAMP' | head -n 1)
share_at_ready=$share
s_ready=${S[-1]} t_s_ready=${T[-1]}
while :; do
    sample
    if ! lab_alive "$thrasher"; then t_dead=${T[-1]}; break; fi
    [ $((T[-1] - t_ready)) -gt $((TIMEOUT_S * 1000000)) ] && break
    sleep 0.1
done
read -r _ memtotal _ < <(grep MemTotal /proc/meminfo)
# the mean stall share while reapd watched (its last sample before the death)
watch_share=$(((S[-2] - s_ready) * 10000 / (T[-2] - t_s_ready + 1)))

ms() { [ -n "$1" ] && [ -n "$2" ] && echo $((($1 - $2) / 1000)) || echo "?"; }
echo "# timeline (ms after the thrasher started): stall $(ms "$t_stall" "$t_start"), fill done" \
    "$(ms "$t_filled" "$t_start"), reapd ready $(ms "$t_ready" "$t_start"), share >= $SOME (end of the first 2 s" \
    "window after that) $(ms "$t_thr" "$t_start"), thrasher dead $(ms "$t_dead" "$t_start"); highest 2 s share" \
    "after the fill $(pct "$max_share")"

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

if [ -n "$t_dead" ]; then ok "thrasher killed"; else notok "thrasher alive after ${TIMEOUT_S} s"; fi
if lab_alive "$b1"; then ok "bystander alive"; else notok "bystander died"; fi
bound=$(((DURATION_S + 2) * 1000))
if [ "$share_at_ready" -ge $((thr_permyriad / 2)) ]; then ok "stalled when reapd started ($(pct "$share_at_ready") over 2 s)"
else notok "only $(pct "$share_at_ready") stall when reapd started: the clock would start late"; fi
if [ -n "$t_dead" ]; then
    lat=$(ms "$t_dead" "$t_ready")
    if [ "$lat" -le "$bound" ]; then ok "killed $lat ms after reapd started on the running thrash (PressureDuration + 2 s = $bound ms)"
    else notok "killed $lat ms after reapd started on the running thrash, more than PressureDuration + 2 s = $bound ms"; fi
    echo "# THRASH_FIGURES some=$SOME duration=${DURATION_S}s ready->kill=${lat}ms" \
        "threshold-window->kill=$(ms "$t_dead" "$t_thr")ms fill->kill=$(ms "$t_dead" "$t_filled")ms" \
        "share-at-ready=$(pct "$share_at_ready") watched-share=$(pct "$watch_share") max-share=$(pct "$max_share")"
else
    echo "# THRASH_FIGURES some=$SOME duration=${DURATION_S}s ready->kill=none share-at-ready=$(pct "$share_at_ready") max-share=$(pct "$max_share")"
fi
# The machine was never short: headroom could not have been the reason.
if [ $((sysavail_min * 2)) -gt "$memtotal" ]; then ok "system MemAvailable stayed high (lowest $((sysavail_min >> 10)) MB of $((memtotal >> 10)) MB)"
else notok "system MemAvailable fell to $((sysavail_min >> 10)) MB"; fi
ooms=$(lab_oom_kills)
if [ "$ooms" = 0 ] && [ -z "$(dmesg_oom_since)" ]; then ok "kernel OOM killer never fired"; else notok "kernel OOM kills: $ooms"; fi

if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 5); then
    nrec=$(printf '%s\n' "$rec" | grep -c .)
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# record: $(journal_field "$rec" MESSAGE)"
    f_pid=$(journal_field "$rec" VICTIM_PID) f_trig=$(journal_field "$rec" TRIGGER)
    f_res=$(journal_field "$rec" RESULT) f_rel=$(journal_field "$rec" RELEASED_KB)
    if [ "$nrec" = 1 ]; then ok "exactly one kill record"; else notok "$nrec kill records"; fi
    if [ "$f_pid" = "$thrasher" ] && [ "$(journal_field "$rec" VICTIM_COMM)" = "$(basename "$THRASH" | cut -c1-15)" ]; then ok "record names the thrasher"
    else notok "record names $f_pid, not the thrasher $thrasher"; fi
    case $f_trig in
    pressure-some | pressure-full) ok "TRIGGER=$f_trig (PRESSURE_SOME_AVG10=$(journal_field "$rec" PRESSURE_SOME_AVG10))" ;;
    *) notok "TRIGGER=$f_trig, not a pressure trigger" ;;
    esac
    if [ "$f_res" = killed ] && [ "${f_rel:-0}" -gt 0 ]; then ok "RESULT=killed RELEASED_KB=$f_rel"
    else notok "RESULT=$f_res RELEASED_KB=$f_rel"; fi
    echo "# figures: KILL_USEC=$(journal_field "$rec" KILL_USEC) RELEASE_USEC=$(journal_field "$rec" RELEASE_USEC)" \
        "EXIT_USEC=$(journal_field "$rec" EXIT_USEC) RELEASED_BY=$(journal_field "$rec" RELEASED_BY)" \
        "RSS_KB=$(journal_field "$rec" RSS_KB) SWAP_KB=$(journal_field "$rec" SWAP_KB)"
else
    notok "no kill record from reapd $REAPD_PID in the journal"
fi

if reapd_stop; then ok "reapd stopped cleanly on SIGTERM"; else notok "reapd exit status $?"; fi
reapd_dump_log
exit $status
