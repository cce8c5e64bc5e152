/* SPDX-License-Identifier: MIT */
/*
 * ioapic.c — a virtual 82093AA I/O APIC (Intel datasheet 290566 §3): IOREGSEL (0x00) selects a register, IOWIN (0x10)
 * reads or writes it: IOAPICID (0x00), IOAPICVER (0x01: version 11h, 24 entries), IOAPICARB (0x02) and the 24
 * 64-bit redirection table entries at 0x10 + 2n (low dword) and 0x11 + 2n (high dword). Fixed and lowest-priority
 * entries deliver their vector to the guest's one local APIC when the destination (physical: its APIC ID or FFh;
 * logical, flat model: a bit of its LDR) selects it; NMI, SMI, INIT and ExtINT entries deliver nothing (there is
 * no path for them to hvmm's virtual CPU). Delivery status (bit 12) always reads idle: delivery is immediate.
 * The polarity bit is kept as written; a device line here is "asserted" or not, whatever the wire's level.
 */
#include "hvmm/vdev/ioapic.h"

#define REG_ID 0x00
#define REG_VER 0x01
#define REG_ARB 0x02
#define REG_REDIR 0x10
#define VERSION (IOAPIC_VERSION | ((IOAPIC_PINS - 1u) << 16)) /* 82093AA: version 11h, maximum redirection entry 23 */

#define RTE_VECTOR IOAPIC_RTE_VECTOR
#define RTE_DM_SHIFT IOAPIC_RTE_DM_SHIFT
#define RTE_DESTMODE (1ull << 11) /* 1 = logical */
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL IOAPIC_RTE_LEVEL
#define RTE_MASK IOAPIC_RTE_MASK
#define RTE_DEST_SHIFT 56
#define RTE_WRITABLE 0xff0000000001afffull /* vector, delivery mode, destination mode, polarity, trigger, mask,
					    * destination: delivery status and remote IRR are read-only */
#define DM_FIXED 0
#define DM_LOWEST 1

void ioapic_init(struct vdev_ioapic *io)
{
	*io = (struct vdev_ioapic){ .id = IOAPIC_ID << 24 };
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASK; /* reset: every entry masked (datasheet §3.2.4) */
}

/* Send entry pin's interrupt to the local APIC; returns 1 if it was accepted. */
static int deliver(struct vdev_ioapic *io, struct vdev_lapic *a, unsigned pin)
{
	uint64_t e = io->redir[pin];
	unsigned dm = (unsigned)(e >> RTE_DM_SHIFT) & 7;
	if (dm != DM_FIXED && dm != DM_LOWEST)
		return 0;
	if (!vlapic_selected(a, (uint8_t)(e >> RTE_DEST_SHIFT), (e & RTE_DESTMODE) != 0))
		return 0;
	vlapic_deliver(a, (uint8_t)(e & RTE_VECTOR), (e & RTE_LEVEL) != 0);
	io->delivered++;
	return 1;
}

/* A level-triggered entry whose pin is asserted, unmasked and not waiting for an EOI: deliver, set remote IRR. */
static void level_check(struct vdev_ioapic *io, struct vdev_lapic *a, unsigned pin)
{
	uint64_t e = io->redir[pin];
	if ((e & RTE_LEVEL) && !(e & (RTE_MASK | RTE_REMOTE_IRR)) && (io->level & (1u << pin)) && deliver(io, a, pin))
		io->redir[pin] |= RTE_REMOTE_IRR;
}

void ioapic_set_pin(struct vdev_ioapic *io, struct vdev_lapic *a, unsigned pin, int level)
{
	if (pin >= IOAPIC_PINS)
		return;
	uint32_t bit = 1u << pin, was = io->level & bit;
	io->level = level ? io->level | bit : io->level & ~bit;
	uint64_t e = io->redir[pin];
	if (e & RTE_LEVEL)
		level_check(io, a, pin);
	else if (level && !was && !(e & RTE_MASK))
		deliver(io, a, pin);
}

void ioapic_eoi(struct vdev_ioapic *io, struct vdev_lapic *a, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];
		if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR) && (uint8_t)(e & RTE_VECTOR) == vector) {
			io->redir[pin] &= ~RTE_REMOTE_IRR;
			level_check(io, a, pin);
		}
	}
}

static uint32_t reg_read(const struct vdev_ioapic *io, uint32_t reg)
{
	if (reg >= REG_REDIR && reg < REG_REDIR + 2 * IOAPIC_PINS) {
		uint64_t e = io->redir[(reg - REG_REDIR) / 2];
		return (uint32_t)((reg & 1) ? e >> 32 : e);
	}
	switch (reg) {
	case REG_ID:
	case REG_ARB: /* the arbitration ID is loaded from the APIC ID */
		return io->id;
	case REG_VER:
		return VERSION;
	default:
		return 0;
	}
}

static void reg_write(struct vdev_ioapic *io, struct vdev_lapic *a, uint32_t reg, uint32_t v)
{
	if (reg >= REG_REDIR && reg < REG_REDIR + 2 * IOAPIC_PINS) {
		unsigned pin = (reg - REG_REDIR) / 2;
		uint64_t e = io->redir[pin], w = (reg & 1) ? (uint64_t)v << 32 | (uint32_t)e : (e & ~0xffffffffull) | v;
		io->redir[pin] = (w & RTE_WRITABLE) | (e & ~RTE_WRITABLE);
		if (!(io->redir[pin] & RTE_LEVEL))
			io->redir[pin] &= ~RTE_REMOTE_IRR; /* remote IRR is undefined for edge-triggered entries: 0 */
		level_check(io, a, pin); /* unmasking an asserted level-triggered pin delivers it */
		return;
	}
	if (reg == REG_ID)
		io->id = v & 0x0f000000u;
}

void ioapic_mmio(struct vdev_ioapic *io, struct vdev_lapic *a, enum vdev_dir dir, uint32_t offset, unsigned size,
		 uint64_t *value)
{
	if (dir == VDEV_IN)
		*value = 0;
	if (size != 4 || (offset != 0x00 && offset != 0x10))
		return;
	if (offset == 0x00) {
		if (dir == VDEV_IN)
			*value = io->ioregsel;
		else
			io->ioregsel = (uint32_t)*value & 0xff;
	} else if (dir == VDEV_IN) {
		*value = reg_read(io, io->ioregsel);
	} else {
		reg_write(io, a, io->ioregsel, (uint32_t)*value);
	}
}
