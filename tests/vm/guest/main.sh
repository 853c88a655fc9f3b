#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# main.sh - the VM tier inside the guest, run by vmtest.service from the host's payload: install
# reapd as a package would (files, daemon-reload, enable --now), check the guest is what the
# tier promises (pure cgroup2, systemd, every capability, PSI), run each scenario under reapd
# and the peers (case.sh, each with a hard timeout), then hand the logs back on /dev/vdc and
# end with "# done". Results go to the second serial port (fd 3), a line each.
set -uo pipefail
exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null || true
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/env"
mkdir -p "$OUT"
exec >>"$OUT/main.log" 2>&1
SCEN=guest

# --- the guest --------------------------------------------------------------------------------
diag "kernel $(uname -r) ($(cut -d' ' -f1 /proc/uptime) s up), $(systemctl --version | head -n 1)," \
        "$(nproc) CPUs, MemTotal $(awk '/^MemTotal/ { print $2 }' /proc/meminfo) kB, earlyoom $(earlyoom -v 2>&1 | head -n 1)"
check "pure cgroup2 at /sys/fs/cgroup with the memory controller" "$(stat -fc %T /sys/fs/cgroup): $(cat /sys/fs/cgroup/cgroup.controllers)" \
        eval '[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers'
check "systemd is PID 1" "$(cat /proc/1/comm)" [ "$(cat /proc/1/comm)" = systemd ]
check "every capability, CAP_SYS_RESOURCE included" "$(grep CapEff /proc/self/status)" \
        eval '[ $((16#$(sed -n "s/^CapEff:\t//p" /proc/self/status) >> 24 & 1)) = 1 ]'
check "PSI is on without psi=1 on the command line ($(cat /proc/cmdline))" "" \
        eval '[ -r /proc/pressure/memory ] && head -n 1 /proc/pressure/memory | grep -q "^some"'

# --- reapd, installed as a package installs it ------------------------------------------------------
# --keep-directory-symlink: /lib is a symlink to usr/lib on Debian 12, as dpkg keeps it.
tar -C "$here/../destdir" -cf - . | tar -C / -xf - --keep-directory-symlink
systemctl daemon-reload
timeout 60 systemctl enable --now reapd.service
check "reapd.service installed, enabled and active" "$(systemctl status --no-pager reapd.service 2>&1 | tail -n 10)" \
        [ "$(prop reapd.service ActiveState)" = active ]
diag "$(reapd --version 2>&1 | head -n 1); ExecStart=$(prop reapd.service ExecStart | sed 's/ ; .*//')"

# --- scenarios ------------------------------------------------------------------------------------
# guest_reset: whatever a case that timed out may have left: its units and slices, swap,
# device-mapper devices (resumed first), drop-ins, the user's apps.
guest_reset() {
        local u
        for u in $(systemctl list-units --plain --no-legend --all 'vt*' | awk '{ print $1 }'); do
                timeout 20 systemctl stop "$u" 2>/dev/null || systemctl kill -s SIGKILL "$u" 2>/dev/null
        done
        rm -f /run/systemd/system/vt*.slice /run/systemd/system/reapd.service.d/50-vmtest-*.conf "$DROPIN" \
                /etc/systemd/oomd.conf.d/50-vmtest.conf
        for u in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^vt/ { print $1 }'); do
                DM_DISABLE_UDEV=1 timeout 20 dmsetup resume "$u"
                DM_DISABLE_UDEV=1 timeout 20 dmsetup remove "$u"
        done
        swapoff -a 2>/dev/null
        for u in /dev/zram*; do [ -b "$u" ] && zramctl --reset "$u" 2>/dev/null; done
        rm -f "$SWAPFILE"
        systemctl daemon-reload
        systemctl reset-failed 2>/dev/null
        return 0
}
# case_run SCENARIO KILLER TIMEOUT_S
case_run() {
        local rc=0
        timeout -k 10 "$3" bash "$here/case.sh" "$1" "$2" >>"$OUT/$1-$2.log" 2>&1 || rc=$?
        [ "$rc" = 0 ] || {
                SCEN="$1/$2"
                notok "ran to the end" "exit code $rc$([ "$rc" = 124 ] && echo ", timed out after $3 s"); log:" \
                        "$(tail -n 15 "$OUT/$1-$2.log")"
                guest_reset
        }
}
# Every scenario under each killer of its list: the peer workloads under reapd and the peers,
# the reapd-only ones under reapd alone. VMTEST_SCENARIOS and VMTEST_KILLERS (from the host's
# REAPD_VM_SCENARIOS and REAPD_VM_KILLERS) pick a subset.
for s in ${VMTEST_SCENARIOS:-self runaway stuck thrash desktop killunits}; do
        case $s in
        self) ks=reapd t=240 ;;
        killunits) ks="reapd-cgroup reapd-process-group" t=240 ;;
        *) ks=${VMTEST_KILLERS:-reapd oomd-tuned oomd-default earlyoom} t=240 ;;
        esac
        for k in $ks; do
                case_run "$s" "$k" "$t"
        done
done

# --- logs back to the host ------------------------------------------------------------------------
SCEN=guest
timeout 60 systemctl stop reapd.service earlyoom.service systemd-oomd.service 2>/dev/null || true
journalctl -q --no-pager -o short-monotonic -u reapd.service -u systemd-oomd.service -u earlyoom.service \
        -u 'vt-*' -u user@1000.service >"$OUT/journal-killers.txt" 2>&1 || true
journalctl -q --no-pager -o json MESSAGE_ID=$MID_KILL >"$OUT/kill-records.json" 2>&1 || true
journalctl -q --no-pager -k -o short-monotonic >"$OUT/kernel.txt" 2>&1 || true
journalctl -q --no-pager -o short-monotonic >"$OUT/journal.txt" 2>&1 || true
diag "main.sh done after $(cut -d' ' -f1 /proc/uptime) s of uptime"
tar -cf /dev/vdc -C "$OUT" . && sync
echo "# done" >&3
