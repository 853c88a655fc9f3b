#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kills that fail do not repeat forever (issue 13, item 3).
#
# Part 1, EPERM: reapd runs as nobody (setpriv), scoped with MinAvailable=90% to a 512 MB
# cgroup holding root's 200 MB hog and nobody's 100 MB hog. Root's is the larger and is chosen
# first, but nobody may not signal it (EPERM). reapd must set it aside and kill nobody's hog at
# the next sample, then find nothing else to kill (root's stays aside for a minute): one
# refusal logged, no retry storm. Before, it retried root's hog every KillTimeout= and never
# killed the other.
#
# Part 2, a unit that cannot be killed: a dry-run reapd watching the whole machine with
# KillUnit=cgroup, and a policy that makes a hog of the test's (run as nobody, in the cgroup2
# root like everything the test starts) the only candidate (Ignore=uid:0, Prefer= its command
# line). The root cgroup cannot be killed as a unit: the dry-run record must name the hog with
# KILL_UNIT=process and KILL_UNIT_WANTED=cgroup. Before, every attempt failed with EINVAL.
# Dry run: nothing is signalled, whatever it chose.
# Usage: test-refused.sh REAPD HOG
set -euo pipefail
REAPD=$1 HOG=$2
WATCH_S=12
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"
command -v setpriv >/dev/null || { echo "1..0 # SKIP needs setpriv"; exit 77; }
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

lab_init reapd-refused
lab_limit $((512 << 20))
journal_start
chmod 755 "$LAB_DIR"

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

lab_spawn -- "$HOG" 200 --ready-fd 3 3>"$LAB_DIR/root"; root_hog=$LAB_LAST_PID
lab_spawn -- $NOBODY "$HOG" 100 --ready-fd 3 3>"$LAB_DIR/nobody"; nobody_hog=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/root"; lab_wait_ready "$LAB_DIR/nobody"
lab_log "root's hog $root_hog (200 MB), nobody's hog $nobody_hog (100 MB)"

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=90%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=2s
CONF
chmod 644 "$LAB_DIR/reapd.conf"
JOURNAL_SINCE_USEC=${EPOCHREALTIME/./}
RUNTIME_DIRECTORY=$LAB_DIR $NOBODY "$REAPD" --config "$LAB_DIR/reapd.conf" --log-target=journal 2>"$LAB_DIR/reapd.err" &
REAPD_PID=$!
LAB_PIDS+=("$REAPD_PID")
journal_wait_message "$REAPD_PID" "monitoring $LAB_CG" 5 || { cat "$LAB_DIR/reapd.err"; lab_fail "reapd did not start"; }
sleep "$WATCH_S"

if lab_alive "$nobody_hog"; then notok "nobody's hog alive after ${WATCH_S} s"; else ok "nobody's hog killed"; fi
if lab_alive "$root_hog"; then ok "root's hog alive (nobody may not kill it)"; else notok "root's hog died"; fi
refusals=$(journal_messages "$REAPD_PID" | grep -cE "Cannot kill $root_hog|Failed to kill $root_hog" || true)
if [ "$refusals" = 1 ]; then ok "one refusal logged for root's hog in ${WATCH_S} s"; else notok "$refusals refusals logged for root's hog in ${WATCH_S} s"; fi
if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 2); then
    rec=$(printf '%s\n' "$rec" | head -n 1)
    if [ "$(journal_field "$rec" VICTIM_PID)" = "$nobody_hog" ]; then ok "the kill record names nobody's hog"
    else notok "the kill record names $(journal_field "$rec" VICTIM_PID)"; fi
else notok "no kill record"; fi
if reapd_stop; then ok "reapd (part 1) stopped cleanly"; else notok "reapd exit status $?"; fi
reapd_dump_log

# Part 2: the root cgroup as KillUnit=cgroup, in a dry run.
token=reapd-refused-$$-hog
lab_log "part 2: hog as nobody in $(sed -n 's/^0:://p' /proc/self/cgroup) (cgroup2), dry run system-wide"
$NOBODY bash -c "exec -a $token \"\$0\" 20" "$HOG" &
p2_hog=$!
LAB_PIDS+=("$p2_hog")
sleep 0.5
cat >"$LAB_DIR/reapd2.conf" <<CONF
[Monitor]
MinAvailable=100%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillUnit=cgroup
DryRun=yes
KillTimeout=2s
[Policy]
Ignore=uid:0
Prefer=cmdline:^$token
PreferAdjust=1000
CONF
JOURNAL_SINCE_USEC=${EPOCHREALTIME/./}
RUNTIME_DIRECTORY=$LAB_DIR "$REAPD" --config "$LAB_DIR/reapd2.conf" --dry-run --log-target=journal 2>"$LAB_DIR/reapd.err" &
REAPD_PID=$!
LAB_PIDS+=("$REAPD_PID")
journal_wait_message "$REAPD_PID" "monitoring system" 5 || { cat "$LAB_DIR/reapd.err"; lab_fail "reapd (part 2) did not start"; }
sleep 5
recs=$(journalctl -o json --no-pager --output-fields=VICTIM_PID,KILL_UNIT,KILL_UNIT_WANTED,RESULT \
    "MESSAGE_ID=$JOURNAL_MSGID_KILL" "_PID=$REAPD_PID" 2>/dev/null | journal_since)
rec=$(printf '%s\n' "$recs" | head -n 1)
fails=$(journal_messages "$REAPD_PID" | grep -c "Failed to kill" || true)
if [ -n "$rec" ] && [ "$(journal_field "$rec" VICTIM_PID)" = "$p2_hog" ] && [ "$(journal_field "$rec" KILL_UNIT)" = process ] &&
    [ "$(journal_field "$rec" KILL_UNIT_WANTED)" = cgroup ] && [ "$(journal_field "$rec" RESULT)" = dry-run ]; then
    ok "dry-run record: the hog, KILL_UNIT=process, KILL_UNIT_WANTED=cgroup ($(printf '%s' "$recs" | grep -c .) records in 5 s)"
else notok "no dry-run record of the hog with KILL_UNIT=process KILL_UNIT_WANTED=cgroup (got: ${rec:-none}; $fails failures logged)"; fi
if lab_alive "$p2_hog"; then ok "dry run: the hog lives"; else notok "the hog died in a dry run"; fi
if reapd_stop; then ok "reapd (part 2) stopped cleanly"; else notok "reapd exit status $?"; fi
reapd_dump_log
exit $status
