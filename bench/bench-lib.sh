# SPDX-License-Identifier: GPL-2.0-or-later
# bench-lib.sh - shared by the bench/bench-*.sh scripts that bench/run.sh calls: a PID
# namespace that fences earlyoom in, cgroups (tests/integration/lab.sh), a private tracefs
# instance that timestamps every SIGKILL, per-process CPU/wakeup/RSS readings.
# Source it after setting BUILD and OUT; then call bench_init NAME.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(cd "$BUILD" && pwd)
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
. "$BENCH_DIR/../tests/integration/lab.sh"

REAPD=$BUILD/src/reapd
HOG=$BUILD/tests/integration/hog
GROWER=$BUILD/tests/integration/grower
WATCH=$BUILD/bench/bench-watch
THRASH=$BUILD/bench/bench-thrash
SLEEPERS=$BUILD/bench/bench-sleepers

NS_PIDS=()      # host pids of the `unshare` processes holding our PID namespaces
BG_PIDS=()      # other helpers we started (reapd, watchers)
BENCH_MOUNTS=() # mounts of ours, unmounted at exit (after the processes above are killed)
TRACE_MNT=""
TRACE=""        # our tracefs instance

bench_log() { echo "# $*" >&2; }

# bench_init NAME: lab cgroups (/NAME-$$ in every hierarchy) and one cleanup trap for all.
bench_init() {
    lab_init "$1"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    local rc=$? p
    set +e
    # thaw before anything is killed: a frozen process cannot die (lab_cleanup thaws too,
    # but the namespaces below must not wait on a frozen member)
    if [ -n "$LAB_V1FRZ" ] && [ -d "$LAB_V1FRZ$LAB_CG" ]; then
        find "$LAB_V1FRZ$LAB_CG" -name freezer.state | while read -r f; do echo THAWED >"$f"; done
    fi
    # a pid whose process exited may be someone else's by now: only our live children
    for p in "${BG_PIDS[@]}"; do lab_is_child "$p" && kill -9 "$p" 2>/dev/null; done
    # SIGKILL to a namespace's init kills every process inside it, and nothing outside
    for p in "${NS_PIDS[@]}"; do ns_kill "$p"; done
    if [ -n "$TRACE" ]; then
        echo 0 >"$TRACE/tracing_on" 2>/dev/null
        rmdir "$TRACE" 2>/dev/null
    fi
    if [ -n "$TRACE_MNT" ]; then umount "$TRACE_MNT" 2>/dev/null; rmdir "$TRACE_MNT" 2>/dev/null; fi
    # lazily: a process killed above may not have let go of it yet
    for p in "${BENCH_MOUNTS[@]}"; do umount -l "$p" 2>/dev/null; done
    (exit $rc)
    lab_cleanup
}

# ns_start: a new PID namespace with a private /proc, its init asleep; sets NS (host pid of
# the init, for nsenter -t) and remembers the unshare for cleanup.
ns_start() {
    local u i
    unshare --pid --fork --mount-proc sleep infinity &
    u=$!
    NS_PIDS+=("$u")
    for i in $(seq 1 100); do
        NS=$(cat "/proc/$u/task/$u/children" 2>/dev/null | awk '{print $1}')
        [ -n "$NS" ] && return 0
        sleep 0.02
    done
    lab_fail "PID namespace did not start"
}

# ns_kill UNSHARE_PID: kill a namespace (all it holds) and wait until it is gone.
ns_kill() {
    local init
    # killed before (NS_PIDS keeps it) and reaped: the pid, and its "children", are not ours
    lab_is_child "$1" || return 0
    init=$(cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}')
    [ -n "$init" ] && kill -9 "$init" 2>/dev/null
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null || true
    return 0
}

# ns_run SUB -- CMD...: start CMD in namespace $NS (background), inside the cgroup $LAB_CG/SUB
# of every hierarchy ("" = not in a bench cgroup). The process moves itself in before exec,
# from inside the namespace (cgroup.procs takes the writer's namespace's pid).
ns_run() {
    local sub=$1 d dirs=""
    shift 2
    if [ -n "$sub" ]; then
        for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do
            [ -n "$d" ] || continue
            mkdir -p "$d$LAB_CG/$sub"
            dirs="$dirs $d$LAB_CG/$sub"
        done
    fi
    nsenter -t "$NS" -p -m -- bash -c 'for d in $1; do echo $BASHPID >"$d/cgroup.procs"; done; shift; exec "$@"' \
        _ "$dirs" "$@" &
    NS_LAST=$!
}

# ns_last_pid: host pid of the process the last ns_run started (nsenter's child).
ns_last_pid() {
    local i c
    for i in $(seq 1 100); do
        c=$(cat "/proc/$NS_LAST/task/$NS_LAST/children" 2>/dev/null | awk '{print $1}')
        [ -n "$c" ] && { echo "$c"; return 0; }
        sleep 0.02
    done
    return 1
}

# cg_pids SUB: host pids in $LAB_CG/SUB (cgroup2 view).
cg_pids() { cat "$LAB_V2$LAB_CG/$1/cgroup.procs" 2>/dev/null; }

# cg_usage_file SUB: the file that holds SUB's memory charge.
cg_usage_file() {
    if [ -n "$LAB_V1MEM" ]; then echo "$LAB_V1MEM$LAB_CG/$1/memory.usage_in_bytes"; else echo "$LAB_V2$LAB_CG/$1/memory.current"; fi
}

cg_freeze() { echo "$2" >"$LAB_V1FRZ$LAB_CG/$1/freezer.state"; }

mem_available_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }

# wait_file FILE PATTERN [TENTHS]: until FILE holds PATTERN.
wait_file() {
    local i
    for i in $(seq 1 "${3:-300}"); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# trace_start EVENT...: a private tracefs instance on CLOCK_MONOTONIC ("mono"), so its
# timestamps compare with clock_gettime(CLOCK_MONOTONIC) in bench-watch. EVENT is
# "group/name[:filter]".
trace_start() {
    local e ev filter
    if [ -z "$TRACE_MNT" ]; then
        TRACE_MNT=$(mktemp -d /tmp/reapd-bench-tracefs.XXXXXX)
        mount -t tracefs nodev "$TRACE_MNT"
    fi
    TRACE=$TRACE_MNT/instances/reapd-bench-$$
    mkdir "$TRACE"
    echo mono >"$TRACE/trace_clock"
    echo 16384 >"$TRACE/buffer_size_kb"
    for e in "$@"; do
        ev=${e%%:*}; filter=""
        [ "$ev" != "$e" ] && filter=${e#*:}
        [ -n "$filter" ] && echo "$filter" >"$TRACE/events/$ev/filter"
        echo 1 >"$TRACE/events/$ev/enable"
    done
    echo 1 >"$TRACE/tracing_on"
}

trace_clear() { : >"$TRACE/trace"; }

# trace_dump: "USEC EVENT WAKER_COMM FIELDS..." per line, USEC on CLOCK_MONOTONIC.
# An empty trace (a killer that signalled nothing) is no error: grep's 1 would stop the bench.
trace_dump() {
    { grep -v '^#' "$TRACE/trace" || true; } | awk '{
        for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) break
        t = $i; sub(":", "", t); split(t, p, ".")
        ev = $(i + 1); sub(":", "", ev)
        who = $1; sub(/-[0-9]+$/, "", who)
        rest = ""; for (j = i + 2; j <= NF; j++) rest = rest " " $j
        printf "%d%06d %s %s%s\n", p[1], p[2], ev, who, rest
    }'
}

# proc_cpu_ns PID: CPU time of all its threads, ns (schedstat: exact, unlike the 10 ms ticks of stat).
proc_cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }
# proc_ticks PID: utime + stime from /proc/PID/stat, in clock ticks.
proc_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# proc_switches PID: voluntary + nonvoluntary context switches, summed over threads.
proc_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches:/ {s += $2} END {print s + 0}'; }
proc_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
proc_pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
proc_anon_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$1/status"; }

# pct P FILE: the P-th percentile (nearest rank) of the numbers in FILE, one per line.
pct() { sort -n "$2" | awk -v p="$1" '{a[NR] = $1} END {if (!NR) {print "-"; exit} r = int((p * NR + 99) / 100); if (r < 1) r = 1; print a[r]}'; }
