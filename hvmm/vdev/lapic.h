/* SPDX-License-Identifier: MIT */
/*
 * lapic.h — the virtual local APIC of a guest's CPU: the xAPIC register page at 0xFEE00000 (reached through nested
 * page faults and MMIO emulation in guest/), its timer on the guest TSC (one-shot, periodic, TSC-deadline), and
 * interrupt acceptance (IRR/ISR/TPR/PPR).
 */
#ifndef HVMM_VDEV_LAPIC_H
#define HVMM_VDEV_LAPIC_H
#include <stdint.h>

#include "hvmm/vdev/clock.h"
#include "hvmm/vdev/vdev.h"

#define LAPIC_BASE 0xfee00000ull
#define LAPIC_SIZE 0x1000u
#define LAPIC_BUS_HZ 100000000u /* the timer's input clock (before the divide configuration): 100 MHz */

enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

/* Registers as AMD APM Vol. 2 §16 names them. */
struct vdev_lapic {
	uint32_t id; /* APIC ID (bits 31:24 of register 0x20) */
	uint32_t tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending; /* errors latched by the last ESR write, and those since */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_COUNT];
	uint32_t timer_initial, timer_divide; /* initial count; divide configuration as written */
	uint32_t irr[8], isr[8], tmr[8]; /* 256-bit vectors, 32 per register */
	uint64_t timer_start; /* TSC when the current count was loaded */
	uint64_t timer_periods; /* expiries already signalled since timer_start */
	uint64_t tsc_deadline; /* TSC-deadline mode: the armed IA32_TSC_DEADLINE value (guest TSC), 0 = disarmed */
	uint64_t due; /* TSC of the timer's next expiry whatever the mask, UINT64_MAX if none: kept by every change of
		       * the timer's state, so vlapic_update costs a compare until then */
	struct vdev_clock clock; /* LAPIC_BUS_HZ on the TSC */
	uint64_t ipis; /* ICR writes (statistics) */
	uint64_t clamped; /* periodic timer programmings below VDEV_MIN_PERIOD_US (statistics) */
	uint8_t hw_enabled; /* APIC_BASE MSR bit 11: 0 = globally disabled, the 8259A's INTR goes straight to the CPU */
	uint8_t nmi_pending; /* an NMI IPI reached this CPU; the platform delivers it and clears this */
	uint8_t init_pending; /* an INIT IPI reached this CPU; the platform acts on it and clears this */
	int16_t eoi_level; /* vector of the last EOI of a level-triggered interrupt (TMR set), -1 = none: the platform
			    * broadcasts it to the I/O APIC (vdev_pc_mmio) */
};

/* Reset as a bootstrap processor after power-on: ID 0, SVR 0xFF (software-disabled), LINT0 ExtINT (the 8259A's
 * output reaches the CPU, virtual-wire mode, as a PC BIOS leaves it), LINT1 NMI, the other LVTs masked. */
void vlapic_init(struct vdev_lapic *a, uint64_t tsc_khz);
/* One access of size bytes (1, 2, 4, 8) at offset (0..0xfff) of the register page; *value is the data. Registers are
 * 32 bits wide at 16-byte aligned offsets: reads of other offsets or sizes return the covered bytes of the
 * register (0 for reserved offsets); writes that are not 32-bit and aligned are ignored. While the APIC is globally
 * disabled (IA32_APIC_BASE[11] = 0, Intel SDM Vol. 3A §11.4.3) its page is not decoded: reads return all ones and
 * writes are lost, as on a bus where nothing answers. */
void vlapic_mmio(struct vdev_ctx *ctx, struct vdev_lapic *a, enum vdev_dir dir, uint32_t offset, unsigned size,
		uint64_t *value);
/* Bring the timer up to TSC now: an expiry sets the LVT timer vector in IRR (several periods coalesce into one). */
void vlapic_update(struct vdev_lapic *a, uint64_t now);
/* TSC of the timer's next interrupt, or UINT64_MAX (also while the LVT timer is masked: its expiries deliver
 * nothing, and vlapic_update accounts for them whenever the guest looks). */
uint64_t vlapic_deadline(const struct vdev_lapic *a);
/* The highest vector in IRR that the processor priority lets through, or -1. */
int vlapic_pending(const struct vdev_lapic *a);
/* The CPU takes vector (from vlapic_pending): IRR -> ISR. */
void vlapic_ack(struct vdev_lapic *a, unsigned vector);
/* IA32_TSC_DEADLINE (MSR 6E0h; Intel SDM Vol. 3A §11.5.4.1, the mode KVM also offers on AMD hosts): in TSC-deadline
 * mode (LVT timer bits 18:17 = 10b) a write arms the timer for that TSC value (0 disarms) and a read returns the
 * armed value, 0 once it fired; in the other modes writes are ignored and reads return 0. */
uint64_t vlapic_tsc_deadline_read(const struct vdev_lapic *a);
void vlapic_tsc_deadline_write(struct vdev_lapic *a, uint64_t val, uint64_t now);
/* End the highest-priority interrupt in service (a write of the EOI register). */
void vlapic_eoi(struct vdev_lapic *a);
/* Is any interrupt waiting in IRR (deliverable now or not)? */
int vlapic_irr_any(const struct vdev_lapic *a);
/* Is vector the only interrupt in service, with none waiting in IRR, and edge-triggered? (When KVM's PV EOI may end
 * it.) */
int vlapic_only_in_service(const struct vdev_lapic *a, unsigned vector);
/* An interrupt from the I/O APIC: vector into IRR, and into TMR if level-triggered (its EOI is then broadcast). */
void vlapic_deliver(struct vdev_lapic *a, uint8_t vector, int level);
/* Does an interrupt message for dest (physical: APIC ID or FFh; logical = 1: flat model, a bit of LDR) reach a? */
int vlapic_selected(const struct vdev_lapic *a, uint8_t dest, int logical);
/* What the LINT1 pin's assertion did (vlapic_lint1). */
enum vlapic_lint1 {
	VLAPIC_LINT1_NMI, /* delivery mode NMI, or the APIC globally disabled: nmi_pending set */
	VLAPIC_LINT1_FIXED, /* delivery mode fixed: the LVT's vector into IRR (edge-triggered) */
	VLAPIC_LINT1_MASKED, /* LVT LINT1 masked: nothing (the edge is not kept) */
	VLAPIC_LINT1_OTHER, /* SMI, INIT, ExtINT or a reserved delivery mode: nothing (no SMM, no firmware) */
};
/* The LINT1 pin asserted once (a PC's NMI button: the chipset's NMI reaches the CPU's LINT1), delivered as LVT
 * LINT1 says (APM Vol. 2 §16.4); with the APIC globally disabled the pin is the CPU's NMI input, as LINT0 is its
 * INTR (vlapic_accepts_extint). */
enum vlapic_lint1 vlapic_lint1(struct vdev_lapic *a);
/* Does the 8259A's INTR reach the CPU (LINT0 unmasked in ExtINT mode)? */
int vlapic_accepts_extint(const struct vdev_lapic *a);

#endif
