# SPDX-License-Identifier: GPL-2.0-or-later
# journal.sh - shell helpers for the scenarios that check reapd's journal records: a journald
# to log to (reused when one already runs, else started by hand, as LAB.md describes for a
# host whose PID 1 is not systemd) and queries of the records one daemon instance wrote.
# Source it after lab.sh; call journal_start before starting reapd --log-target=journal.
#
# A journald this file starts is left running, detached from the test's stdout: other tests
# (and other engineers' runs) may be logging to it by then, and a later test reuses it.

JOURNAL_SOCKET=/run/systemd/journal/socket
JOURNAL_MSGID_KILL=0d34ba080ff344199e41f36a4bb9b436
JOURNAL_MSGID_NO_CANDIDATE=1dfb41b4ef794ba1b0dfe82a1585f3e9
JOURNAL_MSGID_REHEARSAL=6deea06f5c464a728764cea84f6aa5e8

# journal_running: a journald in this mount namespace (not one in a container) and its socket.
journal_running() {
    local p ns
    [ -S "$JOURNAL_SOCKET" ] || return 1
    ns=$(readlink /proc/self/ns/mnt)
    for p in $(pgrep -x systemd-journal); do
        [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$ns" ] && return 0
    done
    return 1
}

# journal_start: make sure a journald listens on $JOURNAL_SOCKET; skips the test (exit 77)
# when there is none and none can be started.
journal_start() {
    local i
    if ! command -v journalctl >/dev/null || ! command -v jq >/dev/null; then
        echo "1..0 # SKIP needs journalctl and jq"
        exit 77
    fi
    journal_running && return 0
    if [ ! -x /lib/systemd/systemd-journald ]; then
        echo "1..0 # SKIP no journald running and none to start"
        exit 77
    fi
    mkdir -p /run/systemd/journal
    # In a subshell, so it is not this shell's job: lab_cleanup's "wait" must not wait for it.
    (setsid /lib/systemd/systemd-journald </dev/null >/dev/null 2>&1 &)
    for i in $(seq 1 100); do
        journal_running && return 0
        sleep 0.05
    done
    lab_fail "systemd-journald did not come up"
}

# journal_records MESSAGE_ID PID: the records with that MESSAGE_ID sent by PID, one JSON
# object a line, oldest first.
journal_records() {
    journalctl -o json --no-pager --output-fields=MESSAGE,MESSAGE_ID,VICTIM_PID,VICTIM_COMM,VICTIM_CGROUP,TRIGGER,RESULT,RELEASED_KB,RELEASED_BY,RELEASED_COUNT,RELEASE_THREADS,KILL_USEC,RELEASE_USEC,EXIT_USEC,KILL_UNIT,KILLED_COUNT,KILL_METHOD,MEMBERS_FAILED,MEMBERS_PROTECTED,MEMBERS_UNRELEASED,MEMBERS_ALIVE,MEMBERS_TRUNCATED,RSS_KB,SWAP_KB,BADNESS,PRESSURE_SOME_AVG10,PRESSURE_FULL_AVG10,MEM_AVAILABLE_KB,SWAP_FREE_KB,SCANNED,PRIORITY,REHEARSAL,_PID \
        "MESSAGE_ID=$1" "_PID=$2" 2>/dev/null | journal_since || true
}

# journal_since: only the JSON entries logged since the last reapd_start. PIDs are recycled
# across a long run: an earlier test's daemon may have had the same _PID (seen in CI).
journal_since() {
    jq -c --argjson t "${JOURNAL_SINCE_USEC:-0}" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t)'
}

# journal_wait_records MESSAGE_ID PID COUNT [TIMEOUT_S]: wait until PID wrote COUNT such
# records (journald stores them asynchronously); prints them. Returns 1 on timeout.
journal_wait_records() {
    local n i out
    for i in $(seq 1 $((${4:-5} * 10))); do
        out=$(journal_records "$1" "$2")
        n=$(printf '%s' "$out" | grep -c . || true)
        if [ "$n" -ge "$3" ]; then printf '%s\n' "$out"; return 0; fi
        sleep 0.1
    done
    printf '%s' "$out"
    [ -n "$out" ] && echo
    return 1
}

# journal_messages PID: every MESSAGE= PID logged, for the test's diagnostics.
journal_messages() {
    journalctl -o json --no-pager --output-fields=MESSAGE "_PID=$1" 2>/dev/null | journal_since |
        jq -r '.MESSAGE | if type == "array" then implode else . end' || true
}

# journal_wait_message PID REGEX [TIMEOUT_S]: wait until PID logged a message matching REGEX.
journal_wait_message() {
    local i
    for i in $(seq 1 $((${3:-5} * 10))); do
        journal_messages "$1" | grep -Eq "$2" && return 0
        sleep 0.1
    done
    return 1
}

# journal_field JSON FIELD: one field of one record (empty if absent).
journal_field() {
    printf '%s\n' "$1" | jq -r --arg f "$2" '.[$f] // empty'
}

# reapd_start REAPD CONF: run the daemon on CONF, logging to the journal, with its state file
# in $LAB_DIR (not the shared /run/reapd); sets REAPD_PID once it logged that it monitors.
# Its stderr (anything it printed before the journal was set up) is in $LAB_DIR/reapd.err.
reapd_start() {
    JOURNAL_SINCE_USEC=${EPOCHREALTIME/./}
    RUNTIME_DIRECTORY=$LAB_DIR "$1" --config "$2" --log-target=journal 2>"$LAB_DIR/reapd.err" &
    REAPD_PID=$!
    LAB_PIDS+=("$REAPD_PID")
    if ! journal_wait_message "$REAPD_PID" "monitoring $LAB_CG" 5; then
        cat "$LAB_DIR/reapd.err"
        journal_messages "$REAPD_PID"
        lab_fail "reapd did not start monitoring $LAB_CG"
    fi
}

# reapd_stop: SIGTERM; returns the daemon's exit status.
reapd_stop() {
    local rc=0
    kill -TERM "$REAPD_PID" 2>/dev/null || true
    wait "$REAPD_PID" || rc=$?
    return $rc
}

# reapd_dump_log: the daemon's messages as TAP comments.
reapd_dump_log() {
    journal_messages "$REAPD_PID" | sed 's/^/# reapd: /'
    sed 's/^/# reapd stderr: /' "$LAB_DIR/reapd.err" 2>/dev/null || true
}

# dmesg_mark: remember the newest kernel log line; dmesg_oom_since prints the cgroup OOM lines
# logged after it that mention $LAB_CG. Both are silent no-ops when dmesg is not readable.
dmesg_mark() {
    DMESG_MARK=$(dmesg 2>/dev/null | tail -n 1) || DMESG_MARK=""
}
dmesg_oom_since() {
    # The kernel names the cgroup in its "oom-kill:constraint=CONSTRAINT_MEMCG,...,
    # oom_memcg=/NAME,task_memcg=/NAME,..." line; $LAB_CG carries the test's PID, so it is ours.
    dmesg 2>/dev/null | awk -v mark="$DMESG_MARK" 'mark == "" || found { print } $0 == mark { found = 1 }' |
        grep -E 'oom' | grep -F "$LAB_CG" || true
}
