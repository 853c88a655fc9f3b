#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what building, running and testing reapd needs on Debian 12, and nothing when it
# is all there already. Usage: tools/install-deps.sh [run|test]   (default: test)
set -euo pipefail

# libbpf-dev, bpftool and clang: the BPF ranking iterator (meson option bpf, auto: built when found).
# debhelper, dpkg-dev, fakeroot and lintian (test): the Debian package's build and its checks
# (tests/system/test-package.sh); the package's other build dependencies are in run_pkgs.
# The VM tier (tests/vm) boots Debian's kernel under qemu: qemu-system-x86 and qemu-utils
# (qemu-img), linux-image-amd64 with initramfs-tools (its initrd in /boot), e2fsprogs (mkfs.ext4 -d).
# dbus-daemon, dbus-bin, libglib2.0-bin (gdbus), prometheus-node-exporter and curl (test): the
# real consumers of the Killed signal, the notification agent and the metrics file
# (tests/integration: test-bus.sh, test-metrics.sh); python3-dbus: a signal from another user
# that stays connected while the agent asks who sent it. The package's postinst does not start
# node_exporter here: the policy-rc.d below refuses, and the test starts its own on loopback.
run_pkgs=(gcc meson ninja-build pkg-config libsystemd-dev libcap-dev libbpf-dev bpftool clang)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev clang-format mandoc groff-base
           earlyoom gnuplot-nox systemd systemd-container debootstrap valgrind
           util-linux procps kmod psmisc python3 jq bc ca-certificates
           debhelper dpkg-dev fakeroot lintian
           qemu-system-x86 qemu-utils linux-image-amd64 initramfs-tools e2fsprogs
           dbus-daemon dbus-bin libglib2.0-bin prometheus-node-exporter curl python3-dbus)

want=("${run_pkgs[@]}")
[ "${1:-test}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Other jobs on the machine may be installing at the same moment: wait for dpkg's lock.
lock=(-o DPkg::Lock::Timeout=600)
apt-get "${lock[@]}" update -qq
# Keep Debian's maintainer scripts from starting earlyoom (installed only to be benchmarked
# against) and node_exporter (the metrics test starts its own) on a host where systemd is PID 1.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}"
