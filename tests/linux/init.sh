#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of hvmm's Linux test initramfs (tests/linux/prepare.py): two markers around `sleep 1`, each with the TSC, a
# 1 s nanosleep timed by the helper itself, the kernel's timer device, then the end of the guest through the
# debug-exit port (status (0 << 1) | 1 = 1): 0xf4, or a debug_exit= the kernel's own command line holds (hvmm takes its
# debug_exit= key out of the line; docs/cmdline.md: give it to the kernel after "--"). docs/linux-guest.md.
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
echo "hvmm-linux: init started tsc=$(hvmm-helper tsc)"
busybox sleep 1
echo "hvmm-linux: slept 1 s tsc=$(hvmm-helper tsc)"
# the same sleep measured inside one process (no fork/exec around it): "<TSC before> <TSC after>"
echo "hvmm-linux: nanosleep 1 s tsc=$(hvmm-helper sleep 1)"
# which device drives the kernel's timer (pit or lapic) and how many local APIC timer interrupts it took
ce=$(busybox cat /sys/devices/system/clockevents/clockevent0/current_device 2>/dev/null)
loc=$(busybox awk '/LOC:/ {print $2}' /proc/interrupts)
echo "hvmm-linux: clockevent=${ce:-none} local-timer-interrupts=${loc:-0}"
port=$(busybox sed -n 's/.*debug_exit=\([0-9a-fx]*\).*/\1/p' /proc/cmdline)
echo "hvmm-linux: done, exit through port ${port:-none}"
hvmm-helper exit "${port:-0xf4}" 0
echo "hvmm-linux: debug-exit did not stop the guest"
busybox poweroff -f
