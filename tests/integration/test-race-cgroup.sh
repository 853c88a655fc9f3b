#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon scoped to a cgroup that is removed under it: reapd (dry run) must keep running,
# log an error once instead of spinning or crashing, and still stop cleanly on SIGTERM.
# Usage: test-race-cgroup.sh REAPD
# With REAPD_VALGRIND=1 the daemon runs under valgrind memcheck, and a reload (SIGHUP with a
# changed config) is added, so its whole life -- start-up, PSI triggers on a cgroup, reload,
# the trigger lost, the error path and shutdown -- is checked for memory errors and leaks.
set -euo pipefail
REAPD=$1
VALGRIND=()
# memcheck: any error, or memory definitely lost at exit, makes reapd exit 1 (checked by ok 5)
if [ "${REAPD_VALGRIND:-0}" = 1 ]; then
    VALGRIND=(valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite)
fi
. "$(dirname "$0")/lab.sh"

lab_init reapd-it-rmcg
# The scope is a child of the test's cgroup, so removing it leaves lab.sh's cleanup intact.
scope=$LAB_CG/scope
for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do [ -n "$d" ] && mkdir "$d$scope"; done
lab_spawn scope -- sleep 1000; sleeper=$LAB_LAST_PID

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$scope
MinAvailable=1%
CONF
mkdir "$LAB_DIR/run"
RUNTIME_DIRECTORY=$LAB_DIR/run "${VALGRIND[@]}" "$REAPD" --dry-run --config "$LAB_DIR/reapd.conf" \
    --log-target=stderr 2>"$LAB_DIR/reapd.log" &
reapd=$!
LAB_PIDS+=("$reapd")
# 30 s: valgrind takes a few seconds to start reapd on this VM
for _ in $(seq 1 300); do grep -q "monitoring $scope" "$LAB_DIR/reapd.log" && break; sleep 0.1; done
grep -q "monitoring $scope" "$LAB_DIR/reapd.log" || { cat "$LAB_DIR/reapd.log"; lab_fail "reapd did not start"; }

if [ ${#VALGRIND[@]} -gt 0 ]; then
    sed -i 's/^MinAvailable=1%$/MinAvailable=2%/' "$LAB_DIR/reapd.conf"
    kill -HUP "$reapd"
    for _ in $(seq 1 300); do grep -q "Configuration reloaded" "$LAB_DIR/reapd.log" && break; sleep 0.1; done
    grep -q "Configuration reloaded\.$" "$LAB_DIR/reapd.log" || { cat "$LAB_DIR/reapd.log"; lab_fail "reload failed"; }
    lab_log "reloaded with MinAvailable=2%"
fi

# CPU time (utime + stime, clock ticks) reapd has used so far: start-up (slow under valgrind) excluded.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$reapd/stat"; }
ticks0=$(cpu_ticks)
# Empty the scope (kill what we started in it) and remove it from every hierarchy.
kill -9 "$sleeper"; wait "$sleeper" 2>/dev/null || true
for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do
    [ -n "$d" ] || continue
    for _ in $(seq 1 50); do rmdir "$d$scope" 2>/dev/null && break; sleep 0.1; done
    [ -d "$d$scope" ] && lab_fail "could not remove $d$scope"
done
lab_log "removed $scope"

# The headroom timer samples at least every 10 s (MONITOR_SLEEP_MAX_USEC); PSI EPOLLERR is at once.
status=0
for _ in $(seq 1 120); do grep -qi "error\|went away" "$LAB_DIR/reapd.log" && break; sleep 0.1; done
sleep 2 # and a few more samples, to see that it does not log (or spin) on every one
if lab_alive "$reapd"; then echo "ok 1 - reapd still running after its cgroup was removed"; else echo "not ok 1 - reapd died"; status=1; fi
if grep -qiE "cannot read the memory state|went away" "$LAB_DIR/reapd.log"; then
    echo "ok 2 - reapd logged that the cgroup is gone"
else
    echo "not ok 2 - no error logged"; status=1
fi
# The state file is rewritten only when what it holds changes: a lost trigger is such a change.
if grep -q "went away" "$LAB_DIR/reapd.log"; then
    if grep -qx "POLLING=1" "$LAB_DIR/run/state" && ! grep -q "^TRIGGER_" "$LAB_DIR/run/state"; then
        echo "ok 2a - the state file says the trigger is gone (POLLING=1, no TRIGGER_)"
    else
        echo "not ok 2a - state file after the trigger went away:"; sed 's/^/#   /' "$LAB_DIR/run/state"
        status=1
    fi
else
    echo "ok 2a # SKIP the trigger did not report its loss (the headroom timer saw the removal first)"
fi
errors=$(grep -ciE "cannot read the memory state" "$LAB_DIR/reapd.log" || true)
if [ "$errors" -le 1 ]; then echo "ok 3 - the error is logged once ($errors)"; else echo "not ok 3 - logged $errors times"; status=1; fi
# a daemon spinning on a dead fd would burn a core for the 2+ s since the removal: 1 s of CPU
# time is far above what a few samples cost, even under valgrind
ticks=$(($(cpu_ticks) - ticks0))
hz=$(getconf CLK_TCK)
if [ "$ticks" -lt "$hz" ]; then echo "ok 4 - not spinning ($ticks ticks of CPU since the removal)"; else echo "not ok 4 - $ticks ticks of CPU"; status=1; fi
kill -TERM "$reapd"
rc=0; wait "$reapd" || rc=$?
if [ "$rc" = 0 ]; then echo "ok 5 - reapd stopped cleanly on SIGTERM"; else echo "not ok 5 - reapd exit status $rc"; status=1; fi
sed 's/^/# reapd: /' "$LAB_DIR/reapd.log"
exit $status
