# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - helpers for the VM tier's guest scripts (sourced by main.sh, which sources the
# scenarios). Results go to fd 3 (the second serial port, read by the host as TAP); everything
# else a scenario prints goes to its log under $OUT.
#
# Workloads run as transient units (systemd-run) in slices made here (/run/systemd/system), so
# "what died" is a process and a unit, as a user would see it. Every scenario cleans up after
# itself: its slice stopped, swap off, device-mapper devices resumed and removed, reapd's
# drop-in gone.

VT=/var/lib/vmtest/guest
BIN=$VT/bin
OUT=/var/tmp/vmtest
MID_KILL=0d34ba080ff344199e41f36a4bb9b436
DROPIN=/etc/reapd.conf.d/50-vmtest.conf
SCEN=main
failures=0

ok() { echo "ok - [$SCEN] $1" >&3; }
notok() {
        echo "not ok - [$SCEN] $1" >&3
        failures=$((failures + 1))
        shift
        local l
        for l in "$@"; do
                printf '%s\n' "$l" | sed 's/^/#   /' >&3
        done
}
diag() { printf '%s\n' "$*" | sed "s|^|# [$SCEN] |" >&3; }
# check DESC DETAIL CMD...: ok if CMD succeeds, else not ok with DETAIL.
check() {
        local desc=$1 detail=$2
        shift 2
        if "$@"; then ok "$desc"; else notok "$desc" "$detail"; fi
}
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or time runs out.
wait_for() {
        local end=$((SECONDS + $1))
        shift
        until "$@"; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.1
        done
}
now_us() { local t=$EPOCHREALTIME; echo $((10#${t/./})); }
prop() { systemctl show -p "$2" --value "$1"; }

# --- processes -----------------------------------------------------------------------------------
# pstate PID: the state letter of PID (R, S, D, Z...), "gone" when it no longer exists.
pstate() {
        local s
        { read -r s <"/proc/$1/stat"; } 2>/dev/null || {
                echo gone
                return
        }
        s=${s##*) }
        echo "${s%% *}"
}
alive() { case $(pstate "$1") in gone | Z | X) return 1 ;; esac; }
# status_kb PID FIELD: a kB field of /proc/PID/status (VmRSS, VmSwap), 0 when gone.
status_kb() {
        local k v _
        while read -r k v _; do
                [ "$k" = "$2:" ] && {
                        echo "$v"
                        return
                }
        done 2>/dev/null <"/proc/$1/status"
        echo 0
}
# kill_pending PID: a SIGKILL is pending for PID (sent, not yet acted on: the stuck victim).
kill_pending() {
        local k v _
        while read -r k v _; do
                case $k in ShdPnd: | SigPnd:) (((16#$v >> 8) & 1)) && return 0 ;; esac
        done 2>/dev/null <"/proc/$1/status"
        return 1
}

# --- cgroups and units -----------------------------------------------------------------------------
cg_read() { local v; { read -r v <"/sys/fs/cgroup$1/$2"; } 2>/dev/null && echo "$v"; }
# cg_key CGROUP FILE KEY: "KEY VALUE" lines (memory.events, memory.stat).
cg_key() { awk -v k="$3" '$1 == k { print $2 }' "/sys/fs/cgroup$1/$2" 2>/dev/null; }
# cg_total CGROUP LEVEL: the stall total (us) of memory.pressure's "some" or "full" line.
cg_total() {
        local l a b c tot
        while read -r l a b c tot; do
                [ "$l" = "$2" ] && {
                        echo "${tot#total=}"
                        return
                }
        done <"/sys/fs/cgroup$1/memory.pressure"
        echo 0
}

# make_slice NAME KEY=VALUE...: a slice unit with these [Slice] settings, loaded and started.
make_slice() {
        local name=$1 kv
        shift
        {
                echo "[Slice]"
                for kv in "$@"; do echo "$kv"; done
        } >"/run/systemd/system/$name"
        systemctl daemon-reload
        systemctl start "$name"
}
# drop_slice NAME: stop everything in it and forget it.
drop_slice() {
        timeout 30 systemctl stop "$1" 2>/dev/null || systemctl kill -s SIGKILL "$1" 2>/dev/null || true
        rm -f "/run/systemd/system/$1"
        systemctl daemon-reload
        systemctl reset-failed 2>/dev/null || true
}
# run_unit NAME SLICE CMD...: start CMD as NAME.service in SLICE; prints its MainPID.
run_unit() {
        local name=$1 slice=$2
        shift 2
        systemctl reset-failed "$name.service" 2>/dev/null || true
        systemd-run --quiet --unit="$name" --slice="$slice" -p TimeoutStopSec=10 "$@"
        local pid
        pid=$(prop "$name.service" MainPID)
        [ "$pid" != 0 ] || echo "run_unit: $name.service has no main process: $(unit_result "$name.service")" >&2
        echo "$pid"
}
# unit_result NAME: ActiveState/Result of a unit, e.g. "failed/signal" or "failed/oom-kill".
unit_result() { echo "$(prop "$1" ActiveState)/$(prop "$1" Result)"; }
# wait_rss PID MB: until PID has MB resident (or swapped), at most 60 s.
wait_rss() {
        [ "$1" != 0 ] && [ -d "/proc/$1" ] || return 1
        local want=$(($2 * 1024 * 9 / 10))
        rss_ready() { [ $(($(status_kb "$1" VmRSS) + $(status_kb "$1" VmSwap))) -ge "$2" ]; }
        wait_for 60 rss_ready "$1" "$want"
}

# --- reapd -------------------------------------------------------------------------------------
# reapd_configure: the drop-in from stdin, then a restart of reapd.service; waits for its
# "monitoring" line. Sets REAPD_SINCE (realtime us) and REAPD_PID.
reapd_configure() {
        mkdir -p "${DROPIN%/*}"
        cat >"$DROPIN"
        REAPD_SINCE=$(now_us)
        timeout 30 systemctl restart reapd.service || true
        wait_for 30 reapd_says 'monitoring' || notok "reapd.service restarted and monitoring" \
                "$(systemctl status --no-pager reapd.service 2>&1 | tail -n 8)"
        REAPD_PID=$(prop reapd.service MainPID)
}
reapd_stop() {
        rm -f "$DROPIN"
        timeout 30 systemctl stop reapd.service || true
}
# reapd_messages: reapd's log lines since REAPD_SINCE.
reapd_messages() {
        journalctl -q -o json --no-pager _SYSTEMD_UNIT=reapd.service |
                jq -r --argjson t "$REAPD_SINCE" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t) | .MESSAGE |
                        if type == "array" then implode else . end'
}
reapd_says() { reapd_messages | grep -Eq "$1"; }
# kill_records: reapd's kill records (journalctl -o json MESSAGE_ID=...) since REAPD_SINCE.
kill_records() {
        journalctl -q -o json --no-pager MESSAGE_ID=$MID_KILL |
                jq -c --argjson t "$REAPD_SINCE" 'select((.__REALTIME_TIMESTAMP | tonumber) >= $t)'
}
# wait_records COUNT: until reapd wrote COUNT kill records (at most 10 s); prints them.
wait_records() {
        have_records() { [ "$(kill_records | grep -c .)" -ge "$1" ]; }
        wait_for 10 have_records "$1" || true
        kill_records
}
# one_record [PREFIX]: waits for reapd's kill records, checks there is exactly one, shows its
# figures, prints it (the first, if there are more). PREFIX starts the check's description.
one_record() {
        local rec n
        rec=$(wait_records 1)
        n=$(grep -c . <<<"$rec")
        check "${1:-}exactly one kill record (journalctl -o json MESSAGE_ID=$MID_KILL)" "$n records" [ "$n" = 1 ]
        rec=$(head -n 1 <<<"$rec")
        record_figures "$rec"
        printf '%s\n' "$rec"
}
# check_no_oom_kill CGROUP: the kernel's memcg OOM killer never fired in CGROUP or below.
check_no_oom_kill() {
        local k
        k=$(cg_key "$1" memory.events oom_kill)
        check "the kernel's memcg OOM killer never fired in $1 (memory.events oom_kill = 0)" "oom_kill $k" [ "$k" = 0 ]
}
# field JSON KEY: one field of a record.
field() { jq -r --arg k "$2" '.[$k] // empty' <<<"$1"; }
# check_record REC KEY=VALUE...: one check per expectation; KEY>=N for numbers.
check_record() {
        local rec=$1 e k v got
        shift
        for e in "$@"; do
                case $e in
                *'>='*)
                        k=${e%%>=*} v=${e#*>=} got=$(field "$rec" "$k")
                        check "record $k=$got >= $v" "$(field "$rec" MESSAGE)" [ "${got:-0}" -ge "$v" ]
                        ;;
                *)
                        k=${e%%=*} v=${e#*=} got=$(field "$rec" "$k")
                        check "record $k=$v" "got '$got'; $(field "$rec" MESSAGE)" [ "$got" = "$v" ]
                        ;;
                esac
        done
}
# record_figures REC: the timing fields as a diagnostic.
record_figures() {
        diag "record: $(field "$1" MESSAGE)"
        diag "KILL_USEC=$(field "$1" KILL_USEC) RELEASE_USEC=$(field "$1" RELEASE_USEC) EXIT_USEC=$(field "$1" EXIT_USEC)" \
                "RELEASED_KB=$(field "$1" RELEASED_KB) RELEASED_BY=$(field "$1" RELEASED_BY) TRIGGER=$(field "$1" TRIGGER)"
}

# --- swap ------------------------------------------------------------------------------------------
# zram_on SIZE: a zram swap device as on Fedora desktops (zram-generator's lzo-rle, priority 100).
zram_on() {
        modprobe zram num_devices=1 2>/dev/null || true
        ZRAM_DEV=$(zramctl --find --size "$1" --algorithm lzo-rle) || return 1
        mkswap -q "$ZRAM_DEV" && swapon -p 100 "$ZRAM_DEV"
}
zram_off() {
        [ -z "${ZRAM_DEV:-}" ] && return 0
        swapoff "$ZRAM_DEV" 2>/dev/null || true
        zramctl --reset "$ZRAM_DEV" 2>/dev/null || true
        ZRAM_DEV=
}
# swapfile_on SIZE: a swap file on the root file system (a virtio disk), as on a server.
SWAPFILE=/var/swapfile
swapfile_on() {
        fallocate -l "$1" "$SWAPFILE" && chmod 600 "$SWAPFILE" && mkswap -q "$SWAPFILE" && swapon "$SWAPFILE"
}
swapfile_off() {
        swapoff "$SWAPFILE" 2>/dev/null || true
        rm -f "$SWAPFILE"
}
