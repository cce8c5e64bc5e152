/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of lib/tsccal.c: the TSC measured against simulated reference counters (the 8254's 16-bit
 * down-counter, the 24-bit ACPI PM timer, a 32-bit 100 MHz HPET) by a CPU that stalls at random — between any two
 * reads, for 50 µs to 60 ms (longer than the PIT's 54.9 ms wrap), as a descheduled emulator thread, an SMI or a
 * preempted vCPU does. Every result, and every window it is the median of, must be within 200 ppm of the true rate;
 * and the consensus rules hold.
 */
#define UNIT_MODULE "tsccal"
#include <stdint.h>

#include "tsccal.h"
#include "unit.h"

/* The simulated machine: time in picoseconds, a TSC of tsc_khz, one counter. */
struct sim {
	unsigned __int128 ps;
	uint64_t tsc_khz;
	uint64_t hz;
	uint32_t mask;
	int down;
	uint64_t read_ps; /* what one counter read costs (an I/O port access: about 1 µs) */
	uint64_t rng;
	uint32_t stall_one_in; /* a stall before one call in this many (0: never) */
	uint64_t stall_every_ps; /* or: a stall after this much running time on average (0: never) */
	uint64_t stalls;
	int dead; /* the counter does not count */
	int latches; /* the 8254: a latch command (a third of read_ps) captures the count, two byte reads follow */
	uint32_t latched;
};

static void step(struct sim *s, uint64_t cost_ps)
{
	if ((s->stall_one_in && unit_random(&s->rng) % s->stall_one_in == 0) ||
	    (s->stall_every_ps && unit_random(&s->rng) % s->stall_every_ps < cost_ps)) {
		s->ps += 50000000ull + unit_random(&s->rng) % 60000000000ull; /* 50 µs .. 60 ms */
		s->stalls++;
	}
	s->ps += cost_ps;
}

static uint64_t sim_tsc(void *ctx)
{
	struct sim *s = ctx;
	step(s, 10000); /* RDTSC: 10 ns */
	return (uint64_t)(s->ps * s->tsc_khz / 1000000000ull);
}

static uint32_t count_now(const struct sim *s)
{
	uint64_t ticks = s->dead ? 0 : (uint64_t)(s->ps * s->hz / 1000000000000ull);
	return (uint32_t)((s->down ? ~ticks : ticks) & s->mask);
}

static uint32_t sim_read(void *ctx)
{
	struct sim *s = ctx;
	if (s->latches) {
		step(s, s->read_ps - s->read_ps / 3);
		return s->latched;
	}
	step(s, s->read_ps / 2);
	uint32_t c = count_now(s);
	step(s, s->read_ps - s->read_ps / 2);
	return c;
}

static void sim_latch(void *ctx)
{
	struct sim *s = ctx;
	step(s, s->read_ps / 6);
	s->latched = count_now(s);
	step(s, s->read_ps / 3 - s->read_ps / 6);
}

static struct tsccal_ref ref_of(struct sim *s, const char *name)
{
	return (struct tsccal_ref){ name, s->hz, s->mask, s->down, s->latches ? sim_latch : NULL, sim_read, sim_tsc, s };
}

/* 200 measurements of a counter, 40 at each of five TSC rates: every one within 200 ppm. */
static void run(const char *name, uint64_t hz, uint32_t mask, int down, int latches, uint64_t read_ps,
		    uint64_t slow_khz, uint32_t stall_one_in, uint64_t stall_every_ps)
{
	static const uint64_t rates[] = { 150000, 999973, 2096031, 3700000, 5200000 };
	unsigned off = 0, missing = 0, runs = 0;
	uint64_t worst = 0, stalls = 0, refused = 0;
	for (unsigned k = 0; k < sizeof(rates) / sizeof(rates[0]); k++)
		for (unsigned i = 0; i < 40; i++) {
			struct sim s = { .ps = (unsigned __int128)(i + 1) * 123456789ull, .tsc_khz = rates[k], .hz = hz,
					 .mask = mask, .down = down, .read_ps = read_ps, .rng = 0x9e3779b97f4a7c15ull * (i + 1 + k * 100),
					 .stall_one_in = stall_one_in, .latches = latches,
					 .stall_every_ps = stall_every_ps };
			struct tsccal_ref r = ref_of(&s, name);
			struct tsccal_result res;
			uint64_t got = tsccal_measure(&r, slow_khz ? rates[k] / 2 : 0, &res);
			runs++;
			stalls += s.stalls;
			refused += res.refused;
			if (!got) {
				missing++;
				continue;
			}
			/* the median, and every window it was taken from (min_khz..max_khz): a stall must refuse a window,
			 * not leave the median to outvote it */
			uint64_t lo = rates[k] - res.min_khz < (uint64_t)INT64_MAX ? rates[k] - res.min_khz : 0;
			uint64_t hi = res.max_khz > rates[k] ? res.max_khz - rates[k] : 0;
			uint64_t d = got > rates[k] ? got - rates[k] : rates[k] - got;
			d = lo > d ? lo : d;
			d = hi > d ? hi : d;
			uint64_t ppm = d * 1000000 / rates[k];
			worst = ppm > worst ? ppm : worst;
			off += ppm > 200;
		}
	CHECK(off == 0 && missing == 0, "%s: %u runs at 150 MHz-5.2 GHz with %lu stalls: result and every accepted "
	      "window within 200 ppm (worst %lu ppm, %u off, %u without a result; %lu windows refused)", name, runs,
	      (unsigned long)stalls,
	      (unsigned long)worst, off, missing, (unsigned long)refused);
}

int main(void)
{
	/* The PIT without a first estimate (the stall limit at 100 MHz), then with one (half the true rate). */
	run("PIT channel 2 (16-bit down, latched, no estimate)", 1193182, 0xffff, 1, 1, 3000000, 0, 20000, 0);
	run("PIT channel 2 (16-bit down, latched, half-rate estimate)", 1193182, 0xffff, 1, 1, 3000000, 1, 20000, 0);
	run("ACPI PM timer (24-bit)", 3579545, 0xffffff, 0, 0, 1000000, 0, 20000, 0);
	run("HPET (32-bit, 100 MHz)", 100000000, 0xffffffffu, 0, 0, 300000, 0, 20000, 0);
	run("PIT channel 2, no stalls", 1193182, 0xffff, 1, 1, 3000000, 0, 0, 0);
	/* As tests/tsc_calibration.py disturbs QEMU: a stall after every 8 ms of running on average. */
	run("PIT channel 2, a stall every 8 ms", 1193182, 0xffff, 1, 1, 3000000, 1, 0, 8000000000ull);
	run("ACPI PM timer, a stall every 8 ms", 3579545, 0xffffff, 0, 0, 1000000, 0, 0, 8000000000ull);

	struct sim dead = { .tsc_khz = 2000000, .hz = 1193182, .mask = 0xffff, .down = 1, .read_ps = 3000000, .dead = 1,
			    .latches = 1 };
	struct tsccal_ref r = ref_of(&dead, "dead");
	struct tsccal_result res;
	uint64_t got = tsccal_measure(&r, 0, &res);
	CHECK(got == 0 && res.dead, "a counter that never moves is absent (dead=%u)", res.dead);

	uint64_t v[] = { 5, 1, 4, 2, 3 };
	CHECK(tsccal_median(v, 5) == 3 && v[0] == 1 && v[4] == 5, "median of 5 (sorted in place)");
	uint64_t w[] = { 10, 20 };
	CHECK(tsccal_median(w, 2) == 15 && tsccal_median(w, 0) == 0, "median of 2 is their mean; of none 0");

	unsigned out;
	uint64_t agree[] = { 2096031, 0, 2096100 };
	CHECK(tsccal_consensus(agree, 3, &out) == 2096065 && out == 0, "two that agree within 500 ppm: their mean");
	uint64_t outlier[] = { 2096031, 2096050, 2567738 };
	CHECK(tsccal_consensus(outlier, 3, &out) == 2096040 && out == 1, "one of three off: outvoted");
	uint64_t split[] = { 2096031, 2567738, 0 };
	CHECK(tsccal_consensus(split, 3, &out) == 0, "two that disagree: no consensus");
	uint64_t none[] = { 0, 0, 0 };
	CHECK(tsccal_consensus(none, 3, &out) == 0, "no result: no consensus");
	uint64_t one[] = { 0, 0, 2096031 };
	CHECK(tsccal_consensus(one, 3, &out) == 2096031 && out == 0, "a single reference is its own consensus");
	return unit_done();
}
