#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of hvmm's network test initramfs (tests/linux/prepare.py, initramfs-net.cpio): load Debian's virtio modules
# (from the kernel's own package, /lib/modules/order: virtio_pci and virtio_net among them), bring eth0 up as
# 10.0.0.<hvmm_ip> (kernel command line, seen here as an environment variable) and then
#   hvmm_role=server  receive one TCP connection on port 5000 with busybox nc into /tmp/got, print its SHA-256;
#   hvmm_role=client  ping 10.0.0.<hvmm_peer> until it answers, then ping -c 3 it (hvmm_pings= otherwise), write
#                     hvmm_kib KiB (default 1024) of /dev/urandom to /tmp/sent, print its SHA-256 and send it to the
#                     server with nc, printing the TSC before and after (hvmm-helper tsc) for a throughput figure.
# Then power off (ACPI S5). Every line the scenario judges starts with "hvmm-net:".
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
busybox mkdir -p /tmp
while read -r m; do
	busybox insmod "/lib/modules/$m.ko" 2>/dev/null || echo "hvmm-net: insmod $m failed"
done < /lib/modules/order
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do busybox usleep 100000; i=$((i + 1)); done
echo "hvmm-net: eth0 $(busybox cat /sys/class/net/eth0/address 2>/dev/null || echo missing) mtu $(busybox cat /sys/class/net/eth0/mtu 2>/dev/null)"
busybox ifconfig lo 127.0.0.1 up
busybox ifconfig eth0 "10.0.0.$hvmm_ip" netmask 255.255.255.0 up
peer="10.0.0.$hvmm_peer"
kib=${hvmm_kib:-1024}
if [ "$hvmm_role" = server ]; then
	# nc's standard input must not end (busybox nc shuts its sending half down at EOF, and the client's nc ends when
	# it sees that): a FIFO held open by a sleeping writer
	busybox mkfifo /tmp/in
	busybox sleep 3600 > /tmp/in &
	busybox nc -l -p 5000 < /tmp/in > /tmp/got
	busybox kill $!
	echo "hvmm-net: received $(busybox wc -c < /tmp/got) bytes sha256 $(busybox sha256sum /tmp/got | busybox cut -d' ' -f1)"
else
	i=0
	until busybox ping -c 1 -W 1 "$peer" > /dev/null 2>&1 || [ $i -ge 60 ]; do i=$((i + 1)); done
	busybox ping -c "${hvmm_pings:-3}" "$peer" | while read -r l; do echo "hvmm-net: ping: $l"; done
	busybox dd if=/dev/urandom of=/tmp/sent bs=1024 count="$kib" 2>/dev/null
	echo "hvmm-net: sending $(busybox wc -c < /tmp/sent) bytes sha256 $(busybox sha256sum /tmp/sent | busybox cut -d' ' -f1)"
	i=0
	t0=$(hvmm-helper tsc)
	until busybox nc "$peer" 5000 < /tmp/sent || [ $i -ge 30 ]; do
		busybox usleep 200000
		i=$((i + 1))
		t0=$(hvmm-helper tsc)
	done
	echo "hvmm-net: sent $kib KiB tsc=$t0 $(hvmm-helper tsc)"
fi
busybox grep virtio /proc/interrupts | while read -r l; do echo "hvmm-net: irq $l"; done
echo "hvmm-net: done, poweroff -f"
busybox poweroff -f
