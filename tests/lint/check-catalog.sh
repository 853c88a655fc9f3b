#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# check-catalog.sh CATALOG REPORT_H - the catalog goes through journald's own catalog parser.
#
# "journalctl --update-catalog" would write /var/lib/systemd/catalog/database; with --root it
# reads DIR/usr/lib/systemd/catalog/*.catalog and writes DIR/var/lib/systemd/catalog/database,
# so it runs without touching the system. Then every MESSAGE_ID defined in report.h must be
# listed, attributed to reapd (Defined-By:), with the headers journalctl -x shows.
set -euo pipefail
catalog=$1 report_h=$2

command -v journalctl >/dev/null || { echo "journalctl not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/usr/lib/systemd/catalog"
cp "$catalog" "$tmp/usr/lib/systemd/catalog/reapd.catalog"

out=$(journalctl --root="$tmp" --update-catalog 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
        echo "$out"
        echo "journalctl --update-catalog complained"
        exit 1
fi
list=$(journalctl --root="$tmp" --list-catalog)
echo "$list"

mapfile -t ids < <(sed -n 's/^#define REPORT_MESSAGE_ID_[A-Z_]* "\([0-9a-f]\{32\}\)"$/\1/p' "$report_h")
[ "${#ids[@]}" -ge 2 ] || { echo "no MESSAGE_IDs found in $report_h"; exit 1; }
fail=0
for id in "${ids[@]}"; do
        if ! grep -q "^$id reapd: " <<<"$list"; then
                echo "MESSAGE_ID $id from report.h is not in the catalog"
                fail=1
                continue
        fi
        entry=$(journalctl --root="$tmp" --dump-catalog "$id")
        for header in Subject Defined-By Support Documentation; do
                grep -q "^$header: ." <<<"$entry" || { echo "$id: no $header:"; fail=1; }
        done
done
# Every catalog entry is one reapd emits.
for id in $(sed -n 's/^-- \([0-9a-f]\{32\}\)$/\1/p' "$catalog"); do
        printf '%s\n' "${ids[@]}" | grep -qx "$id" || { echo "catalog entry $id is not in report.h"; fail=1; }
done
exit $fail
