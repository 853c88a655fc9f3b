# SPDX-License-Identifier: GPL-2.0-or-later
# measure.sh - one row of the peer table: watch a workload under one killer and say what died,
# when, when its memory was back, and how much stall the cgroup accumulated. Sourced after
# lib.sh. The sampling loop forks nothing (bash builtins only): under emulation a fork costs
# milliseconds, and the loop must keep its 100 ms pace while the guest is busy.

# _state PID: REPLY = the state letter of PID, or "gone".
_state() {
        local s
        if { read -r s <"/proc/$1/stat"; } 2>/dev/null; then
                s=${s##*) }
                REPLY=${s%% *}
        else
                REPLY=gone
        fi
}
# _status PID: REPLY_RSS (kB) and REPLY_KILL (1 if a SIGKILL is pending) from /proc/PID/status.
_status() {
        local k v _
        REPLY_RSS=0 REPLY_KILL=0
        while read -r k v _; do
                case $k in
                VmRSS:) REPLY_RSS=$v ;;
                ShdPnd: | SigPnd:) (((16#$v >> 8) & 1)) && REPLY_KILL=1 ;;
                esac
        done 2>/dev/null <"/proc/$1/status"
}
# _pressure CG: REPLY_SOME and REPLY_FULL, the stall totals (us) of CG's memory.pressure.
_pressure() {
        local l a b c tot
        REPLY_SOME=0 REPLY_FULL=0
        while read -r l a b c tot; do
                case $l in
                some) REPLY_SOME=${tot#total=} ;;
                full) REPLY_FULL=${tot#total=} ;;
                esac
        done <"/sys/fs/cgroup$1/memory.pressure"
}

# measure SCENARIO KILLER CGROUP MAX_S T0_US UNITS NAME=PID...: sample every 100 ms from now
# until MAX_S after T0_US (the start of the workload), until the memory is back after the first
# kill (or 5 s after it if it does not come back), or until every tracked process is gone. A
# process counts as killed when it is gone or has a SIGKILL pending (a victim stuck in D state
# cannot die yet). "Memory back" is the first sample where CGROUP's memory.current fell by 80 %
# of what the killed processes had resident just before. UNITS: space-separated unit names whose
# end state goes in the row (UNIT_RESULT names the function that reads one, default
# unit_result). Sets M_JSON (the row), M_KILL_MS (from T0_US) and M_BACK_MS (from the kill);
# -1 for never.
measure() {
        local scen=$1 killer=$2 cg=$3 max_s=$4 t0=$5 units=$6
        shift 6
        local -a names=() pids=() dead=() rss=()
        local i kv t now cur cur_before=0 rss_killed=0 t_kill=-1 t_back=-1 first_stall=-1
        local some0 full0 oom0 nalive died="" u ustates="" end
        for kv in "$@"; do
                names+=("${kv%%=*}")
                pids+=("${kv#*=}")
                dead+=(0)
                rss+=(0)
        done
        _pressure "$cg"
        some0=$REPLY_SOME full0=$REPLY_FULL
        oom0=$(cg_key "$cg" memory.events oom_kill)
        end=$((t0 + max_s * 1000000))
        while :; do
                t=${EPOCHREALTIME/./}
                t=$((10#$t))
                { read -r cur <"/sys/fs/cgroup$cg/memory.current"; } 2>/dev/null || cur=0
                nalive=0
                for i in "${!pids[@]}"; do
                        [ "${dead[i]}" = 0 ] || continue
                        _state "${pids[i]}"
                        case $REPLY in
                        gone | Z | X) dead[i]=$t ;;
                        *)
                                _status "${pids[i]}"
                                if [ "$REPLY_KILL" = 1 ]; then
                                        dead[i]=$t
                                else
                                        rss[i]=$REPLY_RSS
                                        nalive=$((nalive + 1))
                                fi
                                ;;
                        esac
                        if [ "${dead[i]}" != 0 ]; then
                                rss_killed=$((rss_killed + rss[i]))
                                [ "$t_kill" != -1 ] || t_kill=$t
                        fi
                done
                [ "$t_kill" != -1 ] || cur_before=$cur
                if [ "$first_stall" = -1 ]; then
                        _pressure "$cg"
                        [ "$REPLY_SOME" = "$some0" ] || first_stall=$t
                fi
                if [ "$t_kill" != -1 ] && [ "$t_back" = -1 ] &&
                        [ "$cur" -le $((cur_before - rss_killed * 1024 * 8 / 10)) ]; then
                        t_back=$t
                fi
                [ "$t" -lt "$end" ] || break
                [ "$nalive" -gt 0 ] || break
                if [ "$t_kill" != -1 ] && { [ "$t_back" != -1 ] || [ $((t - t_kill)) -gt 5000000 ]; }; then
                        break
                fi
                sleep 0.1
        done
        _pressure "$cg"
        for i in "${!pids[@]}"; do
                [ "${dead[i]}" = 0 ] && continue
                _state "${pids[i]}"
                case $REPLY in
                gone | Z | X) died+="${died:+, }${names[i]}" ;;
                *) died+="${died:+, }${names[i]} (SIGKILL pending, state $REPLY)" ;;
                esac
        done
        for u in $units; do
                ustates+="${ustates:+, }$u $("${UNIT_RESULT:-unit_result}" "$u")"
        done
        M_KILL_MS=$([ "$t_kill" = -1 ] && echo -1 || echo $(((t_kill - t0) / 1000)))
        M_BACK_MS=$([ "$t_back" = -1 ] && echo -1 || echo $(((t_back - t_kill) / 1000)))
        M_JSON=$(jq -cn --arg scenario "$scen" --arg killer "$killer" --arg died "${died:-nothing}" --arg units "$ustates" \
                --argjson kill_ms "$M_KILL_MS" --argjson back_ms "$M_BACK_MS" \
                --argjson stall_start_ms "$([ "$first_stall" = -1 ] && echo -1 || echo $(((first_stall - t0) / 1000)))" \
                --argjson some_ms $(((REPLY_SOME - some0) / 1000)) --argjson full_ms $(((REPLY_FULL - full0) / 1000)) \
                --argjson oom_kill $(($(cg_key "$cg" memory.events oom_kill) - oom0)) --argjson max_s "$max_s" \
                --argjson rss_killed_kb "$rss_killed" \
                '{scenario: $scenario, killer: $killer, died: $died, units: $units, kill_ms: $kill_ms,
                  back_ms: $back_ms, stall_start_ms: $stall_start_ms, some_ms: $some_ms, full_ms: $full_ms,
                  kernel_oom_kills: $oom_kill, max_s: $max_s, rss_killed_kb: $rss_killed_kb}')
}
