/* power.c — leave the machine: write the status to QEMU's isa-debug-exit port if the command line named one, else halt. */
#include "hvmm/power.h"

#include "hvmm/config.h"
#include "hvmm/console.h"
#include "hvmm/x86.h"

void power_off(enum power_status status)
{
	cli();
	if (config.exit_port) {
		outl(config.exit_port, (uint32_t)status);
		/* Still here: the port is not a debug-exit device. */
		hlog("exit_port=0x%x did not power off; halting", config.exit_port);
	} else {
		hlog("halted (no exit_port= on the command line)");
	}
	halt_forever();
}
