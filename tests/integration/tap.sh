# SPDX-License-Identifier: GPL-2.0-or-later
# tap.sh - for the integration tests that count their checks (test-bus.sh, test-metrics.sh,
# test-prekill.sh, test-follow.sh): TAP lines, a check that shows why it failed, polling, and the
# scoped configuration they run reapd with. Source it (after lab.sh); end with tap_done.

TAP_N=0
TAP_STATUS=0

ok() {
        TAP_N=$((TAP_N + 1))
        echo "ok $TAP_N - $*"
}
# notok DESC [DETAIL...]: a failed check, each DETAIL shown under it as a comment.
notok() {
        TAP_N=$((TAP_N + 1))
        TAP_STATUS=1
        echo "not ok $TAP_N - $1"
        shift
        local l
        for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
# check DESC DETAIL CMD...: ok if CMD (a command or a shell function) succeeds, else not ok with DETAIL.
check() {
        local desc=$1 detail=$2
        shift 2
        if "$@"; then ok "$desc"; else notok "$desc" "$detail"; fi
}
# wait_for SECONDS CMD...: CMD every $TAP_POLL seconds (0.1) until it succeeds; 1 if time ran out.
wait_for() {
        local end=$((SECONDS + $1))
        shift
        until "$@"; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep "${TAP_POLL:-0.1}"
        done
}
tap_done() {
        echo "1..$TAP_N"
        exit $TAP_STATUS
}

# scoped_conf FILE CGROUP THRESHOLD [LINE...]: a reapd.conf for CGROUP with MinAvailable= and
# MinSwapFree= both at THRESHOLD (100%: always low, so reapd kills; 0: never, even with another
# test's swap file on), either enough (HeadroomMode=or), no PSI; then the LINEs as they are.
scoped_conf() {
        local file=$1 cg=$2 t=$3
        shift 3
        {
                printf '[Monitor]\nCgroup=%s\nMinAvailable=%s\nMinSwapFree=%s\n' "$cg" "$t" "$t"
                printf 'HeadroomMode=or\nPressureSome=0\nPressureFull=0\n'
                [ $# = 0 ] || printf '%s\n' "$@"
        } >"$file"
}
