#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - every benchmark, reapd against its peers where the comparison makes sense (earlyoom
# 1.8.2, the newest Debian has, built from trixie's source package; earlyoom 1.7, Debian 12's;
# nohang; the kernel alone), in one run: prints one markdown report and writes
# bench/out/RESULTS.md and PNGs.
#
# Usage: bench/run.sh [full|quick] [BUILD_DIR]   (root, earlyoom and gnuplot installed)
#   full (the default): the committed figures, on a quiet machine: ~120 minutes, of which the
#   reserve sweep (bench-reserve.sh: canary, three episodes, five thresholds, twice) takes ~75.
#   quick: a check of every part, short and with one threshold: ~35 minutes.
#   BUILD_DIR defaults to build-bench (set up with meson if missing). bench/peers.sh fetches and
#   builds earlyoom 1.8.2 and installs nohang the first time (apt-get; cached afterwards).
#   Defaults of a full run, each settable: IDLE_SECS=60 KILL_RUNS=7 FROZEN_RUNS=3 PSI_SAMPLES=30
#   SCAN_SECS=10 RECLAIM_SIZES=1,2,4 POOL_RUNS=5 SWEEP_SIZES=1,4,12 SWEEP_RUNS=3 CONTENDED_RUNS=5
#   (and bench-reserve.sh's THRESHOLDS, REPEATS, EPISODES, ...); a sweep size is skipped when
#   MemAvailable is under it plus 6 GB (12 GB needs 18).
#   ONLY="psi kill": rerun only these parts (idle kill scan select psi reclaim pool sweep
#   contended reserve) when their
#   figures were disturbed by other load, keep the rest of bench/out, and rebuild the report.
#
# Safety: earlyoom and nohang kill the biggest process they can see, so they only ever run
# inside a PID namespace of the bench with a private /proc, next to the workload; reapd is
# always scoped with Cgroup= to a cgroup of the bench, or in dry run. The reserve episodes push
# the whole machine to its edge with the culprit at oom_score_adj 1000, so that the kernel's
# OOM killer, too, takes only it; they stop the run if anything else is ever chosen. Every
# script removes what it made (processes, cgroups, freezer state, swap file, tracefs instance)
# in an EXIT trap. Not a test: do not register it in a test suite.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=full
case ${1:-} in full | quick) MODE=$1; shift ;; esac
BUILD=${1:-$ROOT/build-bench}
OUT=$ROOT/bench/out
B=$ROOT/bench

if [ "$MODE" = quick ]; then
    IDLE_SECS=${IDLE_SECS:-20} KILL_RUNS=${KILL_RUNS:-2} FROZEN_RUNS=${FROZEN_RUNS:-1}
    PSI_SAMPLES=${PSI_SAMPLES:-5} SCAN_SECS=${SCAN_SECS:-3} RECLAIM_SIZES=${RECLAIM_SIZES:-1}
    POOL_RUNS=${POOL_RUNS:-2}
    SWEEP_SIZES=${SWEEP_SIZES:-1,4} SWEEP_RUNS=${SWEEP_RUNS:-1} CONTENDED_RUNS=${CONTENDED_RUNS:-2}
fi
IDLE_SECS=${IDLE_SECS:-60}
KILL_RUNS=${KILL_RUNS:-7}
FROZEN_RUNS=${FROZEN_RUNS:-3}
PSI_SAMPLES=${PSI_SAMPLES:-30}
SCAN_SECS=${SCAN_SECS:-10}
RECLAIM_SIZES=${RECLAIM_SIZES:-1,2,4}
POOL_RUNS=${POOL_RUNS:-5}
SWEEP_SIZES=${SWEEP_SIZES:-1,4,12}
SWEEP_RUNS=${SWEEP_RUNS:-3}
CONTENDED_RUNS=${CONTENDED_RUNS:-5}

[ "$(id -u)" = 0 ] || { echo "bench/run.sh: needs root (cgroups, namespaces, tracefs)" >&2; exit 1; }
for t in earlyoom gnuplot unshare nsenter bc chrt taskset flock; do
    command -v "$t" >/dev/null || { echo "bench/run.sh: $t is missing" >&2; exit 1; }
done
[ -d "$BUILD" ] || meson setup "$BUILD" "$ROOT" >&2
ninja -C "$BUILD" src/reapd tests/integration/hog tests/integration/grower bench/bench-select \
    bench/bench-reclaim bench/bench-pool bench/bench-watch bench/bench-thrash bench/bench-sleepers bench/bench-tick \
    bench/bench-canary bench/bench-ballast >&2
. "$B/peers.sh"
peers_ensure || { echo "bench/run.sh: the peers could not be made ready (bench/peers.sh)" >&2; exit 1; }
E17=earlyoom-$EARLYOOM17_VERSION E18=earlyoom-$EARLYOOM18_VERSION
ONLY=${ONLY:-}
mkdir -p "$OUT"
[ -n "$ONLY" ] || rm -f "$OUT"/*.md "$OUT"/*.dat "$OUT"/*.png "$OUT"/*.load

t_start=$(date +%s)
load() { cut -d' ' -f1-3 /proc/loadavg; }
section() { # section NAME CMD...: run, keep its markdown in OUT/NAME.md and the load before it
    local name=$1
    shift
    if [ -n "$ONLY" ] && [[ " $ONLY " != *" ${name%-stdout} "* ]]; then return 0; fi
    echo "$(load) at $(date -u +%H:%M)" >"$OUT/$name.load"
    echo "# bench: $name (load $(load))" >&2
    "$@" >"$OUT/$name.md"
}

section idle bash "$B/bench-idle.sh" "$BUILD" "$OUT" "$IDLE_SECS"
section kill bash "$B/bench-kill.sh" "$BUILD" "$OUT" "$KILL_RUNS" "$FROZEN_RUNS"
section scan bash "$B/bench-scan.sh" "$BUILD" "$OUT" "$SCAN_SECS"
section select "$BUILD/bench/bench-select"
section psi bash "$B/bench-psi.sh" "$BUILD" "$OUT" "$PSI_SAMPLES" 1000
# bench-reclaim writes OUT/reclaim.md and reclaim.png itself
section reclaim-stdout "$BUILD/bench/bench-reclaim" --out "$OUT" --sizes "$RECLAIM_SIZES" --timeout 5
# bench-pool writes OUT/pool.md and pool.dat itself: 8 frozen members of 512 MB, 1 reaper thread vs the default
section pool-stdout "$BUILD/bench/bench-pool" --out "$OUT" --runs "$POOL_RUNS"
# a stuck victim by size, and a victim that cannot get CPU; both draw their own plots
section sweep bash "$B/bench-sweep.sh" "$BUILD" "$OUT" "$SWEEP_RUNS" "$SWEEP_SIZES"
section contended bash "$B/bench-contended.sh" "$BUILD" "$OUT" "$CONTENDED_RUNS"
# last: it pushes the whole machine to its edge, which would disturb what follows; it draws its own plots
section reserve bash "$B/bench-reserve.sh" "$BUILD" "$OUT" "$MODE"

# kill.png wants one line per killer and victim kind: median crossed->SIGKILL, SIGKILL->back
kmed() { awk -v k="$1" -v d="$2" -v c="$3" '$1 == k && $2 == d && $c != "-" {print $c}' "$OUT/kill.dat" | sort -g |
    awk '{a[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
: >"$OUT/kill-plot.dat"
for kind in running frozen; do
    for k in reapd "$E18" "$E17"; do
        d=$(kmed "$k" "$kind" 4) b=$(kmed "$k" "$kind" 5)
        [ "$d" = - ] && d=$(kmed "$k" "$kind" 9) # acted before MemAvailable crossed: its own measure
        [ "$d" = - ] && d=1
        if [ "$b" != - ] && awk "BEGIN {exit !($b < 0)}"; then
            printf '"%s %s" %s %s "not back after %.0f s"\n' "$kind" "$k" "$d" "${b#-}" "$(echo "${b#-} / 1000" | bc -l)"
        else
            printf '"%s %s" %s %s "%.0f ms"\n' "$kind" "$k" "$d" "${b/-/1}" "${b/-/0}"
        fi
    done
done >"$OUT/kill-plot.dat"
for p in idle kill psi scan pool; do
    dat=$OUT/$p.dat
    [ "$p" = kill ] && dat=$OUT/kill-plot.dat
    gnuplot -e "dat='$dat'; out='$OUT/$p.png'; secs='$IDLE_SECS'" "$B/plot-$p.gp" 2>&1 | sed 's/^/# gnuplot: /' >&2 || true
done

# --- the summary: figures a user can quote -------------------------------------------------
idle() { awk -v n="$1" -v c="$2" '$1 == n {print $c}' "$OUT/idle.dat"; }
idlef() { printf '%.2f' "$(idle "$@")"; }
kmedf() { local v; v=$(kmed "$@"); [ "$v" = - ] && echo - || printf '%.0f' "${v#-}"; }
# back KILLER: the stuck victim's SIGKILL -> memory back, as words
back() {
    local b; b=$(kmed "$1" frozen 5)
    if [ "$b" = - ]; then echo "no kill"
    elif awk "BEGIN {exit !($b < 0)}"; then echo "still not back $(printf '%.0f' "$(echo "${b#-} / 1000" | bc -l)") s later"
    else echo "back $(printf '%.0f' "$b") ms after it"; fi
}
# det KILLER KIND: threshold -> SIGKILL, or from its own measure when it acted before MemAvailable crossed
det() {
    local d; d=$(kmedf "$1" "$2" 4)
    [ "$d" != - ] && { echo "$d ms"; return; }
    echo "$(kmedf "$1" "$2" 9) ms from its own measure (before MemAvailable crossed)"
}
# pool: the speed-up bench-pool printed in bold, and the default pool's size
pool_x=$(sed -n 's/.*\*\*\([0-9.]*\)x\*\*.*/\1/p' "$OUT/pool.md" 2>/dev/null | head -1) || pool_x=
pool_t=$(sed -n 's/.*default pool (\([0-9]*\) threads\{0,1\}).*/\1/p' "$OUT/pool.md" 2>/dev/null | head -1) || pool_t=
r_frz_b=$(kmed reapd frozen 5) e17_frz_b=$(kmed "$E17" frozen 5) e18_frz_b=$(kmed "$E18" frozen 5)
pctl() { awk '{print $1}' "$OUT/psi.dat" | sort -g | awk -v p="$1" '{a[NR] = $1} END {r = int((p * NR + 99) / 100); if (r < 1) r = 1; print a[r]}'; }
psi50=$(pctl 50) psi99=$(pctl 99)
psin=$(wc -l <"$OUT/psi.dat")
# scan.dat columns: 3 reapd, 4 earlyoom 1.7, 7 reapd scoped, 10 earlyoom 1.8.2
sc() { awk -v n="$1" -v v="$2" -v c="$3" '$1 == n && $9 == v {printf "%.1f", $c / $2}' "$OUT/scan.dat"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b + 0 > 0) printf "%.1f", a / b; else print "-"}'; }
died() { awk -v k="$1" -v c="$2" '$1 == k {print $c}' "$OUT/kill.dat" | sort -n | uniq | paste -sd/; }
# reserve: the smallest threshold at which every run of killer $2 in episode $1 was safe
smallest() { awk -v e="$1" -v k="$2" '$1 == e && $2 == k && $5 == 1 {print $3 " %"}' "$OUT/reserve-sweep.dat" 2>/dev/null | sort -g | head -1; }
reserve_line() {
    local ep=$1 k out=""
    for k in $(awk -v e="$ep" '$1 == e && $2 != "kernel-alone" {print $2}' "$OUT/reserve-sweep.dat" 2>/dev/null | uniq); do
        out+="${out:+, }$k $(smallest "$ep" "$k" | grep . || echo "none tried")"
    done
    echo "${out:-not run}"
}

{
    echo "# reapd vs earlyoom and nohang: benchmark results"
    echo
    echo "$([ -n "$ONLY" ] && echo "Parts rerun with ONLY=\"$ONLY\" (other load had disturbed them); report rebuilt" || echo "One run of \`bench/run.sh $MODE\`") on $(date -u '+%Y-%m-%d %H:%M UTC'): kernel $(uname -r), $(nproc) cores,"
    echo "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, reapd $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'),"
    echo "earlyoom $EARLYOOM18_VERSION (Debian trixie's source package, built by bench/peers.sh), earlyoom $EARLYOOM17_VERSION (Debian 12),"
    echo "nohang $NOHANG_VERSION (Debian 12). Load average (1/5/15 min) when each part started:"
    echo "idle $(cat "$OUT/idle.load"), kill $(cat "$OUT/kill.load"), scan $(cat "$OUT/scan.load"),"
    echo "select $(cat "$OUT/select.load"), psi $(cat "$OUT/psi.load"), reclaim $(cat "$OUT/reclaim-stdout.load"),"
    echo "pool $(cat "$OUT/pool-stdout.load" 2>/dev/null || echo -), sweep $(cat "$OUT/sweep.load" 2>/dev/null || echo -), contended $(cat "$OUT/contended.load" 2>/dev/null || echo -),"
    echo "reserve $(cat "$OUT/reserve.load") (UTC)."
    echo "The killers always ran in the same run, on the same workload, one right after the other."
    echo
    echo "## What a user gains"
    echo
    echo "- **A stuck (D-state) victim's memory comes back**: reapd $(det reapd frozen) from threshold to SIGKILL, memory"
    echo "  $(back reapd) (the 1.5 GB victim, process_mrelease); $E18 sent its SIGKILL after $(det "$E18" frozen), memory"
    echo "  $(back "$E18") (process_mrelease from its main loop); $E17 after $(det "$E17" frozen), memory $(back "$E17")"
    echo "  (reapd ≥ $(ratio "${e17_frz_b#-}" "${r_frz_b#-}")× sooner than $E17; $(ratio "${e18_frz_b#-}" "${r_frz_b#-}")× against $E18)."
    echo "- **A runaway grower** (~0.6 GB/s): threshold to SIGKILL reapd $(det reapd running), $E18 $(det "$E18" running), $E17 $(det "$E17" running)"
    echo "  (MemAvailable crossing; from its own measure, which also counts the free pages on the per-CPU lists,"
    echo "  reapd took $(printf '%.0f' "$(kmed reapd running 9 | sed 's/^-$/0/')") ms); SIGKILL to memory back reapd $(kmedf reapd running 5) ms,"
    echo "  $E18 $(kmedf "$E18" running 5) ms, $E17 $(kmedf "$E17" running 5) ms (medians of $(awk '$1 == "reapd" && $2 == "running"' "$OUT/kill.dat" | wc -l) runs each)."
    echo "- **Collateral**: processes killed per scenario — reapd $(died reapd 6), $E18 $(died "$E18" 6), $E17 $(died "$E17" 6);"
    echo "  SIGKILLs sent per scenario — reapd $(died reapd 8), $E18 $(died "$E18" 8), $E17 $(died "$E17" 8)."
    echo "- **The smallest safe reserve** (the canary's worst 10 ms tick under 200 ms, no kernel OOM kill, only the"
    echo "  culprit signalled): runaway grower: $(reserve_line runaway); grower with a stuck biggest process:"
    echo "  $(reserve_line stuck); swap thrash: $(reserve_line thrash)."
    echo "- **A cgroup kill of 8 frozen members of 512 MB**: memory back ${pool_x:--}× sooner with the default reaper pool"
    echo "  (${pool_t:--} threads on this machine) than with one reaper thread (bench-pool, medians)."
    echo "- **Idle**: reapd $(idlef reapd-cgroup 3) wakeups/s and $(idlef reapd-cgroup 2) ms CPU per minute (scoped, quiet"
    echo "  cgroup; $(idlef reapd-system 3) wakeups/s system-wide) vs $E18 $(idlef "$E18" 3) wakeups/s and $(idlef "$E18" 2) ms/min,"
    echo "  $E17 $(idlef "$E17" 3) wakeups/s and $(idlef "$E17" 2) ms/min; RSS reapd $(idlef reapd-cgroup 4) MB (mlockall'd) vs"
    echo "  $E18 $(idlef "$E18" 4) MB, $E17 $(idlef "$E17" 4) MB."
    echo "- **PSI**: a memory-pressure trigger event becomes a SIGKILL in ${psi50} ms (p50), ${psi99} ms (p99 of"
    echo "  ${psin}) with 1 000 processes in scope; neither $E18 nor $E17 reads PSI."
    echo "- **Choosing a victim** (a 512 MB one among sleepers) costs reapd $(sc 1000 512 3) µs CPU per process at 1 000"
    echo "  processes and $(sc 10000 512 3) µs at 10 000, $E18 $(sc 1000 512 10) and $(sc 10000 512 10) µs, $E17 $(sc 1000 512 4) and $(sc 10000 512 4) µs;"
    echo "  with a 64 MB victim reapd $(sc 1000 64 3) and $(sc 10000 64 3) µs ($E18 $(sc 1000 64 10), $(sc 10000 64 10); $E17 $(sc 1000 64 4), $(sc 10000 64 4));"
    echo "  scoped with Cgroup= reapd $(sc 1000 512 7) and $(sc 10000 512 7) µs."
    echo
    echo "## Targets"
    echo
    echo "| target (issue) | measured | met |"
    echo "|---|---|---|"
    # yes or no; "-" when a figure is missing (a part that measured nothing)
    yn() { local r; r=$(awk "BEGIN {print (($1) ? \"yes\" : \"no\")}" 2>/dev/null) || r=""; echo "${r:--}"; }
    echo "| idle CPU ≤ 0.5 ms/min (5) | $(idlef reapd-cgroup 2) ms/min | $(yn "$(idle reapd-cgroup 2) <= 0.5") |"
    echo "| idle wakeups ≤ 0.1/s (5) | $(printf '%.3f' "$(idle reapd-cgroup 3)")/s | $(yn "$(idle reapd-cgroup 3) <= 0.1") |"
    echo "| idle RSS ≤ 2 MB (5) | $(idlef reapd-cgroup 4) MB VmRSS | $(yn "$(idle reapd-cgroup 4) <= 2") |"
    for v in reapd-system reapd-cgroup; do
        echo "| idle CPU ≤ 1.5× a bare timerfd loop's (15), $v | $(idlef "$v" 2) vs $(idlef floor 2) ms/min: $(printf '%.2f' "$(echo "$(idle "$v" 2) / $(idle floor 2)" | bc -l)")× (an sd-event loop alone: $(printf '%.2f' "$(echo "$(idle floor-sd-event 2) / $(idle floor 2)" | bc -l)")×) | $(yn "$(idle "$v" 2) <= 1.5 * $(idle floor 2)") |"
    done
    echo "| idle CPU under 1/5 of $E18's (15) | $(idlef reapd-system 2) and $(idlef reapd-cgroup 2) vs $(idlef "$E18" 2) ms/min | $(yn "$(idle reapd-system 2) * 5 < $(idle "$E18" 2) && $(idle reapd-cgroup 2) * 5 < $(idle "$E18" 2)") |"
    for e in "$E17" "$E18"; do
        echo "| idle wakeups ≤ $e's (7) | $(printf '%.3f' "$(idle reapd-cgroup 3)") vs $(printf '%.3f' "$(idle "$e" 3)")/s (system-wide: $(printf '%.3f' "$(idle reapd-system 3)")) | $(yn "$(idle reapd-cgroup 3) <= $(idle "$e" 3)") |"
    done
    echo "| stuck victim's memory back ≥ 10× sooner than $E17 (7) | ≥ $(ratio "${e17_frz_b#-}" "${r_frz_b#-}")× | $(yn "${e17_frz_b#-} >= 10 * ${r_frz_b#-}") |"
    echo "| stuck victim's memory back no slower than $E18 (15), 1.5 GB | $(printf '%.0f' "${r_frz_b#-}") vs $(printf '%.0f' "${e18_frz_b#-}") ms$(case $e18_frz_b in -[0-9]*) echo " (not back)" ;; esac) | $(yn "${e18_frz_b#-} >= ${r_frz_b#-}") |"
    echo "| pool: 8 frozen members of 512 MB back ≥ 1.6× sooner with the default than with 1 thread (15) | ${pool_x:--}× (${pool_t:--} threads) | $(yn "${pool_x:-0} >= 1.6") |"
    # sweep.dat: gb killer ...; column 6 SIGKILL -> back (negative: not back); contended.dat: column 5
    swmed() { [ -s "$OUT/sweep.dat" ] && awk -v g="$1" -v k="$2" '$1 == g && $2 == k && $6 != "-" {print $6}' "$OUT/sweep.dat" |
        sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else if (NR) print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
    for g in ${SWEEP_SIZES//,/ }; do
        a=$(swmed "$g" reapd) b=$(swmed "$g" "$E18")
        [ -n "$a" ] && [ -n "$b" ] || continue
        echo "| stuck victim's memory back no slower than $E18 (15), $g GB, median | $(printf '%.0f' "${a#-}")$([ "${a#-}" != "$a" ] && echo " (not back)") vs $(printf '%.0f' "${b#-}")$([ "${b#-}" != "$b" ] && echo " (not back)") ms | $(yn "$a >= 0 && ($b < 0 || $b >= $a)") |"
    done
    ctmed() { [ -s "$OUT/contended.dat" ] && awk -v k="$1" '$1 == k && $5 != "-" {print $5}' "$OUT/contended.dat" |
        sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else if (NR) print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
    a=$(ctmed reapd) b=$(ctmed "$E18") c=$(ctmed sigkill)
    if [ -n "$a" ] && [ -n "$b" ]; then
        echo "| victim that cannot get CPU: memory back no slower than $E18 (15), median | reapd $(printf '%.0f' "${a#-}") vs $(printf '%.0f' "${b#-}") ms (plain SIGKILL ${c:+$(printf '%.0f' "${c#-}")} ms) | $(yn "$a >= 0 && ($b < 0 || $b >= $a)") |"
    fi
    echo "| PSI event → kill p99 ≤ 5 ms with 1 000 processes (5) | ${psi99} ms | $(yn "${psi99} <= 5") |"
    # bench-select's median ms for N sleepers and a victim row (adj: a clear one, none: no clear one), column C
    sel() { awk -F'|' -v n="$1" -v v="$2" -v c="$3" '$2 + 0 == n && $3 ~ v { x = $c; gsub(/[ a-z]/, "", x); print x; exit }' "$OUT/select.md"; }
    b10=$(sel 10000 adj 13) f10=$(sel 10000 adj 7)
    echo "| victim selection over 10 000 processes ≤ 20 ms (3), median | BPF ranking ${b10:--} ms (no clear victim: $(sel 10000 none 13) ms); /proc oom_score ranking ${f10:--} ms | $(yn "${b10:-1e9} <= 20") |"
    for v in 512 64; do for n in 1000 10000; do
        echo "| selection per process no worse than $E18 and $E17 (7): $n processes, $v MB victim, system-wide | $(sc $n $v 3) vs $(sc $n $v 10) and $(sc $n $v 4) µs | $(yn "$(sc $n $v 3) <= $(sc $n $v 4) && $(sc $n $v 3) <= $(sc $n $v 10)") |"
    done; done
    echo "| same, reapd scoped with Cgroup=, 512 MB victim | $(sc 1000 512 7) and $(sc 10000 512 7) vs $(sc 1000 512 10) and $(sc 10000 512 10) ($E18), $(sc 1000 512 4) and $(sc 10000 512 4) µs ($E17) | $(yn "$(sc 1000 512 7) <= $(sc 1000 512 4) && $(sc 10000 512 7) <= $(sc 10000 512 4) && $(sc 1000 512 7) <= $(sc 1000 512 10) && $(sc 10000 512 7) <= $(sc 10000 512 10)") |"
    echo
    echo "## Idle overhead"
    echo
    cat "$OUT/idle.md"
    echo
    echo "![idle](idle.png)"
    echo
    echo "## Threshold to SIGKILL to memory back, and what died"
    echo
    cat "$OUT/kill.md"
    echo
    echo "![kill](kill.png)"
    echo
    echo "## Victim selection over 1 000 and 10 000 processes"
    echo
    cat "$OUT/scan.md"
    echo
    echo "![scan](scan.png)"
    echo
    echo "reapd's selection functions alone, wall time over the whole host's /proc plus live sleepers"
    echo "(bench/bench-select, as it prints):"
    echo
    cat "$OUT/select.md"
    echo
    echo "## PSI event to kill"
    echo
    cat "$OUT/psi.md"
    echo
    echo "![psi](psi.png)"
    echo
    echo "## Reclaim speed of the kill path by victim size (bench/bench-reclaim)"
    echo
    cat "$OUT/reclaim.md"
    echo
    echo "![reclaim](reclaim.png)"
    echo
    echo "## A cgroup kill of many frozen members: one reaper thread vs the pool (bench/bench-pool)"
    echo
    cat "$OUT/pool.md" 2>/dev/null || echo "(not run)"
    echo
    echo "![pool](pool.png)"
    echo
    echo "## A stuck victim by size, against one thread's direct process_mrelease() (bench/bench-sweep.sh)"
    echo
    cat "$OUT/sweep.md"
    echo
    echo "![sweep](sweep.png)"
    echo
    echo "## A victim that cannot get CPU (bench/bench-contended.sh)"
    echo
    cat "$OUT/contended.md"
    echo
    echo "![contended](contended.png)"
    echo
    echo "## What a user feels: a responsiveness canary, and the smallest safe reserve (bench/bench-reserve.sh)"
    echo
    cat "$OUT/reserve.md"
    echo
    echo "Whole run: $((($(date +%s) - t_start) / 60)) min $((($(date +%s) - t_start) % 60)) s."
} >"$OUT/RESULTS.md"
cat "$OUT/RESULTS.md"
