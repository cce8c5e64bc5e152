/* SPDX-License-Identifier: MIT */
/*
 * ioapic.c — mask the I/O APICs' redirection tables at boot. Firmware (and a previous OS on a warm boot) may leave
 * routes unmasked; an interrupt through one would arrive at a vector hvmm never asked for. Registers per the Intel
 * 82093AA I/O APIC datasheet §3.1-3.2: IOREGSEL at +0x00, IOWIN at +0x10; register 01h = version, bits 23:16 = highest
 * redirection entry; entry n = registers 10h + 2n (low dword, bit 16 = mask) and 11h + 2n.
 */
#include "hvmm/x86/ioapic.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/x86/acpi.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define REDTBL_MASKED (1u << 16)

static uint32_t ioapic_read(uint64_t base, uint32_t reg)
{
	mmio_write32(base + IOREGSEL, reg);
	return (uint32_t)mmio_read32(base + IOWIN);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t v)
{
	mmio_write32(base + IOREGSEL, reg);
	mmio_write32(base + IOWIN, v);
}

void ioapic_mask_all(void)
{
	for (unsigned i = 0; i < acpi.nioapics; i++) {
		uint64_t base = acpi.ioapic[i].address;
		uint32_t ver = ioapic_read(base, IOAPIC_VER);
		if (ver == 0xffffffffu) {
			hlog("warning: ioapic id=%u at 0x%lx does not answer; not masked", acpi.ioapic[i].id, base);
			continue;
		}
		unsigned entries = ((ver >> 16) & 0xff) + 1, unmasked = 0;
		for (unsigned n = 0; n < entries; n++) {
			uint32_t lo = ioapic_read(base, IOAPIC_REDTBL(n));
			if (!(lo & REDTBL_MASKED)) {
				unmasked++;
				ioapic_write(base, IOAPIC_REDTBL(n), lo | REDTBL_MASKED);
			}
		}
		hlog("ioapic id=%u address=0x%lx entries=%u masked (%u were routed by firmware)", acpi.ioapic[i].id, base,
		     entries, unmasked);
	}
}
