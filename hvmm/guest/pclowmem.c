/* SPDX-License-Identifier: MIT */
/*
 * pclowmem.c — the low memory of a PC kernel's guest (multiboot v1 and Linux; docs/guest-abi.md, "Low memory"): the
 * real-mode IVT, the BIOS data area and the EBDA (lib/pcbios.c), sized like the memory map the loaders report
 * (conventional RAM up to HVMM_PC_EBDA_GPA), and with the virtual PC an MP table for its one CPU and the ACPI tables
 * (pcacpi.c) in the BIOS area.
 * A multiboot v1 kernel comes from a BIOS boot loader (GRUB, QEMU's -kernel) and finds the timer tick a PC BIOS
 * leaves running: PIT channel 0 in mode 3 with count 65536 (18.2 Hz, IBM PC/AT Technical Reference) on IRQ 0,
 * unmasked at the 8259A, whose INT 08h handler counts 40:6Ch and acknowledges it. A Linux kernel entered at its
 * 64-bit entry skips its real-mode setup code, which masks every 8259A IRQ before it enters protected mode
 * (Documentation/arch/x86/boot.rst; arch/x86/boot/pm.c): hvmm leaves them masked, as the virtual PIC resets.
 */
#include "hvmm/guest/pclowmem.h"

#include "hvmm/abi.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/pcacpi.h"
#include "hvmm/vdev/lapic.h"
#include "hvmm/vdev/pc.h"
#include "mptable.h"
#include "pcbios.h"

#define PC_LAPIC_VERSION 0x14 /* an integrated local APIC, as the virtual xAPIC reports (vdev/lapic.c) */
#define PIT_CONTROL 0x43
#define PIT_CH0 0x40
#define PIT_CH0_MODE3_LOHI 0x36 /* control word: channel 0, LSB then MSB, mode 3 (square wave), binary */
#define PIC1_IMR 0x21
#define PIC1_IMR_BIOS 0xfa /* IRQ 0 (timer) and IRQ 2 (cascade) unmasked */

/* One OUT of a byte to the guest's devices, as the guest would write it. */
static void out8(struct guest *g, uint16_t port, uint32_t value)
{
	vdev_port_io(&g->vcpu[0]->vctx, &g->bus, VDEV_OUT, port, 1, &value); /* as its boot CPU writes it */
}

_Static_assert(HVMM_PC_BIOS_GPA % 16 == 0 && HVMM_PC_BIOS_GPA + MPTABLE_SIZE <=
	       ((uint32_t)PCBIOS_SEG << 4) + PCBIOS_IRQ_MASTER_OFF, "the MP table lies below the BIOS's code");

void pclowmem_build(struct guest *g, enum pc_lowmem how)
{
	uint8_t *low = guest_ptr(g, 0, PCBIOS_LOW_BYTES); /* every guest has at least 2 MiB */
	pcbios_build(low, HVMM_PC_EBDA_GPA, g->pc != NULL);
	/* Without an MP table (and without ACPI) Linux runs its local APIC in "virtual wire mode with no
	 * configuration" and never starts the APIC timer (docs/linux-guest.md, "The MP table"). */
	if (!g->pc)
		return;
	const struct mptable_ioapic io = { .id = IOAPIC_ID, .version = IOAPIC_VERSION, .addr = (uint32_t)IOAPIC_BASE };
	mptable_build(low + HVMM_PC_BIOS_GPA, HVMM_PC_BIOS_GPA, 0, PC_LAPIC_VERSION, (uint32_t)LAPIC_BASE, 0, 0, &io);
	const char *why;
	if (pcacpi_build(g, &why)) /* the ACPI tables, which an OS prefers to the MP table */
		hlog("guest %s: no ACPI tables: %s", g->name, why);
	if (how != PC_LOWMEM_BIOS)
		return;
	out8(g, PIT_CONTROL, PIT_CH0_MODE3_LOHI);
	out8(g, PIT_CH0, 0); /* count 0 = 65536 */
	out8(g, PIT_CH0, 0);
	out8(g, PIC1_IMR, PIC1_IMR_BIOS);
	vdev_pc_changed(g->pc);
}
