/* SPDX-License-Identifier: MIT */
/*
 * pclowmem.c — the low memory of a PC kernel's guest (multiboot v1 and Linux; docs/guest-abi.md, "Low memory"): the
 * real-mode IVT, the BIOS data area and the EBDA (lib/pcbios.c), sized like the memory map the loaders report
 * (conventional RAM up to HVMM_PC_EBDA_GPA), and with the virtual PC an MP table for its one CPU in the BIOS area.
 */
#include "hvmm/guest/pclowmem.h"

#include "hvmm/abi.h"
#include "hvmm/guest/guest.h"
#include "hvmm/vdev/lapic.h"
#include "mptable.h"
#include "pcbios.h"

#define PC_LAPIC_VERSION 0x14 /* an integrated local APIC, as the virtual xAPIC reports (vdev/lapic.c) */

_Static_assert(HVMM_PC_BIOS_GPA % 16 == 0 && HVMM_PC_BIOS_GPA + MPTABLE_SIZE <=
	       ((uint32_t)PCBIOS_IRET_SEG << 4) + PCBIOS_IRET_OFF, "the MP table lies below the IRET in the BIOS area");

void pclowmem_build(struct guest *g)
{
	uint8_t *low = guest_ptr(g, 0, PCBIOS_LOW_BYTES); /* every guest has at least 2 MiB */
	pcbios_build(low, HVMM_PC_EBDA_GPA, g->pc != NULL);
	/* Without an MP table (and without ACPI) Linux runs its local APIC in "virtual wire mode with no
	 * configuration" and never starts the APIC timer (docs/linux-guest.md, "The MP table"). */
	if (g->pc)
		mptable_build(low + HVMM_PC_BIOS_GPA, HVMM_PC_BIOS_GPA, 0, PC_LAPIC_VERSION, (uint32_t)LAPIC_BASE, 0, 0);
}
