# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario "stuck victim", pure cgroup2, no swap: the v2 freezer lets a SIGKILL through (checked
# here), so the victim is kept in D state another way: it fills 200 MB, then reads a
# device-mapper zero device with O_DIRECT while the device is suspended (dmsetup suspend), and
# waits in the block layer, uninterruptibly, until it is resumed. A slice with MemoryMax=480M
# holds it, a 30 MB bystander and a grower (16 MB every 100 ms, up to 300 MB). reapd (Cgroup=
# the slice, MinAvailable=20%) acts when the grower is still smaller than the victim, so it
# kills the victim, and must get its memory back through process_mrelease while the victim is
# still stuck: its cgroup's memory.current drops while it is in state D with the SIGKILL
# pending, and the record says RELEASED_BY=process_mrelease. Resumed, the victim dies.
# Left alone (or to a killer that does not watch the slice's headroom), the grower runs into
# the limit and the kernel's memcg OOM killer picks the grower, by then the biggest.
SLICE=vtstuck.slice
CG=/$SLICE
DM=vtstuck
VICTIM_MB=200
# No udev in the guest: libdevmapper makes the nodes itself instead of waiting for udev's cookie
# (dmsetup would hang).
export DM_DISABLE_UDEV=1

# dm_dev: the device node of the dm device.
dm_dev() { echo "/dev/mapper/$DM"; }

scenario_setup() {
        modprobe dm-zero || return 1
        timeout 20 dmsetup remove "$DM" 2>/dev/null || true
        timeout 20 dmsetup create "$DM" --table "0 2048 zero" || return 1
        [ -b "$(dm_dev)" ] || return 1
        # shellcheck disable=SC2046
        make_slice $SLICE MemoryMax=480M $(killer_props)
        by1=$(run_unit vt-by1 $SLICE "$BIN/hog" 30)
        timeout 20 dmsetup suspend "$DM" || return 1
        rm -f /run/vt-victim.ready
        victim=$(run_unit vt-victim $SLICE "$BIN/stuckread" $VICTIM_MB "$(dm_dev)" /run/vt-victim.ready)
        stuck() { [ -e /run/vt-victim.ready ] && [ "$(pstate "$victim")" = D ]; }
        wait_rss "$by1" 30 && wait_for 60 stuck || {
                echo "victim $victim state $(pstate "$victim"), ready file $(ls /run/vt-victim.ready 2>&1)"
                return 1
        }
        victim_rss=$(status_kb "$victim" VmRSS)
        echo "victim $victim in D state with $victim_rss kB resident"
}
reapd_conf() {
        cat <<EOF
[Monitor]
Cgroup=$CG
MinAvailable=20%
HeadroomMode=or
PressureSome=0
PressureFull=0
[Kill]
KillTimeout=5s
EOF
}
scenario_go() {
        t0=$(now_us)
        grower=$(run_unit vt-grower $SLICE "$BIN/grower" 16 100 300)
}
scenario_measure() {
        measure stuck "$KILLER" $CG 60 "$t0" "vt-victim.service vt-grower.service vt-by1.service" \
                victim="$victim" grower="$grower" by1="$by1"
}
# v2_freezer_lets_kill_through: a hog frozen with cgroup.freeze dies of a SIGKILL at once (which
# is why this scenario needs the device-mapper device to keep its victim stuck).
v2_freezer_lets_kill_through() {
        local h
        h=$(run_unit vt-frozen $SLICE "$BIN/hog" 10)
        wait_rss "$h" 10
        echo 1 >"/sys/fs/cgroup$CG/vt-frozen.service/cgroup.freeze"
        wait_for 5 grep -qx 'frozen 1' "/sys/fs/cgroup$CG/vt-frozen.service/cgroup.events"
        kill -KILL "$h"
        wait_for 5 eval '! alive "$h"'
}
scenario_check() {
        local rec cur_kb victim_cg=$CG/vt-victim.service
        cur_kb=$(($(cg_read $victim_cg memory.current) >> 10))
        check "the victim's memory came back while it was stuck: $victim_cg memory.current $cur_kb kB" \
                "it had $victim_rss kB resident; memory back $M_BACK_MS ms after the kill" \
                eval '[ "$M_BACK_MS" -ge 0 ] && [ "$cur_kb" -lt $((victim_rss / 5)) ]'
        check "the victim is still in D state with the SIGKILL pending" \
                "state $(pstate "$victim"), pending $(kill_pending "$victim" && echo yes || echo no)" \
                eval '[ "$(pstate "$victim")" = D ] && kill_pending "$victim"'
        check "the grower and the bystander live" "grower $(pstate "$grower"), by1 $(pstate "$by1")" \
                eval 'alive "$grower" && alive "$by1"'
        check_no_oom_kill $CG
        rec=$(one_record)
        check_record "$rec" VICTIM_PID="$victim" VICTIM_COMM=stuckread VICTIM_CGROUP=$victim_cg TRIGGER=memory \
                RESULT=killed RELEASED_BY=process_mrelease "RELEASED_KB>=$((VICTIM_MB * 1024 * 8 / 10))"
        timeout 20 dmsetup resume "$DM"
        check "resumed, the victim dies of its pending SIGKILL" "state $(pstate "$victim")" \
                wait_for 10 eval '! alive "$victim"'
        check "pure cgroup2: the v2 freezer lets a SIGKILL through (a frozen hog dies)" \
                "$(pstate "$(prop vt-frozen.service MainPID)")" v2_freezer_lets_kill_through
}
scenario_cleanup() {
        timeout 20 dmsetup resume "$DM" 2>/dev/null || true
        drop_slice $SLICE
        timeout 20 dmsetup remove "$DM" 2>/dev/null || true
}
