#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run one libFuzzer target for SECONDS over its seed corpus without writing to the source tree:
# new inputs go to a temp dir given first (libFuzzer writes only to the first corpus dir),
# the committed seeds are read from the second, crash artifacts land in the temp dir and are
# copied to the build dir so a failure can be reproduced. Usage: run-fuzz.sh TARGET SEEDS SECONDS
set -euo pipefail
target=$1 seeds=$2 seconds=$3
work=$(mktemp -d "/tmp/reapd-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/new" "$work/artifacts"
# -rss_limit_mb: 2 GB is libFuzzer's default, kept explicit; -timeout: an input that takes 10 s
# on a parser of a /proc file is a hang. detect_leaks: a leak per input is a leak per scan.
rc=0
# TMPDIR: targets that need scratch files (fuzz-snapshot) keep them in $work, removed below
TMPDIR=$work ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/new" "$seeds" 2>&1 | tail -40 || rc=$?
if compgen -G "$work/artifacts/*" >/dev/null; then
    out=$(dirname "$target")/artifacts-$(basename "$target")
    mkdir -p "$out" && cp "$work"/artifacts/* "$out"/
    echo "crash inputs copied to $out"
    rc=1
fi
exit $rc
