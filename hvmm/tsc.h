/* tsc.h — TSC frequency, calibrated at boot. */
#ifndef HVMM_TSC_H
#define HVMM_TSC_H
#include <stdint.h>

extern uint64_t tsc_khz; /* TSC frequency (kHz) */

/* Measure the TSC against PIT channel 2 (a fixed 1.193182 MHz clock) and set tsc_khz; prints the result. */
void tsc_calibrate(void);
/* Convert TSC cycles to nanoseconds with tsc_khz. */
uint64_t tsc_to_ns(uint64_t cycles);

#endif
