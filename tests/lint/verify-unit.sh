#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# verify-unit.sh UNIT_IN REAPD_BINARY MAN_DIR - "systemd-analyze verify" of reapd.service.
#
# verify loads the unit offline (no systemd as PID 1 needed) but insists that ExecStart= exists
# and that every Documentation=man: page opens with man(1). So the unit is configured here with
# ExecStart= pointing at the built binary, and MANPATH at a temporary man tree holding the
# pages of this source tree. verify only warns (exit 0) about unknown or misspelt keys, so any
# output at all fails the test. Then the offline security review must stay at or below
# EXPOSURE_MAX (systemd's 0..100 scale; 20 is "2.0 OK" in its table).
set -euo pipefail
unit_in=$1 binary=$2 man_dir=$3
EXPOSURE_MAX=25

command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/man/man1" "$tmp/man/man5" "$tmp/man/man8"
for page in "$man_dir"/*.[158]; do
        ln -s "$(realpath "$page")" "$tmp/man/man${page##*.}/"
done
sed "s|@sbindir@/reapd|$(realpath "$binary")|" "$unit_in" >"$tmp/reapd.service"
if grep -n '@[A-Za-z_]*@' "$tmp/reapd.service"; then
        echo "unsubstituted @variable@ left in the unit"
        exit 1
fi

man_opt=--man=yes
command -v man >/dev/null || { man_opt=--man=no; echo "man(1) not installed: Documentation= not checked"; }
out=$(cd "$tmp" && MANPATH="$tmp/man" systemd-analyze verify $man_opt ./reapd.service 2>&1) || {
        echo "$out"
        echo "systemd-analyze verify failed"
        exit 1
}
if [ -n "$out" ]; then
        echo "$out"
        echo "systemd-analyze verify printed warnings"
        exit 1
fi
echo "systemd-analyze verify: clean"

out=$(cd "$tmp" && systemd-analyze security --offline=true --threshold=$EXPOSURE_MAX ./reapd.service 2>&1) || {
        echo "$out"
        echo "exposure above $EXPOSURE_MAX"
        exit 1
}
echo "$out" | tail -n 1
