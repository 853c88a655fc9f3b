# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - what the system tests share (tests/system/test-nspawn.sh, tests/vm/test-vm.sh):
# TAP output, a private build of reapd with a distribution package's install layout, and the
# cached debootstrapped Debian tree that both boot. Source it; it defines functions and the
# counters n and failed, nothing else.
#
# The cached tree ($cache/$DEBIAN_SUITE) is built in a temporary directory and renamed into
# place; its stamp holds the package list, so a changed list (e.g. reapd linking a new library)
# rebuilds it. Readers take $cache/.lock shared while they copy it, the builder exclusive.

DEBIAN_SUITE=bookworm
# procps: /bin/kill, which reapd.service's ExecReload= runs; "important" in Debian, so on every
# standard install, but not in minbase.
DEBIAN_BASE_PKGS=(systemd systemd-sysv dbus libinih1 libcap2 procps)

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
# bail: end the TAP stream after a failure that makes the rest pointless.
bail() {
        echo "1..$n"
        exit 1
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

# debian_packages PBUILD: the base set plus whatever package provides each library reapd and
# reapctl link, one a line, sorted.
debian_packages() {
        local exe
        {
                printf '%s\n' "${DEBIAN_BASE_PKGS[@]}"
                for exe in "$1/src/reapd" "$1/src/reapctl"; do
                        ldd "$exe" | awk '$3 ~ /^\// { print $3 }'
                done | sort -u | while read -r lib; do
                        dpkg -S "$lib" 2>/dev/null || dpkg -S "$(realpath "$lib")" 2>/dev/null ||
                                dpkg -S "/usr$lib" 2>/dev/null || echo "unknown: $lib" >&2
                done | cut -d: -f1
        } | sort -u
}

# debian_mirror: the Debian mirror this host's apt uses (REAPD_TEST_MIRROR overrides).
debian_mirror() {
        local mirror
        mirror=${REAPD_TEST_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/\?$/\1/p' \
                /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)}
        echo "${mirror:-http://deb.debian.org/debian}"
}

# debian_tree CACHE PBUILD WORK: make sure CACHE/$DEBIAN_SUITE is a current debootstrapped tree
# for PBUILD's reapd (logs in WORK). One TAP line. Sets the global "new" to its temporary
# directory while it builds, for the caller's cleanup trap.
debian_tree() {
        local cache=$1 pbuild=$2 work=$3 suite=$DEBIAN_SUITE mirror stamp t
        local -a pkgs
        mapfile -t pkgs < <(debian_packages "$pbuild")
        mirror=$(debian_mirror)
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
                        notok "debootstrap $suite"
                        exec 9>&-
                        return 1
                fi
        fi
        exec 9>&-
}
