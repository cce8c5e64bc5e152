/* SPDX-License-Identifier: MIT */
/* power.h — end the run: QEMU isa-debug-exit port when configured (exit_port=), else ACPI S5 power-off, else halt. */
#ifndef HVMM_POWER_H
#define HVMM_POWER_H

/* Values written to the debug-exit port (docs/serial-log.md "Status"); QEMU then exits with (value << 1) | 1. */
enum power_status {
	POWER_OK = 0x10, /* every guest exited with status 0: QEMU status 33 */
	POWER_ERROR = 0x11, /* hvmm could not start (missing CPU feature, bad boot information, no guest): 35 */
	POWER_PANIC = 0x12, /* hvmm bug: 37 */
	POWER_GUEST_FAILED = 0x13, /* every guest exited, some with a non-zero status: 39 */
	POWER_GUEST_KILLED = 0x14, /* some guest was killed or some module rejected: 41 */
};

/* Leave the machine; never returns. With exit_port= write the status there (QEMU). Without it: a run that ended
 * (POWER_OK, POWER_GUEST_FAILED, POWER_GUEST_KILLED) powers off through ACPI S5 (on bare metal 30 s later, to leave
 * time to read the screen); POWER_ERROR and POWER_PANIC halt, so the messages stay on the screen of a machine without
 * a serial port. Whatever fails is printed, and hvmm halts. */
void power_off(enum power_status status) __attribute__((noreturn));

#endif
