#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A stalled journald cannot stall reapd (issue 13, item 6). In a mount namespace of its own (so
# that the journald it freezes is its own, with private /run/systemd/journal, /run/log/journal
# and /var/log/journal), the test starts a journald, then reapd scoped to a 256 MB cgroup with
# MinAvailable=50%, logging to that journald, with a notify socket and WATCHDOG_USEC=2s as
# systemd would give it. Then it freezes journald (SIGSTOP), fills its socket's receive queue
# (sends until EAGAIN: with the queue full a blocking send waits), and starts a 180 MB hog in
# the cgroup. reapd must still kill the hog, keep sending WATCHDOG=1 at least every
# WATCHDOG_USEC and update STATUS= with the kill while journald is frozen, and the kill record
# must reach the journal once journald runs again.
# Usage: test-journal-stall.sh REAPD HOG
set -euo pipefail
if [ -z "${REAPD_JSTALL_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }
    [ -x /lib/systemd/systemd-journald ] && command -v journalctl >/dev/null && command -v jq >/dev/null ||
        { echo "1..0 # SKIP needs systemd-journald, journalctl and jq"; exit 77; }
    exec env REAPD_JSTALL_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
REAPD=$1 HOG=$2
FREEZE_S=8
WATCHDOG_USEC=2000000
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

lab_init reapd-jstall
lab_limit $((256 << 20))
# this namespace's own journal: nothing of the host's journald is touched
for d in /run/systemd/journal /run/log/journal /var/log/journal; do
    if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &
journald=$!
LAB_PIDS+=("$journald")
for _ in $(seq 1 100); do [ -S "$JOURNAL_SOCKET" ] && break; sleep 0.05; done
[ -S "$JOURNAL_SOCKET" ] || lab_fail "journald did not come up"

# The notify socket: every datagram reapd sends, with its CLOCK_MONOTONIC arrival in µs.
python3 - "$LAB_DIR/notify.sock" "$LAB_DIR/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "w", buffering=1) as out:
    while True:
        msg = s.recv(65536).decode(errors="replace")
        t = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        for line in msg.split("\n"):
            if line:
                out.write(f"{t} {line}\n")
PY
LAB_PIDS+=("$!")
for _ in $(seq 1 50); do [ -S "$LAB_DIR/notify.sock" ] && break; sleep 0.1; done

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=50%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=5s
CONF
JOURNAL_SINCE_USEC=${EPOCHREALTIME/./}
NOTIFY_SOCKET=$LAB_DIR/notify.sock WATCHDOG_USEC=$WATCHDOG_USEC RUNTIME_DIRECTORY=$LAB_DIR \
    "$REAPD" --config "$LAB_DIR/reapd.conf" --log-target=journal 2>"$LAB_DIR/reapd.err" &
REAPD_PID=$!
LAB_PIDS+=("$REAPD_PID")
for _ in $(seq 1 100); do grep -q "READY=1" "$LAB_DIR/notify.log" && break; sleep 0.1; done
grep -q "READY=1" "$LAB_DIR/notify.log" || { cat "$LAB_DIR/reapd.err"; lab_fail "reapd did not get ready"; }
journal_wait_message "$REAPD_PID" "monitoring $LAB_CG" 5 || lab_fail "reapd's log did not reach the journal"

# Freeze journald and fill its socket: from now on a blocking send to it waits.
kill -STOP "$journald"
filled=$(python3 - "$JOURNAL_SOCKET" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setblocking(False)
n = 0
try:
    while n < 100000:
        s.sendto(b"MESSAGE=filler\nSYSLOG_IDENTIFIER=reapd-test-filler\n", sys.argv[1])
        n += 1
except BlockingIOError:
    pass
print(n)
PY
)
t_freeze=$(awk '{print int($1 * 1000000)}' /proc/uptime)
t_freeze_mono=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)')
lab_log "journald $journald frozen, its queue full after $filled datagrams"

lab_spawn -- "$HOG" 180; hog=$LAB_LAST_PID
t_dead=""
for i in $(seq 1 $((FREEZE_S * 10))); do
    if [ -z "$t_dead" ] && ! lab_alive "$hog"; then t_dead=$((i * 100)); fi
    sleep 0.1
done
t_thaw_mono=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)')
kill -CONT "$journald"

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

if [ -n "$t_dead" ]; then ok "hog killed ${t_dead} ms after it started, journald frozen"; else notok "hog alive after ${FREEZE_S} s"; fi
# WATCHDOG=1 while frozen: the largest gap between pings (and the freeze's ends)
gap=$(awk -v a="$t_freeze_mono" -v b="$t_thaw_mono" '$2 == "WATCHDOG=1" && $1 >= a && $1 <= b { if ($1 - p > m) m = $1 - p; p = $1 } BEGIN { p = a } END { if (b - p > m) m = b - p; print m }' "$LAB_DIR/notify.log")
pings=$(awk -v a="$t_freeze_mono" -v b="$t_thaw_mono" '$2 == "WATCHDOG=1" && $1 >= a && $1 <= b' "$LAB_DIR/notify.log" | wc -l)
if [ "$gap" -le "$WATCHDOG_USEC" ]; then ok "$pings WATCHDOG=1 pings during the ${FREEZE_S} s freeze, largest gap $((gap / 1000)) ms"
else notok "largest gap between WATCHDOG=1 pings during the freeze: $((gap / 1000)) ms ($pings pings)"; fi
if awk -v a="$t_freeze_mono" -v b="$t_thaw_mono" '$1 >= a && $1 <= b' "$LAB_DIR/notify.log" | grep -q "STATUS=.* 1 kill$"; then
    ok "STATUS= told the kill while journald was frozen"
else notok "no STATUS= with the kill during the freeze"; fi
if rec=$(journal_wait_records "$JOURNAL_MSGID_KILL" "$REAPD_PID" 1 10); then
    rec=$(printf '%s\n' "$rec" | head -n 1)
    if [ "$(journal_field "$rec" VICTIM_PID)" = "$hog" ]; then ok "the kill record arrived once journald ran again: $(journal_field "$rec" MESSAGE)"
    else notok "the kill record names $(journal_field "$rec" VICTIM_PID), not the hog $hog"; fi
else notok "no kill record in the journal after journald ran again"; fi
if reapd_stop; then ok "reapd stopped cleanly on SIGTERM"; else notok "reapd exit status $?"; fi
reapd_dump_log
grep -c "WATCHDOG=1" "$LAB_DIR/notify.log" | sed 's/^/# WATCHDOG=1 pings in all: /'
exit $status
