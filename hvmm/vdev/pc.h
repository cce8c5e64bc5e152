/* SPDX-License-Identifier: MIT */
/*
 * pc.h — a guest's virtual PC platform: the devices one guest owns (8259A pair, 8254 PIT and port 0x61, 16550A
 * COM1, CMOS RTC, fw_cfg, the local APIC, the I/O APIC, the ACPI PM registers and timer, the PCI host bridge, the
 * reset ports), their interrupt routing, their MMIO pages, and the questions the interrupt injector asks before each
 * VMRUN (is an interrupt pending, acknowledge it, when is the next timer event). docs/guest-abi.md lists them.
 */
#ifndef HVMM_VDEV_PC_H
#define HVMM_VDEV_PC_H
#include <stdint.h>

#include "hvmm/vdev/acpipm.h"
#include "hvmm/vdev/fwcfg.h"
#include "hvmm/vdev/hpet.h"
#include "hvmm/vdev/ioapic.h"
#include "hvmm/vdev/lapic.h"
#include "hvmm/vdev/pci.h"
#include "hvmm/vdev/pic.h"
#include "hvmm/vdev/pit.h"
#include "hvmm/vdev/rtc.h"
#include "hvmm/vdev/uart.h"
#include "hvmm/vdev/vdev.h"
#include "hvmm/vdev/virtio_pci.h"

#define PC_COM1 0x3f8
#define PC_COM1_IRQ 4
/* ISA IRQ 0 (the PIT) reaches the I/O APIC at pin 2, as on a PC (the MADT's interrupt source override); every other
 * ISA IRQ n at pin n. */
#define PC_IRQ0_BACKLOG 64 /* timer ticks kept for late delivery (256 ms at Linux's 250 Hz) */
#define PC_ISA_GSI(irq) ((irq) == 0 ? 2u : (unsigned)(irq))

/* virtio devices (docs/guest-abi.md "virtio devices"): the nth added sits at PCI slot PC_VIRTIO_SLOT0 + n, function 0,
 * its BAR 0 preset to PC_VIRTIO_BAR0 + n * VIRTIO_BAR_SIZE (the DSDT's PCI window starts at 3 GiB), its INTA# on I/O
 * APIC input PC_VIRTIO_GSI0 + n (the DSDT's _PRT says so). */
#define PC_VIRTIO_MAX 6
#define PC_VIRTIO_SLOT0 2
#define PC_VIRTIO_BAR0 0xc0000000u
#define PC_VIRTIO_GSI0 16

struct vdev_pc_config {
	uint64_t ram_bytes;
	uint16_t ncpus;
	uint64_t unix_time; /* wall-clock time (UTC) at TSC tsc, for the RTC */
	uint64_t tsc;
};

struct vdev_pc {
	struct vdev_pic pic;
	struct vdev_pit pit;
	struct vdev_uart com1;
	struct vdev_rtc rtc;
	struct vdev_fwcfg fwcfg;
	struct vdev_lapic lapic; /* the xAPIC page at LAPIC_BASE (MMIO, guest/mmio.c) */
	struct vdev_ioapic ioapic; /* its page at IOAPIC_BASE */
	struct vdev_hpet hpet; /* its page at HPET_BASE */
	struct vdev_acpipm acpipm;
	struct vdev_pci pci;
	unsigned nvirtio;
	struct virtio_pci *virtio[PC_VIRTIO_MAX]; /* their BARs are MMIO (vdev_pc_mmio) */
	uint64_t irqs_raised; /* rising edges of any line (statistics) */
	uint32_t irq0_backlog; /* timer ticks on IRQ 0 coalesced while the guest did not run, still to deliver */
	uint64_t irq0_caught_up; /* ticks delivered from the backlog (statistics) */
	uint64_t isa_next_event; /* TSC of the PIT's, RTC's or HPET's next event as of their last update; 0 = update */
	int lapic_vector; /* the local APIC's pending vector (or -1) as of the latest vdev_pc_poll or vdev_pc_pending */
	uint64_t gen; /* counts the changes, other than time, that may alter pending interrupts or the next timer event:
		       * line changes, vdev_changed, vdev_pc_changed, writes to the interrupt controllers' pages */
};

/* Reset every device and claim its ports on bus. Returns 0, or -1 with *why if the table is full. */
int vdev_pc_init(struct vdev_pc *pc, struct vdev_bus *bus, uint64_t tsc_khz, const struct vdev_pc_config *cfg,
		 const char **why);
/* Bring the timers up to TSC now (raising their lines), then: is an interrupt waiting for the CPU? The PIT, the RTC
 * and the HPET are only updated once now reaches the next event they had at their last update, or after
 * vdev_pc_changed; the local APIC, which the guest reprograms through MMIO and an MSR, every time. Timer ticks on
 * IRQ 0 that passed while the guest was not running (the PIT's channel 0, the HPET's timer 0 in legacy mode)
 * are delivered afterwards, one each time the previous one was taken, while the I/O APIC routes IRQ 0 (at most
 * PC_IRQ0_BACKLOG of them; docs/guest-abi.md). */
int vdev_pc_poll(struct vdev_pc *pc, struct vdev_ctx *ctx, uint64_t now);
/* vdev_pc_poll right after one at the same TSC (the timers are up to date): is an interrupt waiting, after an
 * acknowledge or an EOI? Delivers the next IRQ 0 tick of the backlog as the poll does. */
int vdev_pc_pending(struct vdev_pc *pc);
/* The guest may have reprogrammed the PIT, port 0x61, the RTC, the HPET or the 8259A: the next poll updates the
 * timers, and the interrupt state counts as changed (gen). */
static inline void vdev_pc_changed(struct vdev_pc *pc)
{
	pc->isa_next_event = 0;
	pc->gen++;
}
/* TSC of the earliest timer event that could raise a line as of the latest vdev_pc_poll, or UINT64_MAX. */
uint64_t vdev_pc_next_event(const struct vdev_pc *pc);
/* The CPU takes the interrupt: its vector — the local APIC's highest deliverable one (IRR -> ISR), else the 8259A's
 * (its INTA cycle) through LINT0. Right after a vdev_pc_poll or vdev_pc_pending that found it pending, with no device
 * access in between. */
uint8_t vdev_pc_ack(struct vdev_pc *pc);
/* Periodic timers programmed faster than VDEV_MIN_PERIOD_US and clamped, over every device (statistics). */
static inline uint64_t vdev_pc_clamped(const struct vdev_pc *pc)
{
	return pc->lapic.clamped + pc->pit.clamped + pc->rtc.clamped + pc->hpet.clamped;
}
/* TSC of the earliest timer event that could interrupt the CPU — the local APIC timer unmasked, the PIT's IRQ 0 or
 * the RTC's IRQ 8 unmasked in the 8259As with their INTR reaching the CPU (LINT0) — or UINT64_MAX: a guest halted
 * with interrupts enabled has no other wake source (no device here raises a line on its own otherwise), and while
 * it is halted nothing can unmask one. */
uint64_t vdev_pc_deadline(const struct vdev_pc *pc);
/* Can console input wake the guest: COM1's received-data interrupt enabled (IER bit 0, MCR.OUT2) and IRQ 4 routed
 * to the CPU (8259A or I/O APIC)? A halted guest waiting for input then has a wake source besides its timers. */
int vdev_pc_input_wakes(const struct vdev_pc *pc);
/* The virtio device whose BAR 0 holds guest-physical gpa (memory decoding on), or NULL. */
struct virtio_pci *vdev_pc_virtio_at(const struct vdev_pc *pc, uint64_t gpa);
/* Does guest-physical gpa lie in a device page (the local APIC's, the I/O APIC's, the HPET's, a virtio BAR)? */
static inline int vdev_pc_is_mmio(const struct vdev_pc *pc, uint64_t gpa)
{
	return gpa - LAPIC_BASE < LAPIC_SIZE || gpa - IOAPIC_BASE < IOAPIC_SIZE || gpa - HPET_BASE < HPET_SIZE ||
	       (pc->nvirtio && vdev_pc_virtio_at(pc, gpa));
}
/* The PCI function, BAR 0 and I/O APIC input of the next virtio device: 0, or -1 when PC_VIRTIO_MAX are there. */
int vdev_pc_virtio_slot(const struct vdev_pc *pc, uint8_t *devfn, uint32_t *bar, uint8_t *gsi);
/* Add vp (made with vdev_pc_virtio_slot's values) to the devices vdev_pc_mmio dispatches to. */
void vdev_pc_virtio_add(struct vdev_pc *pc, struct virtio_pci *vp);
/* An access of size bytes at guest-physical gpa to a device page (the local APIC, the I/O APIC, the HPET, a virtio
 * BAR); *value is the data. Returns 0, or -1 if no device page holds gpa. */
int vdev_pc_mmio(struct vdev_pc *pc, struct vdev_ctx *ctx, enum vdev_dir dir, uint64_t gpa, unsigned size,
		 uint64_t *value);

#endif
