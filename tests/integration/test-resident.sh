#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kill path is resident before the first kill: reapd rehearses it at start on a child of its
# own (manager-rehearse.c), and mlockall() keeps every page that touched. Then a real kill,
# made while the page cache is dropped every 50 ms, must not take a single major fault in reapd
# (field 12 of /proc/PID/stat, all threads): any page of code or data it had to read back from
# disk would count. The daemon is scoped with Cgroup= to a 512 MB cgroup this test creates, with
# a grower it must kill; its records go to a journald (journal.sh), as in production.
# The rehearsal's own record is checked too: its own MESSAGE_ID, debug priority, REHEARSAL=1,
# the rehearsal's child as victim, and no trace in "reapctl kills".
# Usage: test-resident.sh REAPD REAPCTL GROWER
set -euo pipefail
REAPD=$1 REAPCTL=$2 GROWER=$3
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

LIMIT_MB=512
# 50 ms: the page cache (reapd's unlocked library pages among it) is gone again long before a
# kill needs any of it; dropping it is machine-wide, so only for the few seconds around the kill.
DROP_INTERVAL=0.05

lab_init reapd-it-resident
dropper=""
stop_dropper() {
    [ -n "$dropper" ] || return 0
    kill "$dropper" 2>/dev/null || true
    wait "$dropper" 2>/dev/null || true
    dropper=""
}
resident_cleanup() {
    local rc=$?
    set +e
    stop_dropper
    (exit $rc)
    lab_cleanup
}
trap resident_cleanup EXIT
lab_limit $((LIMIT_MB << 20))
journal_start

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
# majflt PID: major faults of PID so far, every thread counted (the reaper's too).
majflt() { local s; s=$(cat "/proc/$1/stat") && s=${s##*) } && set -- $s && echo "${10}"; }
minflt() { local s; s=$(cat "/proc/$1/stat") && s=${s##*) } && set -- $s && echo "${8}"; }

# PSI off and HeadroomMode=or: memory alone decides, whatever another test's swap file says.
# LogLevel=err: start-up sends nothing to the journal, so that the kill's record would be the
# first use of libsystemd's journal code, were it not for the rehearsal's record.
cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=20%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=5s
[Daemon]
LogLevel=err
CONF
# Private copies of reapd and its libraries: drop_caches leaves alone every page some process
# maps, and every process maps libc, so a page of the shared libc that reapd never touched would
# still be in memory when the kill needs it, and the test could not fail. The copies are files
# of their own on a disk file system (not a tmpfs), mapped by this reapd alone.
mkdir "$LAB_DIR/lib"
cp "$REAPD" "$LAB_DIR/reapd"
ldd "$REAPD" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do cp "$lib" "$LAB_DIR/lib/"; done
[ "$(stat -f -c %T "$LAB_DIR")" != tmpfs ] || lab_fail "$LAB_DIR is on a tmpfs: its pages cannot be dropped"
since=$(date '+%Y-%m-%d %H:%M:%S')
JOURNAL_SINCE_USEC=${EPOCHREALTIME/./}
LD_LIBRARY_PATH=$LAB_DIR/lib RUNTIME_DIRECTORY=$LAB_DIR \
    "$LAB_DIR/reapd" --config "$LAB_DIR/reapd.conf" --log-target=journal 2>"$LAB_DIR/reapd.err" &
REAPD_PID=$!
LAB_PIDS+=("$REAPD_PID")
# LogLevel=err logs nothing at start: the state file says it runs.
for _ in $(seq 1 100); do grep -qs "^PID=$REAPD_PID\$" "$LAB_DIR/state" && break; sleep 0.1; done
grep -qs "^PID=$REAPD_PID\$" "$LAB_DIR/state" || { cat "$LAB_DIR/reapd.err"; lab_fail "reapd did not start"; }
libs=$(awk -v d="$LAB_DIR/" 'index($6, d) == 1 { print $6 }' "/proc/$REAPD_PID/maps" | sort -u | wc -l)
[ "$libs" -ge 3 ] && ok "reapd runs from its private copies ($libs files mapped from $LAB_DIR)" ||
    notok "reapd maps only $libs files of its own copies"

# 1. The rehearsal: a record that does not pass for a kill.
if rec=$(journal_wait_records "$JOURNAL_MSGID_REHEARSAL" "$REAPD_PID" 1 10); then
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# rehearsal: $(journal_field "$rec" MESSAGE)"
    f_res=$(journal_field "$rec" RESULT) f_comm=$(journal_field "$rec" VICTIM_COMM)
    f_pri=$(journal_field "$rec" PRIORITY) f_reh=$(journal_field "$rec" REHEARSAL)
    if [ "$f_res" = killed ] && [ "$f_comm" = reapd-rehearse ]; then
        ok "the kill path was rehearsed on reapd's own child (RESULT=$f_res, VICTIM_COMM=$f_comm)"
    else
        notok "rehearsal RESULT=$f_res VICTIM_COMM=$f_comm"
    fi
    if [ "$f_pri" = 7 ] && [ "$f_reh" = 1 ]; then ok "its record has PRIORITY=7 and REHEARSAL=1"; else
        notok "rehearsal record PRIORITY=$f_pri REHEARSAL=$f_reh"; fi
    child=$(journal_field "$rec" VICTIM_PID)
    if [ -n "$child" ] && ! lab_alive "$child" && ! grep -qs . "/proc/$child/stat"; then
        ok "its child $child is gone and reaped"
    else
        notok "the rehearsal's child $child is still there: $(cat "/proc/$child/stat" 2>/dev/null)"
    fi
else
    notok "no rehearsal record from reapd $REAPD_PID"
fi
kills=$(journal_records "$JOURNAL_MSGID_KILL" "$REAPD_PID")
if [ -z "$kills" ]; then ok "no kill record before the first kill"; else notok "kill records: $kills"; fi

# 2. The page cache dropped again and again; a grower for reapd to kill.
( while :; do echo 1 >/proc/sys/vm/drop_caches; sleep $DROP_INTERVAL; done ) &
dropper=$!
sleep 1 # a few rounds: whatever of reapd's files was not locked is out of memory now
before=$(majflt "$REAPD_PID") minbefore=$(minflt "$REAPD_PID")
lab_log "reapd $REAPD_PID before the kill: $before major faults, $minbefore minor; VmRSS" \
    "$(awk '$1 == "VmRSS:" { print $2, $3 }' "/proc/$REAPD_PID/status")"
# 16 MB per 50 ms: about 320 MB/s, half the page-fault speed of this machine.
lab_spawn -- "$GROWER" 16 50 2048 >"$LAB_DIR/grower.out"
grower=$LAB_LAST_PID
if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 15); then
    after=$(majflt "$REAPD_PID") minafter=$(minflt "$REAPD_PID")
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# record: $(journal_field "$rec" MESSAGE)"
    f_pid=$(journal_field "$rec" VICTIM_PID) f_res=$(journal_field "$rec" RESULT)
    if [ "$f_pid" = "$grower" ] && [ "$f_res" = killed ]; then ok "the grower was killed (RESULT=$f_res)"; else
        notok "record names $f_pid RESULT=$f_res, not the grower $grower killed"; fi
    lab_log "reapd after the record: $after major faults, $minafter minor"
    if [ "$after" = "$before" ]; then
        ok "no major fault in reapd between just before the kill and its record ($before before, $after after)"
    else
        notok "reapd took $((after - before)) major faults on the kill path ($before before, $after after)"
    fi
else
    notok "no kill record from reapd $REAPD_PID within 15 s"
fi
stop_dropper

# 3. reapctl kills lists the kill, not the rehearsal.
out=$("$REAPCTL" kills --json --since "$since" 2>&1) || true
if [ -n "${child:-}" ] && printf '%s\n' "$out" | jq -e --argjson p "$child" '.[] | select(.pid == $p)' >/dev/null 2>&1; then
    notok "reapctl kills lists the rehearsal's child $child"
elif printf '%s\n' "$out" | jq -e --argjson p "$grower" '.[] | select(.pid == $p)' >/dev/null 2>&1; then
    ok "reapctl kills lists the grower and not the rehearsal"
else
    notok "reapctl kills does not list the grower: $out"
fi

if reapd_stop; then ok "reapd stopped cleanly on SIGTERM"; else notok "reapd exit status $?"; fi
[ "$status" = 0 ] || reapd_dump_log
exit $status
