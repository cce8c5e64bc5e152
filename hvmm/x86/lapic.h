/* SPDX-License-Identifier: MIT */
/* lapic.h — this CPU's local APIC in xAPIC or x2APIC mode: enable, one-shot timer for time slices, EOI
 * (APM Vol. 2 §16.4, §16.11). */
#ifndef HVMM_LAPIC_H
#define HVMM_LAPIC_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/core/arch.h"

#define X2APIC_MSR_TIMER_INIT 0x838u /* 800h + 380h/16 */

enum lapic_mode {
	LAPIC_MODE_AUTO, /* keep firmware's mode: x2APIC if APIC_BASE.EXTD = 1, else xAPIC */
	LAPIC_MODE_XAPIC,
	LAPIC_MODE_X2APIC,
};

/* Enable this CPU's local APIC in mode (see lapic.c), mask its LVTs, and calibrate the timer against the TSC.
 * Returns timer ticks per millisecond (divide-by-16 clock). */
uint32_t lapic_init(uint64_t tsc_khz, enum lapic_mode mode);
/* Enable an AP's local APIC in the BSP's mode like lapic_init, without calibrating: every local APIC timer counts
 * the same clock (APM Vol. 2 §16.4.1: the timer runs on the APIC bus/core clock divided by the divide
 * configuration). After lapic_init on the BSP. */
void lapic_init_ap(void);
/* 1 if the APICs run in x2APIC mode (32-bit IDs), 0 for xAPIC (8-bit IDs, 0xFF = broadcast). */
int lapic_is_x2apic(void);
/* This CPU's local APIC ID (xAPIC: ID register bits 31:24; x2APIC: all 32 bits). */
uint32_t lapic_id(void);

/* ICR low-word fields (APM Vol. 2 §16.5, Figure 16-18). */
#define ICR_VECTOR(v) ((uint32_t)(v) & 0xff)
#define ICR_DM_NMI (4u << 8)
#define ICR_DM_INIT (5u << 8)
#define ICR_DM_STARTUP (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_SHORTHAND_SELF (1u << 18)
/* Send an IPI (ICR low word icr) to the local APIC apic_id (xAPIC: 0..254) and, in xAPIC mode, wait until it left
 * (delivery status idle). Returns 0, or -1 if it was still pending after about a million reads. */
int lapic_send_ipi(uint32_t apic_id, uint32_t icr);
extern volatile uint32_t *lapic_timer_init_reg;

/* Start a one-shot countdown of ticks timer ticks raising VEC_TIMER; 0 stops the timer. Inline: it is on every
 * switch. Writing the initial count restarts the countdown (APM Vol. 2 §16.4.1); in x2APIC mode through its MSR. */
static inline void lapic_timer_oneshot(uint32_t ticks)
{
	if (lapic_timer_init_reg)
		*lapic_timer_init_reg = ticks;
	else
		wrmsr(X2APIC_MSR_TIMER_INIT, ticks);
}
void lapic_eoi(void);
extern uint64_t lapic_eoi_reg; /* xAPIC EOI register address, 0 in x2APIC mode (isr.S) */

#endif
