# SPDX-License-Identifier: GPL-2.0-or-later
# bench-lock.sh - bench_lock: hold /tmp/reapd-bench.lock (on fd 9) for the rest of the script, so
# that two benches that allocate gigabytes never overlap (bench-pool.c takes the same lock). A
# caller that holds it already says so with REAPD_BENCH_LOCKED, which is exported to what follows.
bench_lock() {
    [ -n "${REAPD_BENCH_LOCKED:-}" ] && return 0
    exec 9>/tmp/reapd-bench.lock
    flock 9
    export REAPD_BENCH_LOCKED=1
}
