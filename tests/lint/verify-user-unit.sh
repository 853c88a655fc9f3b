#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# verify-user-unit.sh REAPCTL_BINARY MAN_DIR UNIT - "systemd-analyze --user verify" of the desktop
# agent's user unit (reapd-notify.service), as meson configured it. As verify-unit.sh does for
# the system units: ExecStart= points at the built reapctl, MANPATH at this tree's pages, and any
# output fails. An offline user manager needs a runtime directory: a temporary one.
set -euo pipefail
binary=$1 man_dir=$2 unit=$3

command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/man/man1" "$tmp/run"
ln -s "$(realpath "$man_dir/reapctl.1")" "$tmp/man/man1/"
man_opt=--man=yes
command -v man >/dev/null || { man_opt=--man=no; echo "man(1) not installed: Documentation= not checked"; }
name=$(basename "$unit")
sed "s|^ExecStart=[^ ]*/reapctl\b|ExecStart=$(realpath "$binary")|" "$unit" >"$tmp/$name"
if grep -n '@[A-Za-z_]*@' "$tmp/$name"; then
        echo "$name: unsubstituted @variable@ left in the unit"
        exit 1
fi
out=$(cd "$tmp" && XDG_RUNTIME_DIR="$tmp/run" MANPATH="$tmp/man" systemd-analyze --user verify $man_opt "./$name" 2>&1) || {
        echo "$out"
        echo "$name: systemd-analyze --user verify failed"
        exit 1
}
if [ -n "$out" ]; then
        echo "$out"
        echo "$name: systemd-analyze --user verify printed warnings"
        exit 1
fi
echo "$name: systemd-analyze --user verify: clean"
