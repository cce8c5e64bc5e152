#!/bin/busybox sh
# /init of hvmm's Linux test initramfs (tests/linux/prepare.py): two markers around `sleep 1`, each with the TSC,
# a 1 s nanosleep timed by the helper itself, then the end of the guest through the debug-exit port (status (0 << 1) | 1 = 1). docs/linux-guest.md.
export PATH=/bin
busybox mount -t proc proc /proc
echo "hvmm-linux: init started tsc=$(hvmm-helper tsc)"
busybox sleep 1
echo "hvmm-linux: slept 1 s tsc=$(hvmm-helper tsc)"
# the same sleep measured inside one process (no fork/exec around it): "<TSC before> <TSC after>"
echo "hvmm-linux: nanosleep 1 s tsc=$(hvmm-helper sleep 1)"
port=$(busybox sed -n 's/.*debug_exit=\([0-9a-fx]*\).*/\1/p' /proc/cmdline)
echo "hvmm-linux: done, exit through port ${port:-none}"
hvmm-helper exit "${port:-0xf4}" 0
echo "hvmm-linux: debug-exit did not stop the guest"
busybox poweroff -f
