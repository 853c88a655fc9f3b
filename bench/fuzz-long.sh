#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Long libFuzzer runs: each target until FUZZ_EXECS executions or FUZZ_CAP seconds, whichever
# comes first; a crash is recorded (the input copied to bench/fuzz-crashes/) and the run goes on
# with what is left of the budget. Results accumulate in bench/fuzz-long.tsv (a rerun of a
# target replaces its row) and are rendered into bench/FUZZ.md.
# Usage: bench/fuzz-long.sh [TARGET...]   (default: every target in tests/fuzz/meson.build)
#        bench/fuzz-long.sh --render      (only rewrite FUZZ.md from the tsv and the findings)
# Env: FUZZ_EXECS (10000000), FUZZ_CAP (seconds per target, 300), FUZZ_BUILD (build-fuzz-long),
#      FUZZ_TMP (where each target's scratch dir goes, /dev/shm if writable, else /tmp).
# bench/fuzz-findings.md, if present, is appended to FUZZ.md below the table.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
execs_goal=${FUZZ_EXECS:-10000000}
cap=${FUZZ_CAP:-300}
build=${FUZZ_BUILD:-build-fuzz-long}
tsv=$top/bench/fuzz-long.tsv
md=$top/bench/FUZZ.md
crashdir=$top/bench/fuzz-crashes
# The scratch dir (new corpus entries, artifacts, and via TMPDIR fuzz-snapshot's proc tree, about
# 100 files rewritten per input) belongs on a tmpfs: on the lab VM's ext4 /tmp fuzz-snapshot runs
# about 10 times slower and measures the file system, not the code.
scratch=${FUZZ_TMP:-/dev/shm}
[ -d "$scratch" ] && [ -w "$scratch" ] || scratch=/tmp
# A target that crashes more often than this is broken, not being fuzzed: stop it.
max_crashes=5

all_targets() {
    python3 - "$top/tests/fuzz/meson.build" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
block = re.search(r"fuzz_targets = \[(.*?)\]", src, re.S).group(1)
print(" ".join(re.findall(r"'([^']+)'", block)))
PY
}

render_only=false
if [ "${1:-}" = --render ]; then render_only=true; shift; fi
if [ $# -gt 0 ]; then targets=("$@"); else read -ra targets <<<"$(all_targets)"; fi
$render_only && targets=()

if ! $render_only; then
    if [ ! -f "$build/build.ninja" ]; then
        CC=clang meson setup "$build" -Dfuzz=true -Dsystem_tests=false >/dev/null
    fi
    ninja -C "$build" $(for t in "${targets[@]}"; do echo "tests/fuzz/fuzz-$t"; done) >/dev/null
fi

touch "$tsv"
for t in "${targets[@]+"${targets[@]}"}"; do
    work=$(mktemp -d "$scratch/reapd-fuzz-long.XXXXXX")
    mkdir -p "$work/corpus" "$work/art"
    total=0 crashes=0 start=$(date +%s) cov="" crash_names=""
    while :; do
        elapsed=$(($(date +%s) - start))
        left_t=$((cap - elapsed)) left_n=$((execs_goal - total))
        [ "$left_t" -gt 0 ] && [ "$left_n" -gt 0 ] && [ "$crashes" -lt "$max_crashes" ] || break
        log=$work/log
        TMPDIR=$work ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
            "$build/tests/fuzz/fuzz-$t" -runs="$left_n" -max_total_time="$left_t" -timeout=10 \
            -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/art/" \
            "$work/corpus" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1 || true
        n=$(awk '/^stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
        total=$((total + ${n:-0}))
        c=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
        cov=${c:-$cov}
        new=$(find "$work/art" -type f | head -1)
        if [ -n "$new" ]; then
            crashes=$((crashes + 1))
            mkdir -p "$crashdir"
            name=$t-$(basename "$new")
            mv "$new" "$crashdir/$name"
            crash_names="$crash_names $name"
            grep -m1 -E 'ERROR|runtime error' "$log" | sed "s/^/# $t: /" || true
        elif [ -z "$n" ]; then
            echo "# $t: no statistics, see below"; tail -20 "$log"; break
        fi
    done
    secs=$(($(date +%s) - start))
    corpus=$(find "$work/corpus" -type f | wc -l)
    rate=$((total / (secs > 0 ? secs : 1)))
    echo "$t: $total executions in ${secs}s ($rate/s), coverage $cov, $corpus new inputs, $crashes crashes${crash_names}"
    grep -v "^$t	" "$tsv" >"$tsv.new" || true
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$total" "$secs" "$rate" "${cov:-?}" "$crashes" \
        "$(date -u +%Y-%m-%dT%H:%MZ)" "${crash_names# }" >>"$tsv.new"
    sort -o "$tsv" "$tsv.new" && rm -f "$tsv.new"
    rm -rf "$work"
done

{
    echo "# Long fuzz runs"
    echo
    echo "Produced by \`bench/fuzz-long.sh\` (libFuzzer, clang, ASan+UBSan, -fsanitize=fuzzer on the"
    echo "target and coverage on the whole library; seeds from \`tests/fuzz/corpus/<target>/\`). Each target"
    echo "runs until ${execs_goal} executions or its time cap, on one core of the 2-core lab VM, scratch"
    echo "files in \`$scratch\`. A crash is"
    echo "recorded and the run continues; crash inputs are in \`bench/fuzz-crashes/\` and, once fixed,"
    echo "in \`tests/fuzz/regress/<target>/\`, which the unit suite replays."
    echo
    echo "| target | executions | seconds | exec/s | coverage (edges) | crashes | when (UTC) | crash inputs |"
    echo "|---|---:|---:|---:|---:|---:|---|---|"
    while IFS=$'\t' read -r t n s r c k w names; do
        echo "| $t | $n | $s | $r | $c | $k | $w | ${names:--} |"
    done <"$tsv"
    # what the runs found and how each was fixed, kept by hand next to the table
    if [ -f "$top/bench/fuzz-findings.md" ]; then echo; cat "$top/bench/fuzz-findings.md"; fi
} >"$md"
echo "wrote $md"
