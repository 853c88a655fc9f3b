#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite, as README.md's second command and .ci/run call it:
# install what is missing, build with werror, run unit, lint, integration and system tests and
# the VM tier, rerun the unit tests under valgrind memcheck, rebuild and rerun them under ASan+UBSan,
# build and briefly run every fuzz target, and end with one line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

bash tools/install-deps.sh test || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0

# count LOGDIR [LOG]: adds the results of one meson test run (LOG, default testlog.json; a
# run with --setup NAME writes testlog-NAME.json) to the totals.
count() {
    local out
    out=$(python3 - "$1/meson-logs/${2:-testlog.json}" <<'PY'
import json, sys
p = f = s = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line).get("result", "")
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
except FileNotFoundError:
    f += 1
print(p, f, s)
PY
)
    read -r p f s <<<"$out"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    echo "== $1${2:+ ($2)}: $p passed, $f failed, $s skipped"
}

# setup DIR ARGS...: configure a build directory from scratch, compile it.
setup() {
    local dir=$1; shift
    rm -rf "$dir"
    if ! meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || ! meson compile -C "$dir" >"$dir.compile.log" 2>&1; then
        cat "$dir.setup.log" "$dir.compile.log" 2>/dev/null | tail -50
        echo "== $dir: build failed"
        failed=$((failed + 1))
        return 1
    fi
    rm -f "$dir.setup.log" "$dir.compile.log"
}

# 1. The normal werror build: unit, lint, integration and system suites.
if setup build -Dtests=enabled; then
    meson test -C build --print-errorlogs --suite unit --suite lint --suite integration --suite system
    count build
fi

# 1a. The VM tier (tests/vm): Debian 12 under qemu with systemd, pure cgroup2 and every
# capability, the real reapd.service, and the peers systemd-oomd and earlyoom. About 10-20
# minutes under software emulation; its own meson run, so its log is its own.
if [ -f build/build.ninja ]; then
    meson test -C build --print-errorlogs --suite vm
    count build
fi

# 1b. valgrind memcheck over the unit tests (meson.build's 'valgrind' test setup): any error or
# definite leak fails. Without 'kill': valgrind 3.19 does not know pidfd_open (434),
# pidfd_send_signal (424) or process_mrelease (448), so the kill path cannot run under it; it
# runs under ASan below instead. The daemon itself runs under valgrind in the integration test
# race-cgroup-valgrind.
if [ -f build/build.ninja ]; then
    # By suite, not by name: unit and integration tests share names (bus, metrics, prekill),
    # and a name selects both.
    meson test -C build --setup valgrind --print-errorlogs --suite unit --no-suite no-valgrind
    count build testlog-valgrind.json
fi

# 2. ASan + UBSan over the unit tests.
if setup build-asan -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false -Dsystem_tests=false; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C build-asan --print-errorlogs --suite unit
    count build-asan
fi

# 3. Fuzz targets, built with clang's libFuzzer, each run briefly over its seed corpus.
if CC=clang setup build-fuzz -Dtests=enabled -Dfuzz=true -Dsystem_tests=false; then
    meson test -C build-fuzz --print-errorlogs --suite fuzz
    count build-fuzz
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
