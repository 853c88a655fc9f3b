#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "stuck victim" (issue 7): the biggest process of a 1.5 GB cgroup, an 800 MB hog, is
# frozen by the v1 freezer (state D: a SIGKILL stays pending and frees nothing, LAB.md). A
# grower capped at 600 MB then pushes the cgroup under MinAvailable=20%. reapd must kill the
# frozen hog and get its memory back while it is still frozen (process_mrelease): at the
# first sample where the cgroup's usage dropped by most of the hog's size, freezer.state is
# FROZEN, the hog is in D state and its VmRSS is near 0. Nothing else dies (the grower's cap
# keeps the cgroup above MinAvailable once the hog's memory is back); the journal record
# names the hog, RESULT=killed, RELEASED_BY=process_mrelease, RELEASED_KB about its size.
# Usage: scenario-stuck.sh REAPD HOG GROWER
set -euo pipefail
REAPD=$1 HOG=$2 GROWER=$3
LIMIT_MB=1536 STUCK_MB=800 GROWER_MB=600 BYSTANDER_MB=50
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

lab_init reapd-sc-stuck
[ -n "$LAB_V1FRZ" ] || { echo "1..0 # SKIP no v1 freezer hierarchy to put a process in D state"; exit 77; }
lab_limit $((LIMIT_MB << 20))
journal_start
dmesg_mark

lab_spawn -- "$HOG" $BYSTANDER_MB --ready-fd 3 3>"$LAB_DIR/b1"; b1=$LAB_LAST_PID
lab_spawn stuck -- "$HOG" $STUCK_MB --ready-fd 3 3>"$LAB_DIR/stuck"; stuck=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/b1"; lab_wait_ready "$LAB_DIR/stuck"
FREEZER=$LAB_V1FRZ$LAB_CG/stuck/freezer.state
echo FROZEN >"$FREEZER"
state() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }; s=${s##*) }; echo "${s%% *}"; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
for _ in $(seq 1 50); do [ "$(cat "$FREEZER")" = FROZEN ] && [ "$(state "$stuck")" = D ] && break; sleep 0.1; done
[ "$(cat "$FREEZER")" = FROZEN ] && [ "$(state "$stuck")" = D ] ||
    lab_fail "hog $stuck not frozen: freezer $(cat "$FREEZER"), state $(state "$stuck")"
stuck_rss=$(rss_kb "$stuck")
lab_log "bystander $b1 ($BYSTANDER_MB MB); hog $stuck ($STUCK_MB MB, VmRSS $stuck_rss kB) frozen, state D; usage $(($(lab_usage) >> 20)) MB"

# PSI off: the trigger must be memory headroom. 20% of 1.5 GB: reapd acts below 307 MB free,
# when the grower passes about 380 MB, still smaller than the frozen hog. HeadroomMode=or:
# memory alone decides, whether or not some other test has swap on (see scenario-runaway).
cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=20%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=5s
CONF
reapd_start "$REAPD" "$LAB_DIR/reapd.conf"

lab_spawn -- "$GROWER" 16 100 $GROWER_MB >"$LAB_DIR/grower.out"; grower=$LAB_LAST_PID
lab_log "grower $grower started (16 MB per 100 ms up to $GROWER_MB MB)"

# Watch every 20 ms: usage, the hog's state and VmRSS, the freezer state. The release is the
# first sample where the hog's VmRSS fell under a tenth of what it was.
now_ms() { local t=$EPOCHREALTIME; t=${t/./}; echo $((10#$t / 1000)); }
t0=$(now_ms) prev_usage=$(lab_usage) max_usage=0
rel_t="" rel_drop="" rel_state="" rel_freezer="" rel_rss=""
while [ $(($(now_ms) - t0)) -lt 20000 ]; do
    # RSS first: read after it, the usage cannot predate the release it is compared with
    r=$(rss_kb "$stuck"); st=$(state "$stuck"); fz=$(cat "$FREEZER"); u=$(lab_usage)
    [ "$u" -gt "$max_usage" ] && max_usage=$u
    if [ -z "$rel_t" ] && [ "${r:-0}" -lt $((stuck_rss / 10)) ]; then
        # uncharging trails the unmapping by a page batch or so: let it land
        sleep 0.05; u=$(lab_usage)
        rel_t=$(($(now_ms) - t0)) rel_drop=$(((max_usage - u) >> 20)) rel_state=$st rel_freezer=$fz rel_rss=$r
        lab_log "hog's memory back at +${rel_t} ms: usage $((prev_usage >> 20)) -> $((u >> 20)) MB (peak $((max_usage >> 20)) MB), state $st, freezer $fz, VmRSS ${r} kB"
    fi
    prev_usage=$u
    # done once the grower reached its cap (or died) after the release
    if [ -n "$rel_t" ] && { ! lab_alive "$grower" || grep -q "grower $GROWER_MB\$" "$LAB_DIR/grower.out"; }; then break; fi
    sleep 0.02
done
sleep 1 # one more decision round with the grower at its cap: it must not be killed

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

if [ -n "$rel_t" ]; then ok "the frozen hog's memory came back ($((stuck_rss >> 10)) MB of VmRSS -> ${rel_rss} kB)"
else notok "the frozen hog's VmRSS never dropped (now $(rss_kb "$stuck") kB)"; fi
if [ "$rel_freezer" = FROZEN ] && [ "$rel_state" = D ]; then ok "it was still frozen then (freezer.state FROZEN, state D)"
else notok "at the release freezer.state was '$rel_freezer', state '$rel_state'"; fi
if [ -n "$rel_drop" ] && [ "$rel_drop" -ge $((STUCK_MB * 8 / 10)) ]; then ok "cgroup usage dropped by $rel_drop MB from its peak (hog: $STUCK_MB MB)"
else notok "cgroup usage dropped by only ${rel_drop:-?} MB from its peak (hog: $STUCK_MB MB)"; fi
if [ "$(state "$stuck")" = D ] && [ "$(cat "$FREEZER")" = FROZEN ]; then ok "the hog is still frozen now, with nothing left to free"
else notok "the hog is no longer frozen: state $(state "$stuck"), freezer $(cat "$FREEZER")"; fi
if lab_alive "$grower" && lab_alive "$b1"; then ok "grower and bystander alive (grower at $(tail -n 1 "$LAB_DIR/grower.out"))"
else notok "grower or bystander died"; fi
ooms=$(lab_oom_kills)
if [ "$ooms" = 0 ] && [ -z "$(dmesg_oom_since)" ]; then ok "kernel OOM killer never fired"; else notok "kernel OOM kills: $ooms"; fi

if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 5); then
    nrec=$(printf '%s\n' "$rec" | grep -c .)
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# record: $(journal_field "$rec" MESSAGE)"
    f_rel=$(journal_field "$rec" RELEASED_KB)
    if [ "$nrec" = 1 ]; then ok "exactly one kill record"; else notok "$nrec kill records"; fi
    if [ "$(journal_field "$rec" VICTIM_PID)" = "$stuck" ] && [ "$(journal_field "$rec" VICTIM_COMM)" = hog ] &&
        [ "$(journal_field "$rec" VICTIM_CGROUP)" = "$LAB_CG/stuck" ]; then ok "record names the frozen hog ($stuck, hog, $LAB_CG/stuck)"
    else notok "record names $(journal_field "$rec" VICTIM_PID) ($(journal_field "$rec" VICTIM_COMM), $(journal_field "$rec" VICTIM_CGROUP))"; fi
    if [ "$(journal_field "$rec" TRIGGER)" = memory ] && [ "$(journal_field "$rec" RESULT)" = killed ] &&
        [ "$(journal_field "$rec" RELEASED_BY)" = process_mrelease ]; then ok "TRIGGER=memory RESULT=killed RELEASED_BY=process_mrelease"
    else notok "TRIGGER=$(journal_field "$rec" TRIGGER) RESULT=$(journal_field "$rec" RESULT) RELEASED_BY=$(journal_field "$rec" RELEASED_BY)"; fi
    if [ "${f_rel:-0}" -ge $((STUCK_MB * 1024 * 8 / 10)) ]; then ok "RELEASED_KB=$f_rel ($((f_rel >> 10)) MB)"
    else notok "RELEASED_KB=$f_rel, less than 80% of $STUCK_MB MB"; fi
    echo "# figures: KILL_USEC=$(journal_field "$rec" KILL_USEC) RELEASE_USEC=$(journal_field "$rec" RELEASE_USEC)" \
        "EXIT_USEC=$(journal_field "$rec" EXIT_USEC) RSS_KB=$(journal_field "$rec" RSS_KB)"
else
    notok "no kill record from reapd $REAPD_PID in the journal"
fi

# Thawed, the hog finally takes its pending SIGKILL.
echo THAWED >"$FREEZER"
for _ in $(seq 1 50); do lab_alive "$stuck" || break; sleep 0.1; done
if lab_alive "$stuck"; then notok "the hog survived being thawed"; else ok "thawed, the hog died of its pending SIGKILL"; fi

if reapd_stop; then ok "reapd stopped cleanly on SIGTERM"; else notok "reapd exit status $?"; fi
reapd_dump_log
exit $status
