/* power.h — end the run: QEMU isa-debug-exit port when configured (exit_port=), else ACPI S5 power-off, else halt. */
#ifndef HVMM_POWER_H
#define HVMM_POWER_H

/* Values written to the debug-exit port; QEMU then exits with status (value << 1) | 1. */
enum power_status {
	POWER_OK = 0x10, /* every guest ran to its end: QEMU status 33 */
	POWER_ERROR = 0x11, /* hvmm could not start (missing CPU feature, no guests): status 35 */
	POWER_PANIC = 0x12, /* hvmm bug: status 37 */
};

/* Leave the machine; never returns. With exit_port= write the status there (QEMU). Without it: POWER_OK powers off
 * through ACPI S5 (on bare metal 30 s later, to leave time to read the screen); POWER_ERROR and POWER_PANIC halt, so
 * the messages stay on the screen of a machine without a serial port. Whatever fails is printed, and hvmm halts. */
void power_off(enum power_status status) __attribute__((noreturn));

#endif
