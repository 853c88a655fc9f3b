#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced INSIDE the system tests' containers by check.sh and check-package.sh: the result
# lines and the journal helpers both use. ok/notok/diag write "ok - what", "not ok - what" and
# "# ..." lines to $out/result (fd 3), which the outer test turns into TAP (lib.sh,
# results_to_tap); everything else the checks print goes to $out/check.log.

out=/var/tmp/systemtest
mkdir -p "$out"
: >"$out/result"
exec 3>>"$out/result"
exec >>"$out/check.log" 2>&1

MID_KILL=0d34ba080ff344199e41f36a4bb9b436
failures=0

ok() { echo "ok - $1" >&3; }
notok() {
        echo "not ok - $1" >&3
        failures=$((failures + 1))
        shift
        local l
        for l in "$@"; do
                printf '%s\n' "$l" | sed 's/^/#   /' >&3
        done
}
diag() { printf '%s\n' "$*" | sed 's/^/# /' >&3; }
# check DESC DETAIL CMD...: ok if CMD succeeds, else not ok with DETAIL.
check() {
        local desc=$1 detail=$2
        shift 2
        if "$@"; then ok "$desc"; else notok "$desc" "$detail"; fi
}
# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds or time runs out.
wait_for() {
        local end=$((SECONDS + $1))
        shift
        until "$@"; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.2
        done
}
prop() { systemctl show -p "$2" --value "$1"; }
cursor() { journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p'; }
# journal_json CURSOR [FIELD=VALUE...]: the entries after CURSOR (all if it is empty) as JSON
# lines, filtered here rather than by journalctl: systemd 252's journalctl skips the first
# matching entry after --after-cursor when given matches, and finds nothing for three matches
# on different fields (both seen in this container).
journal_json() {
        local c=$1 out m
        shift
        if [ -n "$c" ]; then
                out=$(journalctl --no-pager -q -o json --after-cursor="$c")
        else
                out=$(journalctl --no-pager -q -o json)
        fi
        for m in "$@"; do
                out=$(grep -F "\"${m%%=*}\":\"${m#*=}\"" <<<"$out" || true)
        done
        [ -z "$out" ] || printf '%s\n' "$out"
}
# msg: the MESSAGE of each JSON line on stdin.
msg() { sed -En 's/.*"MESSAGE":"((\\.|[^"\\])*)".*/\1/p'; }
# kill_record SECONDS CURSOR FILTER...: wait up to SECONDS for a kill record after CURSOR
# matching the journal FILTERs, save the first one as JSON on stdout. Fails if none came.
kill_record() {
        local end=$((SECONDS + $1)) c=$2 rec
        shift 2
        while :; do
                rec=$(journal_json "$c" MESSAGE_ID=$MID_KILL "$@" | head -n 1)
                if [ -n "$rec" ]; then
                        printf '%s\n' "$rec"
                        return 0
                fi
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.5
        done
}
