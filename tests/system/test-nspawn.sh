#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test: boot real systemd in a systemd-nspawn container of Debian 12 with the freshly
# built reapd installed (prefix /usr, sysconfdir /etc), and test the real reapd.service there.
#
# Usage: test-nspawn.sh SOURCE_ROOT BUILD_ROOT      (meson passes both; run as root)
#
# - The debootstrapped tree is cached in $REAPD_TEST_CACHE (default /var/cache/reapd-test), see
#   lib.sh, which test-package.sh shares.
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
modes=${REAPD_SYSTEMTEST_MODES:-hybrid unified}
# shellcheck source=lib.sh
. "$here/lib.sh"

require_root_and_tools systemd-nspawn debootstrap systemctl journalctl meson flock python3 jq

t_all=$(date +%s)
work=$(mktemp -d /var/tmp/reapd-systemtest.XXXXXX)
work_dirs+=("$work")

# --- 1. Private build with the install layout of a distribution package --------------------------
pbuild=$build/systemtest-usr
private_build "$src" "$pbuild" "$work" || bail

# --- 2. The cached Debian tree: the base set plus whatever package provides each library --------
mapfile -t lib_pkgs < <(linked_pkgs "$pbuild/src/reapd" "$pbuild/src/reapctl")
cache_tree "$work" "${lib_pkgs[@]}" || { echo "1..$n"; exit 1; }

# --- 3. One container per cgroup layout -------------------------------------------------------
run_mode() {
        local mode=$1 w root t out logs
        w=$(mktemp -d /var/tmp/reapd-systemtest-"$mode".XXXXXX)
        work_dirs+=("$w")
        root=$w/root
        out=$root/var/tmp/systemtest
        logs=$build/meson-logs/systemtest-$mode
        rm -rf "$logs"
        mkdir -p "$logs"

        t=$(date +%s)
        container_copy "$root"
        comment "[$mode] copied the tree in $(elapsed "$t")"

        if run_logged "$logs/install.log" meson install -C "$pbuild" --no-rebuild --destdir "$root"; then
                ok "[$mode] meson install --destdir into the container tree"
        else
                notok "[$mode] meson install --destdir into the container tree"
        fi
        install -D -m 644 "$here/reapd-systemtest.service" "$root/etc/systemd/system/reapd-systemtest.service"
        install -D -m 755 "$here/check.sh" "$root/usr/local/lib/reapd-systemtest/check.sh"
        install -D -m 644 "$here/check-lib.sh" "$root/usr/local/lib/reapd-systemtest/check-lib.sh"
        mkdir -p "$root/var/log/journal"
        # The textfile directory of Debian's prometheus-node-exporter, for MetricsFile= (check.sh).
        mkdir -p "$root/var/lib/prometheus/node-exporter"
        protect_dropin "$root/etc/reapd.conf.d/10-systemtest-protect.conf"
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
        container_boot "$root" "$logs/console.log" "reapdtest-$mode" \
                "[$mode] the container booted, ran the checks and powered off" "${layout[@]}"
        results_to_tap "$out" "[$mode] "

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
        # The Killed signal busctl monitor saw inside: every field, as test-bus.sh checks them.
        if [ -s "$out/killed.json" ] && jq -e --argjson p "${hog_pid:-0}" --arg cg "$hog_cg" \
                'select(.member == "Killed") | .payload | .type == "ususssuttss" and .data[0] == $p and
                 .data[1] == "reapd-hog" and .data[2] == 0 and .data[3] == $cg and .data[4] == "memory" and
                 .data[5] == "process" and .data[6] == 1 and .data[7] > 60000000 and .data[9] == "killed" and
                 .data[10] == ""' "$out/killed.json" >/dev/null 2>&1; then
                ok "[$mode] the Killed signal on the container's bus has every field: $(jq -c 'select(.member == "Killed") | .payload.data' "$out/killed.json" | head -n 1)"
        else
                notok "[$mode] the Killed signal on the container's bus has every field" "$(cat "$out/killed.json" 2>&1)"
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
