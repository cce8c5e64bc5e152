#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of hvmm's Linux test initramfs (tests/linux/prepare.py): two markers around `sleep 1`, each with the TSC, a
# 1 s nanosleep timed by the helper itself, the kernel's timer device, then the end of the guest through the
# debug-exit port (status (0 << 1) | 1 = 1): 0xf4, or a debug_exit= the kernel's own command line holds (hvmm takes its
# debug_exit= key out of the line; docs/cmdline.md: give it to the kernel after "--"); or, with
# hvmm_end=poweroff|reboot, through busybox's poweroff -f or reboot -f. docs/linux-guest.md.
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
cs=$(busybox cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
echo "hvmm-linux: clocksource=${cs:-none}"
# hvmm_steal=<s> on the kernel's command line (an environment variable here): stay CPU-bound for that long and print
# the /proc/stat cpu line before and after (USER_HZ ticks: user nice system idle iowait irq softirq steal ...)
if [ -n "$hvmm_steal" ]; then
	echo "hvmm-linux: stat before $(busybox head -n 1 /proc/stat)"
	hvmm-helper spin "$hvmm_steal"
	echo "hvmm-linux: stat after $(busybox head -n 1 /proc/stat)"
	# hvmm_steal_tail=<s>: stay CPU-bound that much longer, so that a second guest's window ends beside it too
	[ -n "$hvmm_steal_tail" ] && hvmm-helper spin "$hvmm_steal_tail"
fi
# the exit-rate measurements (tools/pv-bench): hvmm_idle=<s> idles that long, hvmm_ticks=<s> sleeps 1 ms at a time
if [ -n "$hvmm_idle" ]; then
	busybox sleep "$hvmm_idle"
	echo "hvmm-linux: idled $hvmm_idle s"
fi
if [ -n "$hvmm_ticks" ]; then
	echo "hvmm-linux: ticked $hvmm_ticks s: $(hvmm-helper tick "$hvmm_ticks") sleeps of 1 ms"
fi
# hvmm_shell=1: a busybox shell on the console for hvmm's console input (docs/running.md); `exit` ends it
if [ -n "$hvmm_shell" ]; then
	echo "hvmm-linux: shell on the console (exit ends it)"
	PS1='hvmm-shell$ ' busybox sh
	echo "hvmm-linux: shell ended"
fi
# the timer's and the console's lines of /proc/interrupts (through which controller they arrive)
busybox grep -E ' timer|LOC:|ttyS|acpi' /proc/interrupts | while read -r l; do echo "hvmm-linux: irq $l"; done
# hvmm_end=poweroff or reboot on the command line: end through ACPI S5 or a platform reset instead of debug-exit
case " $(busybox cat /proc/cmdline) " in
*" hvmm_end=poweroff "*) echo "hvmm-linux: done, poweroff -f"; busybox poweroff -f ;;
*" hvmm_end=reboot "*) echo "hvmm-linux: done, reboot -f"; busybox reboot -f ;;
esac
port=$(busybox sed -n 's/.*debug_exit=\([0-9a-fx]*\).*/\1/p' /proc/cmdline)
echo "hvmm-linux: done, exit through port ${port:-none}"
# the last figures before the exit, which hvmm's summary compares with its own (builtins only, then one exec)
read -r stat < /proc/stat
read -r up < /proc/uptime
echo "hvmm-linux: stat end $stat uptime $up"
hvmm-helper exit "${port:-0xf4}" 0
echo "hvmm-linux: debug-exit did not stop the guest"
busybox poweroff -f
