#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "kill units" (issue 7): the real daemon with KillUnit=process-group and then
# KillUnit=cgroup, each scoped to its own 1 GB cgroup holding 690 MB, with MinAvailable=40%
# (410 MB) above the 334 MB left, so reapd acts at once on the biggest process, a 400 MB hog.
#
# process-group: the hog leads a session/group (setsid) with two 30 MB hogs; a second group
# (200 + 30 MB) shares the cgroup. The whole first group dies, the second lives, and the
# record says KILL_UNIT=process-group, KILLED_COUNT=3.
# cgroup: the hog and a 30 MB hog in sub-cgroup a, a 200 + 30 MB pair in sub-cgroup b, and a
# 30 MB hog directly in the scope. a dies whole; b and the scope's own hog live, and the record
# says KILL_UNIT=cgroup, KILLED_COUNT=2, VICTIM_CGROUP=.../a.
# big group: a 400 MB hog leading a process group of 5000, reapd under `ulimit -n 1024`: all
# 5000 signalled and dead, and the record says so.
# Every process of the scenarios is the test's own; none shares the test's process group.
# Usage: scenario-killunits.sh REAPD HOG
set -euo pipefail
REAPD=$1 HOG=$2
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

lab_init reapd-sc-killunits
journal_start
dmesg_mark

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
pgid_of() { local s; s=$(cat "/proc/$1/stat") && s=${s##*) } && set -- $s && echo "$3"; }
# members: the live (not zombie) processes of process group $PGID_WANTED.
members() {
    local p
    for p in $(pgrep -g "$PGID_WANTED"); do lab_alive "$p" && echo "$p"; done
    return 0
}
all_dead() { local p; for p in "$@"; do lab_alive "$p" && return 1; done; return 0; }
all_alive() { local p; for p in "$@"; do lab_alive "$p" || return 1; done; return 0; }
wait_all_dead() { for _ in $(seq 1 100); do all_dead "${@:2}" && return 0; sleep 0.1; done; return 1; }
conf() {
    cat >"$LAB_DIR/$1.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG/$1
MinAvailable=40%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillUnit=$2
ReaperNice=5
CONF
}
check_record() { # UNIT COUNT VICTIM CGROUP UNIT_MB
    local rec nrec
    if ! rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 5); then
        notok "$1: no kill record from reapd $REAPD_PID"; return
    fi
    nrec=$(printf '%s\n' "$rec" | grep -c .)
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# record: $(journal_field "$rec" MESSAGE)"
    if [ "$nrec" = 1 ] && [ "$(journal_field "$rec" VICTIM_PID)" = "$3" ] && [ "$(journal_field "$rec" VICTIM_CGROUP)" = "$4" ]
    then ok "$1: one kill record, naming $3 in $4"
    else notok "$1: $nrec records, first names $(journal_field "$rec" VICTIM_PID) in $(journal_field "$rec" VICTIM_CGROUP)"; fi
    if [ "$(journal_field "$rec" KILL_UNIT)" = "$1" ] && [ "$(journal_field "$rec" KILLED_COUNT)" = "$2" ]
    then ok "$1: KILL_UNIT=$1 KILLED_COUNT=$2"
    else notok "$1: KILL_UNIT=$(journal_field "$rec" KILL_UNIT) KILLED_COUNT=$(journal_field "$rec" KILLED_COUNT), expected $1 and $2"; fi
    local rel; rel=$(journal_field "$rec" RELEASED_KB)
    if [ "$(journal_field "$rec" TRIGGER)" = memory ] && [ "$(journal_field "$rec" RESULT)" = killed ] && [ "${rel:-0}" -gt 0 ]
    then ok "$1: TRIGGER=memory RESULT=killed RELEASED_KB=$rel ($((rel >> 10)) MB)"
    else notok "$1: TRIGGER=$(journal_field "$rec" TRIGGER) RESULT=$(journal_field "$rec" RESULT) RELEASED_KB=$rel"; fi
    # Every member's memory counts: the kill is accounted only once each one was released or
    # has exited (members whose own exit beat process_mrelease() free their memory themselves).
    if [ "${rel:-0}" -ge $(($5 * 1024 * 8 / 10)) ]; then ok "$1: RELEASED_KB covers the unit's $5 MB"
    else notok "$1: RELEASED_KB=$rel is under 80% of the unit's $5 MB"; fi
    # The reaper pool (ReaperThreads=auto): one thread per CPU, at most 4, each niced; no more
    # threads take part in a release than there are members to release. These members are not
    # frozen: when their own exits beat the release (ESRCH at once), one thread may drain the
    # queue before another wakes, so fewer may take part (test-pool checks that all do, on
    # frozen members).
    local pool thr
    pool=$(nproc); [ "$pool" -gt 4 ] && pool=4
    thr=$pool; [ "$thr" -gt "$2" ] && thr=$2
    if journal_messages "$REAPD_PID" | grep -q "Reaper: $pool threads\{0,1\} (ReaperThreads=auto), CPUs inherited, nice applied, policy inherited"
    then ok "$1: the log says the $pool reaper threads were niced"
    else notok "$1: no start-up line for $pool reaper threads, niced: $(journal_messages "$REAPD_PID" | grep Reaper:)"; fi
    local took; took=$(journal_field "$rec" RELEASE_THREADS)
    if [[ $took =~ ^[0-9]+$ ]] && [ "$took" -ge 1 ] && [ "$took" -le "$thr" ] &&
        [[ $(journal_field "$rec" RELEASED_COUNT) =~ ^[0-9]+$ ]]
    then ok "$1: RELEASE_THREADS=$took (1 to $thr) RELEASED_COUNT=$(journal_field "$rec" RELEASED_COUNT)"
    else notok "$1: RELEASE_THREADS=$took (expected 1 to $thr) RELEASED_COUNT=$(journal_field "$rec" RELEASED_COUNT)"; fi
}

# --- KillUnit=process-group ---------------------------------------------------------------
# setsid does not fork here (a background job of a script is no group leader), so each
# spawned pid leads its own new session and process group; its "&" children join that group.
lab_limit_at process-group $((1024 << 20))
lab_spawn process-group -- setsid bash -c '"$0" 30 --ready-fd 3 3>"$1/g1b" & "$0" 30 --ready-fd 3 3>"$1/g1c" &
    exec "$0" 400 --ready-fd 3 3>"$1/g1a"' "$HOG" "$LAB_DIR"; g1=$LAB_LAST_PID
lab_spawn process-group -- setsid bash -c '"$0" 30 --ready-fd 3 3>"$1/g2b" & exec "$0" 200 --ready-fd 3 3>"$1/g2a"' \
    "$HOG" "$LAB_DIR"; g2=$LAB_LAST_PID
for f in g1a g1b g1c g2a g2b; do lab_wait_ready "$LAB_DIR/$f"; done
[ "$(pgid_of "$g1")" = "$g1" ] && [ "$(pgid_of "$g2")" = "$g2" ] || lab_fail "setsid did not make $g1 and $g2 group leaders"
mapfile -t G1 < <(PGID_WANTED=$g1 members); mapfile -t G2 < <(PGID_WANTED=$g2 members)
[ "${#G1[@]}" = 3 ] && [ "${#G2[@]}" = 2 ] || lab_fail "groups: ${G1[*]} / ${G2[*]}"
lab_log "group $g1: ${G1[*]} (400 + 30 + 30 MB); group $g2: ${G2[*]} (200 + 30 MB)"
conf process-group process-group
reapd_start "$REAPD" "$LAB_DIR/process-group.conf"
if wait_all_dead 10 "${G1[@]}"; then ok "process-group: the victim's whole group (${G1[*]}) died"
else notok "process-group: alive in the victim's group: $(for p in "${G1[@]}"; do lab_alive "$p" && echo -n "$p "; done)"; fi
sleep 2 # a decision round after the kill: nothing else may die
if all_alive "${G2[@]}"; then ok "process-group: the other group (${G2[*]}) lives"; else notok "process-group: the other group lost a process"; fi
check_record process-group 3 "$g1" "$LAB_CG/process-group" 460
if reapd_stop; then ok "process-group: reapd stopped cleanly"; else notok "process-group: reapd exit status $?"; fi
reapd_dump_log
kill -9 "${G2[@]}" 2>/dev/null || true

# --- KillUnit=cgroup ----------------------------------------------------------------------
lab_limit_at cgroup $((1024 << 20))
lab_spawn cgroup/a -- "$HOG" 400 --ready-fd 3 3>"$LAB_DIR/a1"; a1=$LAB_LAST_PID
lab_spawn cgroup/a -- "$HOG" 30 --ready-fd 3 3>"$LAB_DIR/a2"; a2=$LAB_LAST_PID
lab_spawn cgroup/b -- "$HOG" 200 --ready-fd 3 3>"$LAB_DIR/b1"; b1=$LAB_LAST_PID
lab_spawn cgroup/b -- "$HOG" 30 --ready-fd 3 3>"$LAB_DIR/b2"; b2=$LAB_LAST_PID
lab_spawn cgroup -- "$HOG" 30 --ready-fd 3 3>"$LAB_DIR/c1"; c1=$LAB_LAST_PID
for f in a1 a2 b1 b2 c1; do lab_wait_ready "$LAB_DIR/$f"; done
lab_log "cgroup a: $a1 (400 MB) $a2 (30 MB); cgroup b: $b1 (200 MB) $b2 (30 MB); scope: $c1 (30 MB)"
conf cgroup cgroup
reapd_start "$REAPD" "$LAB_DIR/cgroup.conf"
if wait_all_dead 10 "$a1" "$a2"; then ok "cgroup: the victim's whole cgroup a ($a1 $a2) died"
else notok "cgroup: alive in cgroup a: $(for p in "$a1" "$a2"; do lab_alive "$p" && echo -n "$p "; done)"; fi
sleep 2
if all_alive "$b1" "$b2" "$c1"; then ok "cgroup: cgroup b ($b1 $b2) and the scope's own $c1 live"
else notok "cgroup: a process outside cgroup a died"; fi
check_record cgroup 2 "$a1" "$LAB_CG/cgroup/a" 430
if [ "$(lab_oom_kills)" = 0 ] && [ -z "$(dmesg_oom_since)" ]; then ok "kernel OOM killer never fired"; else notok "kernel OOM kills"; fi
if reapd_stop; then ok "cgroup: reapd stopped cleanly"; else notok "cgroup: reapd exit status $?"; fi
reapd_dump_log
kill -9 "$b1" "$b2" "$c1" 2>/dev/null || true

# --- KillUnit=process-group, 5000 members, under `ulimit -n 1024` (issue 13) ----------------
# The hog (400 MB) leads a group of 5000: more members than reapd may hold pidfds for. Every
# one is signalled and dies, and the record counts them: KILLED_COUNT=5000, MEMBERS_FAILED=0,
# MEMBERS_ALIVE=0, some MEMBERS_UNRELEASED. Last: the limit stays on this shell.
lab_limit_at big-group $((1024 << 20))
lab_spawn big-group -- setsid "$HOG" 400 --ready-fd 3 --members 5000 3>"$LAB_DIR/big"; big=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/big"
mapfile -t BIG < <(PGID_WANTED=$big members)
[ "${#BIG[@]}" = 5000 ] || lab_fail "the big group has ${#BIG[@]} members, not 5000"
conf big-group process-group
ulimit -n 1024
reapd_start "$REAPD" "$LAB_DIR/big-group.conf"
if grep -q "^Max open files *1024 *1024" "/proc/$REAPD_PID/limits"; then ok "big group: reapd runs with 1024 open files at most"
else notok "big group: reapd's open-file limit: $(grep 'open files' "/proc/$REAPD_PID/limits")"; fi
left=5000
for _ in $(seq 1 150); do left=$(PGID_WANTED=$big members | grep -c . || true); [ "$left" = 0 ] && break; sleep 0.1; done
if [ "$left" = 0 ]; then ok "big group: all 5000 members died"; else notok "big group: $left of 5000 members alive"; fi
if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 5); then
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# record: $(journal_field "$rec" MESSAGE)"
    if [ "$(journal_field "$rec" KILL_UNIT)" = process-group ] && [ "$(journal_field "$rec" KILLED_COUNT)" = 5000 ] && [ "$(journal_field "$rec" MEMBERS_FAILED)" = 0 ] &&
        [ "$(journal_field "$rec" MEMBERS_ALIVE)" = 0 ] && [ "$(journal_field "$rec" KILL_METHOD)" = pidfd ] && [ "$(journal_field "$rec" MEMBERS_UNRELEASED)" -gt 0 ]
    then ok "big group: KILLED_COUNT=5000 MEMBERS_FAILED=0 MEMBERS_ALIVE=0 MEMBERS_UNRELEASED=$(journal_field "$rec" MEMBERS_UNRELEASED)"
    else notok "big group: KILL_UNIT=$(journal_field "$rec" KILL_UNIT) KILLED_COUNT=$(journal_field "$rec" KILLED_COUNT) MEMBERS_FAILED=$(journal_field "$rec" MEMBERS_FAILED) MEMBERS_ALIVE=$(journal_field "$rec" MEMBERS_ALIVE) KILL_METHOD=$(journal_field "$rec" KILL_METHOD) MEMBERS_UNRELEASED=$(journal_field "$rec" MEMBERS_UNRELEASED)"; fi
else
    notok "big group: no kill record from reapd $REAPD_PID"
fi
if reapd_stop; then ok "big group: reapd stopped cleanly"; else notok "big group: reapd exit status $?"; fi
reapd_dump_log | tail -n 5
exit $status
