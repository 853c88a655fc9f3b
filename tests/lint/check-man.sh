#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-man.sh PAGE... - man pages must be free of warnings for both mandoc and groff.
set -euo pipefail
fail=0
for page in "$@"; do
        if command -v mandoc >/dev/null; then
                # -W warning: warnings and worse; "style" messages are left out.
                mandoc -T lint -W warning "$page" || fail=1
        fi
        if command -v groff >/dev/null; then
                # -ww: all warnings; -z: no output. groff exits 0 on warnings, so catch stderr.
                err=$(groff -ww -z -man -t "$page" 2>&1 >/dev/null) || fail=1
                if [ -n "$err" ]; then
                        echo "$err"
                        fail=1
                fi
        fi
        # Lines man(1) would show, at 80 columns, must not overflow (a long unbreakable token).
        if command -v man >/dev/null; then
                wide=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null | grep -v '^$' || true)
                if [ -n "$wide" ]; then
                        echo "$page: $wide"
                        fail=1
                fi
        fi
done
[ $fail -eq 0 ] && echo "man pages clean: $*"
exit $fail
