#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Journal test, outside any container: the real daemon writes kill records to a real journald,
# and every field of issue 6's acceptance list is there with a sane value, read back both with
# journalctl -o json and with reapctl kills --json.
#
# Usage: test-journal.sh SOURCE_ROOT REAPD REAPCTL HOG
#
# - journald: reuses one listening on /run/systemd/journal/socket in this mount namespace,
#   else starts /lib/systemd/systemd-journald by hand (PID 1 here is not systemd, LAB.md) and
#   stops it on exit. A journald it did not start is never touched.
# - Scope: a cgroup made here (reapd-test-journal.PID, the same relative path in cgroup2 and,
#   on a hybrid host, in the v1 memory hierarchy with a 512M limit) holding one 64 MiB hog.
#   reapd runs with Cgroup= that cgroup and MinAvailable=100%, so the cgroup is always "low".
# - Phase 1, dry run (--dry-run and DryRun=yes): a record with DRY_RUN=1 whose victim is the
#   hog; the hog lives. Phase 2 runs only if phase 1 proved the scope (victim = the hog, in our
#   cgroup): DryRun=no, the hog is killed, a record with DRY_RUN=0 and RELEASED_KB > 0, and no
#   other victim.
# Exit 0 all good, 1 a check failed, 77 skipped (not root, no cgroup2).
set -euo pipefail

if [ $# -ne 4 ]; then
        echo "usage: $0 SOURCE_ROOT REAPD REAPCTL HOG" >&2
        exit 2
fi
src=$1
reapd=$(realpath "$2")
reapctl=$(realpath "$3")
hog=$(realpath "$4")
killrecord=$src/tests/system/killrecord.py
MID_KILL=0d34ba080ff344199e41f36a4bb9b436
SOCK=/run/systemd/journal/socket

if [ "$(id -u)" -ne 0 ]; then
        echo "# SKIP: needs root (cgroups, journald)"
        exit 77
fi

failed=0
ok() { echo "ok - $1"; }
notok() {
        echo "not ok - $1"
        failed=$((failed + 1))
        shift
        local l
        for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
comment() { printf '%s\n' "$*" | sed 's/^/# /'; }
wait_for() {
        local end=$((SECONDS + $1))
        shift
        until "$@"; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.1
        done
}

# --- cleanup: only what this test started ------------------------------------------------------
tmp=$(mktemp -d /tmp/reapd-test-journal.XXXXXX)
name=reapd-test-journal.$$
v2= v1mem= cg2= cg1=
hog_pid= reapd_pid= journald_pid=
stop_pid() { # stop_pid PID: TERM, then KILL after 5 s, and reap it if it is our child
        local p=$1
        [ -n "$p" ] || return 0
        kill -TERM "$p" 2>/dev/null || return 0
        wait_for 5 bash -c "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
}
cleanup() {
        local rc=$?
        stop_pid "$reapd_pid"
        if [ -n "$hog_pid" ]; then
                kill -KILL "$hog_pid" 2>/dev/null || true
                wait "$hog_pid" 2>/dev/null || true
        fi
        local d
        for d in "$cg2" "$cg1"; do
                [ -n "$d" ] && [ -d "$d" ] || continue
                wait_for 5 bash -c "! grep -q . '$d/cgroup.procs'" || true
                rmdir "$d" 2>/dev/null || true
        done
        if [ -n "$journald_pid" ]; then
                comment "stopping the systemd-journald this test started (pid $journald_pid)"
                stop_pid "$journald_pid"
        fi
        rm -rf "$tmp"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- journald ------------------------------------------------------------------------------------
journald_here() { # a journald in this mount namespace (not a container's) and its socket
        local p ns
        [ -S "$SOCK" ] || return 1
        ns=$(readlink /proc/self/ns/mnt)
        for p in $(pgrep -x systemd-journal || true); do
                [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$ns" ] && return 0
        done
        return 1
}
if journald_here; then
        comment "reusing the running systemd-journald"
else
        mkdir -p /run/systemd/journal
        setsid /lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &
        journald_pid=$!
        if wait_for 10 journald_here; then
                comment "started systemd-journald (pid $journald_pid)"
        else
                notok "systemd-journald started by hand"
                exit 1
        fi
fi

# --- the test's cgroup ------------------------------------------------------------------------------
while read -r _ _ _ _ mnt _ rest; do
        fstype=${rest#*- }
        fstype=${fstype%% *}
        opts=${rest##* }
        [ "$fstype" = cgroup2 ] && [ -z "$v2" ] && v2=$mnt
        if [ "$fstype" = cgroup ]; then
                case ",$opts," in *,memory,*) v1mem=$mnt ;; esac
        fi
done </proc/self/mountinfo
if [ -z "$v2" ]; then
        echo "# SKIP: no cgroup2 mount"
        exit 77
fi
cg2=$v2/$name
mkdir "$cg2"
if [ -n "$v1mem" ]; then
        cg1=$v1mem/$name
        mkdir "$cg1"
        echo 512M >"$cg1/memory.limit_in_bytes"
elif grep -qw memory "$v2/cgroup.subtree_control" 2>/dev/null; then
        echo 512M >"$cg2/memory.max"
fi
comment "cgroup /$name: $cg2${cg1:+ and $cg1} (512M limit)"

(
        echo "$BASHPID" >"$cg2/cgroup.procs"
        [ -z "$cg1" ] || echo "$BASHPID" >"$cg1/cgroup.procs"
        exec "$hog" 64 --ready-fd 3
) 3>"$tmp/hog.ready" &
hog_pid=$!
hog_ready() { grep -q ready "$tmp/hog.ready"; }
if wait_for 20 hog_ready; then
        ok "the hog (pid $hog_pid) holds 64 MiB in /$name"
else
        notok "the hog (pid $hog_pid) holds 64 MiB in /$name"
        exit 1
fi

# run_reapd DRYRUN [ARGS...]: start reapd scoped to the test cgroup, logging to the journal.
run_reapd() {
        local dry=$1
        shift
        mkdir -p "$tmp/conf"
        cat >"$tmp/conf/reapd.conf" <<EOF
[Monitor]
Cgroup=/$name
MinAvailable=100%
MinSwapFree=100%
HeadroomMode=or
[Kill]
DryRun=$dry
EOF
        "$reapd" --config "$tmp/conf/reapd.conf" --log-target=journal "$@" </dev/null \
                >"$tmp/reapd-$dry.log" 2>&1 &
        reapd_pid=$!
}
# first_record PID: the first kill record sent by PID, as one JSON line (waits up to 20 s).
first_record() {
        local rec end=$((SECONDS + 20))
        while :; do
                rec=$(journalctl --no-pager -q -o json MESSAGE_ID=$MID_KILL _PID="$1" | head -n 1)
                if [ -n "$rec" ]; then
                        printf '%s\n' "$rec"
                        return 0
                fi
                kill -0 "$1" 2>/dev/null || return 1
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.2
        done
}
expect=(pid="$hog_pid" comm=hog uid=0 cgroup="/$name" min_rss_kb=60000)

# --- phase 1: dry run ------------------------------------------------------------------------------
since=$(date '+%Y-%m-%d %H:%M:%S')
sleep 1 # --since has a one-second resolution
run_reapd yes --dry-run
scope_ok=0
if first_record "$reapd_pid" >"$tmp/dry.json"; then
        ok "reapd --dry-run sent a kill record (MESSAGE_ID=$MID_KILL) to the journal"
        if problems=$(python3 "$killrecord" journal "$tmp/dry.json" "${expect[@]}" dry_run=1); then
                ok "the dry-run record has every field, victim = the hog in /$name, DRY_RUN=1"
                scope_ok=1
        else
                notok "the dry-run record has every field, victim = the hog in /$name, DRY_RUN=1" "$problems"
        fi
else
        notok "reapd --dry-run sent a kill record (MESSAGE_ID=$MID_KILL) to the journal" \
                "$(tail -n 10 "$tmp/reapd-yes.log")" \
                "$(journalctl --no-pager -q -o cat _PID="$reapd_pid" | tail -n 10)"
        notok "the dry-run record has every field, victim = the hog in /$name, DRY_RUN=1" "no record"
fi
if kill -0 "$hog_pid" 2>/dev/null; then
        ok "the dry run left the hog alive"
else
        notok "the dry run left the hog alive"
fi
if "$reapctl" kills --json --since "$since" >"$tmp/kills-dry.json" 2>"$tmp/kills.err" &&
        problems=$(python3 "$killrecord" reapctl "$tmp/kills-dry.json" "${expect[@]}" dry_run=1); then
        ok "reapctl kills --json --since '$since' returns the dry run with every field"
else
        notok "reapctl kills --json --since '$since' returns the dry run with every field" \
                "${problems:-$(cat "$tmp/kills.err")}"
fi
stop_pid "$reapd_pid"
dry_pid=$reapd_pid
reapd_pid=

# --- phase 2: a real kill, only once phase 1 showed the scope holds ---------------------------------
if [ "$scope_ok" = 1 ]; then
        run_reapd no
        if first_record "$reapd_pid" >"$tmp/kill.json"; then
                ok "reapd sent a kill record for a real kill"
        else
                notok "reapd sent a kill record for a real kill" "$(tail -n 10 "$tmp/reapd-no.log")"
        fi
        if wait_for 10 bash -c "! kill -0 $hog_pid 2>/dev/null || [ \"\$(awk '{print \$3}' /proc/$hog_pid/stat)\" = Z ]"; then
                ok "reapd killed the hog"
        else
                notok "reapd killed the hog"
        fi
        kill_pid=$reapd_pid
        stop_pid "$reapd_pid"
        reapd_pid=
        wait "$hog_pid" 2>/dev/null || true
        hog_pid=
        if [ -s "$tmp/kill.json" ] &&
                problems=$(python3 "$killrecord" journal "$tmp/kill.json" "${expect[@]}" dry_run=0 released=1); then
                ok "the kill record has every field, DRY_RUN=0, RELEASED_KB > 0"
        else
                notok "the kill record has every field, DRY_RUN=0, RELEASED_KB > 0" "${problems:-no record}"
        fi
        others=$(journalctl --no-pager -q -o json --output-fields=VICTIM_PID,VICTIM_COMM MESSAGE_ID=$MID_KILL \
                _PID="$kill_pid" | grep -v "\"VICTIM_PID\":\"${expect[0]#pid=}\"" || true)
        if [ -z "$others" ]; then
                ok "reapd killed nothing but the hog"
        else
                notok "reapd killed nothing but the hog" "$others"
        fi
        if "$reapctl" kills --json --since "$since" >"$tmp/kills.json" 2>"$tmp/kills.err" &&
                problems=$(python3 "$killrecord" reapctl "$tmp/kills.json" "${expect[@]}" dry_run=0 released=1); then
                ok "reapctl kills --json lists the real kill with every field"
        else
                notok "reapctl kills --json lists the real kill with every field" "${problems:-$(cat "$tmp/kills.err")}"
        fi
else
        notok "real kill phase" "skipped: the dry run did not prove that reapd stays inside /$name"
fi
comment "records from reapd pids $dry_pid${kill_pid:+ and $kill_pid}"

[ "$failed" -eq 0 ]
