/* power.c — leave the machine: QEMU's isa-debug-exit port if the command line named one (it wins), else ACPI S5
 * power-off after a clean run, else halt. Every path prints the method it used. */
#include "hvmm/power.h"

#include "hvmm/acpi.h"
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
	} else if (status == POWER_OK) {
		acpi_power_off(); /* returns only if it could not */
		hlog("halted (no exit_port= and no working ACPI power-off)");
	} else {
		hlog("halted so the messages above stay readable (status 0x%x; no exit_port= on the command line)",
		     (unsigned)status);
	}
	halt_forever();
}
