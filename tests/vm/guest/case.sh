#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# case.sh SCENARIO KILLER: one workload (scenario-SCENARIO.sh) under one OOM killer, as its own
# process so that main.sh can give it a hard timeout; the scenario's cleanup runs on any exit.
# KILLER is one of:
#   reapd         reapd.service under its real unit, with the scenario's drop-in (restart);
#   oomd-tuned    systemd-oomd, ManagedOOMMemoryPressure=kill with a 10 % limit and
#                 ManagedOOMSwap=kill on the scenario's cgroup, a 3 s pressure duration;
#   oomd-default  systemd-oomd, ManagedOOMMemoryPressure=kill and ManagedOOMSwap=kill there,
#                 everything else at its defaults (60 % for 30 s, swap 90 % used);
#   earlyoom      Debian's earlyoom.service as installed (its defaults: 10 % memory and swap).
# Only one killer runs at a time: the others are stopped first (reapd.service also conflicts
# with the other two). Writes the checks (reapd only) and one PEER row to fd 3.
set -uo pipefail
SCENARIO=$1 KILLER=$2
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/measure.sh"
. "$(dirname "$0")/scenario-$SCENARIO.sh"
SCEN="$SCENARIO/$KILLER"
OOMD_CONF=/etc/systemd/oomd.conf.d/50-vmtest.conf

# killer_props: what the scenario's cgroup gets for this killer (unit settings).
killer_props() {
        case $KILLER in
        oomd-tuned) echo ManagedOOMMemoryPressure=kill ManagedOOMMemoryPressureLimit=10% ManagedOOMSwap=kill ;;
        oomd-default) echo ManagedOOMMemoryPressure=kill ManagedOOMSwap=kill ;;
        esac
}
# killers_stop: none of the killers runs. systemd-oomd is masked unless it is the one under
# test: a unit with ManagedOOM*= settings pulls it in (user@.service has them from Debian's
# systemd-oomd package), and reapd.service conflicts with it, so the first user session would
# otherwise stop reapd (seen in this tier).
killers_stop() {
        timeout 30 systemctl stop reapd.service earlyoom.service systemd-oomd.service systemd-oomd.socket 2>/dev/null
        rm -f "$DROPIN" "$OOMD_CONF"
        case $KILLER in
        oomd-*) systemctl unmask --runtime systemd-oomd.service systemd-oomd.socket 2>/dev/null ;;
        *) systemctl mask --runtime systemd-oomd.service systemd-oomd.socket 2>/dev/null ;;
        esac
        # Before the setup: the scenario's ManagedOOM*= settings may start systemd-oomd at once.
        if [ "$KILLER" = oomd-tuned ]; then
                mkdir -p "${OOMD_CONF%/*}"
                printf '[OOM]\nDefaultMemoryPressureDurationSec=3s\n' >"$OOMD_CONF"
        fi
        return 0
}
# killer_start: start KILLER (none runs: killers_stop came before the setup); reapd gets the
# drop-in from the scenario's reapd_conf.
killer_start() {
        local unit
        case $KILLER in
        reapd*)
                reapd_configure < <(reapd_conf)
                return
                ;;
        oomd-*) unit=systemd-oomd.service ;;
        earlyoom) unit=earlyoom.service ;;
        esac
        # restart: systemd-oomd may already run, pulled in by the setup's ManagedOOM*= settings.
        timeout 30 systemctl restart "$unit" || true
        unit_active() { [ "$(prop "$1" ActiveState)" = active ]; }
        wait_for 10 unit_active "$unit" || notok "$unit is active" \
                "$(systemctl status --no-pager "$unit" 2>&1 | tail -n 5)"
}
# killer_note SINCE_US: the killer's first line about a kill since SINCE_US, for the table.
killer_note() {
        local unit re
        case $KILLER in
        reapd*) unit=reapd.service re='[Kk]illed|[Kk]illing|victim' ;;
        oomd-*) unit=systemd-oomd.service re='^Killed ' ;;
        earlyoom) unit=earlyoom.service re='SIG(TERM|KILL) to process|[Kk]ill(ed|ing) ' ;;
        esac
        journalctl -q -o json --no-pager _SYSTEMD_UNIT="$unit" |
                jq -r --argjson t "$1" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t) | .MESSAGE |
                        if type == "array" then implode else . end' | grep -E "$re" | head -n 1 | cut -c1-200
}

finish() {
        local rc=$?
        killers_stop
        scenario_cleanup
        exit $rc
}
trap finish EXIT
trap 'exit 124' TERM INT

echo "=== $SCEN at $(date -Is)"
case_start=$(now_us)
killers_stop
scenario_setup || {
        notok "setup" "see $SCENARIO-$KILLER.log"
        exit 1
}
killer_start
scenario_go
M_JSON=
scenario_measure
if [ -n "$M_JSON" ]; then
        M_JSON=$(jq -c --arg note "$(killer_note "$case_start")" '. + {note: $note}' <<<"$M_JSON")
        echo "PEER $M_JSON" >&3
        diag "$(jq -r '"died: \(.died); kill at \(.kill_ms) ms, memory back \(.back_ms) ms later; stall some \(.some_ms) ms full \(.full_ms) ms; kernel OOM kills \(.kernel_oom_kills)"' <<<"$M_JSON")"
fi
case $KILLER in reapd*) scenario_check ;; esac
exit 0
