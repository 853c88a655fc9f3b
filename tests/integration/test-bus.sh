#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# D-Bus test (issue 16): the real daemon on a system bus this test starts, the real desktop
# agent on a session bus this test starts, and the consumers Debian ships.
#
# Usage: test-bus.sh SOURCE_ROOT REAPD REAPCTL HOG NOTIFY_SERVER
#
# - System bus: dbus-daemon with the system bus's default policy (signals to all, no name, no
#   method call) plus reapd's own policy file from this tree, on a socket in the test's
#   directory, given to every client as DBUS_SYSTEM_BUS_ADDRESS. Session bus: dbus-daemon
#   --session likewise, with notify-server (a stand-in notification server that records each
#   Notify call) on it, and two agents: "reapctl notify" and "reapctl notify --all".
# - Kills: reapd scoped (Cgroup=) to a cgroup made here with two hogs, one of root's and one of
#   nobody's (in a child cgroup named "x&y", for the markup escaping). reapd starts harmless
#   (MinAvailable=0 and MinSwapFree=0, so that another test's swap file does not count; no PSI),
#   owns org.reapd.Reapd1, then a reload (both at 100%) makes it kill both. Checked: the Killed signals with every field (busctl monitor, as root), their
#   arrival at an unprivileged listener (gdbus monitor as nobody), the properties readable by
#   nobody, the notifications each agent asked for and their text.
# - Then the bus goes away and comes back: one notice, the agents end (exit 1), reapd owns the
#   name again. And three more daemons that never act: one without a bus (one notice, runs on),
#   an instance (its own name), one whose name is taken (a notice), one with DBus=no (silent).
# Exit 0 all good, 1 a check failed, 77 skipped (not root, a tool missing, no cgroup2).
set -euo pipefail
SRC=$1 REAPD=$(realpath "$2") REAPCTL=$(realpath "$3") HOG=$(realpath "$4") NOTIFY_SERVER=$(realpath "$5")
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/tap.sh"

if [ "$(id -u)" -ne 0 ]; then echo "1..0 # SKIP needs root"; exit 77; fi
for t in dbus-daemon busctl gdbus setpriv jq; do
        command -v "$t" >/dev/null || { echo "1..0 # SKIP needs $t (tools/install-deps.sh test)"; exit 77; }
done


lab_init reapd-test-bus
chmod 755 "$LAB_DIR" # nobody's listener and hog reach the socket and the binary
lab_limit $((512 << 20))
SYS=$LAB_DIR/system_bus_socket SES=$LAB_DIR/session_bus_socket
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$SYS DBUS_SESSION_BUS_ADDRESS=unix:path=$SES
busctl_sys() { busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" "$@"; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

# --- the buses ----------------------------------------------------------------------------------
cat >"$LAB_DIR/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$SYS</listen>
  <!-- /usr/share/dbus-1/system.conf's default policy -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>$SRC/systemd/org.reapd.Reapd1.conf</include>
</busconfig>
EOF
start_system_bus() {
        dbus-daemon --config-file="$LAB_DIR/system.conf" --nofork --nopidfile >>"$LAB_DIR/system-bus.log" 2>&1 &
        sysbus=$!
        LAB_PIDS+=("$sysbus")
        wait_for 10 test -S "$SYS"
}
start_system_bus || lab_fail "the test's system bus did not start: $(cat "$LAB_DIR/system-bus.log")"
dbus-daemon --session --nofork --nopidfile --address="unix:path=$SES" >"$LAB_DIR/session-bus.log" 2>&1 &
LAB_PIDS+=("$!")
wait_for 10 test -S "$SES" || lab_fail "the test's session bus did not start"
"$NOTIFY_SERVER" "$LAB_DIR/notes.json" --markup --ready-fd 3 3>"$LAB_DIR/server.ready" &
LAB_PIDS+=("$!")
wait_for 10 grep -q ready "$LAB_DIR/server.ready" || lab_fail "the stand-in notification server did not start"
ok "a system bus (with reapd's policy), a session bus and a stand-in notification server are up"

# --- the hogs and reapd ---------------------------------------------------------------------------
cp "$HOG" "$LAB_DIR/hogroot"
cp "$HOG" "$LAB_DIR/hognobody"
chmod 755 "$LAB_DIR/hogroot" "$LAB_DIR/hognobody"
lab_spawn -- "$LAB_DIR/hogroot" 96 --ready-fd 3 3>"$LAB_DIR/h1"; h1=$LAB_LAST_PID
lab_spawn "x&y" -- setpriv --reuid=65534 --regid=65534 --clear-groups -- "$LAB_DIR/hognobody" 64 --ready-fd 3 \
        3>"$LAB_DIR/h2"; h2=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/h1"
lab_wait_ready "$LAB_DIR/h2"
lab_log "hogs: root's $h1 (96 MB) in $LAB_CG, nobody's $h2 (64 MB) in $LAB_CG/x&y"

conf() { # conf FILE THRESHOLD [DAEMON_LINE]
        scoped_conf "$1" "$LAB_CG" "$2" "[Daemon]" ${3:+"$3"}
}
conf "$LAB_DIR/reapd.conf" 0
RUNTIME_DIRECTORY=$LAB_DIR "$REAPD" --config "$LAB_DIR/reapd.conf" --log-target=stderr 2>"$LAB_DIR/reapd.log" &
reapd=$!
LAB_PIDS+=("$reapd")
owned() { busctl_sys call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s "$1" >/dev/null 2>&1; }
check "reapd owns org.reapd.Reapd1 on the system bus (reapd's policy lets root own it)" \
        "$(tail -n 5 "$LAB_DIR/reapd.log")" wait_for 10 owned org.reapd.Reapd1
version=$(as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" get-property org.reapd.Reapd1 /org/reapd/Reapd1 \
        org.reapd.Reapd1 Version 2>&1 || true)
check "nobody reads its Version property: $version" "$version" [ "$version" = 's "0.1.0"' ]
introspect=$(as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" introspect org.reapd.Reapd1 /org/reapd/Reapd1 2>&1 || true)
check "nobody introspects it: a Killed signal of signature ususssuttss" "$introspect" \
        grep -Eq '^\.Killed +signal +ususssuttss' <<<"$introspect"

# The listeners, before the kills.
busctl_sys monitor --json=short --match="type='signal',interface='org.reapd.Reapd1',member='Killed'" \
        >"$LAB_DIR/monitor.json" 2>"$LAB_DIR/monitor.err" &
LAB_PIDS+=("$!")
as_nobody env DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" gdbus monitor --system --dest org.reapd.Reapd1 \
        --object-path /org/reapd/Reapd1 >"$LAB_DIR/gdbus.out" 2>&1 &
LAB_PIDS+=("$!")
"$REAPCTL" notify >"$LAB_DIR/agent.out" 2>"$LAB_DIR/agent.err" &
agent=$!
LAB_PIDS+=("$agent")
"$REAPCTL" notify --all >"$LAB_DIR/agent-all.out" 2>"$LAB_DIR/agent-all.err" &
agent_all=$!
LAB_PIDS+=("$agent_all")
listening() { grep -q waiting "$LAB_DIR/agent.err" && grep -q waiting "$LAB_DIR/agent-all.err" &&
        grep -q "is owned by" "$LAB_DIR/gdbus.out" && grep -q Monitoring "$LAB_DIR/monitor.err"; }
wait_for 10 listening || lab_fail "the listeners did not come up: $(cat "$LAB_DIR"/agent*.err "$LAB_DIR/gdbus.out")"

# --- the kills ----------------------------------------------------------------------------------
conf "$LAB_DIR/reapd.conf" 100%
kill -HUP "$reapd"
both_dead() { ! lab_alive "$h1" && ! lab_alive "$h2"; }
check "reapd killed both hogs" "$(tail -n 10 "$LAB_DIR/reapd.log")" wait_for 30 both_dead
conf "$LAB_DIR/reapd.conf" 0
kill -HUP "$reapd"
two_signals() { [ "$(grep -c '"member":"Killed"' "$LAB_DIR/monitor.json")" -ge 2 ]; }
wait_for 10 two_signals || true
signal_of() { # signal_of PID: the data array of its Killed signal
        jq -c --argjson p "$1" 'select(.member == "Killed") | .payload.data | select(.[0] == $p)' \
                "$LAB_DIR/monitor.json" 2>/dev/null | head -n 1
}
expect_signal() { # expect_signal PID COMM UID CGROUP
        local d
        d=$(signal_of "$1")
        [ -n "$d" ] || { echo "no Killed signal for $1"; return 1; }
        jq -e --arg comm "$2" --argjson uid "$3" --arg cg "$4" \
                '.[1] == $comm and .[2] == $uid and .[3] == $cg and .[4] == "memory" and .[5] == "process"
                 and .[6] == 1 and .[7] > 60000000 and (.[8] | type) == "number" and .[9] == "killed"
                 and .[10] == ""' <<<"$d" >/dev/null || { echo "$d"; return 1; }
}
for h in "$h1 hogroot 0 $LAB_CG" "$h2 hognobody 65534 $LAB_CG/x&y"; do
        read -r pid comm uid cg <<<"$h"
        if problem=$(expect_signal "$pid" "$comm" "$uid" "$cg"); then
                ok "Killed($(signal_of "$pid" | tr -d '[]')): pid, comm, uid, cgroup, reason, kill unit, count, bytes, result, instance"
        else
                notok "a Killed signal with every field for $comm ($pid)" "$problem" "$(head -c 2000 "$LAB_DIR/monitor.json")"
        fi
done
n_signals=$(grep -c '"member":"Killed"' "$LAB_DIR/monitor.json" || true)
check "exactly two Killed signals: none for the kill rehearsals at start and reload" "$n_signals signals" \
        [ "$n_signals" = 2 ]
jq -c 'select(.member == "Killed") | {sender, path, interface, type: .payload.type}' "$LAB_DIR/monitor.json" |
        sed 's/^/# /'
seen_by_nobody() { grep -q "org.reapd.Reapd1.Killed (uint32 $h1, 'hogroot'" "$LAB_DIR/gdbus.out" &&
        grep -q "org.reapd.Reapd1.Killed (uint32 $h2, 'hognobody'" "$LAB_DIR/gdbus.out"; }
check "an unprivileged listener (gdbus monitor as nobody) received both Killed signals" "$(cat "$LAB_DIR/gdbus.out")" \
        wait_for 5 seen_by_nobody

# --- the notifications -----------------------------------------------------------------------------
three_notes() { [ "$(grep -c . "$LAB_DIR/notes.json" 2>/dev/null)" -ge 3 ]; }
wait_for 10 three_notes || true
sed 's/^/# notification: /' "$LAB_DIR/notes.json"
notes_for() { jq -c --arg s "$1" 'select(.summary == $s)' "$LAB_DIR/notes.json"; }
s1="Killed hogroot (PID $h1)" s2="Killed hognobody (PID $h2)"
agents_asked() {
        [ "$(cat "$LAB_DIR/agent.out")" = "$s1" ] && grep -qxF "$s1" "$LAB_DIR/agent-all.out" &&
                grep -qxF "$s2" "$LAB_DIR/agent-all.out" && [ "$(grep -c . "$LAB_DIR/agent-all.out")" = 2 ]
}
check "'reapctl notify' asked for a notification of root's kill only (its own uid), --all for both" \
        "default: $(cat "$LAB_DIR/agent.out"); --all: $(cat "$LAB_DIR/agent-all.out")" agents_asked
server_got() { [ "$(notes_for "$s1" | grep -c .)" = 2 ] && [ "$(notes_for "$s2" | grep -c .)" = 1 ]; }
check "the notification server got '$s1' twice and '$s2' once" "$(cat "$LAB_DIR/notes.json")" server_got
note=$(notes_for "$s2" | head -n 1)
body=$(jq -r .body <<<"$note" 2>/dev/null || true)
note_text_ok() {
        [ "$(jq -r '.app_name, .urgency, .expire_timeout' <<<"$note" | tr '\n' ' ')" = "reapd 1 -1 " ] &&
                grep -q 'because memory was running out\.' <<<"$body" &&
                grep -Eq '[0-9.]+[KMG] of memory came back \(it held [0-9.]+[KMG]\)\.' <<<"$body" &&
                grep -qF "User 65534, cgroup $LAB_CG/x&amp;y" <<<"$body"
}
check "its text says what, why and how much: app reapd, urgency normal, the reason, the size, the cgroup escaped" \
        "$note" note_text_ok

# Anyone may send a signal with reapd's interface: the agents show only root's. The sender stays
# connected while they ask who it is (python3-dbus: busctl emit would be gone by then).
if /usr/bin/python3 -c 'import dbus.lowlevel' 2>/dev/null; then
        as_nobody /usr/bin/python3 -c '
import sys, time, dbus, dbus.lowlevel
bus = dbus.bus.BusConnection(sys.argv[1])
m = dbus.lowlevel.SignalMessage("/org/reapd/Reapd1", "org.reapd.Reapd1", "Killed")
m.append(dbus.UInt32(1), "spoofed", dbus.UInt32(0), "/", "memory", "process", dbus.UInt32(1),
         dbus.UInt64(1), dbus.UInt64(1), "killed", "", signature="ususssuttss")
bus.send_message(m)
bus.flush()
time.sleep(3)' "$DBUS_SYSTEM_BUS_ADDRESS" &
        LAB_PIDS+=("$!")
        spoof_seen() { grep -q 'runs as uid 65534, not root; ignoring it' "$LAB_DIR/agent-all.err"; }
        wait_for 5 spoof_seen || true
        spoof_ignored() { spoof_seen && ! grep -q spoofed "$LAB_DIR/notes.json" "$LAB_DIR/agent-all.out"; }
        check "a Killed signal sent by nobody is not shown ($(grep -o 'from .*' "$LAB_DIR/agent-all.err"))" \
                "$(cat "$LAB_DIR/agent-all.err" "$LAB_DIR/notes.json")" spoof_ignored
else
        echo "# no python3-dbus (tools/install-deps.sh test): a signal from another user not tried"
fi

# --- the bus goes away and comes back --------------------------------------------------------------
kill -TERM "$sysbus"
wait "$sysbus" 2>/dev/null || true
rm -f "$SYS"
rc=0
wait_for 10 bash -c "! kill -0 $agent 2>/dev/null" || true
wait "$agent" 2>/dev/null || rc=$?
check "the agent ends with an error when the system bus goes away (systemd restarts it)" \
        "exit $rc: $(cat "$LAB_DIR/agent.err")" [ "$rc" = 1 ]
went_away() { grep -q 'The system bus went away' "$LAB_DIR/reapd.log"; }
wait_for 5 went_away || true
said_once() { kill -0 "$reapd" && [ "$(grep -c 'went away' "$LAB_DIR/reapd.log")" = 1 ]; }
check "reapd says once that the system bus went away, and runs on" "$(tail -n 5 "$LAB_DIR/reapd.log")" said_once
sleep 2 # reapd's retries meet no bus
start_system_bus || lab_fail "the test's system bus did not start again"
check "reapd owns org.reapd.Reapd1 again once the bus is back" "$(tail -n 5 "$LAB_DIR/reapd.log")" \
        wait_for 20 owned org.reapd.Reapd1
back_quietly() {
        grep -q 'Back as org.reapd.Reapd1 on the system bus' "$LAB_DIR/reapd.log" &&
                [ "$(grep -ci 'system bus' "$LAB_DIR/reapd.log")" = 3 ]
}
check "it says it is back, and said nothing more meanwhile" "$(grep -i bus "$LAB_DIR/reapd.log")" back_quietly

# --- no bus, an instance, a name taken, DBus=no: daemons that never act ------------------------------
conf "$LAB_DIR/idle.conf" 0
conf "$LAB_DIR/nobus.conf" 0 DBus=no
mkdir -p "$LAB_DIR/run2" "$LAB_DIR/run3" "$LAB_DIR/run4" "$LAB_DIR/run5"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_DIR/no-such-socket RUNTIME_DIRECTORY=$LAB_DIR/run2 \
        "$REAPD" --config "$LAB_DIR/idle.conf" --log-target=stderr 2>"$LAB_DIR/r2.log" &
r2=$!
RUNTIME_DIRECTORY=$LAB_DIR/run3 "$REAPD" --config "$LAB_DIR/idle.conf" --instance=bus-t --log-target=stderr \
        2>"$LAB_DIR/r3.log" &
r3=$!
RUNTIME_DIRECTORY=$LAB_DIR/run4 "$REAPD" --config "$LAB_DIR/idle.conf" --log-target=stderr 2>"$LAB_DIR/r4.log" &
r4=$!
RUNTIME_DIRECTORY=$LAB_DIR/run5 "$REAPD" --config "$LAB_DIR/nobus.conf" --log-target=stderr 2>"$LAB_DIR/r5.log" &
r5=$!
LAB_PIDS+=("$r2" "$r3" "$r4" "$r5")
check "an instance owns org.reapd.Reapd1.Instance.bus_2dt" "$(cat "$LAB_DIR/r3.log")" \
        wait_for 10 owned org.reapd.Reapd1.Instance.bus_2dt
sleep 4 # retries at 1 s and 2 s for the daemon without a bus
one_notice() { kill -0 "$r2" && [ "$(grep -c 'No system bus' "$LAB_DIR/r2.log")" = 1 ] && grep -q '^<5>No system bus' "$LAB_DIR/r2.log"; }
check "without a bus: one notice, and reapd runs on" "$(cat "$LAB_DIR/r2.log")" one_notice
check "a second reapd.service-like daemon hears the name is taken, and says it sends its signals all the same" \
        "$(cat "$LAB_DIR/r4.log")" grep -q 'org.reapd.Reapd1 belongs to another process' "$LAB_DIR/r4.log"
silent() { ! grep -qiE 'system bus|org\.reapd|Killed signal' "$LAB_DIR/r5.log" && ! busctl_sys list --no-legend | awk '{print $2}' | grep -qx "$r5"; }
check "DBus=no: not on the bus, and not a word about it" "$(cat "$LAB_DIR/r5.log")" silent
for p in "$r2" "$r3" "$r4" "$r5" "$reapd"; do kill -TERM "$p"; done
rc=0
for p in "$r2" "$r3" "$r4" "$r5" "$reapd"; do wait "$p" || rc=$?; done
check "every reapd stops cleanly (exit 0)" "exit $rc" [ "$rc" = 0 ]
grep -i -e bus -e signal "$LAB_DIR/reapd.log" | sed 's/^/# reapd: /'
tap_done
