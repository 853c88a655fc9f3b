# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "thrash" on zram, as on a Fedora desktop: 1 GB of zram swap, a slice with
# MemoryMax=200M holding a 20 MB bystander and a thrasher that fills 400 MB and then touches
# random pages from two threads. Memory headroom cannot trigger (MinSwapFree=0 with
# HeadroomMode=and: swap never counts as low), so reapd (Cgroup= the slice) acts on the "some"
# stall alone: 10 % of a 1 s window for 3 s. A 1 s window is below the 2 s that a process
# without CAP_SYS_RESOURCE may arm: with the capability the unit grants, the trigger must be
# armed as asked (the state file's TRIGGER_SOME line without "adapted", no rounding in the log).
# The thrasher dies on PSI (TRIGGER=pressure-some), the bystander lives.
SLICE=vtthrash.slice
CG=/$SLICE

scenario_setup() {
        zram_on 1G || return 1
        # shellcheck disable=SC2046
        make_slice $SLICE MemoryMax=200M $(killer_props)
        by1=$(run_unit vt-by1 $SLICE "$BIN/hog" 20)
        wait_rss "$by1" 20
}
reapd_conf() {
        cat <<EOF
[Monitor]
Cgroup=$CG
MinAvailable=1%
MinSwapFree=0
HeadroomMode=and
PressureSome=10%
PressureFull=0
PressureWindow=1s
PressureDuration=3s
[Kill]
KillTimeout=5s
EOF
}
scenario_go() {
        t0=$(now_us)
        thrasher=$(run_unit vt-thrash $SLICE "$BIN/thrash" 400 --threads 2)
}
scenario_measure() {
        measure thrash "$KILLER" $CG 60 "$t0" "vt-thrash.service vt-by1.service" thrasher="$thrasher" by1="$by1"
}
scenario_check() {
        local rec trig
        check "the thrasher ($thrasher) was killed" "$(unit_result vt-thrash.service)" \
                wait_for 5 eval '! alive "$thrasher"'
        check "the bystander lives" "by1 $(pstate "$by1")" alive "$by1"
        trig=$(grep '^TRIGGER_SOME=' /run/reapd/state 2>/dev/null)
        check "the 1 s PSI window is armed as asked: $trig" "state file: $(cat /run/reapd/state 2>&1)" \
                [ "$trig" = "TRIGGER_SOME=100000 1000000" ]
        check "reapd rounded no PSI window (no 'adapted'/'rounded' in its log)" \
                "$(reapd_messages | grep -Ei 'adapted|rounded')" eval '! reapd_messages | grep -Eqi "adapted|rounded"'
        check_no_oom_kill $CG
        rec=$(one_record)
        check_record "$rec" VICTIM_PID="$thrasher" VICTIM_COMM=thrash VICTIM_CGROUP=$CG/vt-thrash.service \
                TRIGGER=pressure-some RESULT=killed
        diag "PRESSURE_SOME_AVG10=$(field "$rec" PRESSURE_SOME_AVG10) SWAP_KB=$(field "$rec" SWAP_KB) RSS_KB=$(field "$rec" RSS_KB)"
}
scenario_cleanup() {
        drop_slice $SLICE
        zram_off
}
