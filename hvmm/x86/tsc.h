/* SPDX-License-Identifier: MIT */
/* tsc.h — TSC frequency at boot: from CPUID 15h/16h or the AMD P0 state when the CPU states it and the timers
 * confirm it, else measured against the HPET, the ACPI PM timer and PIT channel 2 (docs/hardware.md). */
#ifndef HVMM_TSC_H
#define HVMM_TSC_H
#include <stdint.h>

extern uint64_t tsc_khz; /* TSC frequency (kHz) */

/* Find the TSC frequency and set tsc_khz; prints "tsc_khz=<kHz> (<method>)". Call after acpi_init() (the PM timer
 * comes from the FADT, the HPET from its table). */
void tsc_calibrate(void);
/* Spin for at least us microseconds of TSC time (after tsc_calibrate). */
void tsc_delay_us(uint64_t us);
/* Convert TSC cycles to nanoseconds with tsc_khz. */
uint64_t tsc_to_ns(uint64_t cycles);

#endif
