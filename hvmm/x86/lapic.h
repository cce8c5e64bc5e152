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
