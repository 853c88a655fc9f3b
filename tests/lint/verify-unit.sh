#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# verify-unit.sh REAPD_BINARY MAN_DIR UNIT... - "systemd-analyze verify" of reapd.service and
# reapd@.service, as meson configured them from systemd/reapd.service.in.
#
# verify loads a unit offline (no systemd as PID 1 needed) but insists that ExecStart= exists
# and that every Documentation=man: page opens with man(1). So each unit is copied with its
# ExecStart= pointing at the built binary, and MANPATH at a temporary man tree holding the
# pages of this source tree. A template cannot be verified as such: reapd@.service is verified
# as the instance reapd@lint.service. verify only warns (exit 0) about unknown or misspelt
# keys, so any output at all fails the test. Then the offline security review must stay at or
# below EXPOSURE_MAX (systemd's 0..100 scale; 20 is "2.0 OK" in its table).
set -euo pipefail
binary=$1 man_dir=$2
shift 2
EXPOSURE_MAX=25

command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/man/man1" "$tmp/man/man5" "$tmp/man/man8"
for page in "$man_dir"/*.[158]; do
        ln -s "$(realpath "$page")" "$tmp/man/man${page##*.}/"
done
man_opt=--man=yes
command -v man >/dev/null || { man_opt=--man=no; echo "man(1) not installed: Documentation= not checked"; }

fail=0
for unit in "$@"; do
        name=$(basename "$unit")
        name=${name/@./@lint.}
        sed "s|^ExecStart=[^ ]*/reapd\b|ExecStart=$(realpath "$binary")|" "$unit" >"$tmp/$name"
        if grep -n '@[A-Za-z_]*@' "$tmp/$name"; then
                echo "$name: unsubstituted @variable@ left in the unit"
                fail=1
                continue
        fi
        if ! grep -q "^ExecStart=$(realpath "$binary")" "$tmp/$name"; then
                echo "$name: no ExecStart= running reapd"
                fail=1
                continue
        fi
        out=$(cd "$tmp" && MANPATH="$tmp/man" systemd-analyze verify $man_opt "./$name" 2>&1) || {
                echo "$out"
                echo "$name: systemd-analyze verify failed"
                fail=1
                continue
        }
        if [ -n "$out" ]; then
                echo "$out"
                echo "$name: systemd-analyze verify printed warnings"
                fail=1
                continue
        fi
        echo "$name: systemd-analyze verify: clean"
        out=$(cd "$tmp" && systemd-analyze security --offline=true --threshold=$EXPOSURE_MAX "./$name" 2>&1) || {
                echo "$out"
                echo "$name: exposure above $EXPOSURE_MAX"
                fail=1
                continue
        }
        echo "$name: $(echo "$out" | tail -n 1)"
done
exit $fail
