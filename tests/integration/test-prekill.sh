#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pre-kill hooks (issue 16): the real daemon, scoped to a cgroup made here, tells the listeners
# in PreKillDirectory= of each victim before it kills, and waits at most PreKillTimeout=.
#
# Usage: test-prekill.sh REAPD HOG LISTENER
#
# Each phase starts a hog and a reapd that finds the cgroup "always low" (MinAvailable=100%,
# no PSI), with the listeners (prekill-listener.py) of the phase in a fresh directory:
# - answer + silent + absent (a socket file nobody listens on), PreKillTimeout=2s: both
#   listeners get the line (every field checked), the kill comes about 2s after it (the silent
#   one is waited for, never longer), and the log counts 1 answered, 1 timed out, 1 absent;
# - answer alone, PreKillTimeout=5s: the kill follows the answer, long before the timeout;
# - absent alone: the kill goes ahead at once;
# - a dry run: no hook is told anything (a hook may act on the news: save, exit).
# Exit 0 all good, 1 a check failed, 77 skipped (not root).
set -euo pipefail
REAPD=$(realpath "$1") HOG=$(realpath "$2") LISTENER=$(realpath "$3")
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/tap.sh"
TAP_POLL=0.02 # the hog's death is timed against the hooks' deadline

if [ "$(id -u)" -ne 0 ]; then echo "1..0 # SKIP needs root"; exit 77; fi
command -v python3 >/dev/null && command -v jq >/dev/null || { echo "1..0 # SKIP needs python3 and jq"; exit 77; }

now() { date +%s.%N; }
# seconds A B: B - A, to the millisecond
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# between X LOW HIGH: LOW <= X < HIGH
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'; }

lab_init reapd-test-prekill
lab_limit $((512 << 20))

# phase NAME TIMEOUT DRYRUN LISTENER_MODE...: a hog, the listeners, a reapd; sets hog, dir, log,
# t_dead (when the hog was seen dead, or "" if it lived 15 s).
phase() {
        local name=$1 timeout=$2 dry=$3 mode i=0
        shift 3
        dir=$LAB_DIR/$name.d
        log=$LAB_DIR/$name.heard
        mkdir -m 755 "$dir"
        : >"$log"
        for mode in "$@"; do
                i=$((i + 1))
                if [ "$mode" = absent ]; then
                        python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$dir/$i-absent.sock"
                        continue
                fi
                python3 "$LISTENER" "$dir/$i-$mode.sock" "$mode" "$log" &
                LAB_PIDS+=("$!")
                wait_for 10 test -S "$dir/$i-$mode.sock" || lab_fail "listener $i ($mode) did not come up"
        done
        lab_spawn -- "$HOG" 64 --ready-fd 3 3>"$LAB_DIR/$name.ready"
        hog=$LAB_LAST_PID
        lab_wait_ready "$LAB_DIR/$name.ready"
        scoped_conf "$LAB_DIR/$name.conf" "$LAB_CG" 100% "[Kill]" "DryRun=$dry" "PreKillTimeout=$timeout" \
                "PreKillDirectory=$dir" "[Daemon]" "DBus=no"
        mkdir -p "$LAB_DIR/$name.run"
        RUNTIME_DIRECTORY=$LAB_DIR/$name.run "$REAPD" --config "$LAB_DIR/$name.conf" --log-target=stderr \
                2>"$LAB_DIR/$name.log" &
        reapd=$!
        LAB_PIDS+=("$reapd")
        t_dead=
        if [ "$dry" = yes ]; then
                # Its choice, then as long as a hook would have had to hear of it.
                wait_for 15 grep -q 'Would kill' "$LAB_DIR/$name.log" || true
                sleep 2
                lab_alive "$hog" || t_dead=$(now)
        elif wait_for 15 bash -c "! kill -0 $hog 2>/dev/null || [ \"\$(awk '{print \$3}' /proc/$hog/stat)\" = Z ]"; then
                t_dead=$(now)
        fi
        kill -TERM "$reapd"
        wait "$reapd" || true
        [ -z "$t_dead" ] || wait "$hog" 2>/dev/null || true
        sed "s/^/# $name: /" "$LAB_DIR/$name.log" | grep -iE 'pre-kill|hook' || true
}
heard() { grep -c . "$log" || true; }
told_at() { jq -r '.t' "$log" | sort -n | head -n 1; }
line() { jq -r '.line' "$log" | head -n 1; }

# --- answer + silent + absent -------------------------------------------------------------------
phase mixed 2s no answer silent absent
check "the hog is killed" "still alive after 15 s: $(tail -n 5 "$LAB_DIR/mixed.log")" test -n "$t_dead"
check "both listening hooks were told (the absent one cannot be)" "$(cat "$log")" [ "$(heard)" = 2 ]
fields_ok() {
        jq -e --argjson pid "$hog" --arg cg "$LAB_CG" \
                '.pid == $pid and .comm == "hog" and .uid == 0 and .cgroup == $cg and .reason == "memory"
                 and .kill_unit == "process" and .instance == "" and .timeout_ms == 2000 and .rss_kb > 60000
                 and (.starttime | type) == "number" and (.oom_score_adj | type) == "number"
                 and (.swap_kb | type) == "number"' <<<"$(line)" >/dev/null
}
check "the line is one JSON object naming the victim: $(line | tr -d '\n')" "$(line)" fields_ok
if [ -n "$t_dead" ] && [ -n "$(told_at)" ]; then
        wait_s=$(seconds "$(told_at)" "$t_dead")
        check "the kill waited for the silent hook until the 2s deadline, no longer: dead ${wait_s}s after the line" \
                "waited ${wait_s}s" between "$wait_s" 1.9 4
else
        notok "the kill waited for the silent hook until the 2s deadline" "no kill or no line"
fi
counts='Pre-kill hooks told of [0-9]+ \(hog\) in [0-9.]+s: 1 answered, 0 closed, 1 did not answer within 2s, 1 not listening, 0 failed, 0 not told'
check "reapd's log counts them: 1 answered, 1 did not answer in time, 1 not listening" \
        "$(cat "$LAB_DIR/mixed.log")" grep -Eq "$counts" "$LAB_DIR/mixed.log"

# --- answer alone -------------------------------------------------------------------------------
phase answer 5s no answer
check "the hog is killed" "still alive after 15 s" test -n "$t_dead"
if [ -n "$t_dead" ] && [ -n "$(told_at)" ]; then
        wait_s=$(seconds "$(told_at)" "$t_dead")
        check "an answer ends the wait: dead ${wait_s}s after the line, the timeout being 5s" "waited ${wait_s}s" \
                between "$wait_s" 0 2.5
else
        notok "an answer ends the wait" "no kill or no line: $(cat "$log")"
fi

# --- absent alone -------------------------------------------------------------------------------
phase absent 5s no absent
check "a hook that is not listening holds nothing up: the hog is killed" "still alive" test -n "$t_dead"
check "and the log says it was not listening" "$(cat "$LAB_DIR/absent.log")" \
        grep -Eq '0 answered, 0 closed, 0 did not answer within 5s, 1 not listening' "$LAB_DIR/absent.log"

# --- a dry run tells nobody ------------------------------------------------------------------------
phase dry 2s yes answer
check "a dry run leaves the hog alive" "it died" test -z "$t_dead"
check "and tells no hook" "$(cat "$log")" [ "$(heard)" = 0 ]
check "the dry run did choose the hog" "$(cat "$LAB_DIR/dry.log")" grep -q "Would kill process $hog (hog)" "$LAB_DIR/dry.log"
kill -KILL "$hog" 2>/dev/null || true
wait "$hog" 2>/dev/null || true

tap_done
