#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of hvmm's virtio test initramfs (tests/linux/prepare.py, initramfs-virtio.cpio): load Debian's virtio_pci,
# virtio_blk, virtio_rng, virtio_console and ext4 modules (from the kernel's own package, in dependency order: /lib/modules/order),
# mount the virtio disk /dev/vda, print the SHA-256 of its files, write /mnt/written.txt, sync, read it back, read
# 64 bytes from the virtio entropy device (/dev/hwrng), write a line to the virtio console (/dev/hvc0), and power
# off (ACPI S5). Every line the scenario judges
# starts with "hvmm-virtio:".
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
while read -r m; do
	busybox insmod "/lib/modules/$m.ko" || echo "hvmm-virtio: insmod $m failed"
done < /lib/modules/order
# the disk appears once virtio_blk has probed it (at most a few seconds)
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do busybox usleep 100000; i=$((i + 1)); done
echo "hvmm-virtio: vda $(busybox cat /sys/block/vda/size 2>/dev/null || echo missing) sectors, ro=$(busybox cat /sys/block/vda/ro 2>/dev/null)"
echo "hvmm-virtio: serial $(busybox cat /sys/block/vda/serial 2>/dev/null)"
# hvmm_dd=<MiB> on the kernel's command line (an environment variable here): read that much of /dev/vda sequentially
# (dd, 1 MiB blocks) and print the TSC before and after, for a throughput figure (docs/linux-guest.md)
if [ -n "$hvmm_dd" ]; then
	echo 3 > /proc/sys/vm/drop_caches
	t0=$(hvmm-helper tsc)
	busybox dd if=/dev/vda of=/dev/null bs=1048576 count="$hvmm_dd" 2>/dev/null
	echo "hvmm-virtio: dd $hvmm_dd MiB tsc=$t0 $(hvmm-helper tsc)"
fi
busybox mkdir -p /mnt
if busybox mount -t ext2 /dev/vda /mnt; then
	echo "hvmm-virtio: hello.txt sha256 $(busybox sha256sum /mnt/hello.txt | busybox cut -d' ' -f1)"
	echo "hvmm-virtio: big.bin sha256 $(busybox sha256sum /mnt/big.bin | busybox cut -d' ' -f1)"
	echo "written by Linux under hvmm" > /mnt/written.txt && busybox sync && echo "hvmm-virtio: wrote and synced"
	busybox umount /mnt
	busybox mount -t ext2 -o ro /dev/vda /mnt && echo "hvmm-virtio: read back: $(busybox cat /mnt/written.txt)"
	busybox umount /mnt
else
	echo "hvmm-virtio: mount failed"
fi
# the entropy device (rng=on): the kernel's current hardware RNG and 64 bytes from it
echo "hvmm-virtio: rng_current $(busybox cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
echo "hvmm-virtio: hwrng $(busybox dd if=/dev/hwrng bs=64 count=1 2>/dev/null | busybox od -An -tx1 | busybox tr -d ' \n')"
# the console (hvc=on): a line through /dev/hvc0 only
i=0
while [ ! -c /dev/hvc0 ] && [ $i -lt 50 ]; do busybox usleep 100000; i=$((i + 1)); done
echo "hvmm-virtio: this line came through hvc0" > /dev/hvc0
busybox grep virtio /proc/interrupts | while read -r l; do echo "hvmm-virtio: irq $l"; done
echo "hvmm-virtio: done, poweroff -f"
busybox poweroff -f
