# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "runaway", on a server's swap: a 256 MB swap file on the root file system (a virtio
# disk), a slice with MemoryMax=300M and MemorySwapMax=100M holding two bystanders (30 and 50 MB)
# and a grower (16 MB every 100 ms, unbounded). Left alone, the grower fills the slice's memory,
# then its swap, then the kernel's memcg OOM killer fires. reapd, scoped to the slice
# (Cgroup=), acts when both memory and swap of the slice are low (HeadroomMode=and: a server
# with swap keeps working while it swaps), and must kill the grower before the kernel does:
# memory.events oom_kill of the slice stays 0, the bystanders live, and the kill record names
# the grower (TRIGGER=memory, RESULT=killed, memory released).
# Sourced by case.sh, which calls scenario_setup, reapd_conf, scenario_go, scenario_measure,
# scenario_check (reapd only) and scenario_cleanup.
SLICE=vtrunaway.slice
CG=/$SLICE

scenario_setup() {
        swapfile_on 256M || return 1
        # shellcheck disable=SC2046
        make_slice $SLICE MemoryMax=300M MemorySwapMax=100M $(killer_props)
        by1=$(run_unit vt-by1 $SLICE "$BIN/hog" 30)
        by2=$(run_unit vt-by2 $SLICE "$BIN/hog" 50)
        wait_rss "$by1" 30 && wait_rss "$by2" 50
}
reapd_conf() {
        cat <<EOF
[Monitor]
Cgroup=$CG
MinAvailable=20%
MinSwapFree=30%
HeadroomMode=and
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=5s
EOF
}
scenario_go() {
        t0=$(now_us)
        grower=$(run_unit vt-grower $SLICE "$BIN/grower" 16 100 2048)
}
scenario_measure() {
        measure runaway "$KILLER" $CG 60 "$t0" "vt-grower.service vt-by1.service vt-by2.service" \
                grower="$grower" by1="$by1" by2="$by2"
}
scenario_check() {
        local rec
        check "the grower ($grower) was killed" "$(unit_result vt-grower.service), state $(pstate "$grower")" \
                wait_for 5 eval '! alive "$grower"'
        check "vt-grower.service ended by a signal" "$(unit_result vt-grower.service)" \
                [ "$(unit_result vt-grower.service)" = failed/signal ]
        check "the bystanders live" "by1 $(pstate "$by1"), by2 $(pstate "$by2")" eval 'alive "$by1" && alive "$by2"'
        check_no_oom_kill $CG
        diag "slice at the end: memory.current $(($(cg_read $CG memory.current) >> 20)) MB," \
                "memory.swap.current $(($(cg_read $CG memory.swap.current) >> 20)) MB"
        rec=$(one_record)
        check_record "$rec" VICTIM_PID="$grower" VICTIM_COMM=grower VICTIM_CGROUP=$CG/vt-grower.service \
                TRIGGER=memory RESULT=killed 'RELEASED_KB>=51200' DRY_RUN=0
}
scenario_cleanup() {
        drop_slice $SLICE
        swapfile_off
}
