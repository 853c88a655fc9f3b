#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM tier: boot Debian 12 under qemu (software emulation, Debian's kernel and initrd, systemd
# as PID 1, pure cgroup2, every capability) with the freshly built reapd installed, and run the
# scenarios of tests/vm/guest/ against the real reapd.service, then the same workloads under
# systemd-oomd and earlyoom for the peer table.
#
# Usage: test-vm.sh SOURCE_ROOT BUILD_ROOT HOG GROWER THRASH STUCKREAD   (meson passes them; root)
#
# - The guest image is cached in $REAPD_TEST_CACHE/vm (tests/vm/image.sh says what is in it and
#   what its name hashes); each run boots a qcow2 overlay on it, so the cache stays pristine.
# - reapd (meson install --destdir from the nspawn test's private --prefix=/usr build), the guest
#   scripts and the test programs travel as a tar on a second virtio disk, read by the image's
#   vmtest.service, which runs guest/main.sh and powers off. Results come back line by line on
#   the second serial port (so a hung guest still leaves what it did) and as a tar of logs on a
#   third virtio disk.
# - Prints TAP, one line per check, then "# vm: N passed, N failed". Nothing is skipped: a host
#   where qemu cannot boot the guest fails the tier. Hard timeouts: REAPD_VM_TIMEOUT (s) for
#   the whole boot, and each scenario's own inside the guest.
# - Artifacts (console, results, logs from the guest, the peer table VM-PEERS.md) go to
#   BUILD_ROOT/meson-logs/vm/. REAPD_VM_KEEP=1 keeps the work directory.
set -euo pipefail

if [ $# -ne 6 ]; then
        echo "usage: $0 SOURCE_ROOT BUILD_ROOT HOG GROWER THRASH STUCKREAD" >&2
        exit 2
fi
src=$(realpath "$1")
build=$(realpath "$2")
bins=("$3" "$4" "$5" "$6")
here=$src/tests/vm
. "$src/tests/system/lib.sh"
. "$here/image.sh"
cache=${REAPD_TEST_CACHE:-/var/cache/reapd-test}
vm_timeout=${REAPD_VM_TIMEOUT:-1700}
vm_mem=${REAPD_VM_MEM:-1536}
logs=$build/meson-logs/vm

if [ "$(id -u)" -ne 0 ]; then
        notok "the VM tier runs as root (debootstrap, systemd-nspawn, mkfs.ext4 -d)"
        bail
fi
for tool in qemu-system-x86_64 qemu-img mkfs.ext4 debootstrap systemd-nspawn depmod modprobe meson flock tar python3; do
        if ! command -v "$tool" >/dev/null; then
                notok "$tool is installed" "run tools/install-deps.sh test"
                bail
        fi
done
if ! kver=$(vm_kernel); then
        notok "a Debian kernel with initrd and modules in /boot" "run tools/install-deps.sh test (linux-image-amd64)"
        bail
fi

# --- Cleanup: the qemu process group, the work directory, a half-built image; never the cache ----
qemu_pid=
new=
work=
cleanup() {
        local rc=$?
        if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
                kill -TERM -- "-$qemu_pid" 2>/dev/null || true
                for _ in $(seq 25); do
                        kill -0 "$qemu_pid" 2>/dev/null || break
                        sleep 0.2
                done
                kill -KILL -- "-$qemu_pid" 2>/dev/null || true
                wait "$qemu_pid" 2>/dev/null || true
        fi
        if [ -n "$work" ]; then
                if [ "${REAPD_VM_KEEP:-0}" = 1 ]; then
                        echo "# kept $work" >&2
                else
                        rm -rf --one-file-system "$work"
                fi
        fi
        [ -z "$new" ] || rm -rf --one-file-system "$new"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t_all=$(date +%s)
work=$(mktemp -d /var/tmp/reapd-vm.XXXXXX)
rm -rf "$logs"
mkdir -p "$logs"

# --- 1. reapd with a package's layout, the Debian tree, the guest image --------------------------
pbuild=$build/systemtest-usr
private_build "$src" "$pbuild" "$work" || bail
mapfile -t lib_pkgs < <(linked_pkgs "$pbuild/src/reapd" "$pbuild/src/reapctl")
cache_tree "$work" "${lib_pkgs[@]}" || bail
vm_image "$cache" "$pbuild" "$work" "$kver" "$here/vmtest.service" || bail

# --- 2. This run's disks: an overlay on the image, the payload, an empty results disk -----------
stage=$work/payload
mkdir -p "$stage/guest/bin"
if run_logged "$logs/install.log" meson install -C "$pbuild" --no-rebuild --destdir "$stage/destdir"; then
        ok "meson install --destdir into the payload"
else
        notok "meson install --destdir into the payload"
        bail
fi
cp "$here"/guest/*.sh "$stage/guest/"
# A subset for development: REAPD_VM_SCENARIOS="thrash", REAPD_VM_KILLERS="reapd".
{
        [ -z "${REAPD_VM_SCENARIOS:-}" ] || echo "VMTEST_SCENARIOS='$REAPD_VM_SCENARIOS'"
        [ -z "${REAPD_VM_KILLERS:-}" ] || echo "VMTEST_KILLERS='$REAPD_VM_KILLERS'"
} >"$stage/guest/env"
cp "${bins[@]}" "$stage/guest/bin/"
tar -cf "$work/payload.tar" -C "$stage" .
qemu-img create -q -f qcow2 -F raw -b "$VM_IMAGE" "$work/root.qcow2"
truncate -s 256M "$work/results.raw"
: >"$work/results.txt"

# --- 3. Boot; the guest runs everything and powers off --------------------------------------------
comment "booting Debian's $kver under qemu (TCG, 2 vCPUs, $vm_mem MB), at most $vm_timeout s"
t=$(date +%s)
rc=0
setsid timeout -k 10 "$vm_timeout" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m "$vm_mem" \
        -nodefaults -display none -no-reboot -monitor none \
        -kernel "/boot/vmlinuz-$kver" -initrd "/boot/initrd.img-$kver" \
        -append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=false" \
        -drive "file=$work/root.qcow2,format=qcow2,if=virtio,cache=unsafe" \
        -drive "file=$work/payload.tar,format=raw,if=virtio,readonly=on" \
        -drive "file=$work/results.raw,format=raw,if=virtio,cache=writethrough" \
        -serial "file:$logs/console.log" -serial "file:$work/results.txt" \
        </dev/null >"$logs/qemu.log" 2>&1 &
qemu_pid=$!
wait "$qemu_pid" || rc=$?
qemu_pid=
tr -d '\r' <"$work/results.txt" >"$logs/results.txt"
if [ "$rc" = 0 ]; then
        ok "the guest booted, ran the scenarios and powered off ($(elapsed "$t"))"
else
        notok "the guest booted, ran the scenarios and powered off" \
                "qemu exit code $rc$([ "$rc" = 124 ] && echo ", timed out after $vm_timeout s")" \
                "$(tail -n 5 "$logs/qemu.log")" "console:" "$(tail -n 25 "$logs/console.log")"
fi

# --- 4. The checks made inside, as TAP; the peer table ----------------------------------------
: >"$logs/peers.jsonl"
while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) notok "${line#not ok - }" ;;
        "PEER "*) printf '%s\n' "${line#PEER }" >>"$logs/peers.jsonl" ;;
        "# done") ;;
        "#"*) echo "$line" ;;
        *) comment "$line" ;;
        esac
done <"$logs/results.txt"
if grep -qx '# done' "$logs/results.txt"; then
        ok "the guest's scenarios ran to the end"
else
        notok "the guest's scenarios ran to the end" "last lines of the console:" "$(tail -n 15 "$logs/console.log")"
fi
if tar -xf "$work/results.raw" -C "$logs" 2>"$work/untar.err"; then
        comment "guest logs in $logs"
else
        comment "no logs from the guest: $(cat "$work/untar.err")"
fi
if [ -s "$logs/peers.jsonl" ]; then
        if python3 "$here/peers.py" "$logs/peers.jsonl" >"$logs/VM-PEERS.md" 2>"$work/peers.err"; then
                comment "peer table: $logs/VM-PEERS.md"
                sed 's/^/#   /' "$logs/VM-PEERS.md"
        else
                notok "the peer table is made from the guest's measurements" "$(cat "$work/peers.err")"
        fi
fi

comment "VM tier done in $(elapsed "$t_all")"
echo "1..$n"
echo "# vm: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
