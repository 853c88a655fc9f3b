#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "runaway" (issue 7): a grower and two bystanders in a 1 GB cgroup, the real daemon
# scoped to it with Cgroup= and logging to the journal. The grower dies, no bystander does,
# the kernel's OOM killer never fires (memory.oom_control / memory.events oom_kill, and no
# new oom line naming the cgroup in dmesg), and the kill record in the journal names the
# grower, TRIGGER=memory, RESULT=killed and RELEASED_KB > 0.
# Usage: scenario-runaway.sh REAPD HOG GROWER
set -euo pipefail
REAPD=$1 HOG=$2 GROWER=$3
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

LIMIT_MB=1024
lab_init reapd-sc-runaway
lab_limit $((LIMIT_MB << 20))
journal_start
dmesg_mark

lab_spawn -- "$HOG" 100 --ready-fd 3 3>"$LAB_DIR/b1"; b1=$LAB_LAST_PID
lab_spawn -- "$HOG" 150 --ready-fd 3 3>"$LAB_DIR/b2"; b2=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/b1"; lab_wait_ready "$LAB_DIR/b2"
lab_log "bystanders $b1 (100 MB) and $b2 (150 MB) ready, usage $(($(lab_usage) >> 20)) MB"

# PSI off: without swap there is no stall to speak of (LAB.md), and the record must say
# "memory". 20% of 1 GB leaves the kernel 200 MB it never gets to reclaim. HeadroomMode=or:
# memory alone decides even if another test has a swap file on (with "and", free swap on the
# machine would count as headroom for this cgroup too).
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

# 32 MB per 100 ms: about 320 MB/s, half the page-fault speed of this machine.
t0=$(date +%s%N)
lab_spawn -- "$GROWER" 32 100 2048 >"$LAB_DIR/grower.out"; grower=$LAB_LAST_PID
lab_log "grower $grower started"
for _ in $(seq 1 300); do lab_alive "$grower" || break; sleep 0.05; done
t_dead=$(date +%s%N)

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

if lab_alive "$grower"; then notok "grower still alive after 15 s"; else
    ok "grower killed $(((t_dead - t0) / 1000000)) ms after it started"; fi
if lab_alive "$b1" && lab_alive "$b2"; then ok "bystanders alive"; else notok "a bystander died"; fi
ooms=$(lab_oom_kills)
if [ "$ooms" = 0 ]; then ok "kernel OOM killer never fired in the cgroup"; else notok "kernel OOM kills: $ooms"; fi
lines=$(dmesg_oom_since)
if [ -z "$lines" ]; then ok "no kernel OOM line for $LAB_CG in dmesg"; else
    notok "kernel OOM lines in dmesg:"; printf '%s\n' "$lines" | sed 's/^/# /'; fi

if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 5); then
    nrec=$(printf '%s\n' "$rec" | grep -c .)
    rec=$(printf '%s\n' "$rec" | head -n 1)
    echo "# record: $(journal_field "$rec" MESSAGE)"
    f_pid=$(journal_field "$rec" VICTIM_PID) f_comm=$(journal_field "$rec" VICTIM_COMM)
    f_trig=$(journal_field "$rec" TRIGGER) f_res=$(journal_field "$rec" RESULT)
    f_rel=$(journal_field "$rec" RELEASED_KB) f_cg=$(journal_field "$rec" VICTIM_CGROUP)
    if [ "$nrec" = 1 ]; then ok "exactly one kill record"; else notok "$nrec kill records"; fi
    if [ "$f_pid" = "$grower" ] && [ "$f_comm" = grower ]; then ok "record names the grower ($f_pid, $f_comm)"; else
        notok "record names $f_pid ($f_comm), not the grower $grower"; fi
    if [ "$f_trig" = memory ] && [ "$f_res" = killed ]; then ok "TRIGGER=memory RESULT=killed"; else
        notok "TRIGGER=$f_trig RESULT=$f_res"; fi
    if [ "${f_rel:-0}" -gt 0 ]; then ok "RELEASED_KB=$f_rel ($((f_rel >> 10)) MB)"; else notok "RELEASED_KB=$f_rel"; fi
    if [ "$f_cg" = "$LAB_CG" ]; then ok "VICTIM_CGROUP=$f_cg"; else notok "VICTIM_CGROUP=$f_cg, expected $LAB_CG"; fi
    echo "# figures: KILL_USEC=$(journal_field "$rec" KILL_USEC) RELEASE_USEC=$(journal_field "$rec" RELEASE_USEC)" \
        "EXIT_USEC=$(journal_field "$rec" EXIT_USEC) RELEASED_BY=$(journal_field "$rec" RELEASED_BY)" \
        "RSS_KB=$(journal_field "$rec" RSS_KB) MEM_AVAILABLE_KB=$(journal_field "$rec" MEM_AVAILABLE_KB)"
else
    notok "no kill record from reapd $REAPD_PID in the journal"
fi

if reapd_stop; then ok "reapd stopped cleanly on SIGTERM"; else notok "reapd exit status $?"; fi
reapd_dump_log
exit $status
