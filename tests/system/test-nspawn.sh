#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test: boot real systemd in a systemd-nspawn container of Debian 12 with the freshly
# built reapd installed (prefix /usr, sysconfdir /etc), and test the real reapd.service there.
#
# Usage: test-nspawn.sh SOURCE_ROOT BUILD_ROOT      (meson passes both; run as root)
#
# - The debootstrapped tree is cached in $REAPD_TEST_CACHE (default /var/cache/reapd-test) as
#   bookworm/, built in a temporary directory and renamed into place; its stamp holds the
#   package list, so a changed list (e.g. reapd linking a new library) rebuilds it.
# - Each run copies the cache (cp -a --reflink=auto) so the cache stays pristine, installs reapd
#   with meson install --destdir from a private build (BUILD_ROOT/systemtest-usr), adds
#   reapd-systemtest.service + check.sh, and boots with systemd-nspawn -b, with its own network
#   namespace (so PrivateNetwork= can set up lo) and CAP_IPC_LOCK (which this host has and
#   nspawn drops by default; CAP_SYS_RESOURCE is missing on the host, so inside as well), and
#   process_mrelease added to nspawn's own seccomp allow-list (systemd 252's nspawn does not
#   know it and returns EPERM, which is nspawn's limit, not reapd.service's). check.sh runs the
#   checks inside and powers off; this script reads its results, validates the kill records and
#   reapctl's JSON with killrecord.py, and prints everything as TAP (one line per check).
# - It boots once per cgroup layout in $REAPD_SYSTEMTEST_MODES (default "hybrid unified"):
#   hybrid is what this host gives a container, unified is SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1.
# - Artifacts (check log, results, the container's reapd journal) are copied to
#   BUILD_ROOT/meson-logs/systemtest-MODE/. REAPD_SYSTEMTEST_KEEP=1 keeps the container tree.
set -euo pipefail

if [ $# -ne 2 ]; then
        echo "usage: $0 SOURCE_ROOT BUILD_ROOT" >&2
        exit 2
fi
src=$(realpath "$1")
build=$(realpath "$2")
here=$src/tests/system
. "$here/lib.sh"
cache=${REAPD_TEST_CACHE:-/var/cache/reapd-test}
modes=${REAPD_SYSTEMTEST_MODES:-hybrid unified}
boot_timeout=${REAPD_SYSTEMTEST_TIMEOUT:-180}
suite=$DEBIAN_SUITE

if [ "$(id -u)" -ne 0 ]; then
        echo "1..0 # SKIP needs root (debootstrap, systemd-nspawn)"
        exit 0
fi
for tool in systemd-nspawn debootstrap systemctl journalctl meson flock python3; do
        if ! command -v "$tool" >/dev/null; then
                notok "$tool is installed" "run tools/install-deps.sh test"
                echo "1..$n"
                exit 1
        fi
done

# --- Cleanup: the container's process group, temporary trees; never the cache ------------------
work_dirs=()
nspawn_pid=
new=
cleanup() {
        local rc=$?
        if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
                kill -TERM -- "-$nspawn_pid" 2>/dev/null || true
                for _ in $(seq 50); do
                        kill -0 "$nspawn_pid" 2>/dev/null || break
                        sleep 0.2
                done
                kill -KILL -- "-$nspawn_pid" 2>/dev/null || true
                wait "$nspawn_pid" 2>/dev/null || true
        fi
        local d
        for d in "${work_dirs[@]}"; do
                if [ "${REAPD_SYSTEMTEST_KEEP:-0}" = 1 ]; then
                        echo "# kept $d" >&2
                else
                        rm -rf --one-file-system "$d"
                fi
        done
        [ -z "$new" ] || rm -rf --one-file-system "$new"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t_all=$(date +%s)
work=$(mktemp -d /var/tmp/reapd-systemtest.XXXXXX)
work_dirs+=("$work")

# --- 1. Private build with the install layout of a distribution package --------------------------
pbuild=$build/systemtest-usr
private_build "$src" "$pbuild" "$work" || bail

# --- 2. The cached Debian tree -----------------------------------------------------------------
debian_tree "$cache" "$pbuild" "$work" || bail

# --- 3. One container per cgroup layout -------------------------------------------------------
# field FILE KEY: KEY=VALUE from an env-style file.
field() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }

run_mode() {
        local mode=$1 w root rc t out logs
        w=$(mktemp -d /var/tmp/reapd-systemtest-"$mode".XXXXXX)
        work_dirs+=("$w")
        root=$w/root
        out=$root/var/tmp/systemtest
        logs=$build/meson-logs/systemtest-$mode
        rm -rf "$logs"
        mkdir -p "$logs"

        t=$(date +%s)
        exec 9>"$cache/.lock"
        flock -s -w 900 9 # no rebuild of the cache while we copy it
        cp -a --reflink=auto "$cache/$suite" "$root"
        exec 9>&-
        comment "[$mode] copied the tree in $(elapsed "$t")"

        if run_logged "$logs/install.log" meson install -C "$pbuild" --no-rebuild --destdir "$root"; then
                ok "[$mode] meson install --destdir into the container tree"
        else
                notok "[$mode] meson install --destdir into the container tree"
        fi
        install -D -m 644 "$here/reapd-systemtest.service" "$root/etc/systemd/system/reapd-systemtest.service"
        install -D -m 755 "$here/check.sh" "$root/usr/local/lib/reapd-systemtest/check.sh"
        mkdir -p "$root/var/log/journal"
        # The container sees the host's /proc/pressure/memory: when the host is under pressure
        # (another job's benchmark), a system-wide reapd inside would kill the container's own
        # services (seen: systemd-journald). Keep them out of reach; the hog in reapdtest.slice
        # stays a candidate, and Ignore= is a list, so the test's later drop-ins keep this.
        install -d "$root/etc/reapd.conf.d"
        printf '%s\n' '# system test: only reapdtest.slice may be killed in this container' '[Policy]' \
                'Ignore=cgroup:^/(system\.slice|init\.scope|user\.slice)(/|$)' \
                'Ignore=comm:^(systemd.*|dbus-daemon|bash|sleep|systemctl|journalctl|timeout)$' \
                >"$root/etc/reapd.conf.d/10-systemtest-protect.conf"
        rm -rf "$out"

        if run_logged "$logs/enable.log" systemctl --root="$root" enable reapd.service; then
                ok "[$mode] systemctl enable reapd.service (its [Install] section)"
        else
                notok "[$mode] systemctl enable reapd.service (its [Install] section)"
                local unit
                unit=$(find "$root/usr/lib/systemd/system" "$root/etc/systemd/system" "$root/usr/local/lib/systemd/system" \
                        -name reapd.service 2>/dev/null | head -n 1 || true)
                if [ -n "$unit" ]; then
                        mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
                        ln -sf "${unit#"$root"}" "$root/etc/systemd/system/multi-user.target.wants/reapd.service"
                        comment "[$mode] linked ${unit#"$root"} into multi-user.target.wants by hand"
                fi
        fi
        systemctl --root="$root" enable reapd-systemtest.service >/dev/null 2>&1

        # Unset, nspawn gives the container the host's layout (hybrid here: v1 controllers plus
        # cgroup2 at /sys/fs/cgroup/unified); "0" would force pure v1, which has no cgroup2 at all.
        local -a layout=()
        [ "$mode" != unified ] || layout=(SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1)
        t=$(date +%s)
        rc=0
        env "${layout[@]}" setsid timeout -k 10 "$boot_timeout" \
                systemd-nspawn --quiet --register=no --keep-unit --machine="reapdtest-$mode" \
                --private-network --capability=CAP_IPC_LOCK --system-call-filter=process_mrelease \
                -D "$root" -b --console=pipe </dev/null >"$logs/console.log" 2>&1 &
        nspawn_pid=$!
        wait "$nspawn_pid" || rc=$?
        nspawn_pid=
        if [ "$rc" = 0 ]; then
                ok "[$mode] the container booted, ran the checks and powered off ($(elapsed "$t"))"
        else
                notok "[$mode] the container booted, ran the checks and powered off" \
                        "systemd-nspawn exit code $rc$([ "$rc" = 124 ] && echo ", timed out after ${boot_timeout} s")" \
                        "$(tail -n 20 "$logs/console.log")"
        fi

        # The checks made inside.
        if [ -f "$out/result" ]; then
                local line
                while IFS= read -r line; do
                        case $line in
                        "ok - "*) ok "[$mode] ${line#ok - }" ;;
                        "not ok - "*) notok "[$mode] ${line#not ok - }" ;;
                        "# done") ;;
                        "#"*) echo "$line" ;;
                        *) comment "$line" ;;
                        esac
                done <"$out/result"
        fi
        if grep -qx '# done' "$out/result" 2>/dev/null; then
                ok "[$mode] check.sh ran to the end"
        else
                notok "[$mode] check.sh ran to the end" "$(tail -n 15 "$out/check.log" 2>/dev/null)"
        fi

        # The kill records, read from the journal files outside, and reapctl's JSON.
        local hog_pid hog_cg expect problems
        hog_pid=$(field "$out/hog.env" HOG_PID)
        hog_cg=$(field "$out/hog.env" HOG_CGROUP)
        expect=(pid="$hog_pid" comm=reapd-hog uid=0 cgroup="$hog_cg" min_rss_kb=60000)
        if [ -s "$out/record-dry-run.json" ] &&
                problems=$(python3 "$here/killrecord.py" journal "$out/record-dry-run.json" "${expect[@]}" dry_run=1); then
                ok "[$mode] the dry-run record has every field, victim = the hog"
        else
                notok "[$mode] the dry-run record has every field, victim = the hog" "${problems:-no record}"
        fi
        problems=
        if [ -s "$out/record-kill.json" ] &&
                problems=$(python3 "$here/killrecord.py" journal "$out/record-kill.json" "${expect[@]}" dry_run=0); then
                ok "[$mode] the kill record has every field, victim = the hog, memory released"
        else
                notok "[$mode] the kill record has every field, victim = the hog, memory released" "${problems:-no record}"
        fi
        problems=
        if [ -s "$out/reapctl-kills.json" ] &&
                problems=$(python3 "$here/killrecord.py" reapctl "$out/reapctl-kills.json" "${expect[@]}" dry_run=0); then
                ok "[$mode] reapctl kills --json inside lists the kill with every field"
        else
                notok "[$mode] reapctl kills --json inside lists the kill with every field" "${problems:-no output}"
        fi
        problems=
        if "$pbuild/src/reapctl" kills --json --directory="$root/var/log/journal" >"$logs/reapctl-outside.json" \
                2>"$logs/reapctl-outside.err" && [ -s "$logs/reapctl-outside.json" ] &&
                problems=$(python3 "$here/killrecord.py" reapctl "$logs/reapctl-outside.json" "${expect[@]}" dry_run=1); then
                ok "[$mode] reapctl kills --json --directory=<container journal> from outside lists the dry run"
        else
                notok "[$mode] reapctl kills --json --directory=<container journal> from outside lists the dry run" \
                        "${problems:-$(cat "$logs/reapctl-outside.err")}"
        fi

        # Keep what explains a failure.
        cp -a "$out/." "$logs/" 2>/dev/null || true
        journalctl -D "$root/var/log/journal" --no-pager -o short-monotonic -u reapd.service \
                -u reapd-systemtest.service -u reapdtest-hog.service >"$logs/journal.txt" 2>&1 || true
        journalctl -D "$root/var/log/journal" --no-pager -o json MESSAGE_ID=0d34ba080ff344199e41f36a4bb9b436 \
                >"$logs/kill-records.json" 2>&1 || true
        comment "[$mode] logs in $logs"
        if [ "${REAPD_SYSTEMTEST_KEEP:-0}" != 1 ]; then
                rm -rf --one-file-system "$w"
        fi
}

for mode in $modes; do
        case $mode in
        hybrid | unified) run_mode "$mode" ;;
        *) notok "known cgroup layout '$mode' (hybrid or unified)" ;;
        esac
done

comment "system test done in $(elapsed "$t_all"): $failed of $n checks failed"
echo "1..$n"
[ "$failed" -eq 0 ]
