#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "policy" (issue 7): Avoid= and Ignore= rules change whom the real daemon kills.
# Copies of hog named bigone, second and tiny give the processes distinct comms.
#
# Avoid: in a 1 GB cgroup, bigone (500 MB), second (300 MB) and a 50 MB hog; MinAvailable=25%
# (256 MB) is above the 170 MB left, so reapd acts at once. Avoid=comm:^bigone$ (AvoidAdjust
# default 300, i.e. 30% of the scope's pages off bigone's badness) makes second the victim:
# second dies, bigone and the hog live, and the one kill record names second.
#
# Ignore: in another 1 GB cgroup, bigone (500 MB, Ignore=comm:^bigone$) and tiny (10 MB);
# MinAvailable=60% (614 MB) is above the 514 MB left and stays so whatever is killed. reapd
# kills tiny, the only candidate, then finds none and says so (a MESSAGE_ID=1dfb41b4...
# record, TRIGGER=memory); bigone never dies. The cgroup limit is far above bigone's size, so
# the kernel's OOM killer has nothing to do either way (checked). Both use PSI off and
# HeadroomMode=or, so memory alone decides (see scenario-runaway).
# Usage: scenario-policy.sh REAPD HOG
set -euo pipefail
REAPD=$1 HOG=$2
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

lab_init reapd-sc-policy
journal_start
dmesg_mark
for name in bigone second tiny; do cp "$HOG" "$LAB_DIR/$name"; done

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
oom_kills_at() {
    if [ -n "$LAB_V1MEM" ]; then awk '$1 == "oom_kill" { print $2 }' "$LAB_V1MEM$LAB_CG/$1/memory.oom_control"
    else awk '$1 == "oom_kill" { print $2 }' "$LAB_V2$LAB_CG/$1/memory.events"; fi
}
wait_dead() { for _ in $(seq 1 "$(($2 * 10))"); do lab_alive "$1" || return 0; sleep 0.1; done; return 1; }

# --- Avoid= -------------------------------------------------------------------------------
lab_limit_at avoid $((1024 << 20))
lab_spawn avoid -- "$LAB_DIR/bigone" 500 --ready-fd 3 3>"$LAB_DIR/a1"; a_big=$LAB_LAST_PID
lab_spawn avoid -- "$LAB_DIR/second" 300 --ready-fd 3 3>"$LAB_DIR/a2"; a_second=$LAB_LAST_PID
lab_spawn avoid -- "$HOG" 50 --ready-fd 3 3>"$LAB_DIR/a3"; a_hog=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/a1"; lab_wait_ready "$LAB_DIR/a2"; lab_wait_ready "$LAB_DIR/a3"
lab_log "avoid: bigone $a_big (500 MB), second $a_second (300 MB), hog $a_hog (50 MB)"
cat >"$LAB_DIR/avoid.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG/avoid
MinAvailable=25%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Policy]
Avoid=comm:^bigone\$
CONF
reapd_start "$REAPD" "$LAB_DIR/avoid.conf"
if wait_dead "$a_second" 10; then ok "avoid: second killed"; else notok "avoid: second alive after 10 s"; fi
sleep 2 # a decision round after the kill: nothing else may die
if lab_alive "$a_big" && lab_alive "$a_hog"; then ok "avoid: bigone (avoided, biggest) and the hog alive"
else notok "avoid: bigone or the hog died"; fi
if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 5); then
    nrec=$(printf '%s\n' "$rec" | grep -c .)
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# record: $(journal_field "$rec" MESSAGE)"
    if [ "$nrec" = 1 ] && [ "$(journal_field "$rec" VICTIM_PID)" = "$a_second" ] && [ "$(journal_field "$rec" VICTIM_COMM)" = second ]
    then ok "avoid: one kill record, naming second ($a_second)"
    else notok "avoid: $nrec records, first names $(journal_field "$rec" VICTIM_PID) ($(journal_field "$rec" VICTIM_COMM))"; fi
    f_rel=$(journal_field "$rec" RELEASED_KB)
    if [ "$(journal_field "$rec" TRIGGER)" = memory ] && [ "$(journal_field "$rec" RESULT)" = killed ] && [ "${f_rel:-0}" -gt 0 ]
    then ok "avoid: TRIGGER=memory RESULT=killed RELEASED_KB=$f_rel"
    else notok "avoid: TRIGGER=$(journal_field "$rec" TRIGGER) RESULT=$(journal_field "$rec" RESULT) RELEASED_KB=$f_rel"; fi
else
    notok "avoid: no kill record from reapd $REAPD_PID"
fi
if reapd_stop; then ok "avoid: reapd stopped cleanly"; else notok "avoid: reapd exit status $?"; fi
reapd_dump_log
kill -9 "$a_big" "$a_hog" 2>/dev/null || true

# --- Ignore= ------------------------------------------------------------------------------
lab_limit_at ignore $((1024 << 20))
lab_spawn ignore -- "$LAB_DIR/bigone" 500 --ready-fd 3 3>"$LAB_DIR/i1"; i_big=$LAB_LAST_PID
lab_spawn ignore -- "$LAB_DIR/tiny" 10 --ready-fd 3 3>"$LAB_DIR/i2"; i_tiny=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/i1"; lab_wait_ready "$LAB_DIR/i2"
lab_log "ignore: bigone $i_big (500 MB), tiny $i_tiny (10 MB)"
cat >"$LAB_DIR/ignore.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG/ignore
MinAvailable=60%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Policy]
Ignore=comm:^bigone\$
CONF
reapd_start "$REAPD" "$LAB_DIR/ignore.conf"
if wait_dead "$i_tiny" 10; then ok "ignore: tiny, the only candidate, killed"; else notok "ignore: tiny alive after 10 s"; fi
if nc=$(journal_wait_records "$JOURNAL_MSGID_NO_CANDIDATE" "$REAPD_PID" 1 8); then
    nc=$(printf '%s\n' "$nc" | head -n 1)
    echo "# no-candidate record: $(journal_field "$nc" MESSAGE)"
    if [ "$(journal_field "$nc" TRIGGER)" = memory ] && [ "$(journal_field "$nc" SCANNED)" -ge 1 ]
    then ok "ignore: no-candidate record, TRIGGER=memory, SCANNED=$(journal_field "$nc" SCANNED)"
    else notok "ignore: no-candidate record with TRIGGER=$(journal_field "$nc" TRIGGER) SCANNED=$(journal_field "$nc" SCANNED)"; fi
else
    notok "ignore: no no-candidate record from reapd $REAPD_PID"
fi
sleep 2 # the condition holds: reapd keeps deciding, and must keep finding nothing to kill
if lab_alive "$i_big"; then ok "ignore: bigone (ignored, the only process left) alive"; else notok "ignore: bigone died"; fi
rec=$(journal_records "$JOURNAL_MSGID_KILL" "$REAPD_PID")
nrec=$(printf '%s' "$rec" | grep -c . || true)
if [ "$nrec" = 1 ] && [ "$(journal_field "$(printf '%s\n' "$rec" | head -n 1)" VICTIM_PID)" = "$i_tiny" ]
then ok "ignore: one kill record, naming tiny"
else notok "ignore: $nrec kill records:"; printf '%s\n' "$rec" | jq -r .MESSAGE | sed 's/^/# /'; fi
if [ "$(oom_kills_at avoid)" = 0 ] && [ "$(oom_kills_at ignore)" = 0 ] && [ -z "$(dmesg_oom_since)" ]
then ok "kernel OOM killer never fired"; else notok "kernel OOM kills: avoid $(oom_kills_at avoid), ignore $(oom_kills_at ignore)"; fi
if reapd_stop; then ok "ignore: reapd stopped cleanly"; else notok "ignore: reapd exit status $?"; fi
reapd_dump_log
exit $status
