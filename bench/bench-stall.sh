#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-stall.sh - how much memory stall makes a program unusable: the responsiveness canary
# (bench-canary: a 32 MB file mapping and 1 MB of anonymous memory touched every 10 ms, each
# tick's lateness recorded) runs in one cgroup with a thrasher, at levels of thrashing from none
# to heavy, and every 2 s window (the window reapd's PressureFull= is measured over) gets the
# cgroup's "some" and "full" stall shares and the canary's worst and 99th-percentile tick.
# The fill of each level (its working set pushed through the limit once, a burst of direct
# reclaim) is measured too, as level "fill-WORKSET:THREADS".
# Usage: bench-stall.sh BUILD OUT
#        (root; prints a markdown table, writes OUT/stall.dat: one line per window)
# Environment: LEVELS ("WORKSET_MB:THREADS ..."), SECS (steady seconds per level, 16),
# LIMIT_MB (400).
# Safety: everything runs in the bench's own cgroup with a memory limit; a 2 GB swap file is on
# for the run and removed by the EXIT trap, which also kills what the bench started.
set -euo pipefail
BUILD=$1 OUT=$2
. "$(dirname "$0")/bench-lib.sh"
CANARY=$BUILD/bench/bench-canary
THRASHER=$BUILD/tests/integration/thrash
LEVELS=${LEVELS:-"360:1 450:1 500:2 600:2 800:2 1200:2 1600:4 2400:4"}
SECS=${SECS:-16}
LIMIT_MB=${LIMIT_MB:-400}
bench_init reapd-bench-stall
lab_limit $((LIMIT_MB << 20))
lab_swap 2G
PRESSURE=$LAB_V2$LAB_CG/memory.pressure

lab_spawn -- "$CANARY" /var/tmp/reapd-bench-stall.canary 32 "$LAB_DIR/canary.log" --ready-fd 3 --max-sec 1200 \
    3>"$LAB_DIR/canary.ready"
canary=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/canary.ready"

# the cgroup's stall counters every 250 ms, on CLOCK_MONOTONIC (the canary's clock), with the level
python3 - "$PRESSURE" "$LAB_DIR/psi.log" "$LAB_DIR/level" <<'PY' &
import sys, time
src, out, level = sys.argv[1:4]
with open(out, "w", buffering=1) as o:
    while True:
        with open(src) as f:
            tot = [l.split()[4].split("=")[1] for l in f]
        try:
            lv = open(level).read().strip()
        except OSError:
            lv = "-"
        o.write(f"{time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000} {tot[0]} {tot[1]} {lv}\n")
        time.sleep(0.25)
PY
sampler=$!
BG_PIDS+=("$sampler")

for level in $LEVELS; do
    ws=${level%%:*} th=${level##*:}
    echo "fill-$level" >"$LAB_DIR/level" # the fill: a burst of reclaim, measured apart
    rm -f "$LAB_DIR/filled"
    lab_spawn -- "$THRASHER" "$ws" --ready-fd 3 --threads "$th" 3>"$LAB_DIR/filled"; t=$LAB_LAST_PID
    for _ in $(seq 1 1200); do grep -q filled "$LAB_DIR/filled" 2>/dev/null && break; sleep 0.1; done
    sleep 2 # the fill's burst out of the 2 s windows
    echo "$level" >"$LAB_DIR/level"
    sleep "$SECS"
    echo "-" >"$LAB_DIR/level"
    kill -9 "$t"; wait "$t" 2>/dev/null || true
    sleep 3
    bench_log "level $level done"
done
kill -TERM "$canary"; wait "$canary" 2>/dev/null || true
kill "$sampler" 2>/dev/null || true

python3 - "$LAB_DIR/psi.log" "$LAB_DIR/canary.log" "$OUT/stall.dat" "$LIMIT_MB" <<'PY'
import sys, bisect
psi, can, dat, limit = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
P = [f for f in (l.split() for l in open(psi)) if len(f) == 4]  # a last line may be cut short
C = [tuple(map(int, l.split())) for l in open(can) if not l.startswith("#") and len(l.split()) == 2]
starts = [c[0] for c in C]
rows = []
# consecutive 2 s windows inside each level's steady phase
i = 0
while i < len(P):
    lv = P[i][3]
    if lv == "-":
        i += 1
        continue
    j = i
    while j < len(P) and int(P[j][0]) - int(P[i][0]) < 2000000 and P[j][3] == lv:
        j += 1
    if j >= len(P) or P[j][3] != lv:
        i = j
        continue
    t0, t1 = int(P[i][0]), int(P[j][0])
    some = (int(P[j][1]) - int(P[i][1])) / (t1 - t0) * 100
    full = (int(P[j][2]) - int(P[i][2])) / (t1 - t0) * 100
    a, b = bisect.bisect_left(starts, t0), bisect.bisect_left(starts, t1)
    lat = sorted(c[1] for c in C[a:b])
    # a tick the canary missed while frozen counts as the freeze: its lateness is in the long tick
    if lat:
        rows.append((lv, some, full, lat[-1] / 1000, lat[int(0.99 * (len(lat) - 1))] / 1000, len(lat)))
    i = j
with open(dat, "w") as o:
    o.write("# level(workset_mb:threads) some_pct full_pct worst_ms p99_ms ticks (2 s windows, %s MB limit)\n" % limit)
    for r in rows:
        o.write("%s %.1f %.1f %.1f %.1f %d\n" % r)
print("| \"full\" stall over 2 s | windows | canary's worst 10 ms tick (median of windows) | its 99th percentile (median) | windows with a tick over 100 ms | over 1 s |")
print("|---|---:|---:|---:|---:|---:|")
for lo in range(0, 100, 10):
    sel = [r for r in rows if lo <= r[2] < lo + 10]
    if not sel:
        continue
    med = lambda v: sorted(v)[len(v) // 2]
    print("| %d-%d %% | %d | %.0f ms | %.0f ms | %d | %d |" % (lo, lo + 10, len(sel), med([r[3] for r in sel]),
          med([r[4] for r in sel]), sum(r[3] > 100 for r in sel), sum(r[3] > 1000 for r in sel)))
print()
print("| level (MB touched at random in %s MB : threads) | windows | \"some\" (median) | \"full\" (median) | worst tick (median) |" % limit)
print("|---|---:|---:|---:|---:|")
seen = []
for r in rows:
    if r[0] not in seen:
        seen.append(r[0])
for lv in seen:
    sel = [r for r in rows if r[0] == lv]
    med = lambda v: sorted(v)[len(v) // 2]
    print("| %s | %d | %.1f %% | %.1f %% | %.0f ms |" % (lv, len(sel), med([r[1] for r in sel]), med([r[2] for r in sel]), med([r[3] for r in sel])))
PY
rm -f /var/tmp/reapd-bench-stall.canary
