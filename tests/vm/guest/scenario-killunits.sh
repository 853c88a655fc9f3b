# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "kill units" (reapd only): a slice with MemoryMax=768M and no swap, and reapd with
# MinAvailable=60%, so it acts as soon as it starts.
# - KillUnit=cgroup: vt-ua.service (Delegate=yes) keeps its main shell in sub-cgroup main and
#   runs a 300 MB hog, a 20 MB hog and a 10 MB hog at oom_score_adj -1000 in sub-cgroup work;
#   vt-ub.service holds 100 MB. The victim is the 300 MB hog; all of work dies, the -1000 hog
#   too, which only cgroup.kill kills (a kill pid by pid spares it, reapd.conf(5)), while the
#   unit's main shell lives, so it was not systemd stopping the unit; vt-ub lives; the record
#   says KILL_UNIT=cgroup, VICTIM_CGROUP=.../work, KILL_METHOD=cgroup.kill and KILLED_COUNT=3,
#   the -1000 hog counted, MEMBERS_ALIVE=0.
# - KillUnit=process-group: vt-pg.service, whose main shell starts a 50 MB hog in its own
#   group and, with setsid, a new group of a 300 MB hog and two 20 MB hogs, all in the same
#   cgroup. The victim's group dies, the shell's group in the same cgroup lives (so does the
#   unit: its main process was not in the victim's group); KILL_UNIT=process-group,
#   KILLED_COUNT=3.
SLICE=vtunits.slice
CG=/$SLICE

scenario_setup() {
        make_slice $SLICE MemoryMax=768M
        if [ "$KILLER" = reapd-cgroup ]; then
                # shellcheck disable=SC2016
                ua=$(run_unit vt-ua $SLICE -p Delegate=yes /bin/bash -c 'd=/sys/fs/cgroup$1; mkdir "$d/main" "$d/work"
                        echo $$ >"$d/main/cgroup.procs"
                        (echo $BASHPID >"$d/work/cgroup.procs"; "$0" 20 &
                         (echo -1000 >/proc/self/oom_score_adj && exec "$0" 10) & exec "$0" 300) &
                        exec sleep infinity' \
                        "$BIN/hog" "$CG/vt-ua.service")
                ub=$(run_unit vt-ub $SLICE "$BIN/hog" 100)
                has3() { [ "$(grep -c . "/sys/fs/cgroup$CG/vt-ua.service/work/cgroup.procs" 2>/dev/null)" -ge 3 ]; }
                wait_for 30 has3 || return 1
                mapfile -t UA < <(cat "/sys/fs/cgroup$CG/vt-ua.service/work/cgroup.procs")
                big() { local p; for p in "${UA[@]}"; do [ "$(status_kb "$p" VmRSS)" -lt $((290 * 1024)) ] || return 0; done; return 1; }
                wait_for 60 big && wait_rss "$ub" 100 || return 1
                echo "vt-ua: main $ua, work: ${UA[*]}; vt-ub: $ub"
        else
                # shellcheck disable=SC2016
                main=$(run_unit vt-pg $SLICE /bin/bash -c 'setsid /bin/bash -c "\"\$0\" 20 & \"\$0\" 20 & exec \"\$0\" 300" "$0" &
                        "$0" 50 & wait' "$BIN/hog")
                has5() { [ "$(grep -c . "/sys/fs/cgroup$CG/vt-pg.service/cgroup.procs")" -ge 5 ]; }
                wait_for 30 has5 || return 1
                PG=() OTHER=()
                local p leader=
                for p in $(cat "/sys/fs/cgroup$CG/vt-pg.service/cgroup.procs"); do
                        if [ "$(ps -o pgid= -p "$p" | tr -d ' ')" = "$main" ]; then
                                OTHER+=("$p")
                        else
                                PG+=("$p")
                                [ "$(ps -o pgid= -p "$p" | tr -d ' ')" != "$p" ] || leader=$p
                        fi
                done
                wait_rss "$leader" 300 || return 1
                echo "vt-pg: main $main, its group: ${OTHER[*]}; the setsid group $leader: ${PG[*]}"
                [ "${#PG[@]}" = 3 ] && [ "${#OTHER[@]}" = 2 ] || return 1
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
        local rec
        if [ "$KILLER" = reapd-cgroup ]; then
                check "KillUnit=cgroup: all of vt-ua.service/work died, the oom_score_adj -1000 hog too: cgroup.kill (${UA[*]})" \
                        "$(for p in "${UA[@]}"; do echo "$p $(pstate "$p")"; done)" wait_for 15 all_dead "${UA[@]}"
                check "KillUnit=cgroup: vt-ua.service/work is empty" "$(cat "/sys/fs/cgroup$CG/vt-ua.service/work/cgroup.procs" 2>&1)" \
                        eval '! grep -q . "/sys/fs/cgroup$CG/vt-ua.service/work/cgroup.procs" 2>/dev/null'
                check "KillUnit=cgroup: the unit's main shell ($ua, sub-cgroup main) lives, vt-ua.service active" \
                        "$(pstate "$ua"), $(unit_result vt-ua.service)" \
                        eval 'alive "$ua" && [ "$(prop vt-ua.service ActiveState)" = active ]'
                sleep 2
                check "KillUnit=cgroup: vt-ub.service lives" "$(unit_result vt-ub.service)" alive "$ub"
                rec=$(one_record "KillUnit=cgroup: ")
                # cgroup.kill takes the -1000 hog too, and the record counts it (issue 13)
                check_record "$rec" KILL_UNIT=cgroup VICTIM_CGROUP=$CG/vt-ua.service/work RESULT=killed \
                        KILLED_COUNT=3 KILL_METHOD=cgroup.kill MEMBERS_ALIVE=0 'RELEASED_KB>=250000'
        else
                check "KillUnit=process-group: the victim's group died (${PG[*]})" "$(for p in "${PG[@]}"; do echo "$p $(pstate "$p")"; done)" \
                        wait_for 15 all_dead "${PG[@]}"
                sleep 2
                check "KillUnit=process-group: the shell's group in the same cgroup lives (${OTHER[*]})" \
                        "$(for p in "${OTHER[@]}"; do echo "$p $(pstate "$p")"; done)" eval 'alive "${OTHER[0]}" && alive "${OTHER[1]}"'
                check "KillUnit=process-group: vt-pg.service is still active" "$(unit_result vt-pg.service)" \
                        [ "$(prop vt-pg.service ActiveState)" = active ]
                rec=$(one_record "KillUnit=process-group: ")
                check_record "$rec" KILL_UNIT=process-group KILLED_COUNT=3 VICTIM_CGROUP=$CG/vt-pg.service RESULT=killed \
                        KILL_METHOD=pidfd MEMBERS_FAILED=0 MEMBERS_ALIVE=0 'RELEASED_KB>=250000'
        fi
}
scenario_cleanup() { drop_slice $SLICE; }
