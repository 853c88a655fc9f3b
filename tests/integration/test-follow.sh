#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# reapctl kills --follow (issue 16): started before a kill, it prints the kill record as
# journald stores it, as a table row and as one JSON object a line, and nothing that was in the
# journal before it started; with --limit it shows that many earlier records first.
# The real daemon kills a hog in a cgroup made here (Cgroup=, MinAvailable=100%), logging to a
# journald (journal.sh: the running one, or one started by hand).
# Usage: test-follow.sh REAPD REAPCTL HOG
set -euo pipefail
REAPD=$(realpath "$1") REAPCTL=$(realpath "$2") HOG=$(realpath "$3")
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"
. "$(dirname "$0")/tap.sh"

if [ "$(id -u)" -ne 0 ]; then echo "1..0 # SKIP needs root"; exit 77; fi
lab_init reapd-test-follow
lab_limit $((512 << 20))
journal_start


"$REAPCTL" kills --follow --json >"$LAB_DIR/follow.json" 2>"$LAB_DIR/follow.err" &
fj=$!
"$REAPCTL" kills -f >"$LAB_DIR/follow.txt" 2>&1 &
ft=$!
"$REAPCTL" kills --follow --json -n 1 >"$LAB_DIR/follow-n1.json" 2>&1 &
fn=$!
LAB_PIDS+=("$fj" "$ft" "$fn")
sleep 1 # let them reach sd_journal_wait()
before=$(grep -c . "$LAB_DIR/follow-n1.json" || true)

lab_spawn -- "$HOG" 64 --ready-fd 3 3>"$LAB_DIR/hog.ready"
hog=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/hog.ready"
scoped_conf "$LAB_DIR/reapd.conf" "$LAB_CG" 100% "[Daemon]" "DBus=no"
reapd_start "$REAPD" "$LAB_DIR/reapd.conf"
t0=$SECONDS
wait_for 20 bash -c "! kill -0 $hog 2>/dev/null || [ \"\$(awk '{print \$3}' /proc/$hog/stat)\" = Z ]" ||
        notok "reapd killed the hog" "$(journal_messages "$REAPD_PID" | tail -n 5)"

shown() { jq -e --argjson p "$hog" 'select(.pid == $p)' "$LAB_DIR/follow.json" >/dev/null 2>&1; }
if wait_for 10 shown; then
        ok "reapctl kills --follow --json printed the kill of the hog ($hog), $((SECONDS - t0)) s after reapd started"
else
        notok "reapctl kills --follow --json printed the kill of the hog ($hog)" "$(cat "$LAB_DIR/follow.json" "$LAB_DIR/follow.err")"
fi
first=$(head -n 1 "$LAB_DIR/follow.json")
if jq -e --argjson p "$hog" '.pid == $p and .comm == "hog" and .result == "killed" and .dry_run == 0
        and .trigger == "memory" and (.time_usec | type) == "number" and (.released_kb | type) == "number"' \
        <<<"$first" >/dev/null 2>&1; then
        ok "its first line is one JSON object, that kill, with its fields: $(jq -c '{pid,comm,trigger,result,released_kb}' <<<"$first")"
else
        notok "its first line is one JSON object, the hog's kill, nothing recorded before it started" "$first"
fi
row() { grep -Eq "^[0-9-]+ [0-9:]+ +$hog +hog +memory +killed " "$LAB_DIR/follow.txt"; }
if wait_for 5 row; then
        ok "reapctl kills -f printed it as a table row, under the header alone: $(grep -E " $hog " "$LAB_DIR/follow.txt" | tr -s ' ')"
else
        notok "reapctl kills -f printed it as a table row" "$(cat "$LAB_DIR/follow.txt")"
fi
if [ "$(head -n 1 "$LAB_DIR/follow.txt" | awk '{print $1}')" = TIME ] && [ "$(grep -c . "$LAB_DIR/follow.txt")" -ge 2 ] &&
        [ "$(sed -n 2p "$LAB_DIR/follow.txt" | awk '{print $3}')" = "$hog" ]; then
        ok "the table holds nothing from before it started"
else
        notok "the table holds nothing from before it started" "$(head -n 3 "$LAB_DIR/follow.txt")"
fi
n1() { [ "$(grep -c . "$LAB_DIR/follow-n1.json")" -ge 2 ]; }
wait_for 5 n1 || true
if [ "$before" -le 1 ] && jq -e --argjson p "$hog" 'select(.pid == $p)' "$LAB_DIR/follow-n1.json" >/dev/null &&
        [ "$(tail -n 1 "$LAB_DIR/follow-n1.json" | jq .pid)" = "$hog" ]; then
        ok "with --limit 1: $before earlier record first, then the new one"
else
        notok "with --limit 1: the newest earlier record first, then the new one" "$(cat "$LAB_DIR/follow-n1.json")"
fi
reapd_stop || true
for p in "$fj" "$ft" "$fn"; do
        if kill -0 "$p" 2>/dev/null; then
                kill -TERM "$p"
                wait "$p" 2>/dev/null || true
        else
                notok "reapctl kills --follow ($p) was still following" "it ended: $(cat "$LAB_DIR/follow.err")"
        fi
done
tap_done
