#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the system tests that boot Debian 12 with systemd in systemd-nspawn
# (test-nspawn.sh, test-package.sh) or qemu (tests/vm/test-vm.sh); sourced, not run. It gives:
# - TAP output: ok, notok, comment (stdout carries only TAP), run_logged, elapsed, field, bail;
# - private_build SRC PBUILD WORK: reapd built with a distribution package's install layout;
# - a cleanup trap for the container's process group and the temporary trees (never the cache);
# - cache_tree PACKAGE...: the cached debootstrapped tree $cache/$suite with these packages;
# - container_copy DEST: a private copy of it; container_boot ...: boot a copy, run its checks;
# - results_to_tap FILE PREFIX: the "ok - "/"not ok - " lines the checks wrote, as TAP.
#
# The tree is cached in $REAPD_TEST_CACHE (default /var/cache/reapd-test) as bookworm/, built in
# a temporary directory and renamed into place; its stamp holds the package list, so a changed
# list (e.g. reapd linking a new library) rebuilds it. Every test asks for the same list (the
# base set plus what reapd and reapctl link), so they share one tree.

cache=${REAPD_TEST_CACHE:-/var/cache/reapd-test}
boot_timeout=${REAPD_SYSTEMTEST_TIMEOUT:-180}
suite=bookworm
# procps: /bin/kill, which reapd.service's ExecReload= runs; "important" in Debian, so on every
# standard install, but not in minbase.
base_pkgs=(systemd systemd-sysv dbus libcap2 procps)

# --- TAP output: stdout carries only TAP, everything else is a "# " comment -------------------
n=0
failed=0
ok() {
        n=$((n + 1))
        echo "ok $n - $1"
}
notok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        shift
        local l
        for l in "$@"; do
                printf '%s\n' "$l" | sed 's/^/#   /'
        done
}
comment() { printf '%s\n' "$*" | sed 's/^/# /'; }
# run_logged LOG CMD...: run CMD with its output in LOG; on failure show LOG's tail as comments.
run_logged() {
        local log=$1
        shift
        local rc=0
        "$@" >"$log" 2>&1 || rc=$?
        [ "$rc" != 0 ] || return 0
        comment "command failed (exit $rc): $*"
        tail -n 30 "$log" | sed 's/^/#   /'
        return $rc
}
elapsed() { echo "$(($(date +%s) - $1)) s"; }
# field FILE KEY: KEY=VALUE from an env-style file.
field() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }
# bail: end the TAP stream after a failure that makes the rest pointless.
bail() {
        echo "1..$n"
        exit 1
}
# bail_out DESC [DETAIL...]: a failed check that makes the rest pointless; ends the test.
bail_out() {
        notok "$@"
        bail
}

# private_build SRC PBUILD WORK: configure (once) and compile reapd in PBUILD with --prefix=/usr
# --sysconfdir=/etc, the layout of a distribution package; logs in WORK. One TAP line.
private_build() {
        local src=$1 pbuild=$2 work=$3 t
        t=$(date +%s)
        if [ ! -f "$pbuild/build.ninja" ]; then
                rm -rf "$pbuild"
                if ! run_logged "$work/setup.log" meson setup "$pbuild" "$src" --prefix=/usr --sysconfdir=/etc \
                        --localstatedir=/var -Dtests=disabled -Dsystem_tests=false -Dfuzz=false; then
                        notok "meson setup --prefix=/usr --sysconfdir=/etc (private build)"
                        return 1
                fi
        fi
        if run_logged "$work/compile.log" meson compile -C "$pbuild"; then
                ok "reapd builds with --prefix=/usr --sysconfdir=/etc ($(elapsed "$t"))"
        else
                notok "reapd builds with --prefix=/usr --sysconfdir=/etc"
                return 1
        fi
}

# require_root_and_tools TOOL...: skip the whole test without root, fail without a tool.
require_root_and_tools() {
        if [ "$(id -u)" -ne 0 ]; then
                echo "1..0 # SKIP needs root (debootstrap, systemd-nspawn)"
                exit 0
        fi
        local tool
        for tool in "$@"; do
                command -v "$tool" >/dev/null || bail_out "$tool is installed" "run tools/install-deps.sh test"
        done
}

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

# --- The cached Debian tree -----------------------------------------------------------------
# linked_pkgs BINARY...: the Debian packages that provide the libraries these binaries link.
linked_pkgs() {
        local exe
        for exe in "$@"; do
                ldd "$exe" | awk '$3 ~ /^\// { print $3 }'
        done | sort -u | while read -r lib; do
                dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null ||
                        dpkg -S "/usr$lib" 2>/dev/null || echo "unknown: $lib" >&2
        done | cut -d: -f1 | sort -u
}

# cache_tree WORK PACKAGE...: make sure $cache/$suite is a minbase tree with base_pkgs and
# PACKAGEs (debootstrap, about 40 s, only when its stamp differs). One TAP line; 1 on failure.
cache_tree() {
        local work=$1 t mirror stamp
        shift
        local -a pkgs
        mapfile -t pkgs < <(printf '%s\n' "${base_pkgs[@]}" "$@" | sort -u)
        mirror=${REAPD_TEST_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/\?$/\1/p' \
                /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
        mirror=${mirror:-http://deb.debian.org/debian}
        stamp="suite=$suite variant=minbase mirror=$mirror packages=${pkgs[*]} layout=1"

        mkdir -p "$cache"
        exec 9>"$cache/.lock"
        flock -w 900 9
        t=$(date +%s)
        if [ -f "$cache/$suite/.reapd-test-stamp" ] && [ "$(cat "$cache/$suite/.reapd-test-stamp")" = "$stamp" ]; then
                ok "cached Debian $suite tree is current ($cache/$suite)"
        else
                comment "building $cache/$suite: debootstrap --variant=minbase --include=$(IFS=,; echo "${pkgs[*]}") from $mirror"
                new=$(mktemp -d "$cache/.$suite.new.XXXXXX")
                if run_logged "$work/debootstrap.log" debootstrap --variant=minbase \
                        --include="$(IFS=,; echo "${pkgs[*]}")" "$suite" "$new/root" "$mirror"; then
                        rm -rf "$new/root/var/cache/apt/archives/"*.deb "$new/root/var/lib/apt/lists/"*_Packages
                        echo "$stamp" >"$new/root/.reapd-test-stamp"
                        [ ! -e "$cache/$suite" ] || mv -T "$cache/$suite" "$new/old"
                        mv -T "$new/root" "$cache/$suite"
                        rm -rf --one-file-system "$new"
                        new=
                        ok "built the Debian $suite tree in $(elapsed "$t")"
                else
                        rm -rf --one-file-system "$new"
                        new=
                        exec 9>&-
                        notok "debootstrap $suite"
                        return 1
                fi
        fi
        exec 9>&-
}

# container_copy DEST: a private copy of the cached tree (reflinked where the file system can).
container_copy() {
        exec 9>"$cache/.lock"
        flock -s -w 900 9 # no rebuild of the cache while we copy it
        cp -a --reflink=auto "$cache/$suite" "$1"
        exec 9>&-
}

# container_boot ROOT CONSOLE_LOG MACHINE DESC [ENV=VALUE...]: boot ROOT with systemd, where a
# unit enabled beforehand runs the checks and powers off. Its own network namespace (so that
# PrivateNetwork= can set up lo), CAP_IPC_LOCK (which this host has and nspawn drops by default;
# CAP_SYS_RESOURCE is missing on the host, so inside as well), and process_mrelease added to
# nspawn's own seccomp allow-list (systemd 252's nspawn does not know it and returns EPERM, which
# is nspawn's limit, not reapd's). ENV (e.g. SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1) goes to nspawn.
# One TAP line: DESC, with the time it took.
container_boot() {
        local root=$1 console=$2 machine=$3 desc=$4 t rc=0
        shift 4
        t=$(date +%s)
        env "$@" setsid timeout -k 10 "$boot_timeout" \
                systemd-nspawn --quiet --register=no --keep-unit --machine="$machine" \
                --private-network --capability=CAP_IPC_LOCK --system-call-filter=process_mrelease \
                -D "$root" -b --console=pipe </dev/null >"$console" 2>&1 &
        nspawn_pid=$!
        wait "$nspawn_pid" || rc=$?
        nspawn_pid=
        if [ "$rc" = 0 ]; then
                ok "$desc ($(elapsed "$t"))"
        else
                notok "$desc" \
                        "systemd-nspawn exit code $rc$([ "$rc" = 124 ] && echo ", timed out after ${boot_timeout} s")" \
                        "$(tail -n 20 "$console")"
        fi
}

# protect_dropin FILE: a reapd.conf drop-in that keeps the container's own processes out of reach.
# The container sees the host's /proc/pressure/memory: when the host is under pressure (another
# job's benchmark), a system-wide reapd inside would kill the container's own services (seen:
# systemd-journald). The tests' hogs run in slices of their own and stay candidates, and Ignore=
# is a list, so the tests' later drop-ins keep this.
protect_dropin() {
        install -d "$(dirname "$1")"
        printf '%s\n' '# system test: only the test slices may be killed in this container' '[Policy]' \
                'Ignore=cgroup:^/(system\.slice|init\.scope|user\.slice)(/|$)' \
                'Ignore=comm:^(systemd.*|dbus-daemon|bash|sleep|systemctl|journalctl|timeout|apt.*|dpkg.*)$' \
                >"$1"
}

# results_to_tap DIR PREFIX: DIR/result's "ok - "/"not ok - " lines as TAP, then whether the
# checks ran to their "# done" (else DIR/check.log's tail).
results_to_tap() {
        local out=$1 prefix=$2 line
        if [ -f "$out/result" ]; then
                while IFS= read -r line; do
                        case $line in
                        "ok - "*) ok "$prefix${line#ok - }" ;;
                        "not ok - "*) notok "$prefix${line#not ok - }" ;;
                        "# done") ;;
                        "#"*) echo "$line" ;;
                        *) comment "$line" ;;
                        esac
                done <"$out/result"
        fi
        if grep -qx '# done' "$out/result" 2>/dev/null; then
                ok "${prefix}the checks ran to the end"
        else
                notok "${prefix}the checks ran to the end" "$(tail -n 15 "$out/check.log" 2>/dev/null)"
        fi
}
