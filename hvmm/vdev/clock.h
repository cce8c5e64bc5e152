/* SPDX-License-Identifier: MIT */
/*
 * clock.h — a device clock derived from the TSC: conversions between TSC cycles and ticks of a fixed-frequency
 * clock (PIT 1.193182 MHz, RTC 32.768 kHz, the virtual local APIC timer) by multiply and shift, no division.
 */
#ifndef HVMM_VDEV_CLOCK_H
#define HVMM_VDEV_CLOCK_H
#include <stdint.h>

#define CLOCK_FROM_SHIFT 56 /* ticks per cycle, fixed point (the clock is never faster than the TSC) */
#define CLOCK_TO_SHIFT 24 /* cycles per tick, fixed point */

struct vdev_clock {
	uint64_t hz; /* the device clock's frequency */
	uint64_t from_tsc; /* ticks = cycles * from_tsc >> CLOCK_FROM_SHIFT */
	uint64_t to_tsc; /* cycles = ticks * to_tsc >> CLOCK_TO_SHIFT */
};

/* A clock of hz ticks per second (hz < 2^32, at most the TSC rate) on a TSC of tsc_khz kHz. */
static inline void clock_init(struct vdev_clock *c, uint64_t hz, uint64_t tsc_khz)
{
	uint64_t tsc_hz = tsc_khz ? tsc_khz * 1000 : 1000000000; /* an uncalibrated TSC counts as 1 GHz */
	uint64_t q = (hz << 32) / tsc_hz, r = (hz << 32) % tsc_hz; /* long division: (hz << 56) / tsc_hz */
	c->hz = hz;
	c->from_tsc = (q << 24) | ((r << 24) / tsc_hz);
	c->to_tsc = (tsc_hz << CLOCK_TO_SHIFT) / hz;
}

/* Ticks in cycles TSC cycles (rounded down). */
static inline uint64_t clock_ticks(const struct vdev_clock *c, uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * c->from_tsc) >> CLOCK_FROM_SHIFT);
}

/* TSC cycles until ticks ticks have certainly passed (rounded up). */
static inline uint64_t clock_cycles(const struct vdev_clock *c, uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * c->to_tsc) >> CLOCK_TO_SHIFT) + (ticks >> 20) + 2;
}

#endif
