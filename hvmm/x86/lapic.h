/* lapic.h — local APIC: enable, one-shot timer for time slices, EOI (APM Vol. 2 §16.4). */
#ifndef HVMM_LAPIC_H
#define HVMM_LAPIC_H
#include <stdint.h>

/* Enable this CPU's local APIC (xAPIC MMIO), mask its LVTs, and calibrate the timer against the TSC.
 * Returns timer ticks per millisecond (divide-by-16 clock). */
uint32_t lapic_init(uint64_t tsc_khz);
extern volatile uint32_t *lapic_timer_init_reg;

/* Start a one-shot countdown of ticks timer ticks raising VEC_TIMER; 0 stops the timer. Inline: it is on every
 * switch. Writing the initial count restarts the countdown (APM Vol. 2 §16.4.1). */
static inline void lapic_timer_oneshot(uint32_t ticks) { *lapic_timer_init_reg = ticks; }
void lapic_eoi(void);
extern uint64_t lapic_eoi_reg; /* EOI register address (isr.S) */

#endif
