#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-sweep.sh - a stuck victim's memory back after SIGKILL, by victim size: reapd, earlyoom
# 1.8.2 (process_mrelease right after its SIGKILL, from its main loop) and earlyoom 1.7 (waits for
# the victim), against the physical reference, one thread's own process_mrelease() of a frozen
# victim called directly (bench-reclaim --frozen-only).
# Usage: bench-sweep.sh BUILD OUT [RUNS] [SIZES_GB]   (root; prints a markdown section, writes
#        OUT/sweep.dat, OUT/sweep-ref/ and OUT/sweep.png)
#
# Each size runs bench-kill.sh's stuck-victim scenario (KINDS=frozen, FROZEN_MB=size): the victim
# frozen in the v1 freezer (D state), a pusher crossing a threshold 256 MB under MemAvailable, the
# killers one after the other, RUNS times; bench-kill.sh's tracefs instance gives, for each run,
# the SIGKILL, the entry and exit of the killer's own process_mrelease() call, and bench-watch the
# moment the victim's charge fell under 10% of its peak. A size is skipped when MemAvailable is
# under the size plus 6 GB (12 GB needs 18), rather than pushing the machine into the kernel's
# OOM killer. Takes the bench lock (/tmp/reapd-bench.lock) unless REAPD_BENCH_LOCKED is set by a
# caller holding it.
set -euo pipefail
BUILD=$1 OUT=$2 RUNS=${3:-3} SIZES=${4:-1,4,12}
B=$(cd "$(dirname "$0")" && pwd)
SPARE_MB=6144 # MemAvailable beyond the victim: bystanders, pusher, threshold margin and the rest
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
. "$B/bench-lock.sh"
bench_lock
. "$B/peers.sh"
peers_ensure >/dev/null || { echo "bench-sweep: peers missing (bench/peers.sh)" >&2; exit 1; }
E17=earlyoom-$EARLYOOM17_VERSION E18=earlyoom-$EARLYOOM18_VERSION
avail_mb() { awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo; }

done_sizes=() skipped=""
[ -n "${REPORT_ONLY:-}" ] || : >"$OUT/sweep.dat"
for gb in ${SIZES//,/ }; do
    # REPORT_ONLY=1: the table and plot again from the figures in OUT, nothing run
    if [ -n "${REPORT_ONLY:-}" ]; then
        [ -s "$OUT/sweep-$gb.dat" ] && done_sizes+=("$gb")
        continue
    fi
    if [ "$(avail_mb)" -lt $((gb * 1024 + SPARE_MB)) ]; then
        echo "# sweep: $gb GB skipped: MemAvailable $(avail_mb) MB < $((gb * 1024 + SPARE_MB)) MB" >&2
        skipped+="${skipped:+, }$gb GB (MemAvailable $(avail_mb) MB)"
        continue
    fi
    echo "# sweep: $gb GB (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    KINDS=frozen FROZEN_MB=$((gb * 1024)) KILLERS="reapd $E18 $E17" KILL_DAT="$OUT/sweep-$gb.dat" \
        bash "$B/bench-kill.sh" "$BUILD" "$OUT/sweep-work" 0 "$RUNS" >"$OUT/sweep-$gb.kill.md"
    awk -v gb="$gb" '{print gb, $0}' "$OUT/sweep-$gb.dat" >>"$OUT/sweep.dat"
    done_sizes+=("$gb")
done
sizes_done=$(IFS=,; echo "${done_sizes[*]}")
if [ -n "$sizes_done" ] && [ -z "${REPORT_ONLY:-}" ]; then
    "$BUILD/bench/bench-reclaim" --out "$OUT/sweep-ref" --sizes "$sizes_done" --timeout 5 --frozen-only \
        >/dev/null
fi

# sweep.dat: gb killer kind n detect back killed mb sigkills detect_own to_mrelease call call_to_back who
#            caller_cpu caller_wait
med() { # med GB KILLER COLUMN: the median over the runs (negative = not back: their magnitude)
    awk -v g="$1" -v k="$2" -v c="$3" '$1 == g && $2 == k && $c != "-" {v = $c; print (v < 0 ? -v : v)}' "$OUT/sweep.dat" |
        sort -g | awk '{a[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
range() {
    awk -v g="$1" -v k="$2" -v c="$3" '$1 == g && $2 == k && $c != "-" {print $c}' "$OUT/sweep.dat" | sort -g |
        awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR) printf "%.0f–%.0f", lo, hi}'
}
notback() { awk -v g="$1" -v k="$2" '$1 == g && $2 == k && $6 != "-" && $6 < 0' "$OUT/sweep.dat" | wc -l; }
nruns() { awk -v g="$1" -v k="$2" '$1 == g && $2 == k' "$OUT/sweep.dat" | wc -l; }
ms() { [ "$1" = - ] && echo - || printf "%.${2:-1}f ms" "$1"; }
rate() { awk -v g="$1" -v m="$2" 'BEGIN {if (m == "-" || m <= 0) print "-"; else printf "%.1f", g / (m / 1000)}'; }
# the reference from bench-reclaim's table: "| frozen (D) | 4 GB | kill + process_mrelease, direct | ... | CALL ms | ..."
ref() { awk -F'|' -v g="$1 GB" -v m="$2" -v c="$3" '$3 ~ "^ *" g " *$" && index($4, m) {x = $c; gsub(/[^0-9.]/, "", x); print x; exit}' \
    "$OUT/sweep-ref/reclaim.md" 2>/dev/null | grep . || echo -; }

echo "| size | killer | runs | SIGKILL → memory back (median, range) | GB/s | SIGKILL → its process_mrelease() | the call | GB/s (call) | the caller's CPU, run-queue wait | call's end → back observed |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
: >"$OUT/sweep-plot.dat"
for gb in "${done_sizes[@]}"; do
    for k in reapd "$E18" "$E17"; do
        b=$(med "$gb" "$k" 6) nb=$(notback "$gb" "$k") n=$(nruns "$gb" "$k")
        if [ "$nb" -gt 0 ]; then
            bs="not back after $(printf '%.1f' "$(echo "$b / 1000" | bc -l)") s in $nb of $n"; r=-
        else
            bs="$(ms "$b") ($(range "$gb" "$k" 6))"; r=$(rate "$gb" "$b")
        fi
        call=$(med "$gb" "$k" 12)
        cw="$(ms "$(med "$gb" "$k" 15)"), $(ms "$(med "$gb" "$k" 16)")"
        [ "$k" = "$E17" ] && cw=-
        echo "| $gb GB | $k | $n | $bs | $r | $(ms "$(med "$gb" "$k" 11)" 2) | $(ms "$call") | $(rate "$gb" "$call") | $cw | $(ms "$(awk -v g="$gb" -v k="$k" '$1 == g && $2 == k && $13 != "-" {print $13}' "$OUT/sweep.dat" | sort -g | awk '{a[NR] = $1} END {if (!NR) print "-"; else print a[int((NR + 1) / 2)]}')") |"
    done
    d=$(ref "$gb" direct 7) rk=$(ref "$gb" kill_start 7)
    dr=$(ref "$gb" direct 5)
    echo "| $gb GB | reference: kill + process_mrelease() from one thread, called directly | 1 | $(ms "$dr") | $(rate "$gb" "$dr") | 0 | $(ms "$d") | $(rate "$gb" "$d") | - | - |"
    echo "| $gb GB | reapd's kill path in-process (kill_start(), reaper thread; no daemon) | 1 | $(ms "$(ref "$gb" kill_start 5)") | $(rate "$gb" "$(ref "$gb" kill_start 5)") | - | $(ms "$rk") | $(rate "$gb" "$rk") | - | - |"
    # plot: size, then per series the median ms (not back: 12 000, the wait)
    pl() { local v; v=$(med "$gb" "$1" 6); [ "$(notback "$gb" "$1")" -gt 0 ] && v=12000; echo "${v/-/NaN}"; }
    echo "$gb $(pl reapd) $(pl "$E18") $(pl "$E17") ${d/-/NaN}" >>"$OUT/sweep-plot.dat"
done
echo
echo "Stuck victim of each size frozen in the v1 freezer (D state), two bystanders (100, 150 MB) and a"
echo "pusher (half the victim's size, at most 1 GB) crossing a threshold 256 MB under MemAvailable; every"
echo "killer at nice 0, unpinned, runs one after the other on the same workload, $RUNS runs of each per size"
echo "(bench-kill.sh). SIGKILL is the kernel's signal_generate event for the victim; the process_mrelease()"
echo "columns are the killer's own call (reapd: the reaper thread that sent the SIGKILL, which the pool's other"
echo "threads join; earlyoom $EARLYOOM18_VERSION: its main loop; earlyoom"
echo "$EARLYOOM17_VERSION makes none), from the syscall tracepoints of the same tracefs instance; memory back is the first"
echo "0.5 ms sample of the victim's cgroup charge under 10% of its peak (bench-watch), so it can come before"
echo "the call returns (a negative last column). The caller's CPU and run-queue wait are its thread's"
echo "schedstat over the run (medians; reapd: all its reaper threads, summed): the call is preemptible, so its"
echo "length is that CPU time plus the time the caller waited for a CPU. GB/s: the victim's size over that time. The reference rows"
echo "are bench-reclaim --frozen-only, run right after: a frozen hog of the same size SIGKILLed and"
echo "process_mrelease()d by the calling thread itself, the call timed alone (the physical rate), and the"
echo "same through reapd's kill_start() and reaper thread inside that one process (no daemon, no threshold)."
[ -n "$skipped" ] && echo "Skipped, not enough memory: $skipped."
[ -n "${REPORT_ONLY:-}" ] || echo "Load average (1/5/15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
gnuplot -e "dat='$OUT/sweep-plot.dat'; out='$OUT/sweep.png'; e18='$E18'; e17='$E17'" "$B/plot-sweep.gp" 2>&1 |
    sed 's/^/# gnuplot: /' >&2 || true
