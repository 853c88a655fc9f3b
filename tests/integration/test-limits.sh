#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Thresholds mean what users think (issue 13, item 5), with real cgroups the test makes.
#
# Part 1, a limit above the scope: a 400 MB cgroup holds two children without limits of their
# own, "job" (a 60 MB hog) and "other" (a 250 MB hog). reapd is scoped to job with
# MinAvailable=25%: job is bounded by its parent's 400 MB, of which the two leave about 90 MB,
# under 25 % (100 MB), so job's hog must be killed (and other's must live: it is outside the
# scope). Before, job had no limit of its own and was judged by the machine's gigabytes.
#
# Part 2, a container: a shell in the test's 256 MB cgroup unshares its cgroup, mount and PID
# namespaces (as a container does: its cgroups' roots are its own cgroup), mounts its cgroup
# hierarchies again, and runs a dry-run reapd watching "the whole system" with MinAvailable=50%
# next to a 150 MB hog. The container's headroom is its limit's (about 100 MB): reapd must
# decide to kill the hog on memory. Before, it read the host's /proc/meminfo (gigabytes free)
# while it read the container's own pressure.
# Usage: test-limits.sh REAPD HOG
set -euo pipefail
REAPD=$1 HOG=$2
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

lab_init reapd-limits
journal_start
n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

# --- part 1 ---
lab_limit $((400 << 20))
lab_spawn other -- "$HOG" 250 --ready-fd 3 3>"$LAB_DIR/other"; other=$LAB_LAST_PID
lab_spawn job -- "$HOG" 60 --ready-fd 3 3>"$LAB_DIR/job"; job=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/other"; lab_wait_ready "$LAB_DIR/job"
lab_log "parent $LAB_CG: 400 MB limit, $(($(lab_usage) >> 20)) MB used; job's hog $job, other's $other"
cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG/job
MinAvailable=25%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=2s
CONF
JOURNAL_SINCE_USEC=${EPOCHREALTIME/./}
RUNTIME_DIRECTORY=$LAB_DIR "$REAPD" --config "$LAB_DIR/reapd.conf" --log-target=journal 2>"$LAB_DIR/reapd.err" &
REAPD_PID=$!
LAB_PIDS+=("$REAPD_PID")
journal_wait_message "$REAPD_PID" "monitoring $LAB_CG/job" 5 || { cat "$LAB_DIR/reapd.err"; lab_fail "reapd did not start"; }
for _ in $(seq 1 50); do lab_alive "$job" || break; sleep 0.1; done
if lab_alive "$job"; then notok "job's hog alive: the parent's limit did not count"; else ok "job's hog killed"; fi
if lab_alive "$other"; then ok "other's hog (outside the scope) alive"; else notok "other's hog died"; fi
if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 3); then
    rec=$(printf '%s\n' "$rec" | head -n 1)
    avail=$(journal_field "$rec" MEM_AVAILABLE_KB)
    if [ "$(journal_field "$rec" VICTIM_PID)" = "$job" ] && [ "$avail" -lt $((100 << 10)) ]; then
        ok "record: job's hog on $(journal_field "$rec" TRIGGER), $((avail >> 10)) MB available under the parent's limit"
    else notok "record: $(journal_field "$rec" MESSAGE)"; fi
else notok "no kill record"; fi
if reapd_stop; then ok "reapd (part 1) stopped cleanly"; else notok "reapd exit status $?"; fi
reapd_dump_log

# --- part 2 ---
lab_limit_at box $((256 << 20))
cat >"$LAB_DIR/box.conf" <<CONF
[Monitor]
MinAvailable=50%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
DryRun=yes
KillTimeout=2s
CONF
cat >"$LAB_DIR/box.sh" <<'BOX'
set -eu
# the hierarchies again, rooted at this cgroup namespace's root: the container's own cgroup
while read -r _ _ _ _ mnt _ rest; do
    fstype=${rest#*- }; fstype=${fstype%% *}; opts=${rest##* }
    case "$fstype:,$opts," in
    cgroup2:*) umount -l "$mnt"; mount -t cgroup2 none "$mnt" ;;
    cgroup:*,memory,*) umount -l "$mnt"; mount -t cgroup -o memory cgroup "$mnt" ;;
    esac
done < <(grep -E ' - cgroup2? ' /proc/self/mountinfo)
if [ ! -e /run/systemd/container ] && [ ! -e /.dockerenv ] && [ ! -e /run/.containerenv ]; then
    mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd && echo reapd-test >/run/systemd/container
fi
"$HOG" 150 --ready-fd 3 3>"$DIR/box-ready" &
for _ in $(seq 1 100); do grep -q ready "$DIR/box-ready" 2>/dev/null && break; sleep 0.1; done
"$REAPD" --config "$DIR/box.conf" --dry-run --log-target=stderr 2>"$DIR/box.log" &
reapd=$!
sleep 4
kill -TERM $reapd; wait $reapd || true
BOX
: >"$LAB_DIR/box.log"
lab_spawn box -- env HOG="$HOG" REAPD="$REAPD" DIR="$LAB_DIR" \
    unshare -m -C -p -f --mount-proc --propagation private bash "$LAB_DIR/box.sh"
box=$LAB_LAST_PID
wait "$box" || notok "the container's shell failed"
sed 's/^/# box reapd: /' "$LAB_DIR/box.log"
if grep -q "Running in a container" "$LAB_DIR/box.log" && grep -qE "Would kill process [0-9]+ \(hog\).* on memory" "$LAB_DIR/box.log"; then
    ok "in the container, system-wide mode judged the container's limit: $(grep -m1 -oE 'on memory \(available [^)]*\)' "$LAB_DIR/box.log")"
else notok "no kill decision on the container's own limit"; fi
exit $status
