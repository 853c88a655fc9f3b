# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "kill units" (reapd only): a slice with MemoryMax=768M and no swap, and reapd with
# MinAvailable=60%, so it acts as soon as it starts.
# - KillUnit=cgroup: vt-ua.service (a 300 MB hog, a 20 MB hog and a 10 MB hog at oom_score_adj
#   -1000) and vt-ub.service (100 MB). The victim is the 300 MB hog; its whole cgroup dies
#   through cgroup.kill (pure cgroup2 has it), the -1000 hog too, which only cgroup.kill kills
#   (a kill pid by pid spares it, reapd.conf(5)); vt-ub lives; the record says KILL_UNIT=cgroup.
# - KillUnit=process-group: vt-pg.service, whose main process (a session and group leader, as
#   systemd makes every service's) runs two 20 MB hogs in its group and a 300 MB hog, plus a
#   50 MB hog in a group of its own (setsid) in the same cgroup. The victim's group dies, the
#   other group in the same cgroup lives; KILL_UNIT=process-group, KILLED_COUNT=3.
SLICE=vtunits.slice
CG=/$SLICE

scenario_setup() {
        make_slice $SLICE MemoryMax=768M
        if [ "$KILLER" = reapd-cgroup ]; then
                ua=$(run_unit vt-ua $SLICE /bin/bash -c '"$0" 20 &
                        (echo -1000 >/proc/self/oom_score_adj && exec "$0" 10) & exec "$0" 300' "$BIN/hog")
                ub=$(run_unit vt-ub $SLICE "$BIN/hog" 100)
                wait_rss "$ua" 300 && wait_rss "$ub" 100 || return 1
                has3() { [ "$(grep -c . "/sys/fs/cgroup$CG/vt-ua.service/cgroup.procs")" -ge 3 ]; }
                wait_for 20 has3 || return 1
                sleep 1
                mapfile -t UA < <(cat "/sys/fs/cgroup$CG/vt-ua.service/cgroup.procs")
                echo "vt-ua: ${UA[*]}; vt-ub: $ub"
        else
                pg=$(run_unit vt-pg $SLICE /bin/bash -c 'setsid "$0" 50 & "$0" 20 & "$0" 20 & exec "$0" 300' "$BIN/hog")
                wait_rss "$pg" 300 || return 1
                has4() { [ "$(grep -c . "/sys/fs/cgroup$CG/vt-pg.service/cgroup.procs")" -ge 4 ]; }
                wait_for 20 has4 || return 1
                sleep 1
                PG=() OTHER=()
                local p
                for p in $(cat "/sys/fs/cgroup$CG/vt-pg.service/cgroup.procs"); do
                        if [ "$(ps -o pgid= -p "$p" | tr -d ' ')" = "$pg" ]; then PG+=("$p"); else OTHER+=("$p"); fi
                done
                echo "vt-pg: group $pg: ${PG[*]}; other group: ${OTHER[*]}"
                [ "${#PG[@]}" = 3 ] && [ "${#OTHER[@]}" = 1 ] || return 1
        fi
}
reapd_conf() {
        cat <<EOF
[Monitor]
Cgroup=$CG
MinAvailable=60%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillUnit=${KILLER#reapd-}
EOF
}
scenario_go() { t0=$(now_us); }
scenario_measure() { :; }
all_dead() { local p; for p in "$@"; do alive "$p" && return 1; done; return 0; }
scenario_check() {
        local rec n
        if [ "$KILLER" = reapd-cgroup ]; then
                check "KillUnit=cgroup: all of vt-ua.service died, the oom_score_adj -1000 hog too: cgroup.kill (${UA[*]})" "$(for p in "${UA[@]}"; do echo "$p $(pstate "$p")"; done)" \
                        wait_for 15 all_dead "${UA[@]}"
                check "KillUnit=cgroup: vt-ua.service's cgroup is empty" "$(cat "/sys/fs/cgroup$CG/vt-ua.service/cgroup.procs" 2>&1)" \
                        eval '! grep -q . "/sys/fs/cgroup$CG/vt-ua.service/cgroup.procs" 2>/dev/null'
                sleep 2
                check "KillUnit=cgroup: vt-ub.service lives" "$(unit_result vt-ub.service)" alive "$ub"
                rec=$(wait_records 1)
                n=$(grep -c . <<<"$rec")
                check "KillUnit=cgroup: exactly one kill record" "$n records" [ "$n" = 1 ]
                rec=$(head -n 1 <<<"$rec")
                record_figures "$rec"
                check_record "$rec" KILL_UNIT=cgroup VICTIM_CGROUP=$CG/vt-ua.service RESULT=killed \
                        'KILLED_COUNT>=2' 'RELEASED_KB>=250000'
        else
                check "KillUnit=process-group: the victim's group died (${PG[*]})" "$(for p in "${PG[@]}"; do echo "$p $(pstate "$p")"; done)" \
                        wait_for 15 all_dead "${PG[@]}"
                sleep 2
                check "KillUnit=process-group: the other group in the same cgroup lives (${OTHER[*]})" \
                        "$(pstate "${OTHER[0]}")" alive "${OTHER[0]}"
                rec=$(wait_records 1)
                n=$(grep -c . <<<"$rec")
                check "KillUnit=process-group: exactly one kill record" "$n records" [ "$n" = 1 ]
                rec=$(head -n 1 <<<"$rec")
                record_figures "$rec"
                check_record "$rec" KILL_UNIT=process-group KILLED_COUNT=3 VICTIM_CGROUP=$CG/vt-pg.service RESULT=killed \
                        'RELEASED_KB>=250000'
        fi
}
scenario_cleanup() { drop_slice $SLICE; }
