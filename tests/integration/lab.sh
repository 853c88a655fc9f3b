# SPDX-License-Identifier: GPL-2.0-or-later
# lab.sh - shell helpers for the daemon scenarios: cgroups the test owns (the same relative
# path in cgroup2 and in the v1 memory and freezer hierarchies, as on this hybrid host, or
# cgroup2 alone with the memory controller), processes started in them, a swap file, and a
# cleanup trap that kills only what the test started, thaws, swaps off and removes it all.
# Source it; then call lab_init NAME.

LAB_V2=""
LAB_V1MEM=""
LAB_V1FRZ=""
LAB_CG=""
LAB_SWAP=""
LAB_PIDS=()
LAB_DIR=""

lab_log() { echo "# $*"; }
lab_fail() { echo "not ok - $*"; exit 1; }

lab_find_roots() {
    local fstype mnt opts
    while read -r _ _ _ _ mnt _ rest; do
        fstype=${rest#*- }; fstype=${fstype%% *}
        opts=${rest##* }
        if [ "$fstype" = cgroup2 ] && [ -z "$LAB_V2" ]; then LAB_V2=$mnt; fi
        if [ "$fstype" = cgroup ]; then
            case ",$opts," in *,memory,*) LAB_V1MEM=$mnt ;; esac
            case ",$opts," in *,freezer,*) LAB_V1FRZ=$mnt ;; esac
        fi
    done </proc/self/mountinfo
    [ -n "$LAB_V2" ] || lab_fail "no cgroup2 mount"
}

# lab_init NAME: creates /NAME-$$ in every hierarchy and installs the cleanup trap.
lab_init() {
    lab_find_roots
    LAB_CG="/$1-$$"
    LAB_DIR=$(mktemp -d "/tmp/$1.XXXXXX")
    trap lab_cleanup EXIT
    trap 'exit 130' INT TERM
    mkdir "$LAB_V2$LAB_CG"
    if [ -n "$LAB_V1MEM" ]; then mkdir "$LAB_V1MEM$LAB_CG"; fi
    if [ -n "$LAB_V1FRZ" ]; then mkdir "$LAB_V1FRZ$LAB_CG"; fi
    if [ -z "$LAB_V1MEM" ]; then
        grep -qw memory "$LAB_V2/cgroup.subtree_control" || echo +memory >"$LAB_V2/cgroup.subtree_control"
    fi
}

# lab_limit BYTES: the cgroup's memory limit (v1 memory.limit_in_bytes, or v2 memory.max).
lab_limit() {
    if [ -n "$LAB_V1MEM" ]; then
        echo "$1" >"$LAB_V1MEM$LAB_CG/memory.limit_in_bytes"
    else
        echo "$1" >"$LAB_V2$LAB_CG/memory.max"
    fi
}

# lab_usage: bytes charged to the cgroup now.
lab_usage() {
    if [ -n "$LAB_V1MEM" ]; then cat "$LAB_V1MEM$LAB_CG/memory.usage_in_bytes"; else cat "$LAB_V2$LAB_CG/memory.current"; fi
}

# lab_oom_kills: how many times the kernel's OOM killer fired in the cgroup.
lab_oom_kills() {
    if [ -n "$LAB_V1MEM" ]; then
        awk '$1 == "oom_kill" { print $2 }' "$LAB_V1MEM$LAB_CG/memory.oom_control"
    else
        awk '$1 == "oom_kill" { print $2 }' "$LAB_V2$LAB_CG/memory.events"
    fi
}

# lab_spawn [SUBPATH] -- CMD...: start CMD inside the cgroup (or a child SUBPATH of it); prints
# nothing, sets LAB_LAST_PID. The process moves itself in before exec, so every byte it
# allocates is charged to the cgroup.
lab_spawn() {
    local sub=""
    if [ "$1" != "--" ]; then sub="/$1"; shift; fi
    shift
    local d
    for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do
        [ -n "$d" ] && mkdir -p "$d$LAB_CG$sub"
    done
    (
        for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do
            [ -n "$d" ] && echo "$BASHPID" >"$d$LAB_CG$sub/cgroup.procs"
        done
        exec "$@"
    ) &
    LAB_LAST_PID=$!
    LAB_PIDS+=("$LAB_LAST_PID")
}

# lab_wait_ready FILE: wait until a hog started with --ready-fd 3 3>FILE wrote "ready".
lab_wait_ready() {
    local i
    for i in $(seq 1 600); do
        grep -q ready "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    lab_fail "timed out waiting for $1"
}

# lab_is_child PID: PID is a live child of this shell (its parent in /proc/PID/stat is $BASHPID).
lab_is_child() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) } # after "comm)", which may hold spaces: state ppid ...
    set -- $s
    [ "${2:-}" = "$BASHPID" ]
}

lab_alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# lab_swap SIZE: a swap file for the duration of the test.
lab_swap() {
    LAB_SWAP=/var/tmp/reapd-lab-$$.swap
    fallocate -l "$1" "$LAB_SWAP"
    chmod 600 "$LAB_SWAP"
    mkswap "$LAB_SWAP" >/dev/null
    swapon "$LAB_SWAP"
}

lab_procs_of() { cat "$1/cgroup.procs" 2>/dev/null; }

lab_cleanup() {
    local rc=$? d p
    set +e
    # thaw first: a frozen process cannot die
    if [ -n "$LAB_V1FRZ" ] && [ -d "$LAB_V1FRZ$LAB_CG" ]; then
        find "$LAB_V1FRZ$LAB_CG" -name freezer.state | while read -r f; do echo THAWED >"$f"; done
    fi
    # only what this test started: its own children and anything left in its own cgroup. A pid
    # in LAB_PIDS whose process already exited may belong to someone else by now (a test that
    # starts 30 000 processes wraps pid numbers): kill it only while it is still our child.
    for p in "${LAB_PIDS[@]}"; do lab_is_child "$p" && kill -9 "$p" 2>/dev/null; done
    for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do
        [ -n "$d" ] && [ -d "$d$LAB_CG" ] || continue
        find "$d$LAB_CG" -name cgroup.procs | while read -r f; do
            for p in $(cat "$f"); do kill -9 "$p" 2>/dev/null; done
        done
    done
    wait 2>/dev/null
    for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do
        [ -n "$d" ] && [ -d "$d$LAB_CG" ] || continue
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            find "$d$LAB_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
            [ -d "$d$LAB_CG" ] || break
            sleep 0.2
        done
    done
    if [ -n "$LAB_SWAP" ]; then swapoff "$LAB_SWAP" 2>/dev/null; rm -f "$LAB_SWAP"; fi
    [ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
    exit $rc
}

# lab_limit_at SUBPATH BYTES: the memory limit of a child cgroup (made in every hierarchy if
# needed), so one test can run a daemon per child, each scoped to its own limited cgroup.
lab_limit_at() {
    local d
    for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do
        [ -n "$d" ] && mkdir -p "$d$LAB_CG/$1"
    done
    if [ -n "$LAB_V1MEM" ]; then
        echo "$2" >"$LAB_V1MEM$LAB_CG/$1/memory.limit_in_bytes"
    else
        grep -qw memory "$LAB_V2$LAB_CG/cgroup.subtree_control" || echo +memory >"$LAB_V2$LAB_CG/cgroup.subtree_control"
        echo "$2" >"$LAB_V2$LAB_CG/$1/memory.max"
    fi
}
