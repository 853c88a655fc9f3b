#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench-scan.sh - CPU cost of one victim decision (scan every process, pick one), reapd vs
# earlyoom, over the same 1 000 and 10 000 sleepers.
# Usage: bench-scan.sh BUILD OUT [SECONDS]  (root; prints a markdown section, writes OUT/scan.dat)
#
# Each size gets a PID namespace with a private /proc holding only the sleepers and a 64 MB
# hog (the victim both choose), and each
# killer runs in it in turn, in dry run, with a threshold it is always under: it decides
# (scans and chooses) over and over, sends nothing. CPU time of all its threads
# (schedstat) over SECONDS, divided by the number of decisions it logged, is the cost of
# one decision, including its per-cycle overhead (reading meminfo, logging the decision).
# earlyoom: --dryrun -r 0 -M MemTotal,MemTotal -s 100,100; reapd: --dry-run, MinAvailable=100%,
# HeadroomMode=or, MinSwapFree=0, no PSI levels, KillTimeout=100ms.
set -euo pipefail
BUILD=$1 OUT=$2 SECS=${3:-10}
. "$(dirname "$0")/bench-lib.sh"
bench_init reapd-bench-scan

cat >"$LAB_DIR/reapd.conf" <<CONF
[Monitor]
MinAvailable=100%
MinSwapFree=0
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=100ms
CONF
mkdir -p "$LAB_DIR/run"

# measure NAME LOG PATTERN: CPU per decision of the process ns_run just started
measure() {
    local pid c0 c1 l0 l1 i
    pid=$(ns_last_pid)
    for i in $(seq 1 100); do [ "$(grep -c "$3" "$2" 2>/dev/null || true)" -ge 2 ] && break; sleep 0.1; done
    c0=$(proc_cpu_ns "$pid"); l0=$(grep -c "$3" "$2" || true)
    sleep "$SECS"
    c1=$(proc_cpu_ns "$pid"); l1=$(grep -c "$3" "$2" || true)
    kill -9 "$pid"
    wait "$NS_LAST" 2>/dev/null || true
    [ "$l1" -gt "$l0" ] || { head -5 "$2" >&2; echo "$1 - 0"; return; }
    bench_log "measure $1: cpu $c0 -> $c1 ns, decisions $l0 -> $l1"
    echo "$1 $(echo "($c1 - $c0) / ($l1 - $l0) / 1000" | bc -l) $((l1 - l0))"
}

: >"$OUT/scan.dat"
for n in ${SIZES:-1000 10000}; do
    ns_start
    # The victim both choose: a 64 MB hog, bigger than either killer (else earlyoom picks
    # itself and gives up). It is also PID 2, which reapd takes for kthreadd (and every
    # child of PID 2 for a kernel thread), so the sleepers must not be PID 2.
    ns_run "" -- "$HOG" 64
    ns_run "" -- "$SLEEPERS" "$n" "$LAB_DIR/ready-$n"
    wait_file "$LAB_DIR/ready-$n" ready 1200 || lab_fail "sleepers did not start"
    # what a killer there sees: init, hog, sleepers and their parent, itself (not sh and ls)
    procs=$(($(nsenter -t "$NS" -p -m -- sh -c 'ls -d /proc/[0-9]* | wc -l') - 1))
    total=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    ns_run "" -- earlyoom --dryrun -r 0 -M "$total,$total" -s 100,100 >"$LAB_DIR/eo-$n.log" 2>&1
    read -r _ eo eo_n < <(measure earlyoom "$LAB_DIR/eo-$n.log" "sending SIGKILL")
    ns_run "" -- env RUNTIME_DIRECTORY="$LAB_DIR/run" "$REAPD" --dry-run --config "$LAB_DIR/reapd.conf" \
        --log-target=stderr 2>"$LAB_DIR/reapd-$n.log"
    read -r _ rp rp_n < <(measure reapd "$LAB_DIR/reapd-$n.log" "Would kill")
    ns_kill "${NS_PIDS[-1]}"
    echo "$n $procs $rp $eo $rp_n $eo_n" >>"$OUT/scan.dat"
    bench_log "scan: $n sleepers ($procs processes): reapd $rp us/decision ($rp_n), earlyoom $eo us/decision ($eo_n)"
done

echo "| sleepers | processes in /proc | reapd CPU per decision | per process | earlyoom CPU per decision | per process | reapd / earlyoom |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
while read -r n procs rp eo rp_n eo_n; do
    printf "| %d | %d | %.2f ms (%d decisions) | %.2f µs | %.2f ms (%d decisions) | %.2f µs | %.2f |\n" "$n" "$procs" \
        "$(echo "$rp / 1000" | bc -l)" "$rp_n" "$(echo "$rp / $procs" | bc -l)" \
        "$(echo "$eo / 1000" | bc -l)" "$eo_n" "$(echo "$eo / $procs" | bc -l)" "$(echo "$rp / $eo" | bc -l)"
done <"$OUT/scan.dat"
echo
echo "CPU time (schedstat, all threads) over ${SECS} s divided by the decisions logged in that time;"
echo "both killers in dry run in the same PID namespace holding only the sleepers, one after the other."
