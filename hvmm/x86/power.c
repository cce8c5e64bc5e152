/* SPDX-License-Identifier: MIT */
/* power.c — leave the machine: QEMU's isa-debug-exit port if the command line named one (it wins), else ACPI S5
 * power-off after a clean run (on bare metal after a 30 s pause to read the screen), else halt. Every path prints the
 * method it used. */
#include "hvmm/x86/power.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/x86/acpi.h"
#include "hvmm/x86/tsc.h"

#define READ_PAUSE_S 30 /* on bare metal, time to read (or photograph) the summary before the screen goes dark */

/* On bare metal (no hypervisor bit in CPUID 1 ECX), wait READ_PAUSE_S seconds with a countdown line every 10 s. */
static void pause_for_reader(void)
{
	if ((cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR) || !tsc_khz)
		return;
	for (int left = READ_PAUSE_S; left > 0; left -= 10) {
		hlog("powering off in %d s (bare metal: time to read the screen)", left);
		uint64_t t0 = rdtsc();
		while (rdtsc() - t0 < tsc_khz * 1000 * 10)
			pause();
	}
}

void power_off(enum power_status status)
{
	cli();
	con_async(0); /* everything queued is printed before the machine goes */
	if (config.exit_port) {
		outl(config.exit_port, (uint32_t)status);
		/* Still here: the port is not a debug-exit device. */
		hlog("exit_port=0x%x did not power off; halting", config.exit_port);
	} else if (status == POWER_OK || status == POWER_GUEST_FAILED || status == POWER_GUEST_KILLED) {
		pause_for_reader();
		acpi_power_off(); /* returns only if it could not */
		hlog("halted (no exit_port= and no working ACPI power-off)");
	} else {
		hlog("halted so the messages above stay readable (status 0x%x; no exit_port= on the command line)",
		     (unsigned)status);
	}
	halt_forever();
}
