#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-reserve.sh - what a user feels, and the smallest memory reserve that keeps a machine
# usable: a responsiveness canary (bench-canary) through three episodes, with every killer in
# turn in the same run on the same workload, each at a sweep of memory thresholds.
# Usage: bench-reserve.sh BUILD OUT [quick|full]
#        (root; prints a markdown section, writes OUT/reserve.dat, OUT/reserve-sweep.dat and the
#        canary series OUT/reserve-canary/*.dat)
#   quick: THRESHOLDS=5, REPEATS=1, THRASH_SECS=30 (a check, ~12 min); full: THRESHOLDS="1 2 3 5 10",
#   REPEATS=2, THRASH_SECS=40 (the committed figures, ~75 min). Each may be set in the environment, as may
#   EPISODES ("runaway stuck thrash"), KILLERS ("reapd earlyoom-new earlyoom-deb nohang kernel")
#   and SCOPE (machine, the default, or cgroup).
#
# Episodes (the culprit always runs at oom_score_adj 1000, so that it is every killer's and the
# kernel's choice by far):
#   runaway  a grower faulting memory in as fast as the machine allows (~0.6 GB/s), unbounded;
#   stuck    the same, while the biggest process (a hog, also at oom_score_adj 1000) is frozen
#            in the v1 freezer (D state): killing it frees nothing unless the killer reaps it
#            (process_mrelease); the stuck hog and the grower are both allowed to die;
#   thrash   a swap file, and a thrasher touching at random a working set of the headroom plus
#            3/4 of the swap: it fits, so the default swap thresholds (10 % free) never fire and the
#            kernel never OOM-kills, but every touch may wait for the disk. Stopped by the bench
#            after THRASH_SECS if no killer acted.
# Next to the culprit: the canary (32 MB file mapping + 1 MB anonymous, every 10 ms) and two
# bystanders (100 and 150 MB). Safe = the canary's worst iteration under 200 ms, no kernel OOM
# kill (tracefs oom:mark_victim and /proc/vmstat oom_kill), and only the culprit(s) signalled.
#
# Thresholds are a share of MemTotal (SCOPE=cgroup: of the cgroup's limit), the same absolute
# amount for every killer: reapd MinAvailable=T% (SIGKILL at T); earlyoom SIGTERM at T and SIGKILL
# at T/2, its defaults (1.7: -M, 1.8 and later: -m of its own base; peers_earlyoom_mem); nohang soft_threshold_min_mem = T % (SIGTERM), hard = T/2 % (SIGKILL). Everything else
# is each killer's default, except that in runaway and stuck swap is ruled out of the decision
# (someone else's swap file could come and go on a shared machine): reapd HeadroomMode=or +
# MinSwapFree=0, earlyoom -s 100, nohang swap thresholds 100 %. The canary is protected by each
# killer's own rule: reapd Ignore=, earlyoom 1.8 --ignore, 1.7 --avoid (it has no --ignore),
# nohang @BADNESS_ADJ_RE_NAME -1000. A negative oom_score_adj needs CAP_SYS_RESOURCE, which
# this machine's root lacks (LAB.md), so the canary keeps 0.
#
# Safety: SCOPE=machine pushes the whole machine to the edge. earlyoom and nohang run in a PID
# namespace with a private /proc holding only the episode's processes; reapd runs scoped with
# Cgroup= to the episode's cgroup (unlimited: it watches the machine's MemAvailable, and can
# choose only inside); the kernel is kept on the culprit by oom_score_adj 1000. A locked
# ballast (bench-ballast, outside every killer's reach) shrinks the machine so that episodes
# start a few GB from the edge, trimmed before each run when other memory came or went. If
# anything but a culprit is signalled by a killer or chosen by the kernel, the bench stops at
# once (exit 3) and says what. The EXIT trap thaws, kills what the bench started, swaps off
# and removes its cgroups.
set -euo pipefail
BUILD=$1 OUT=$2 MODE=${3:-quick}
. "$(dirname "$0")/bench-lib.sh"
. "$(dirname "$0")/peers.sh"
bench_init reapd-bench-reserve

case $MODE in
quick) THRESHOLDS=${THRESHOLDS:-5} REPEATS=${REPEATS:-1} THRASH_SECS=${THRASH_SECS:-30} ;;
full) THRESHOLDS=${THRESHOLDS:-1 2 3 5 10} REPEATS=${REPEATS:-2} THRASH_SECS=${THRASH_SECS:-40} ;;
*) lab_fail "mode must be quick or full" ;;
esac
EPISODES=${EPISODES:-runaway stuck thrash}
KILLERS=${KILLERS:-reapd earlyoom-new earlyoom-deb nohang kernel}
SCOPE=${SCOPE:-machine}
CANARY=$BUILD/bench/bench-canary
BALLAST=$BUILD/bench/bench-ballast

SAFE_MS=200           # the issue's bar: a user notices a freeze from about here
CANARY_MB=32          # a few tens of MB of code and data, as an application maps
HEADROOM_MB=1536      # how far above the largest threshold an episode starts
BALLAST_CHUNK_MB=2048 # a ballast piece: bigger than most processes here (a 1.5 GB test VM)
STUCK_EXTRA_MB=512    # the stuck hog exceeds the headroom by this: it is the biggest process
SWAP_MB=2048          # thrash: the swap file (LAB.md's recipe)
CGROUP_LIMIT_MB=2048  # SCOPE=cgroup: each episode's v1 memory limit
RUN_TIMEOUT=60        # runaway, stuck: a culprit still alive then was stopped by the bench
POST_SECS=2           # what a killer does next (a second kill?) belongs to the run too
CANARY_FILE=${CANARY_FILE:-$PEERS_CACHE/canary-${CANARY_MB}m.dat}

mkdir -p "$PEERS_CACHE" "$OUT/reserve-canary"
# the canary's file must be evictable page cache: on a disk filesystem, never tmpfs
case $(stat -f -c %T "$(dirname "$CANARY_FILE")") in tmpfs | ramfs) lab_fail "$CANARY_FILE is on tmpfs" ;; esac
peers_ensure || lab_fail "peers missing (bench/peers.sh)"
REAPD_VERSION=$(git -C "$BENCH_DIR/.." describe --always --dirty 2>/dev/null || echo '?')
label() {
    case $1 in
    reapd) echo "reapd-$REAPD_VERSION" ;;
    earlyoom-new) echo "earlyoom-$EARLYOOM18_VERSION" ;;
    earlyoom-deb) echo "earlyoom-$EARLYOOM17_VERSION" ;;
    nohang) echo "nohang-$NOHANG_VERSION" ;;
    kernel) echo "kernel-alone" ;;
    esac
}

if [ "$SCOPE" = cgroup ]; then
    # earlyoom and nohang read only the machine's /proc/meminfo: a cgroup's limit is invisible
    # to them, so they cannot be compared there
    KILLERS=$(for k in $KILLERS; do case $k in reapd | kernel) echo "$k" ;; esac; done | paste -sd' ')
    TOTAL_KB=$((CGROUP_LIMIT_MB * 1024))
else
    TOTAL_KB=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
fi
MAX_T=$(printf '%s\n' $THRESHOLDS | sort -g | tail -1)
TARGET_MB=$(echo "$TOTAL_KB * $MAX_T / 100 / 1024 + $HEADROOM_MB" | bc) # headroom at an episode's start
STUCK_MB=$((TARGET_MB + STUCK_EXTRA_MB))
[ "$SCOPE" = cgroup ] && STUCK_MB=$((CGROUP_LIMIT_MB / 2)) # the cgroup's limit is the headroom there
: >"$OUT/reserve.dat"
: >"$LAB_DIR/findings"

cg_mk() { local d; for d in "$LAB_V2" "$LAB_V1MEM" "$LAB_V1FRZ"; do [ -n "$d" ] && mkdir -p "$d$LAB_CG/$1"; done; return 0; }
meminfo_kb() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
# psi_total FILE some|full: the cumulative stall, us
psi_total() { awk -v l="$2" '$1 == l {sub("total=", "", $5); print $5}' "$1"; }
oom_kills() { awk '$1 == "oom_kill" {print $2}' /proc/vmstat; }
adj1000() { echo 'echo 1000 >/proc/self/oom_score_adj && exec "$@"'; }

# ballast NEED_MB: (re)make the locked ballast so that about NEED_MB stay available; 0: none.
# It is made of BALLAST_CHUNK_MB pieces, so that a run can give some back when other people's
# memory grew meanwhile (trim); each piece stays bigger than most processes of the machine.
BALLAST_PIDS=()
ballast() {
    local mb p n=0
    for p in "${BALLAST_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
    BALLAST_PIDS=()
    [ "$SCOPE" = machine ] && [ "$1" -gt 0 ] || return 0
    sleep 1
    mb=$(($(meminfo_kb MemAvailable) / 1024 - $1 - 300)) # 300: canary and bystanders
    while [ "$mb" -ge 256 ]; do
        p=$((mb < BALLAST_CHUNK_MB ? mb : BALLAST_CHUNK_MB))
        lab_spawn ballast -- "$BALLAST" "$p" --ready-fd 3 3>"$LAB_DIR/ballast.$n"
        BALLAST_PIDS+=("$LAB_LAST_PID")
        wait_file "$LAB_DIR/ballast.$n" ready 1200 || lab_fail "the ballast did not fill"
        mb=$((mb - p)) n=$((n + 1))
    done
    bench_log "reserve: ballast of $n pieces locked, $(($(meminfo_kb MemAvailable) / 1024)) MB available"
}

# trim S: other people's memory comes and goes on a shared machine. Before each run, give back
# ballast pieces while less than the episode's starting headroom is available, then lock what is
# available beyond it in a small piece of the run's own (SHIM_PID, "" if none), so that each run
# starts at the same distance from the edge.
trim() {
    local mb
    SHIM_PID=""
    [ "$SCOPE" = machine ] || return 0
    while [ $(($(meminfo_kb MemAvailable) / 1024)) -lt $((TARGET_MB - 256)) ] && [ ${#BALLAST_PIDS[@]} -gt 0 ]; do
        kill -9 "${BALLAST_PIDS[-1]}"; wait "${BALLAST_PIDS[-1]}" 2>/dev/null || true
        unset 'BALLAST_PIDS[-1]'
        sleep 0.5
        bench_log "reserve: $1: other memory grew, one ballast piece given back"
    done
    mb=$(($(meminfo_kb MemAvailable) / 1024 - TARGET_MB))
    [ "$mb" -ge 128 ] || return 0
    lab_spawn "shim-$1" -- "$BALLAST" "$mb" --ready-fd 3 3>"$LAB_DIR/$1.shim"
    SHIM_PID=$LAB_LAST_PID
    wait_file "$LAB_DIR/$1.shim" ready 1200 || lab_fail "the run's ballast piece did not fill"
}

# stop_all MESSAGE: a killer chose something else than the culprit: a finding, stop at once
stop_all() {
    echo "$*" >>"$LAB_DIR/findings"
    bench_log "reserve: STOP: $*"
    echo "**The run stopped: $***"
    exit 3
}

# start_killer KEY S EPISODE T: start it for run S; sets KPID and KLOG
start_killer() {
    local k=$1 s=$2 ep=$3 t=$4 conf swap thr
    KLOG=$LAB_DIR/$s.killer.log KPID=""
    case $k in
    reapd)
        conf=$LAB_DIR/$s.reapd.conf
        printf '[Monitor]\nCgroup=%s/%s\nMinAvailable=%s%%\n' "$LAB_CG" "$s" "$t" >"$conf"
        [ "$ep" = thrash ] || printf 'HeadroomMode=or\nMinSwapFree=0\n' >>"$conf"
        printf '[Policy]\nIgnore=^bench-canary$\n' >>"$conf"
        mkdir -p "$LAB_DIR/$s.run"
        RUNTIME_DIRECTORY=$LAB_DIR/$s.run "$REAPD" --config "$conf" --log-target=stderr 2>"$KLOG" &
        KPID=$!
        BG_PIDS+=("$KPID")
        wait_file "$KLOG" monitoring 50 || { cat "$KLOG" >&2; lab_fail "reapd did not start"; }
        ;;
    earlyoom-new | earlyoom-deb)
        swap=()
        [ "$ep" = thrash ] || swap=(-s 100)
        thr=$(echo "$TOTAL_KB * $t / 100" | bc)
        if [ "$k" = earlyoom-new ]; then
            # shellcheck disable=SC2046 # the options, split
            ns_run "" -- "$EARLYOOM18" $(peers_earlyoom_mem "$EARLYOOM18" "$thr") "${swap[@]}" --ignore '^bench-canary$' >"$KLOG" 2>&1
        else
            ns_run "" -- "$EARLYOOM17" $(peers_earlyoom_mem "$EARLYOOM17" "$thr") "${swap[@]}" --avoid '^bench-canary$' >"$KLOG" 2>&1
        fi
        KPID=$(ns_last_pid)
        wait_file "$KLOG" "mem avail" 50 || { cat "$KLOG" >&2; lab_fail "$k did not start"; }
        ;;
    nohang)
        conf=$LAB_DIR/$s.nohang.conf
        sed -e "s/^soft_threshold_min_mem .*/soft_threshold_min_mem = $t %/" \
            -e "s/^hard_threshold_min_mem .*/hard_threshold_min_mem = $(echo "$t / 2" | bc -l | sed 's/0*$//; s/\.$//') %/" \
            /etc/nohang/nohang.conf >"$conf"
        if [ "$ep" != thrash ]; then
            sed -i -e 's/^soft_threshold_min_swap .*/soft_threshold_min_swap = 100 %/' \
                -e 's/^hard_threshold_min_swap .*/hard_threshold_min_swap = 100 %/' "$conf"
        fi
        echo '@BADNESS_ADJ_RE_NAME -1000 /// ^bench-canary$' >>"$conf"
        ns_run "" -- env PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore "$NOHANG" --monitor --config "$conf" >"$KLOG" 2>&1
        KPID=$(ns_last_pid)
        wait_file "$KLOG" "Monitoring has started" 100 || { cat "$KLOG" >&2; lab_fail "nohang did not start"; }
        ;;
    kernel) : >"$KLOG" ;;
    esac
}

# run_one EPISODE KEY T REP: one run; appends to OUT/reserve.dat (see the header of the table)
run_one() {
    local ep=$1 k=$2 t=$3 rep=$4 name s canary culprit stuck="" pids=() roles="" t0 t1 i p
    local some0 full0 some1 full1 oom0 oom1 psi avail0 allowed="culprit" killed
    name=$(label "$k")
    s=r-$ep-$k-$t-$rep
    s=${s//./_}
    cg_mk "$s"
    for p in canary by1 by2 culprit stuck; do cg_mk "$s/$p"; done
    [ "$SCOPE" = cgroup ] && lab_limit_at "$s" $((CGROUP_LIMIT_MB << 20))
    ns_start
    ns_run "$s/canary" -- "$CANARY" "$CANARY_FILE" "$CANARY_MB" "$LAB_DIR/$s.canary" --ready-fd 3 3>"$LAB_DIR/$s.canary-ready"
    canary=$(ns_last_pid)
    ns_run "$s/by1" -- "$HOG" 100 --ready-fd 3 3>"$LAB_DIR/$s.by1"; p=$(ns_last_pid); roles+=" $p=by1"
    ns_run "$s/by2" -- "$HOG" 150 --ready-fd 3 3>"$LAB_DIR/$s.by2"; p=$(ns_last_pid); roles+=" $p=by2"
    lab_wait_ready "$LAB_DIR/$s.by1"; lab_wait_ready "$LAB_DIR/$s.by2"
    wait_file "$LAB_DIR/$s.canary-ready" ready 100 || lab_fail "the canary did not start"
    roles+=" $canary=canary"
    if [ "$ep" = stuck ]; then
        ns_run "$s/stuck" -- bash -c "$(adj1000)" _ "$HOG" "$STUCK_MB" --ready-fd 3 3>"$LAB_DIR/$s.stuck"
        stuck=$(ns_last_pid); roles+=" $stuck=stuck"; allowed="culprit stuck"
        wait_file "$LAB_DIR/$s.stuck" ready 1200 || lab_fail "the stuck hog did not fill"
        cg_freeze "$s/stuck" FROZEN
        for _ in $(seq 1 50); do grep -q FROZEN "$LAB_V1FRZ$LAB_CG/$s/stuck/freezer.state" && break; sleep 0.1; done
    fi
    trim "$s"
    [ -n "$SHIM_PID" ] && roles+=" $SHIM_PID=ballast"
    for p in "${BALLAST_PIDS[@]}"; do roles+=" $p=ballast"; done
    start_killer "$k" "$s" "$ep" "$t"
    sleep 1
    psi=/proc/pressure/memory
    [ "$SCOPE" = cgroup ] && psi=$LAB_V2$LAB_CG/$s/memory.pressure
    avail0=$(($(meminfo_kb MemAvailable) / 1024))
    [ "$SCOPE" = cgroup ] && avail0=$((CGROUP_LIMIT_MB - $(cat "$(cg_usage_file "$s")") / 1048576))
    some0=$(psi_total "$psi" some) full0=$(psi_total "$psi" full) oom0=$(oom_kills)
    trace_clear
    echo start >"$TRACE/trace_marker"
    if [ "$ep" = thrash ]; then
        ns_run "$s/culprit" -- bash -c "$(adj1000)" _ "$THRASH" $((avail0 + SWAP_MB * 3 / 4)) >/dev/null
    else
        ns_run "$s/culprit" -- bash -c "$(adj1000)" _ "$GROWER" 16 1 >/dev/null
    fi
    culprit=$(ns_last_pid); roles+=" $culprit=culprit"
    echo "$roles" | tr ' ' '\n' | sed '/^$/d; s/=/ /' >"$LAB_DIR/$s.roles"
    t0=$(date +%s)
    while lab_alive "$culprit"; do
        # the kernel's choice, checked while it happens: never anyone else's process
        if [ "$(oom_kills)" != "$oom0" ]; then
            # the mark_victim event may reach the trace after the vmstat counter: none yet is no error
            { grep -o 'mark_victim: pid=[0-9]*' "$TRACE/trace" || true; } | sed 's/.*=//' | while read -r p; do
                grep -q "^$p " "$LAB_DIR/$s.roles" || echo "$p"
            done >"$LAB_DIR/$s.foreign"
            [ -s "$LAB_DIR/$s.foreign" ] && stop_all "$name, $ep, $t %: the kernel's OOM killer chose pid $(paste -sd, "$LAB_DIR/$s.foreign"), not a process of the bench"
        fi
        if [ $(($(date +%s) - t0)) -ge "$([ "$ep" = thrash ] && echo "$THRASH_SECS" || echo "$RUN_TIMEOUT")" ]; then
            bench_log "reserve: $s: the culprit is still alive, the bench stops it"
            break
        fi
        sleep 0.1
    done
    sleep "$POST_SECS"
    echo end >"$TRACE/trace_marker"
    some1=$(psi_total "$psi" some) full1=$(psi_total "$psi" full) oom1=$(oom_kills)
    trace_dump >"$LAB_DIR/$s.trace"
    [ "$k" = reapd ] && kill -TERM "$KPID" 2>/dev/null
    kill -TERM "$canary" 2>/dev/null
    wait_file "$LAB_DIR/$s.canary" "iterations=" 50 || bench_log "reserve: $s: no canary log"
    [ -n "$stuck" ] && cg_freeze "$s/stuck" THAWED
    ns_kill "${NS_PIDS[-1]}"
    if [ -n "$SHIM_PID" ]; then kill -9 "$SHIM_PID" 2>/dev/null; wait "$SHIM_PID" 2>/dev/null || true; fi
    [ "$k" = reapd ] && { wait "$KPID" 2>/dev/null || true; }
    # the next run starts from the same place: this one's processes gone, their memory back
    for _ in $(seq 1 100); do [ -z "$(cg_pids "$s/stuck")$(cg_pids "$s/culprit")" ] && break; sleep 0.1; done
    sleep 1
    analyse "$ep" "$name" "$t" "$rep" "$s" "$allowed" $((some1 - some0)) $((full1 - full0)) $((oom1 - oom0)) "$avail0"
}

# analyse EP NAME T REP S ALLOWED SOME_US FULL_US OOM_DELTA AVAIL0_MB: one line of reserve.dat
analyse() {
    local ep=$1 name=$2 t=$3 rep=$4 s=$5 allowed=$6 some=$7 full=$8 oomd=$9 avail0=${10} line
    # signals from a killer (by its name) or the kernel's OOM choices, to a process of the run;
    # "kill t_s role sender sig" lines, the canary window and the roles come out of one awk
    line=$(awk -v roles="$LAB_DIR/$s.roles" -v can="$LAB_DIR/$s.canary" -v ser="$OUT/reserve-canary/$s.dat" \
        -v kil="$OUT/reserve-canary/$s.kills" -v allowed="$allowed" -v safe_ms="$SAFE_MS" '
        BEGIN { while ((getline l < roles) > 0) { split(l, a, " "); role[a[1]] = a[2] } }
        $2 == "tracing_mark_write" && $4 == "start" { t0 = $1 }
        $2 == "tracing_mark_write" && $4 == "end" { t1 = $1 }
        $2 == "signal_generate" && t0 && !t1 {
            sig = ""; pid = ""
            for (i = 4; i <= NF; i++) { if ($i ~ /^sig=/) sig = substr($i, 5); if ($i ~ /^pid=/) pid = substr($i, 5) }
            if ((pid in role) && $3 ~ /^(reap|earlyoom|nohang|python)/) {
                printf "%.3f %s %s %s\n", ($1 - t0) / 1e6, role[pid], $3, sig > kil; nsig++; hit[role[pid]] = 1
                if (first == "") first = ($1 - t0) / 1e6
            }
        }
        $2 == "mark_victim" && t0 && !t1 {
            for (i = 3; i <= NF; i++) if ($i ~ /^pid=/) pid = substr($i, 5)
            r = (pid in role) ? role[pid] : "foreign"
            printf "%.3f %s kernel-oom 9\n", ($1 - t0) / 1e6, r > kil; oom++; hit[r] = 1
            if (first == "") first = ($1 - t0) / 1e6
        }
        END {
            close(kil)
            n = 0
            while ((getline l < can) > 0) {
                if (l ~ /^#/) continue
                split(l, a, " ")
                if (a[1] < t0 || a[1] > t1) continue
                n++; if (a[2] / 1000 > mx) mx = a[2] / 1000; printf "%.3f %.3f\n", (a[1] - t0) / 1e6, a[2] / 1000 > ser
            }
            close(ser)
            split(allowed, al, " "); for (i in al) ok[al[i]] = 1
            vict = ""; coll = 0
            for (r in hit) { vict = vict (vict == "" ? "" : ",") r; if (!(r in ok)) coll = 1 }
            safe = (n > 0 && mx < safe_ms && !oom && !coll) ? "yes" : "no"
            printf "%.1f %d %s %d %s %d %s %d %s", (n ? mx : -1), oom, (vict == "" ? "-" : vict), nsig,
                (first == "" ? "-" : sprintf("%.2f", first)), coll, safe, n, ("culprit" in hit) ? "yes" : "no"
        }' "$LAB_DIR/$s.trace")
    [ -e "$OUT/reserve-canary/$s.kills" ] || : >"$OUT/reserve-canary/$s.kills"
    read -r mx oom vict nsig first coll safe n ckilled <<<"$line"
    p99=$(awk '{print $2}' "$OUT/reserve-canary/$s.dat" >"$LAB_DIR/$s.lat"; pct 99 "$LAB_DIR/$s.lat")
    # reserve.dat: episode killer T rep worst_ms p99_ms kernel_ooms victims signals first_kill_s
    #              stall_some_ms stall_full_ms safe canary_iterations avail0_mb vmstat_oom culprit_killed
    printf '%s %s %s %s %s %s %s %s %s %s %.0f %.0f %s %s %s %s %s\n' "$ep" "$name" "$t" "$rep" "$mx" "$p99" "$oom" "$vict" \
        "$nsig" "$first" "$(echo "$some / 1000" | bc -l)" "$(echo "$full / 1000" | bc -l)" "$safe" "$n" "$avail0" "$oomd" \
        "$ckilled" >>"$OUT/reserve.dat"
    bench_log "reserve: $ep $name $t% #$rep: canary worst $mx ms (p99 $p99, $n iterations), kernel OOM $oom ($oomd in vmstat), signalled: $vict ($nsig), first at ${first} s, stall some $((some / 1000)) ms, safe: $safe"
    sed "s/^/#   kill: /" "$OUT/reserve-canary/$s.kills" >&2
    grep -aE "Killed|[Kk]ill(ing)? |sending|SIG(TERM|KILL)|mrelease|victim" "$LAB_DIR/$s.killer.log" | grep -avE "mem avail|oom_score_adj|monitoring|SIGTERM, stopping" | head -8 | sed "s/^/#   $name: /" >&2 || true
    if [ "$coll" = 1 ] && [ "$SCOPE" = machine ]; then
        stop_all "$name, $ep, $t %: signalled $vict, not only the culprit ($(paste -sd';' "$OUT/reserve-canary/$s.kills"))"
    fi
}

bench_log "reserve: $MODE, scope $SCOPE, episodes: $EPISODES; killers: $KILLERS; thresholds: $THRESHOLDS % x $REPEATS"
trace_start "signal/signal_generate:sig == 9 || sig == 15" "oom/mark_victim"
t_begin=$(date +%s)
for ep in $EPISODES; do
    if [ "$ep" = thrash ]; then lab_swap "${SWAP_MB}M"; fi
    if [ "$ep" = stuck ]; then ballast $((TARGET_MB + STUCK_MB)); else ballast "$TARGET_MB"; fi
    for t in $THRESHOLDS; do
        for rep in $(seq 1 "$REPEATS"); do
            for k in $KILLERS; do
                # the kernel alone has no threshold: once per repeat, at the first one
                [ "$k" = kernel ] && [ "$t" != "$(echo $THRESHOLDS | awk '{print $1}')" ] && continue
                run_one "$ep" "$k" "$t" "$rep"
            done
        done
    done
    if [ "$ep" = thrash ]; then swapoff "$LAB_SWAP"; rm -f "$LAB_SWAP"; LAB_SWAP=""; fi
done
ballast 0 # gone

# --- report --------------------------------------------------------------------------------
# reserve-sweep.dat: episode killer T worst_ms_over_repeats all_safe(1/0)
awk '{k = $1 " " $2 " " $3; if (!(k in w) || $5 > w[k]) w[k] = $5; if (!(k in s)) s[k] = 1; if ($13 != "yes") s[k] = 0}
     END {for (k in w) print k, w[k], s[k]}' "$OUT/reserve.dat" | sort -k1,1 -k2,2 -k3,3g >"$OUT/reserve-sweep.dat"
smallest() { # smallest T at which every run of killer $2 in episode $1 was safe
    awk -v e="$1" -v k="$2" '$1 == e && $2 == k && $5 == 1 {print $3}' "$OUT/reserve-sweep.dat" | sort -g | head -1
}
killers_shown=$(for k in $KILLERS; do label "$k"; done)

# the plots: the sweep, and the canary through one episode (PLOT_EPISODE at PLOT_T, first run)
PLOT_EPISODE=${PLOT_EPISODE:-$(case " $EPISODES " in *" stuck "*) echo stuck ;; *) echo "$EPISODES" | awk '{print $1}' ;; esac)}
PLOT_T=${PLOT_T:-$(case " $THRESHOLDS " in *" 5 "*) echo 5 ;; *) echo "$THRESHOLDS" | awk '{print $1}' ;; esac)}
t_first=$(echo $THRESHOLDS | awk '{print $1}')
: >"$OUT/reserve-canary.dat"; : >"$OUT/reserve-kills.dat"
for k in $KILLERS; do
    s=r-$PLOT_EPISODE-$k-$([ "$k" = kernel ] && echo "$t_first" || echo "$PLOT_T")-1
    s=${s//./_}
    { cat "$OUT/reserve-canary/$s.dat" 2>/dev/null || echo "-1000 1"; printf '\n\n'; } >>"$OUT/reserve-canary.dat"
    { [ -s "$OUT/reserve-canary/$s.kills" ] && cat "$OUT/reserve-canary/$s.kills" || echo "-1000 - - -"; printf '\n\n'; } >>"$OUT/reserve-kills.dat"
done
sweep_names=$(echo $killers_shown | tr ' ' '\n' | grep -v '^kernel-alone$' | paste -sd' ')
gnuplot -e "dat='$OUT/reserve-sweep.dat'; eps='$EPISODES'; names='$sweep_names'; out='$OUT/reserve.png'" \
    "$BENCH_DIR/plot-reserve.gp" 2>&1 | sed 's/^/# gnuplot: /' >&2 || true
gnuplot -e "dat='$OUT/reserve-canary.dat'; kills='$OUT/reserve-kills.dat'; names='$(echo $killers_shown)'; what='$PLOT_EPISODE, $PLOT_T %'; out='$OUT/canary.png'" \
    "$BENCH_DIR/plot-canary.gp" 2>&1 | sed 's/^/# gnuplot: /' >&2 || true
echo "Smallest safe reserve (MinAvailable or its equivalent, % of $([ "$SCOPE" = cgroup ] && echo "the cgroup's $CGROUP_LIMIT_MB MB limit" || echo "MemTotal"); thresholds tried: $(echo $THRESHOLDS | sed 's/ /, /g') %; safe = canary worst < $SAFE_MS ms, no kernel OOM kill, only the culprit signalled, in each of $REPEATS run(s)):"
echo
echo "| killer | $(echo $EPISODES | sed 's/ / | /g') |"
echo "|---$(for _ in $EPISODES; do printf '|---:'; done)|"
for name in $killers_shown; do
    row="| $name |"
    for ep in $EPISODES; do
        if [ "$name" = kernel-alone ]; then
            w=$(awk -v e="$ep" '$1 == e && $2 == "kernel-alone" {print $5}' "$OUT/reserve.dat" | sort -g | tail -1)
            row+=" no threshold (worst ${w:--} ms) |"
            continue
        fi
        m=$(smallest "$ep" "$name")
        row+=" $([ -n "$m" ] && echo "$m %" || echo "none of those tried") |"
    done
    echo "$row"
done
echo
echo "Every run (worst and p99 of the canary's 10 ms iterations from the culprit's start to ${POST_SECS} s after"
echo "its end; stall = growth of the memory PSI total of $([ "$SCOPE" = cgroup ] && echo "the episode's cgroup" || echo "the machine (/proc/pressure/memory)") meanwhile;"
echo "signalled = processes a killer sent SIGTERM or SIGKILL, or the kernel chose, by role; first = seconds from the culprit's start):"
echo
echo "| episode | killer | threshold | run | available at start | canary worst | canary p99 | kernel OOM kills | signalled | signals | first | stall some | stall full | safe |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"
while read -r ep name t rep mx p99 oom vict nsig first some full safe n avail0 oomd ck; do
    tt="$t %"; [ "$name" = kernel-alone ] && tt="-"
    echo "| $ep | $name | $tt | $rep | $avail0 MB | $mx ms | $p99 ms | $oom | $vict | $nsig | ${first}$([ "$first" != - ] && echo ' s') | $some ms | $full ms | $safe |"
done <"$OUT/reserve.dat"
echo
echo "$(nproc) cores, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r); reapd $REAPD_VERSION (this tree),"
echo "earlyoom $EARLYOOM18_VERSION (built from Debian trixie's source package by bench/peers.sh), earlyoom $EARLYOOM17_VERSION"
echo "(Debian 12), nohang $NOHANG_VERSION (Debian 12). Scope: $SCOPE$([ "$SCOPE" = machine ] && echo ", each episode started about $TARGET_MB MB above the edge (a locked ballast held the rest)")."
echo "Canary: bench-canary, ${CANARY_MB} MB file mapping on disk + 1 MB anonymous, every 10 ms; its latency is"
echo "the scheduled start to the end of the work. Culprit: a grower (16 MB per ms pause) or, in thrash, a"
echo "thrasher over the headroom + $((SWAP_MB * 3 / 4)) MB with a $SWAP_MB MB swap file, stopped after $THRASH_SECS s if"
echo "nobody killed it; stuck: a $STUCK_MB MB hog frozen (D state), the biggest process. Whole: $((($(date +%s) - t_begin) / 60)) min."
if [ -s "$LAB_DIR/findings" ]; then echo; sed 's/^/- finding: /' "$LAB_DIR/findings"; fi
echo
echo "![reserve sweep](reserve.png)"
echo
echo "The canary through the $PLOT_EPISODE episode at $PLOT_T % (the kernel alone has no threshold), each killer's run:"
echo
echo "![canary](canary.png)"
