/* SPDX-License-Identifier: MIT */
/*
 * ioapic.h — the virtual I/O APIC of a guest's PC (Intel 82093AA datasheet, order 290566): 24 input pins, the
 * IOREGSEL/IOWIN register window at 0xFEC00000, the redirection table, delivery to the guest's one local APIC.
 */
#ifndef HVMM_VDEV_IOAPIC_H
#define HVMM_VDEV_IOAPIC_H
#include <stdint.h>

#include "hvmm/vdev/lapic.h"
#include "hvmm/vdev/vdev.h"

#define IOAPIC_BASE 0xfec00000ull
#define IOAPIC_SIZE 0x1000u
#define IOAPIC_PINS 24
#define IOAPIC_ID 1 /* its APIC ID (the MADT's I/O APIC entry): distinct from the CPU's local APIC ID 0 */
#define IOAPIC_VERSION 0x11u /* IOAPICVER bits 7:0, as the 82093AA */

/* Redirection table entry bits (82093AA §3.2.4) the platform looks at. */
#define IOAPIC_RTE_VECTOR 0xffull
#define IOAPIC_RTE_DM_SHIFT 8 /* delivery mode, bits 10:8: 000b fixed, 001b lowest priority */
#define IOAPIC_RTE_LEVEL (1ull << 15)
#define IOAPIC_RTE_MASK (1ull << 16)

struct vdev_ioapic {
	uint32_t ioregsel; /* the register index selected (bits 7:0) */
	uint32_t id; /* IOAPICID bits 27:24 */
	uint64_t redir[IOAPIC_PINS]; /* IOREDTBL: vector, delivery and destination modes, status, polarity, remote IRR,
				      * trigger, mask, destination */
	uint32_t level; /* bit n: pin n is asserted */
	uint64_t delivered; /* interrupts sent to the local APIC (statistics) */
};

void ioapic_init(struct vdev_ioapic *io);
/* Access of size bytes at offset (0..0xfff) of the register window: IOREGSEL at 0x00, IOWIN at 0x10 (32-bit
 * accesses; others read 0 or are ignored, as on the 82093AA, which decodes only doubleword accesses). */
void ioapic_mmio(struct vdev_ioapic *io, struct vdev_lapic *a, enum vdev_dir dir, uint32_t offset, unsigned size,
		 uint64_t *value);
/* Drive pin (0-23) to level (1 = asserted). An edge-triggered entry delivers on the rising edge, a level-triggered
 * one while the pin is asserted and its remote IRR is clear (then sets it). */
void ioapic_set_pin(struct vdev_ioapic *io, struct vdev_lapic *a, unsigned pin, int level);
/* The local APIC's EOI of a level-triggered vector reaches every I/O APIC (EOI broadcast): entries with that
 * vector and remote IRR set clear it, and deliver again if their pin is still asserted. */
void ioapic_eoi(struct vdev_ioapic *io, struct vdev_lapic *a, uint8_t vector);

#endif
