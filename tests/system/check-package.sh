#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs INSIDE the package test's container (tests/system/test-package.sh), with systemd as PID 1,
# as reapd-systemtest.service: installs the built reapd .deb with apt, as an admin would, checks
# that reapd.service comes up, kills a hog with it, runs two reapd@ instances on two slices, and
# purges the package again, checking that nothing of it is left. Results go to $out/result as in
# check.sh (check-lib.sh); what the outer test validates further (reapctl's JSON) to $out.
#
# Everything that can kill is scoped to slices made here (pkgmain, pkga, pkgb), in the
# container's own PID namespace; reapd.service gets the protecting drop-in of lib.sh first.
set -euo pipefail

here=$(dirname "$0")
# shellcheck source=check-lib.sh
. "$here/check-lib.sh"

deb=$(echo /var/tmp/pkgtest/reapd_*_amd64.deb)
lib=/usr/local/lib/reapd-systemtest
cg2=$(findmnt -n -o TARGET -t cgroup2 | head -n 1)

active() { [ "$(prop "$1" ActiveState)" = active ]; }
alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }
no_reapd() { ! pgrep -x reapd >/dev/null; }
# listing: the paths a package could leave behind. apt's and dpkg's own databases are judged
# by dpkg-query below, the catalog database by its content; /run by /run/reapd.
listing() {
        find /etc /usr /var/lib -xdev \
                \( -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/lib/systemd/catalog \) -prune \
                -o -print 2>/dev/null | sort
}
# hog UNIT SLICE COMM MiB [MEMBER_PIDFILE]: /usr/local/bin/COMM (a copy of bash) holding MiB in
# SLICE, and with MEMBER_PIDFILE a member of its process group (a copy of sleep) whose PID goes
# there.
hog() {
        systemctl stop "$1" 2>/dev/null || true
        systemctl reset-failed "$1" 2>/dev/null || true
        systemd-run --quiet --unit="$1" --slice="$2" -p TimeoutStopSec=5 "/usr/local/bin/$3" "$lib/hog.sh" "$4" "${5:-}"
}
hog_ready() { [ "$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0)" -gt $(($2 * 1000)) ]; }
# v2 PID: the process's cgroup2 path.
v2() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }

cat >"$lib/hog.sh" <<'EOF'
# hog.sh MiB [MEMBER_PIDFILE]
if [ -n "$2" ]; then
        /usr/local/bin/reapd-member infinity &
        echo $! >"$2"
fi
x=$(head -c "$1"M /dev/zero | tr '\0' x)
while :; do sleep 1000; done
EOF
install -m 755 /bin/sleep /usr/local/bin/reapd-member
install -m 755 /bin/sleep /usr/local/bin/reapd-bystander
for comm in reapd-hog reapd-hoga reapd-hogb; do
        install -m 755 /bin/bash /usr/local/bin/$comm
done

echo "check-package.sh starting at $(date -Is), cgroup2 at $cg2, package $deb"
diag "cgroup layout in the container: $(stat -fc %T /sys/fs/cgroup)$([ -d /sys/fs/cgroup/unified ] && echo ' + unified')"
before=$(listing)

# --- Install --------------------------------------------------------------------------------
# The admin's first drop-in, before the package starts reapd.service (lib.sh says why).
mkdir -p /etc/reapd.conf.d
cp /var/tmp/pkgtest/10-protect.conf /etc/reapd.conf.d/
rc=0
SECONDS=0
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" >"$out/apt-install.log" 2>&1 || rc=$?
check "apt-get install ./$(basename "$deb") succeeds (${SECONDS} s)" "exit $rc: $(tail -n 5 "$out/apt-install.log")" \
        [ "$rc" = 0 ]
status=$(dpkg-query -W -f='${Status}' reapd 2>/dev/null || true)
check "dpkg: reapd is installed" "status '$status'" [ "$status" = "install ok installed" ]
conffiles=$(dpkg-query -W -f='${Conffiles}' reapd 2>/dev/null || true)
check "/etc/reapd.conf is a conffile" "conffiles: $conffiles" grep -q '^ /etc/reapd.conf ' <<<"$conffiles"
check "reapd.service is enabled by the package" "is-enabled: $(systemctl is-enabled reapd.service 2>&1)" \
        systemctl -q is-enabled reapd.service
wait_for 20 active reapd.service || true
check "reapd.service is active (started by the package, Type=notify)" \
        "$(systemctl show -p ActiveState,SubState,Result,NRestarts reapd.service | tr '\n' ' ')" active reapd.service
check "reapd@.service is installed (a template, not enabled by the package)" \
        "$(systemctl list-unit-files 'reapd@*' --no-legend 2>&1)" \
        bash -c "systemctl list-unit-files --no-legend 'reapd@.service' | grep -q disabled"
rc=0
reapctl status >"$out/status-main.txt" 2>&1 || rc=$?
check "reapctl status: running (exit 0)" "exit $rc: $(head -n 3 "$out/status-main.txt")" [ "$rc" = 0 ]
check "the journal catalog knows reapd's records (systemd's trigger ran journalctl --update-catalog)" \
        "not in journalctl --list-catalog" bash -c "journalctl --list-catalog --no-pager | grep -q $MID_KILL"
check "man reapd.conf(5) is installed" "no /usr/share/man/man5/reapd.conf.5.gz" \
        test -f /usr/share/man/man5/reapd.conf.5.gz
# The bus policy came with the package; dbus reads it by itself, and reapd asks again if it was
# too early.
bus_owned() { busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s org.reapd.Reapd1 >/dev/null 2>&1; }
wait_for 20 bus_owned || true
check "reapd.service owns org.reapd.Reapd1 on the system bus (the package's policy)" \
        "$(journalctl -q --no-pager -o cat -u reapd.service | grep -iE 'bus|Reapd1' | tail -n 3)" bus_owned
check "the desktop agent's user unit is enabled for every user (dh_installsystemduser)" \
        "$(systemctl --global is-enabled reapd-notify.service 2>&1)" systemctl --global -q is-enabled reapd-notify.service

# --- A kill by reapd.service, scoped to a slice made here ------------------------------------
# reapd.service stays in pkgmain.slice from here on: watching the whole container, it would also
# judge the instances' slices below, and act there first when the host runs short of memory (it
# did, on a busy host: reapd(8), INSTANCES). A sleep (which the protecting drop-in ignores) keeps
# the slice alive for a restart.
systemd-run --quiet --unit=pkg-main-keep.service --slice=pkgmain.slice sleep infinity
hog pkg-main.service pkgmain.slice reapd-hog 64
main_pid=$(prop pkg-main.service MainPID)
wait_for 20 hog_ready "$main_pid" 64 || true
main_cg=$(prop pkg-main.service ControlGroup)
printf '[Monitor]\nCgroup=/pkgmain.slice\nMinAvailable=100%%\nMinSwapFree=100%%\nHeadroomMode=or\n' \
        >/etc/reapd.conf.d/50-pkgtest.conf
systemctl reload reapd.service
if wait_for 30 dead "$main_pid"; then
        ok "reapd.service killed the hog (pid $main_pid) in $main_cg"
else
        notok "reapd.service killed the hog (pid $main_pid) in $main_cg" "still alive after 30 s"
fi
printf '[Monitor]\nCgroup=/pkgmain.slice\n' >/etc/reapd.conf.d/50-pkgtest.conf
systemctl reload reapd.service
systemctl stop pkg-main.service 2>/dev/null || true
wait_for 10 bash -c "reapctl kills --json | grep -q '\"pid\": $main_pid'" || true
reapctl kills --json >"$out/kills-main.json" 2>&1 || true
{
        echo "MAIN_PID=$main_pid"
        echo "MAIN_CGROUP=$main_cg"
} >"$out/hogs.env"

# --- Two instances on two slices -------------------------------------------------------------
# Each judges its slice "always low" and kills there: reapd@a the process group of its hog,
# reapd@b the hog's whole cgroup. A member of a's hog's process group is moved to a third slice
# nobody watches: a process-group kill must not follow it there. A bystander runs there too.
hog pkg-a.service pkga.slice reapd-hoga 32 "$out/member.pid"
hog pkg-b.service pkgb.slice reapd-hogb 32
systemd-run --quiet --unit=pkg-c.service --slice=pkgc.slice /usr/local/bin/reapd-bystander infinity
a_pid=$(prop pkg-a.service MainPID)
b_pid=$(prop pkg-b.service MainPID)
a_cg=$(prop pkg-a.service ControlGroup)
b_cg=$(prop pkg-b.service ControlGroup)
by_pid=$(prop pkg-c.service MainPID)
wait_for 20 hog_ready "$a_pid" 32 || true
wait_for 20 hog_ready "$b_pid" 32 || true
wait_for 5 test -s "$out/member.pid" || true
member=$(cat "$out/member.pid" 2>/dev/null || echo 0)
echo "$member" >"$cg2$(prop pkg-c.service ControlGroup)/cgroup.procs" || true
diag "hog a: pid $a_pid in $(v2 "$a_pid"); hog b: pid $b_pid in $(v2 "$b_pid")"
diag "a's group member: pid $member (pgid $(ps -o pgid= -p "$member" | tr -d ' '), hog a's $(ps -o pgid= -p "$a_pid" | tr -d ' ')) moved to $(v2 "$member"); bystander $by_pid in $(v2 "$by_pid")"
check "hog a's process-group member now sits outside pkga.slice" "in $(v2 "$member")" \
        bash -c "[ \"\$(sed -n 's/^0:://p' /proc/$member/cgroup)\" = '$(prop pkg-c.service ControlGroup)' ]"

mkdir -p /etc/reapd
for i in a b; do
        unit=process-group
        [ "$i" = a ] || unit=cgroup
        printf '[Monitor]\nCgroup=/pkg%s.slice\nMinAvailable=100%%\nMinSwapFree=100%%\nHeadroomMode=or\n[Kill]\nKillUnit=%s\n' \
                "$i" "$unit" >/etc/reapd/$i.conf
done
# A drop-in of an instance lives in /etc/reapd/NAME.conf.d/.
mkdir -p /etc/reapd/b.conf.d
printf '[Daemon]\nLogLevel=debug\n' >/etc/reapd/b.conf.d/50-debug.conf
# A third instance, in dry run, over pkga.slice as well: reapd@a must say at start that the two
# overlap (nothing coordinates them; reapd(8), INSTANCES).
printf '[Monitor]\nCgroup=/pkga.slice\n[Kill]\nDryRun=yes\n' >/etc/reapd/ovl.conf
systemctl start reapd@ovl.service
wait_for 10 test -s /run/reapd/ovl/state || true
rc=0
systemctl start reapd@a.service reapd@b.service || rc=$?
check "systemctl start reapd@a reapd@b succeeds" "exit $rc" [ "$rc" = 0 ]
check "reapd@a and reapd@b are active" \
        "a: $(prop reapd@a.service ActiveState), b: $(prop reapd@b.service ActiveState)" \
        bash -c "systemctl -q is-active reapd@a.service && systemctl -q is-active reapd@b.service"
if wait_for 30 dead "$a_pid" && wait_for 30 dead "$b_pid"; then
        ok "the instances killed both hogs"
else
        notok "the instances killed both hogs" "a $a_pid: $(alive "$a_pid" && echo alive), b $b_pid: $(alive "$b_pid" && echo alive)"
fi
check "the member of a's process group outside pkga.slice is alive (the scope held)" "pid $member is gone" \
        alive "$member"
check "the bystander in pkgc.slice is alive" "pid $by_pid is gone" alive "$by_pid"
wait_for 10 bash -c "reapctl kills -i b --json | grep -q '\"pid\": $b_pid'" || true
reapctl kills -i a --json >"$out/kills-a.json" 2>&1 || true
reapctl kills -i b --json >"$out/kills-b.json" 2>&1 || true
reapctl kills --json >"$out/kills-all.json" 2>&1 || true
{
        echo "A_PID=$a_pid"
        echo "A_CGROUP=$a_cg"
        echo "B_PID=$b_pid"
        echo "B_CGROUP=$b_cg"
} >>"$out/hogs.env"
check "the journal has INSTANCE=a on a kill record" "none" \
        bash -c "journalctl -q --no-pager -o cat MESSAGE_ID=$MID_KILL INSTANCE=a | grep -q ."
reapctl status -i b >"$out/status-b.txt" 2>&1 || true
check "reapd@b's configuration includes its drop-in /etc/reapd/b.conf.d/50-debug.conf" \
        "$(grep -E '^(Cgroup|KillUnit|LogLevel)=' "$out/status-b.txt")" grep -q '^LogLevel=debug' "$out/status-b.txt"

overlap=$(journalctl -q --no-pager -o cat -u reapd@a.service | grep 'overlaps' || true)
check "reapd@a says at start that reapd@ovl's scope overlaps its own" \
        "$(journalctl -q --no-pager -o cat -u reapd@a.service | head -n 8)" grep -q '^reapd@ovl.service (PID [0-9]*) watches /pkga.slice, which overlaps /pkga.slice' <<<"$overlap"
check "reapd@b says nothing about overlaps (its scope is its own)" "$(journalctl -q --no-pager -o cat -u reapd@b.service | grep overlaps)" \
        bash -c "! journalctl -q --no-pager -o cat -u reapd@b.service | grep -q overlaps"
systemctl stop reapd@ovl.service

rc=0
reapctl status -i a >"$out/status-a.txt" 2>&1 || rc=$?
check "reapctl status -i a: running, scope /pkga.slice" "exit $rc: $(head -n 4 "$out/status-a.txt")" \
        bash -c "[ $rc = 0 ] && grep -q '^reapd@a .*running' '$out/status-a.txt' && grep -q 'Scope: *\/pkga.slice' '$out/status-a.txt'"
reapctl status >"$out/status-main.txt" 2>&1 || true
check "reapctl status lists the running instances a and b" "$(cat "$out/status-main.txt" | head -n 12)" \
        bash -c "grep -q 'Instance: *a,' '$out/status-main.txt' && grep -q 'Instance: *b,' '$out/status-main.txt'"
check "reapd@a's state is in /run/reapd/a/state" "$(ls -R /run/reapd 2>&1)" test -s /run/reapd/a/state

# Stopping reapd.service must leave the instances' runtime directories alone.
systemctl stop reapd.service
check "after stopping reapd.service, reapd@a's state file is still there and reapd@a runs" \
        "$(ls -R /run/reapd 2>&1)" bash -c "test -s /run/reapd/a/state && systemctl -q is-active reapd@a.service"
systemctl start reapd.service

# An instance without Cgroup= does not start: it would watch the whole machine.
printf '[Kill]\nDryRun=yes\n' >/etc/reapd/noscope.conf
systemctl start reapd@noscope.service 2>/dev/null || true
wait_for 5 bash -c "journalctl -q --no-pager -u reapd@noscope.service | grep -q 'has no Cgroup='" || true
check "reapd@noscope (no Cgroup=) refuses to start and says why" \
        "$(journalctl -q --no-pager -u reapd@noscope.service | tail -n 3)" \
        bash -c "journalctl -q --no-pager -u reapd@noscope.service | grep -q 'has no Cgroup='"
systemctl stop reapd@noscope.service 2>/dev/null || true
rc=0
systemctl start reapd@missing.service 2>/dev/null || rc=$?
check "reapd@missing (no /etc/reapd/missing.conf) fails its AssertPathExists= and does not run" \
        "exit $rc, $(systemctl show -p AssertResult,ActiveState,NRestarts reapd@missing.service | tr '\n' ' ')" \
        bash -c "[ $rc != 0 ] && [ \"\$(systemctl show -p AssertResult --value reapd@missing.service)\" = no ] &&
                ! systemctl -q is-active reapd@missing.service"

# What an admin leaves for purge to clean: an enabled instance and an override.
systemctl enable reapd@a.service 2>/dev/null
mkdir -p /etc/systemd/system/reapd.service.d
printf '[Service]\nNice=-5\n' >/etc/systemd/system/reapd.service.d/override.conf
systemctl daemon-reload

# --- Purge ----------------------------------------------------------------------------------
rc=0
SECONDS=0
DEBIAN_FRONTEND=noninteractive apt-get purge -y reapd >"$out/apt-purge.log" 2>&1 || rc=$?
check "apt-get purge reapd succeeds (${SECONDS} s)" "exit $rc: $(tail -n 5 "$out/apt-purge.log")" [ "$rc" = 0 ]
status=$(dpkg-query -W -f='${Status}' reapd 2>/dev/null || true)
check "dpkg: reapd is gone, not even its configuration" "status '$status'" \
        bash -c "[ -z '$status' ] || [ '$status' = 'unknown ok not-installed' ]"
wait_for 10 no_reapd || true
check "no reapd process is left (reapd.service and the instances stopped)" "$(pgrep -a -x reapd)" no_reapd
systemctl daemon-reload
units=$(systemctl list-units --all --no-legend --plain reapd.service 'reapd@*' 2>&1 |
        grep -v 'not-found.*inactive' || true)
check "systemd knows no reapd unit any more" "$units" [ -z "$units" ]
files=$(systemctl list-unit-files --no-legend reapd.service 'reapd@*' 2>&1 || true)
check "no reapd unit file is left" "$files" [ -z "$files" ]
check "/run/reapd is gone" "$(ls -R /run/reapd 2>&1)" test ! -e /run/reapd
check "the catalog no longer has reapd's records (journalctl --update-catalog ran again)" \
        "still in journalctl --list-catalog" bash -c "! journalctl --list-catalog --no-pager | grep -q $MID_KILL"
left=$(comm -13 <(printf '%s\n' "$before") <(listing))
check "nothing the package or the admin made for reapd is left under /etc, /usr, /var/lib" "$left" \
        [ -z "$left" ]
gone=$(comm -23 <(printf '%s\n' "$before") <(listing))
check "purge removed nothing that was there before the install" \
        "$gone" [ -z "$gone" ]
check "the bystander outlived the package" "pid $by_pid is gone" alive "$by_pid"

systemctl stop pkg-a.service pkg-b.service pkg-c.service pkg-main-keep.service 2>/dev/null || true
kill -KILL "$member" 2>/dev/null || true
diag "check-package.sh finished at $(date -Is) with $failures failed checks"
echo "# done" >&3
exit 0
