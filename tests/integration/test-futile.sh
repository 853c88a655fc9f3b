#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Futile kills back off (issue 13, item 3). In a 600 MB cgroup, four processes map the same
# 200 MB file of a tmpfs the test mounts (shmhog): each shows 200 MB of RSS (RssShmem), and
# killing one frees nothing, as the file (and the others) keep its pages. reapd, scoped with
# MinAvailable=80% (the 200 MB file alone keeps the cgroup under it), kills them one by one:
# every record must say FUTILE=shmem with a growing FUTILE_STREAK, and the time between kills
# must grow (2 s, 4 s, 8 s after the kill is accounted). Before this, reapd killed all four
# within about a second.
# Usage: test-futile.sh REAPD SHMHOG
set -euo pipefail
REAPD=$1 SHMHOG=$2
N=4 SIZE_MB=200 LIMIT_MB=600 WATCH_S=24
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/journal.sh"

SHM=""
# lab_cleanup, after the mappers are dead and the tmpfs they held is unmounted
futile_cleanup() {
    local rc=$? p
    for p in "${LAB_PIDS[@]}"; do lab_is_child "$p" && kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    if [ -n "$SHM" ]; then umount "$SHM" 2>/dev/null; fi
    (exit $rc)
    lab_cleanup
}
lab_init reapd-futile
trap futile_cleanup EXIT
lab_limit $((LIMIT_MB << 20))
journal_start
SHM=$LAB_DIR/shm
mkdir -p "$SHM"
mount -t tmpfs -o size=$(((SIZE_MB + 16) << 20)) reapd-futile "$SHM"

pids=()
for i in $(seq 1 $N); do
    lab_spawn -- "$SHMHOG" "$SHM/file" $SIZE_MB --ready-fd 3 3>"$LAB_DIR/r$i"
    pids+=("$LAB_LAST_PID")
    lab_wait_ready "$LAB_DIR/r$i"
done
lab_log "$N mappers of one ${SIZE_MB} MB tmpfs file: ${pids[*]}; usage $(($(lab_usage) >> 20)) MB of $LIMIT_MB"

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
Cgroup=$LAB_CG
MinAvailable=80%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=2s
CONF
reapd_start "$REAPD" "$LAB_DIR/reapd.conf"
sleep "$WATCH_S"

n=0 status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

recs=$(journalctl -o json --no-pager --output-fields=MESSAGE_ID,VICTIM_PID,RESULT,RELEASED_KB,FUTILE,FUTILE_STREAK,BACKOFF_USEC,VICTIM_SHMEM_KB \
    "MESSAGE_ID=$JOURNAL_MSGID_KILL" "_PID=$REAPD_PID" 2>/dev/null | journal_since)
nrec=$(printf '%s' "$recs" | grep -c . || true)
printf '%s\n' "$recs" | jq -r '"# kill at \(.__REALTIME_TIMESTAMP): \(.VICTIM_PID) RESULT=\(.RESULT) RELEASED_KB=\(.RELEASED_KB) VICTIM_SHMEM_KB=\(.VICTIM_SHMEM_KB // "-") FUTILE=\(.FUTILE // "-") STREAK=\(.FUTILE_STREAK // "-") BACKOFF_USEC=\(.BACKOFF_USEC // "-")"' 2>/dev/null || true
if [ "$nrec" -ge 3 ]; then ok "$nrec kills in ${WATCH_S} s"; else notok "only $nrec kills in ${WATCH_S} s"; fi
futile=$(printf '%s\n' "$recs" | jq -r 'select(.FUTILE == "shmem") | .FUTILE_STREAK' 2>/dev/null | tr '\n' ' ')
if [ "$(printf '%s\n' "$recs" | jq -r 'select(.FUTILE == "shmem")' 2>/dev/null | jq -s length)" = "$nrec" ]; then
    ok "every kill recorded FUTILE=shmem (streaks: $futile)"
else notok "not every kill recorded FUTILE=shmem (streaks: $futile)"; fi
if [ "$(echo $futile)" = "$(seq -s ' ' 1 "$nrec")" ]; then ok "FUTILE_STREAK counts up"; else notok "FUTILE_STREAK: $futile"; fi
# the gaps between kills, from the records' timestamps
gaps=$(printf '%s\n' "$recs" | jq -r '.__REALTIME_TIMESTAMP' | awk 'NR > 1 { printf "%d ", ($1 - p) / 1000 } { p = $1 }')
lab_log "gaps between kills (ms): $gaps"
set -- $gaps
if [ $# -ge 2 ] && [ "$1" -ge 1800 ] && [ "$2" -ge 3600 ] && [ "$2" -ge $(($1 * 3 / 2)) ]; then
    ok "the back-off grows: $gaps ms"
else notok "no growing back-off between kills: $gaps ms"; fi
if reapd_stop; then ok "reapd stopped cleanly on SIGTERM"; else notok "reapd exit status $?"; fi
reapd_dump_log
exit $status
