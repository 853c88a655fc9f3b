#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs INSIDE the system test's container, as reapd-systemtest.service, against the real
# reapd.service that systemd (PID 1) started at boot. Writes one line per check to
# $out/result ("ok - what" or "not ok - what", "# ..." lines for details), saves what the
# outer test validates further (kill records, reapctl output) under $out, and ends with
# "# done". The unit's SuccessAction=/FailureAction= power the container off afterwards.
#
# Everything that can kill is scoped to a cgroup made here (reapdtest.slice), inside the
# container's own PID namespace: a dry run first, then one real kill of the hog below.
set -euo pipefail


MID_REHEARSAL=6deea06f5c464a728764cea84f6aa5e8
HOG_UNIT=reapdtest-hog.service
DROPIN_DIR=/etc/reapd.conf.d
# shellcheck source=check-lib.sh
. "$(dirname "$0")/check-lib.sh"

is_active() { [ "$(prop reapd.service ActiveState)" = active ]; }
loaded() { [ "$(prop reapd.service LoadState)" = loaded ]; }
# unit_and CMD...: CMD, but false when reapd.service does not even exist (so that checks like
# "did not restart" do not pass on a unit that is not there).
unit_and() { loaded && "$@"; }
# patience SECONDS: SECONDS, or 0 when reapd is not running (no point waiting for it).
patience() { if is_active; then echo "$1"; else echo 0; fi; }
same_pid_active() { is_active && [ "$(prop reapd.service MainPID)" = "$pid" ]; }
state() {
        systemctl show -p ActiveState,SubState,Result,NRestarts,MainPID,StatusText,ExecMainStatus reapd.service |
                tr '\n' ' '
}
reload_reapd() {
        local rc=0
        timeout 30 systemctl reload reapd.service || rc=$?
        sleep 1 # let the daemon act on the new configuration before looking at it
        return $rc
}
write_dropin() {
        mkdir -p "$DROPIN_DIR"
        cat >"$DROPIN_DIR/$1"
}

echo "check.sh starting at $(date -Is), cgroup layout: $(stat -fc %T /sys/fs/cgroup)"
diag "cgroup layout in the container: $(stat -fc %T /sys/fs/cgroup)$([ -d /sys/fs/cgroup/unified ] && echo ' + unified')"

# --- The unit as installed --------------------------------------------------------------
frag=$(prop reapd.service FragmentPath)
if [ -n "$frag" ] && [ -f "$frag" ]; then
        ok "reapd.service is installed ($frag)"
        diag "$(prop reapd.service ExecStart)"
else
        notok "reapd.service is installed" "systemctl show -p FragmentPath is '$frag'"
fi

if [ -n "$frag" ] && systemd-analyze verify --man=no "$frag" >"$out/verify.log" 2>&1 &&
        ! grep -v -e '^$' "$out/verify.log" | grep -q .; then
        ok "systemd-analyze verify reapd.service is clean"
else
        notok "systemd-analyze verify reapd.service is clean" "$(cat "$out/verify.log" 2>/dev/null)"
fi
systemd-analyze security --no-pager reapd.service >"$out/security.log" 2>&1 || true
diag "$(grep -i 'overall exposure' "$out/security.log" || echo 'systemd-analyze security: no verdict')"

# --- Readiness ----------------------------------------------------------------------------
wait_for 20 is_active || true
type=$(prop reapd.service Type)
check "reapd.service is Type=notify (so active means READY=1 was received)" "Type=$type" \
        [ "$type" = notify ]
check "reapd.service is active (running) after boot" "$(state)" \
        [ "$(prop reapd.service ActiveState)/$(prop reapd.service SubState)" = active/running ]
check "reapd.service did not restart" "$(state)" unit_and [ "$(prop reapd.service NRestarts)" = 0 ]
pid=$(prop reapd.service MainPID)
main_is_reapd() { [ "$pid" -gt 0 ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = reapd ]; }
check "reapd.service has a MainPID that is reapd" "MainPID=$pid comm=$(cat /proc/"$pid"/comm 2>/dev/null)" \
        main_is_reapd
# The first STATUS= may come with READY=1 before any reading; give the periodic one 10 s.
status_ok() { grep -qiE 'pressure|headroom' <<<"$(prop reapd.service StatusText)"; }
wait_for "$(patience 10)" status_ok || true
check "STATUS= text mentions pressure or headroom (within 10 s)" \
        "StatusText='$(prop reapd.service StatusText)'" status_ok
check "reapd logged its start to the journal" "no lines from reapd itself in the journal" \
        bash -c "journalctl --no-pager -q _SYSTEMD_UNIT=reapd.service | grep -q ."
# The sandbox (SystemCallFilter=, TasksMax=, ProtectSystem=) lets reapd fork a child of its own,
# raise its oom_score_adj and kill it through the whole kill path (reapd(8), KILL REHEARSAL).
rehearsed() {
        journal_json "" MESSAGE_ID=$MID_REHEARSAL _SYSTEMD_UNIT=reapd.service REHEARSAL=1 RESULT=killed \
                VICTIM_COMM=reapd-rehearse | grep -q .
}
wait_for "$(patience 10)" rehearsed || true
check "reapd rehearsed its kill path at start (MESSAGE_ID=$MID_REHEARSAL, RESULT=killed)" \
        "$(journal_json "" _SYSTEMD_UNIT=reapd.service | msg | grep -i rehears | tail -n 3)" rehearsed

# --- Reload -------------------------------------------------------------------------------
can_reload=$(prop reapd.service CanReload)
check "reapd.service can reload (ExecReload= set)" "CanReload=$can_reload" [ "$can_reload" = yes ]
c=$(cursor)
rc=0
reload_reapd || rc=$?
check "systemctl reload reapd succeeds" "exit code $rc; $(state)" [ "$rc" = 0 ]
check "after reload: still active, same MainPID $pid" "$(state)" same_pid_active

c=$(cursor)
write_dropin 99-broken.conf <<'EOF'
[Monitor]
Bogus=1
EOF
rc=0
reload_reapd || rc=$?
diag "reload with a broken drop-in: systemctl exit code $rc"
check "reload with a broken drop-in keeps it active with the same MainPID $pid" "$(state)" \
        same_pid_active
# The line naming the file, from reapd itself, and its priority (3 = err).
line=$(journal_json "$c" _SYSTEMD_UNIT=reapd.service |
        grep '99-broken.conf' | head -n 1 || true)
prio=$(sed -n 's/.*"PRIORITY":"\([0-9]\)".*/\1/p' <<<"$line")
prio_is_err() { [ -n "$prio" ] && [ "$prio" -le 3 ]; }
check "reload with a broken drop-in logs an error (priority err or worse) naming the file" \
        "line: '$(msg <<<"$line")', priority ${prio:-none}" prio_is_err
rm -f "$DROPIN_DIR/99-broken.conf"
rc=0
reload_reapd || rc=$?
check "reload after removing the broken drop-in succeeds" "exit code $rc; $(state)" [ "$rc" = 0 ]
check "after that reload: still active, same MainPID $pid" "$(state)" same_pid_active

# --- Kill records, scoped to a cgroup made here -------------------------------------------
# The hog is a copy of bash so that its comm is distinctive; it holds 64 MiB and sleeps.
install -m 755 /bin/bash /usr/local/bin/reapd-hog
cat >/usr/local/lib/reapd-systemtest/hog.sh <<'EOF'
x=$(head -c 64M /dev/zero | tr '\0' x)
while :; do sleep 1000; done
EOF
systemctl stop "$HOG_UNIT" 2>/dev/null || true
systemctl reset-failed "$HOG_UNIT" 2>/dev/null || true
systemd-run --quiet --unit="$HOG_UNIT" --slice=reapdtest.slice -p TimeoutStopSec=5 \
        /usr/local/bin/reapd-hog /usr/local/lib/reapd-systemtest/hog.sh
hog_pid=$(prop "$HOG_UNIT" MainPID)
hog_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$hog_pid/status" 2>/dev/null || echo 0; }
hog_ready() { [ "$(hog_rss)" -gt 60000 ]; }
wait_for 20 hog_ready || true
hog_cg=$(prop "$HOG_UNIT" ControlGroup)
diag "hog: pid $hog_pid, rss $(hog_rss) kB, cgroup $hog_cg"
{
        echo "HOG_PID=$hog_pid"
        echo "HOG_COMM=reapd-hog"
        echo "HOG_CGROUP=$hog_cg"
        echo "HOG_UID=0"
} >"$out/hog.env"
check "the hog holds 64 MiB in $hog_cg" "pid $hog_pid rss $(hog_rss) kB" hog_ready

# --- Who else hears of a kill: the bus, a pre-kill hook, the metrics file (issue 16) ------------
# The container runs Debian's dbus: reapd.service owns its name there, from inside its sandbox.
check "the bus policy is installed where dbus reads it" "no /usr/share/dbus-1/system.d/org.reapd.Reapd1.conf" \
        test -f /usr/share/dbus-1/system.d/org.reapd.Reapd1.conf
check "the desktop agent's user unit is installed" "no /usr/lib/systemd/user/reapd-notify.service" \
        test -f /usr/lib/systemd/user/reapd-notify.service
bus_owned() { busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s org.reapd.Reapd1 >/dev/null 2>&1; }
wait_for "$(patience 10)" bus_owned || true
check "reapd.service owns org.reapd.Reapd1 on the container's system bus" \
        "$(journal_json "" _SYSTEMD_UNIT=reapd.service | msg | grep -iE 'bus|Reapd1' | tail -n 3)" bus_owned
busctl monitor --json=short --match="type='signal',interface='org.reapd.Reapd1',member='Killed'" \
        >"$out/killed.json" 2>"$out/killed.err" &
monitor=$!
# A hook in the default PreKillDirectory=, served by systemd-socket-activate: it records the line
# and answers.
mkdir -p /run/reapd/prekill.d
systemd-run --quiet --unit=reapdtest-prekill.service systemd-socket-activate --accept --inetd \
        -l /run/reapd/prekill.d/systemtest.sock -- /bin/sh -c 'read -r line; printf "%s\n" "$line" >>'"$out"'/prekill.line; echo ok'
wait_for 10 test -S /run/reapd/prekill.d/systemtest.sock || true
# The textfile directory of Debian's node_exporter, made before boot (test-nspawn.sh): the unit's
# ReadWritePaths= lets reapd write there.
metrics=/var/lib/prometheus/node-exporter/reapd.prom
write_dropin 45-systemtest-notify.conf <<EOF
[Kill]
PreKillTimeout=5s
[Daemon]
MetricsFile=$metrics
EOF

# Dry run: MinAvailable=100% makes the scoped cgroup always "low", DryRun=yes sends nothing.
c=$(cursor)
since=$(date '+%Y-%m-%d %H:%M:%S')
write_dropin 50-systemtest.conf <<EOF
[Monitor]
Cgroup=$hog_cg
MinAvailable=100%
MinSwapFree=100%
HeadroomMode=or
[Kill]
DryRun=yes
EOF
rc=0
reload_reapd || rc=$?
check "reload with the scoped dry-run drop-in succeeds" "exit code $rc; $(state)" [ "$rc" = 0 ]
if kill_record "$(patience 30)" "$c" DRY_RUN=1 >"$out/record-dry-run.json"; then
        ok "a dry-run kill record (MESSAGE_ID=$MID_KILL, DRY_RUN=1) reached the journal"
else
        notok "a dry-run kill record (MESSAGE_ID=$MID_KILL, DRY_RUN=1) reached the journal" \
                "none in 30 s; reapd said: $(journal_json "$c" _SYSTEMD_UNIT=reapd.service | msg | tail -n 5)"
fi
check "the dry run left the hog alive" "pid $hog_pid" kill -0 "$hog_pid"
dry_counted() { grep -q '^reapd_kills_total{service="reapd.service",reason="memory",kill_unit="process",result="dry-run"} [1-9]' "$metrics"; }
wait_for "$(patience 10)" dry_counted || true
check "MetricsFile= in /var/lib/prometheus/node-exporter is written, and counts the dry run" \
        "$(ls -l "$(dirname "$metrics")"; grep reapd_kills "$metrics" 2>&1)" dry_counted
check "the dry run told no hook" "$(cat "$out/prekill.line" 2>&1)" test ! -s "$out/prekill.line"

# A real kill of the hog, still scoped to its cgroup.
c=$(cursor)
sed -i 's/^DryRun=yes/DryRun=no/' "$DROPIN_DIR/50-systemtest.conf"
rc=0
reload_reapd || rc=$?
check "reload with the scoped kill drop-in succeeds" "exit code $rc; $(state)" [ "$rc" = 0 ]
hog_gone() { ! kill -0 "$hog_pid" 2>/dev/null; }
if wait_for "$(patience 30)" hog_gone; then
        ok "reapd killed the hog (pid $hog_pid) in $hog_cg"
else
        notok "reapd killed the hog (pid $hog_pid) in $hog_cg" "still alive after 30 s; $(prop "$HOG_UNIT" ActiveState)"
fi
# Stop acting on the (now empty) test cgroup at once, before looking at the record.
rm -f "$DROPIN_DIR/50-systemtest.conf"
reload_reapd || true
kill -KILL "$hog_pid" 2>/dev/null || true
systemctl kill -s SIGKILL "$HOG_UNIT" 2>/dev/null || true
timeout 10 systemctl stop "$HOG_UNIT" 2>/dev/null || true
if kill_record "$(patience 30)" "$c" DRY_RUN=0 VICTIM_PID="$hog_pid" >"$out/record-kill.json"; then
        ok "a kill record (DRY_RUN=0, VICTIM_PID=$hog_pid) reached the journal"
else
        notok "a kill record (DRY_RUN=0, VICTIM_PID=$hog_pid) reached the journal" \
                "none in 30 s; reapd said: $(journal_json "$c" _SYSTEMD_UNIT=reapd.service | msg | tail -n 5)"
fi
# Every real kill of the whole run must have been the hog: a scope that widens (e.g. when the
# scoped cgroup goes away) would kill the container's own services.
victims=$(journal_json "" MESSAGE_ID=$MID_KILL DRY_RUN=0 |
        sed -n 's/.*"VICTIM_PID":"\([0-9]*\)".*"VICTIM_COMM":"\([^"]*\)".*/\1 \2/p; s/.*"VICTIM_COMM":"\([^"]*\)".*"VICTIM_PID":"\([0-9]*\)".*/\2 \1/p' |
        sort -u)
others=$(grep -v -e "^$hog_pid " -e '^$' <<<"$victims" | tr '\n' ';' || true)
check "reapd killed nothing but the hog (scope held)" "also killed: $others" [ -z "$others" ]
told() { grep -q "\"pid\":$hog_pid," "$out/prekill.line" 2>/dev/null; }
check "the pre-kill hook in /run/reapd/prekill.d was told of the hog before the kill" \
        "$(cat "$out/prekill.line" 2>&1); $(journal_json "$c" _SYSTEMD_UNIT=reapd.service | msg | grep -i pre-kill)" told
answered() { journal_json "$c" _SYSTEMD_UNIT=reapd.service | msg | grep -q "Pre-kill hooks told of $hog_pid .*: 1 answered"; }
check "and its answer was heard" "$(journal_json "$c" _SYSTEMD_UNIT=reapd.service | msg | grep -i pre-kill)" answered
killed_signal() { grep -q "\"member\":\"Killed\".*\"data\":\[$hog_pid,\"reapd-hog\",0,\"$hog_cg\",\"memory\",\"process\",1," "$out/killed.json"; }
wait_for 5 killed_signal || true
check "a Killed signal for the hog went out on the system bus" "$(cat "$out/killed.json" "$out/killed.err")" killed_signal
kill "$monitor" 2>/dev/null || true
killed_counted() { grep -q '^reapd_kills_total{service="reapd.service",reason="memory",kill_unit="process",result="killed"} 1$' "$metrics"; }
check "MetricsFile= counts the kill" "$(grep reapd_kills "$metrics" 2>&1)" killed_counted
cp "$metrics" "$out/reapd.prom" 2>/dev/null || true
systemctl stop reapdtest-prekill.service 2>/dev/null || true
check "reapd is still active with the same MainPID after the kills" "$(state)" same_pid_active

rc=0
timeout 20 reapctl kills --json --since "$since" >"$out/reapctl-kills.json" 2>"$out/reapctl-kills.err" || rc=$?
check "reapctl kills --json --since '$since' succeeds" "exit code $rc: $(cat "$out/reapctl-kills.err")" [ "$rc" = 0 ]

# --- Catalog ------------------------------------------------------------------------------
journalctl --update-catalog || true
check "journalctl --list-catalog knows $MID_KILL" "not in the catalog (is reapd.catalog installed?)" \
        bash -c "journalctl --list-catalog --no-pager | grep -q $MID_KILL"
journalctl -x --no-pager -q MESSAGE_ID=$MID_KILL -n 1 >"$out/catalog-x.txt" 2>&1 || true
check "journalctl -x shows the catalog text under a kill record" "$(cat "$out/catalog-x.txt")" \
        grep -q '^░░ ' "$out/catalog-x.txt"

# --- Sandbox and stop ---------------------------------------------------------------------
# reapd's own lines at warning or worse (it may note at a lower priority what the host itself
# forbids, e.g. a negative oom_score_adj without CAP_SYS_RESOURCE), and the service manager's
# lines about the unit that mean the sandbox got in the way.
own_re='Permission denied|Read-only file system|Operation not permitted|No such file|not permitted'
pid1_re='SIGSYS|status=31/SYS|core-dump|dumped core|Watchdog timeout|Failed with result|status=2[0-9][0-9]/|Failed to set up|Operation not permitted|Permission denied'
journalctl --no-pager -q -o short-monotonic -u reapd.service >"$out/reapd-unit.log" || true
bad=$(journalctl --no-pager -q -o cat _SYSTEMD_UNIT=reapd.service -p warning | grep -E "$own_re" || true)
low=$(journalctl --no-pager -q -o cat _SYSTEMD_UNIT=reapd.service -p notice..debug | grep -E "$own_re" || true)
[ -z "$low" ] || diag "reapd at notice/info/debug, not counted: $low"
check "the sandbox denied reapd nothing (no EACCES/EROFS/EPERM/ENOENT warnings from reapd)" \
        "$bad" unit_and [ -z "$bad" ]
bad=$(journalctl --no-pager -q -o cat _PID=1 UNIT=reapd.service | grep -E "$pid1_re" || true)
check "systemd saw no SIGSYS, crash, watchdog timeout or setup failure of reapd.service" \
        "$bad" unit_and [ -z "$bad" ]

rc=0
timeout 30 systemctl stop reapd.service || rc=$?
check "systemctl stop reapd succeeds" "exit code $rc" [ "$rc" = 0 ]
check "after stop, reapd's metrics file is gone (absent series: reapd is not running)" "$(ls -l "$metrics" 2>&1)" \
        test ! -e "$metrics"
check "after stop: inactive, Result=success, main process exited 0" "$(state)" \
        unit_and [ "$(prop reapd.service ActiveState)/$(prop reapd.service Result)/$(prop reapd.service ExecMainStatus)" = inactive/success/0 ]

diag "check.sh finished at $(date -Is) with $failures failed checks"
echo "# done" >&3
exit 0
