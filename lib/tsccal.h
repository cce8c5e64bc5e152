/* SPDX-License-Identifier: MIT */
/*
 * tsccal.h — measuring the TSC rate against a reference counter of known frequency (PIT, ACPI PM timer, HPET) so
 * that a descheduled CPU, an SMI or an emulator's stalled thread cannot skew the result. Freestanding: the TSC and the
 * counter are read through callbacks (hvmm/x86/tsc.c reads the hardware, tests/unit/test_tsccal.c a simulation).
 *
 * One window: the counter and the TSC read together at its start and its end — each reading the tightest of
 * TSCCAL_BRACKET_TRIES (TSC, counter read or latch, TSC) triples, so the moment the counter was sampled is known to
 * within that bracket — and the counter followed in between, its wraps counted. A window is refused when a bracket
 * is wider than 1/TSCCAL_BRACKET_DIV of the window (a stall inside a boundary reading), or when two successive
 * readings are so far apart that the counter could have wrapped unseen between them (a stall of unknown length in
 * the middle). A stall anywhere else costs nothing: the rate is TSC cycles over counter ticks between two
 * well-bracketed readings.
 * The result of a reference is the median of TSCCAL_WINDOWS accepted windows (at most TSCCAL_MAX_TRIES tried).
 */
#ifndef HVMM_LIB_TSCCAL_H
#define HVMM_LIB_TSCCAL_H
#include <stdint.h>

#define TSCCAL_WINDOW_MS 10
#define TSCCAL_WINDOWS 5
#define TSCCAL_MAX_TRIES 40
#define TSCCAL_BRACKET_TRIES 8
#define TSCCAL_BRACKET_DIV 5000 /* a boundary reading's bracket may be at most 200 ppm of the window */
#define TSCCAL_MIN_KHZ 100000ull /* 100 MHz: the slowest TSC believed (QEMU -icount shift=0 gives 1 GHz) */
#define TSCCAL_MAX_KHZ 10000000ull /* 10 GHz */
#define TSCCAL_GIVE_UP (1ull << 31) /* TSC cycles: a counter that has not advanced a window by then does not count
				     * (with slow_khz known: 8 windows' time at twice that rate) */
#define TSCCAL_AGREE_PPM 500 /* references within 0.05 % of their median agree */

struct tsccal_ref {
	const char *name; /* "PIT channel 2", ... (for messages) */
	uint64_t hz; /* counter ticks per second */
	uint32_t mask; /* the counter's width: 0xffff, 0xffffff or 0xffffffff */
	int down; /* counts down (the 8254) */
	void (*latch)(void *ctx); /* if set: capture the counter (the moment that counts), which read then returns */
	uint32_t (*read)(void *ctx); /* the counter now, or as latched */
	uint64_t (*tsc)(void *ctx); /* the TSC now */
	void *ctx;
};

struct tsccal_result {
	uint64_t khz; /* the median of the accepted windows, 0 if too few */
	uint64_t min_khz, max_khz; /* the accepted windows' extremes */
	unsigned accepted, refused; /* windows */
	unsigned dead; /* 1: the counter did not advance (absent) */
};

/* Measure the TSC against r. slow_khz is a lower bound for the TSC rate, used to tell how long a stall may be before
 * the counter could wrap unseen (0: TSCCAL_MIN_KHZ, always safe, but a 16-bit PIT then refuses stalls above
 * about 1 ms at 2 GHz). Returns res->khz; res->khz is 0 when fewer than TSCCAL_WINDOWS windows were accepted or
 * the result is outside [TSCCAL_MIN_KHZ, TSCCAL_MAX_KHZ]. */
uint64_t tsccal_measure(const struct tsccal_ref *r, uint64_t slow_khz, struct tsccal_result *res);

/* The rate n references' results (kHz, 0 = none) agree on: their median when every one lies within
 * TSCCAL_AGREE_PPM of it, or the median of a strict majority that does (*outvoted = how many do not); 0 when there
 * is no majority (two that disagree, or none). */
uint64_t tsccal_consensus(const uint64_t *khz, unsigned n, unsigned *outvoted);

/* The median of v[0..n) (sorted in place; the mean of the two middle values for even n), 0 for n = 0. */
uint64_t tsccal_median(uint64_t *v, unsigned n);

#endif
