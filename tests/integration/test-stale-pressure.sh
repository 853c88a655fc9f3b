#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Pressure that is over is no reason to kill (issue 13, item 4). With a 2 GB swap file on, a
# cgroup limited to 300 MB holds a 40 MB bystander and a thrasher touching 1 GB at random. The
# test kills the thrasher itself, and 0.3 s later starts a dry-run reapd scoped to the cgroup
# that acts on pressure only (MinAvailable=0; PressureSome=10% for 2s, PressureFull=10%: lower
# than the defaults, so that any stale stall counts). The whole limit is free from then on, so
# every "Would kill" is a kill of the bystander on pressure that describes the dead thrasher: a
# trigger served from the kernel's 2 s averaging, armed after the stall, can still fire on it
# (LAB.md: 1 run in 3). RUNS runs (default 10), each watched WATCH_S s: no decision in any.
# Usage: test-stale-pressure.sh REAPD HOG THRASH
set -euo pipefail
REAPD=$1 HOG=$2 THRASH=$3
RUNS=${STALE_RUNS:-10} WATCH_S=${STALE_WATCH_S:-6} THRASH_S=3
. "$(dirname "$0")/lab.sh"

lab_init reapd-stale
lab_limit $((300 << 20))
lab_swap 2G
lab_spawn -- "$HOG" 40 --ready-fd 3 3>"$LAB_DIR/b"; bystander=$LAB_LAST_PID
lab_wait_ready "$LAB_DIR/b"
cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=0
MinSwapFree=0
PressureSome=10%
PressureDuration=2s
PressureFull=10%
[Kill]
DryRun=yes
KillTimeout=5s
CONF

n=0 status=0 decided=0 withheld=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
for run in $(seq 1 "$RUNS"); do
    rm -f "$LAB_DIR/filled"
    lab_spawn -- "$THRASH" 1000 --ready-fd 3 --threads 2 3>"$LAB_DIR/filled"; thrasher=$LAB_LAST_PID
    for _ in $(seq 1 600); do grep -q filled "$LAB_DIR/filled" 2>/dev/null && break; sleep 0.1; done
    sleep "$THRASH_S"
    kill -9 "$thrasher"; wait "$thrasher" 2>/dev/null || true
    sleep 0.3
    "$REAPD" --config "$LAB_DIR/reapd.conf" --dry-run --log-target=stderr 2>"$LAB_DIR/reapd.$run" &
    reapd=$!
    LAB_PIDS+=("$reapd")
    sleep "$WATCH_S"
    kill -TERM "$reapd"; wait "$reapd" || true
    would=$(grep -c "Would kill" "$LAB_DIR/reapd.$run" || true)
    held=$(grep -c "not killing on it" "$LAB_DIR/reapd.$run" || true)
    decided=$((decided + (would > 0 ? 1 : 0)))
    withheld=$((withheld + (held > 0 ? 1 : 0)))
    echo "# run $run: $would kill decisions; $held withheld"
    grep -E "Would kill|not killing on it" "$LAB_DIR/reapd.$run" | head -n 2 | sed 's/^/#   /'  || true
done
if [ "$decided" = 0 ]; then ok "no kill decision in $RUNS runs ($withheld runs withheld a stale one)"
else notok "a kill decision on stale pressure in $decided of $RUNS runs"; fi
if lab_alive "$bystander"; then ok "bystander alive"; else notok "bystander died"; fi
exit $status
