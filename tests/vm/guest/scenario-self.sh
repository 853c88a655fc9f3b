# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "self" (reapd only): how reapd.service protects and limits itself where the unit's
# capabilities are really there (this host has CAP_SYS_RESOURCE, the project's CI host does
# not). With OOMScoreAdjust= taken away by a runtime drop-in, reapd must lower its own
# oom_score_adj to -1000 itself; and its effective and bounding capabilities must be within the
# unit's CapabilityBoundingSet, with CAP_SYS_RESOURCE among them (so nothing was adapted).

# The capability numbers of linux/capability.h, for the names the unit lists.
declare -A CAPNUM=([CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_DAC_READ_SEARCH]=2 [CAP_FOWNER]=3 [CAP_FSETID]=4
        [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7 [CAP_SETPCAP]=8 [CAP_LINUX_IMMUTABLE]=9
        [CAP_NET_BIND_SERVICE]=10 [CAP_NET_BROADCAST]=11 [CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13 [CAP_IPC_LOCK]=14
        [CAP_IPC_OWNER]=15 [CAP_SYS_MODULE]=16 [CAP_SYS_RAWIO]=17 [CAP_SYS_CHROOT]=18 [CAP_SYS_PTRACE]=19
        [CAP_SYS_PACCT]=20 [CAP_SYS_ADMIN]=21 [CAP_SYS_BOOT]=22 [CAP_SYS_NICE]=23 [CAP_SYS_RESOURCE]=24
        [CAP_SYS_TIME]=25 [CAP_SYS_TTY_CONFIG]=26 [CAP_MKNOD]=27 [CAP_LEASE]=28 [CAP_AUDIT_WRITE]=29
        [CAP_AUDIT_CONTROL]=30 [CAP_SETFCAP]=31 [CAP_MAC_OVERRIDE]=32 [CAP_MAC_ADMIN]=33 [CAP_SYSLOG]=34
        [CAP_WAKE_ALARM]=35 [CAP_BLOCK_SUSPEND]=36 [CAP_AUDIT_READ]=37 [CAP_PERFMON]=38 [CAP_BPF]=39
        [CAP_CHECKPOINT_RESTORE]=40)
OVERRIDE=/run/systemd/system/reapd.service.d/50-vmtest-adj.conf

# mask_of NAMES...: the capability mask of the names, in hex.
mask_of() {
        local m=0 c
        for c in "$@"; do m=$((m | 1 << ${CAPNUM[$c]})); done
        printf '%016x' "$m"
}
cap_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

scenario_setup() {
        mkdir -p "${OVERRIDE%/*}"
        printf '[Service]\nOOMScoreAdjust=0\n' >"$OVERRIDE"
        systemctl daemon-reload
        make_slice vtself.slice
}
reapd_conf() { printf '[Monitor]\nCgroup=/vtself.slice\n'; }
scenario_go() { :; }
scenario_measure() { :; }
scenario_check() {
        local pid adj unit_mask eff bnd caps_named log
        pid=$(prop reapd.service MainPID)
        log=$(reapd_messages)
        check "the override took OOMScoreAdjust= away (OOMScoreAdjust=$(prop reapd.service OOMScoreAdjust))" "" \
                [ "$(prop reapd.service OOMScoreAdjust)" = 0 ]
        adj=$(cat "/proc/$pid/oom_score_adj")
        check "reapd lowered its own oom_score_adj to -1000 (it is $adj)" "$(grep -i oom_score_adj <<<"$log")" \
                [ "$adj" = -1000 ]
        check "reapd logged no failure to set its oom_score_adj" "$(grep -i 'oom_score_adj' <<<"$log")" \
                eval '! grep -qi "could not set own oom_score_adj" <<<"$log"'
        read -ra caps_named <<<"$(prop reapd.service CapabilityBoundingSet | tr 'a-z' 'A-Z')"
        unit_mask=$(mask_of "${caps_named[@]}")
        eff=$(cap_field "$pid" CapEff)
        bnd=$(cap_field "$pid" CapBnd)
        diag "unit CapabilityBoundingSet=${caps_named[*]} ($unit_mask); reapd CapEff=$eff CapBnd=$bnd" \
                "CapPrm=$(cap_field "$pid" CapPrm) CapAmb=$(cap_field "$pid" CapAmb)"
        check "CapEff of reapd ($eff) is within the unit's bounding set ($unit_mask)" "" \
                [ $((16#$eff & ~16#$unit_mask)) = 0 ]
        check "CapBnd of reapd ($bnd) is within the unit's bounding set" "" [ $((16#$bnd & ~16#$unit_mask)) = 0 ]
        check "reapd holds CAP_KILL, CAP_SYS_RESOURCE, CAP_SYS_PTRACE, CAP_IPC_LOCK, CAP_DAC_OVERRIDE" "CapEff=$eff" \
                [ $((16#$eff & 16#$(mask_of CAP_KILL CAP_SYS_RESOURCE CAP_SYS_PTRACE CAP_IPC_LOCK CAP_DAC_OVERRIDE))) = \
                        $((16#$(mask_of CAP_KILL CAP_SYS_RESOURCE CAP_SYS_PTRACE CAP_IPC_LOCK CAP_DAC_OVERRIDE))) ]
        check "CAP_BPF and CAP_PERFMON are dropped after start" "CapEff=$eff" \
                [ $((16#$eff & 16#$(mask_of CAP_BPF CAP_PERFMON))) = 0 ]
        # The task iterator relocates against this kernel's BTF and passes its verifier.
        check "BPF ranking loads on the guest's kernel $(uname -r)" "$(grep -i 'BPF ranking' <<<"$log")" \
                grep -q "BPF ranking in use" <<<"$log"
        if ! grep -q "BPF ranking in use" <<<"$log"; then
                # why: libbpf's warnings and the verifier's log, from a dry run on its own
                diag "$(REAPD_BPF_LOG=1 timeout 5 /usr/sbin/reapd --dry-run --log-target=stderr 2>&1 | tail -n 60)"
        fi
        check "reapd reports no missing capability (no 'adapted', 'without CAP_')" \
                "$(grep -Ei 'adapted|without CAP_|needs CAP_' <<<"$log")" \
                eval '! grep -Eqi "adapted|without CAP_|needs CAP_" <<<"$log"'
        diag "reapd: VmLck $(status_kb "$pid" VmLck) kB, VmRSS $(status_kb "$pid" VmRSS) kB;" \
                "$(grep -Ei 'bpf|rank' <<<"$log" | head -n 2 | tr '\n' ' ')"
}
scenario_cleanup() {
        drop_slice vtself.slice
        rm -f "$OVERRIDE"
        systemctl daemon-reload
}
