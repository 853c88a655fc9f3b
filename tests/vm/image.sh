# SPDX-License-Identifier: GPL-2.0-or-later
# image.sh - the VM tier's cached guest image (sourced by test-vm.sh, after tests/system/lib.sh).
#
# The image is the system test's cached Debian tree (tests/system/lib.sh, cache_tree) plus the
# packages the scenarios need, installed with apt-get inside systemd-nspawn, the guest kernel's
# modules the scenarios load (copied from the host's /lib/modules, since the guest boots the
# host's Debian kernel), user 1000 for the desktop scenario, and one unit that runs whatever
# the host hands the guest on its second disk (vmtest.service). It holds nothing of reapd:
# reapd and the scenario scripts come fresh with every run, so the image changes only with
# what goes into it, and its name is the hash of exactly that (the base tree's stamp, the
# package and module lists, the kernel, this file and the unit).

# Packages beyond the base tree. systemd-oomd and earlyoom: the peers (disabled at boot: one
# killer at a time). dmsetup and kmod: the device-mapper device that keeps a victim in D state.
# util-linux (zramctl, mkswap, runuser) is in minbase. jq: the journal's JSON. libpam-systemd
# and dbus-user-session: a real user@1000.service with a user bus, as on a desktop.
VM_PKGS=(systemd-oomd earlyoom dmsetup kmod jq libpam-systemd dbus-user-session)
# Kernel modules the scenarios load: zram (swap as on Fedora desktops), dm-zero (a device to
# suspend).
VM_MODULES=(zram dm-zero)

# vm_kernel: the newest Debian kernel in /boot that has an initrd and modules; prints its
# version. Fails when there is none (install-deps installs linux-image-amd64).
vm_kernel() {
        local k v best=
        for k in /boot/vmlinuz-*; do
                [ -e "$k" ] || continue
                v=${k#/boot/vmlinuz-}
                [ -f "/boot/initrd.img-$v" ] && [ -d "/lib/modules/$v/kernel" ] || continue
                best=$v
        done
        [ -n "$best" ] && echo "$best"
}

# vm_module_files KVER: the module files VM_MODULES need, dependencies first.
vm_module_files() {
        local m
        for m in "${VM_MODULES[@]}"; do
                modprobe -S "$1" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
        done | awk '!seen[$0]++'
}

# vm_image CACHE PBUILD WORK KVER UNIT: make sure CACHE/vm/base-<key>.img exists (one TAP
# line) and print its path in VM_IMAGE. UNIT is the guest's vmtest.service. Holds CACHE/.lock
# exclusively while it builds and shared while it reads the base tree.
vm_image() {
        local cache=$1 pbuild=$2 work=$3 kver=$4 unit=$5 key t tmp root f
        key=$({
                cat "$cache/$suite/.reapd-test-stamp"
                echo "pkgs=${VM_PKGS[*]} modules=${VM_MODULES[*]} kernel=$kver"
                cat "${BASH_SOURCE[0]}" "$unit"
        } | sha256sum | cut -c1-16)
        VM_IMAGE=$cache/vm/base-$key.img
        mkdir -p "$cache/vm"
        exec 9>"$cache/.lock"
        flock -w 900 9
        if [ -f "$VM_IMAGE" ]; then
                exec 9>&-
                ok "cached guest image is current ($VM_IMAGE)"
                return 0
        fi
        t=$(date +%s)
        tmp=$(mktemp -d "$cache/vm/.new.XXXXXX")
        new=$tmp
        root=$tmp/root
        cp -a --reflink=auto "$cache/$suite" "$root"
        rm -f "$root/.reapd-test-stamp"
        # Debian's maintainer scripts must not start services inside the build container.
        printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
        chmod 755 "$root/usr/sbin/policy-rc.d"
        if ! run_logged "$work/image-apt.log" systemd-nspawn --quiet --register=no --keep-unit \
                --resolv-conf=copy-host -D "$root" /bin/sh -ec \
                "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq;
                 apt-get install -y -qq --no-install-recommends ${VM_PKGS[*]}; apt-get clean"; then
                notok "apt-get install ${VM_PKGS[*]} in the guest tree"
                exec 9>&-
                return 1
        fi
        rm -f "$root/usr/sbin/policy-rc.d"
        rm -rf "$root/var/lib/apt/lists/"*_Packages "$root/var/cache/apt/"*.bin

        # The host's kernel modules the scenarios need, and their index.
        for f in $(vm_module_files "$kver") "/lib/modules/$kver/modules.order" "/lib/modules/$kver/modules.builtin" \
                "/lib/modules/$kver/modules.builtin.modinfo"; do
                install -D -m 644 "$f" "$root$f"
        done
        depmod -b "$root" "$kver"

        # The guest: root on /dev/vda, journal in memory, no login prompts, no killer at boot.
        echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
        echo reapd-vm >"$root/etc/hostname"
        mkdir -p "$root/etc/systemd/journald.conf.d"
        printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=64M\n' >"$root/etc/systemd/journald.conf.d/vmtest.conf"
        systemctl --root="$root" mask getty@tty1.service serial-getty@ttyS0.service serial-getty@ttyS1.service \
                apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1
        systemctl --root="$root" disable earlyoom.service systemd-oomd.service systemd-oomd.socket >/dev/null 2>&1 || true
        chroot "$root" useradd -m -u 1000 -s /bin/bash desk
        install -D -m 644 "$unit" "$root/etc/systemd/system/vmtest.service"
        systemctl --root="$root" enable vmtest.service >/dev/null 2>&1

        truncate -s 3G "$tmp/base.img"
        if ! run_logged "$work/image-mkfs.log" mkfs.ext4 -q -F -L reapd-vm -d "$root" "$tmp/base.img"; then
                notok "mkfs.ext4 -d the guest image"
                exec 9>&-
                return 1
        fi
        rm -f "$cache/vm/"base-*.img
        mv "$tmp/base.img" "$VM_IMAGE"
        rm -rf --one-file-system "$tmp"
        new=
        exec 9>&-
        ok "built the guest image in $(elapsed "$t") ($VM_IMAGE, packages ${VM_PKGS[*]})"
}
