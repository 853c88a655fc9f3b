#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Package test: build the Debian package from this tree the way README.md says
# (dpkg-buildpackage -us -uc -b), check it with lintian, then install, use and purge it in
# Debian 12 booted with systemd in systemd-nspawn (check-package.sh does that inside).
#
# Usage: test-package.sh SOURCE_ROOT BUILD_ROOT      (meson passes both; run as root)
#
# - The build runs in a copy of the source (the files git tracks or would track: what a clone
#   has), in a temporary directory, because dpkg-buildpackage writes its .deb next to the
#   source tree. The package's own build runs the unit suite (debian/rules).
# - lintian must report no error and no warning (debian/reapd.lintian-overrides explains each
#   override); what it says at lower levels is shown as comments.
# - The container is a copy of the cached tree that test-nspawn.sh uses (lib.sh): the package's
#   dependencies are the libraries reapd links, which that tree holds, so apt installs the .deb
#   without a network. Inside, check-package.sh runs as the unit reapd-systemtest.service.
# - Artifacts go to BUILD_ROOT/meson-logs/package-test/. REAPD_SYSTEMTEST_KEEP=1 keeps the trees.
set -euo pipefail

if [ $# -ne 2 ]; then
        echo "usage: $0 SOURCE_ROOT BUILD_ROOT" >&2
        exit 2
fi
src=$(realpath "$1")
build=$(realpath "$2")
here=$src/tests/system
# shellcheck source=lib.sh
. "$here/lib.sh"

require_root_and_tools systemd-nspawn debootstrap flock python3 dpkg-buildpackage dh lintian fakeroot \
        dpkg-parsechangelog

t_all=$(date +%s)
work=$(mktemp -d /var/tmp/reapd-pkgtest.XXXXXX)
work_dirs+=("$work")
logs=$build/meson-logs/package-test
rm -rf "$logs"
mkdir -p "$logs"

# --- 1. dpkg-buildpackage -us -uc -b, in a copy of the tree ---------------------------------------
version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
deb_version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
if [ -n "$version" ] && [ "$deb_version" = "$version" ]; then
        ok "debian/changelog's version $deb_version is meson's project version"
else
        notok "debian/changelog's version $deb_version is meson's project version" "meson.build: '$version'"
fi
srcdir=$work/reapd-$version
mkdir -p "$srcdir"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$src" ls-files -z --cached --others --exclude-standard |
                (cd "$src" && tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$srcdir"
else
        tar -C "$src" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -xf - -C "$srcdir"
fi
t=$(date +%s)
deb=$work/reapd_${version}_amd64.deb
# parallel=: without it debhelper runs ninja with -j1.
if (cd "$srcdir" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
        run_logged "$logs/dpkg-buildpackage.log" dpkg-buildpackage -us -uc -b) && [ -f "$deb" ]; then
        ok "dpkg-buildpackage -us -uc -b builds $(basename "$deb") ($(elapsed "$t"))"
else
        bail_out "dpkg-buildpackage -us -uc -b builds $(basename "$deb")" "$(ls "$work")"
fi
units=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$logs/dpkg-buildpackage.log" | tail -n 1)
fails=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$logs/dpkg-buildpackage.log" | tail -n 1)
if [ -n "$units" ] && [ "$units" -gt 0 ] && [ "${fails:-1}" = 0 ]; then
        ok "the package build ran the unit suite: $units passed"
else
        notok "the package build ran the unit suite" "Ok: '${units}', Fail: '${fails}'"
fi

# --- 2. lintian ---------------------------------------------------------------------------------
t=$(date +%s)
lintian -I -E --pedantic --show-overrides "$work/reapd_${version}_amd64.changes" >"$logs/lintian.txt" 2>&1 || true
bad=$(grep -E '^[EW]: ' "$logs/lintian.txt" || true)
if [ -z "$bad" ] && ! grep -q '^internal error\|^lintian: ' "$logs/lintian.txt"; then
        ok "lintian: no errors, no warnings ($(elapsed "$t"))"
else
        notok "lintian: no errors, no warnings" "$bad" "$(grep '^internal error\|^lintian: ' "$logs/lintian.txt" || true)"
fi
grep -E '^[A-Z]: ' "$logs/lintian.txt" | sed 's/^/lintian: /' | while IFS= read -r l; do comment "$l"; done

# --- 3. What the package holds -------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$logs/contents.txt"
missing=()
for f in /usr/sbin/reapd /usr/bin/reapctl /lib/systemd/system/reapd.service /lib/systemd/system/reapd@.service \
        /etc/reapd.conf /etc/reapd.conf.d/ /etc/reapd/ /usr/lib/systemd/catalog/reapd.catalog \
        /usr/share/man/man8/reapd.8.gz /usr/share/man/man5/reapd.conf.5.gz /usr/share/man/man1/reapctl.1.gz \
        /usr/share/doc/reapd/copyright /usr/share/dbus-1/system.d/org.reapd.Reapd1.conf \
        /usr/lib/systemd/user/reapd-notify.service; do
        grep -qxF "$f" "$logs/contents.txt" || missing+=("$f")
done
if [ ${#missing[@]} = 0 ]; then
        ok "the package holds the binaries, both units, the conffile, the drop-in and instance directories, the catalog, the man pages, the bus policy and the agent's user unit"
else
        notok "the package holds everything it should" "missing: ${missing[*]}"
fi
depends=$(dpkg-deb -f "$deb" Depends)
conflicts=$(dpkg-deb -f "$deb" Conflicts)
comment "Depends: $depends"
if [ "$conflicts" = "earlyoom, nohang, systemd-oomd" ]; then
        ok "Conflicts: $conflicts"
else
        notok "Conflicts: earlyoom, nohang, systemd-oomd" "Conflicts: '$conflicts'"
fi

# --- 4. The cached tree: the same package list as test-nspawn.sh, from the packaged binaries -----
mkdir -p "$work/deb"
dpkg-deb -x "$deb" "$work/deb"
mapfile -t lib_pkgs < <(linked_pkgs "$work/deb/usr/sbin/reapd" "$work/deb/usr/bin/reapctl")
cache_tree "$work" "${lib_pkgs[@]}" || { echo "1..$n"; exit 1; }

# --- 5. Install, use and purge in the container ---------------------------------------------------
root=$work/root
out=$root/var/tmp/systemtest
t=$(date +%s)
container_copy "$root"
comment "copied the tree in $(elapsed "$t")"
install -D -m 644 "$deb" "$root/var/tmp/pkgtest/$(basename "$deb")"
protect_dropin "$root/var/tmp/pkgtest/10-protect.conf"
# The system test's unit, running check-package.sh instead of check.sh.
install -D -m 644 "$here/reapd-systemtest.service" "$root/etc/systemd/system/reapd-systemtest.service"
install -D -m 755 "$here/check-package.sh" "$root/usr/local/lib/reapd-systemtest/check.sh"
install -D -m 644 "$here/check-lib.sh" "$root/usr/local/lib/reapd-systemtest/check-lib.sh"
mkdir -p "$root/var/log/journal"
systemctl --root="$root" enable reapd-systemtest.service >/dev/null 2>&1
container_boot "$root" "$logs/console.log" reapdpkgtest "the container booted, ran the checks and powered off"
results_to_tap "$out" ""

# reapctl's JSON, validated here (the container has no python3).
hog() { field "$out/hogs.env" "$1"; }
problems=
if problems=$(python3 "$here/killrecord.py" reapctl "$out/kills-main.json" pid="$(hog MAIN_PID)" comm=reapd-hog \
        cgroup="$(hog MAIN_CGROUP)" dry_run=0 instance= kill_unit=process); then
        ok "reapctl kills --json: reapd.service's kill of the hog, every field, no INSTANCE"
else
        notok "reapctl kills --json: reapd.service's kill of the hog, every field, no INSTANCE" "${problems:-no output}"
fi
for i in a b; do
        I=$(tr a-z A-Z <<<"$i")
        unit=process-group
        [ "$i" = a ] || unit=cgroup
        problems=
        if problems=$(python3 "$here/killrecord.py" reapctl "$out/kills-$i.json" pid="$(hog "${I}_PID")" \
                comm="reapd-hog$i" cgroup="$(hog "${I}_CGROUP")" dry_run=0 instance="$i" kill_unit="$unit"); then
                ok "reapctl kills -i $i --json: reapd@$i killed its hog (KillUnit=$unit), INSTANCE=$i"
        else
                notok "reapctl kills -i $i --json: reapd@$i killed its hog (KillUnit=$unit), INSTANCE=$i" "${problems:-no output}"
        fi
        problems=
        if problems=$(python3 "$here/killrecord.py" scope "$out/kills-$i.json" "/pkg$i.slice" instance="$i"); then
                ok "every kill of reapd@$i was in /pkg$i.slice"
        else
                notok "every kill of reapd@$i was in /pkg$i.slice" "${problems:-no output}"
        fi
done
problems=
if problems=$(python3 "$here/killrecord.py" reapctl "$out/kills-all.json" pid="$(hog B_PID)" instance=b); then
        ok "reapctl kills --json without -i lists the instances' records too"
else
        notok "reapctl kills --json without -i lists the instances' records too" "${problems:-no output}"
fi

# Keep what explains a failure.
cp -a "$out/." "$logs/" 2>/dev/null || true
journalctl -D "$root/var/log/journal" --no-pager -o short-monotonic -u 'reapd*' -u reapd-systemtest.service \
        -u 'pkg-*' >"$logs/journal.txt" 2>&1 || true
comment "logs in $logs"
comment "package test done in $(elapsed "$t_all"): $failed of $n checks failed"
echo "1..$n"
[ "$failed" -eq 0 ]
