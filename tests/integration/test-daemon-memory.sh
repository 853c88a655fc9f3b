#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real daemon, scoped to a 1 GB cgroup this test creates, with a grower and two
# bystanders: reapd must kill the grower before the kernel's cgroup OOM killer fires, and
# no bystander may die. Usage: test-daemon-memory.sh REAPD HOG GROWER
set -euo pipefail
REAPD=$1 HOG=$2 GROWER=$3
. "$(dirname "$0")/lab.sh"

lab_init reapd-it-mem
lab_limit $((1024 * 1024 * 1024))

lab_spawn -- "$HOG" 100 --ready-fd 3 3>"$LAB_DIR/b1"; b1=$LAB_LAST_PID
lab_spawn -- "$HOG" 150 --ready-fd 3 3>"$LAB_DIR/b2"; b2=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/b1"; lab_wait_ready "$LAB_DIR/b2"
lab_log "bystanders $b1 (100 MB) and $b2 (150 MB) ready, usage $(lab_usage)"

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=20%
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=5s
CONF
"$REAPD" --config "$LAB_DIR/reapd.conf" --log-target=stderr 2>"$LAB_DIR/reapd.log" &
reapd=$!
LAB_PIDS+=("$reapd")
for _ in $(seq 1 50); do grep -q monitoring "$LAB_DIR/reapd.log" && break; sleep 0.1; done
grep -q "monitoring $LAB_CG" "$LAB_DIR/reapd.log" || { cat "$LAB_DIR/reapd.log"; lab_fail "reapd did not start"; }

# 32 MB per 100 ms: about 320 MB/s, half the page-fault speed of this machine
lab_spawn -- "$GROWER" 32 100 2048; grower=$LAB_LAST_PID
lab_log "grower $grower started"
for _ in $(seq 1 300); do lab_alive "$grower" || break; sleep 0.1; done

status=0
if lab_alive "$grower"; then echo "not ok 1 - grower still alive after 30 s"; status=1; else echo "ok 1 - grower killed"; fi
if lab_alive "$b1" && lab_alive "$b2"; then echo "ok 2 - bystanders alive"; else echo "not ok 2 - a bystander died"; status=1; fi
ooms=$(lab_oom_kills)
if [ "$ooms" = 0 ]; then echo "ok 3 - kernel OOM killer never fired"; else echo "not ok 3 - kernel OOM kills: $ooms"; status=1; fi
if grep -q "Killed process $grower (grower).*on memory" "$LAB_DIR/reapd.log"; then
    echo "ok 4 - kill record names the grower and the memory trigger"
else
    echo "not ok 4 - no kill record for $grower"; status=1
fi
kill -TERM "$reapd"
rc=0; wait "$reapd" || rc=$?
if [ "$rc" = 0 ]; then echo "ok 5 - reapd stopped cleanly on SIGTERM"; else echo "not ok 5 - reapd exit status $rc"; status=1; fi
sed 's/^/# reapd: /' "$LAB_DIR/reapd.log"
exit $status
