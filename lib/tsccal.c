/* SPDX-License-Identifier: MIT */
/* tsccal.c — TSC rate against reference counters, robust to stalls (tsccal.h). */
#include "tsccal.h"

struct reading {
	uint32_t count;
	uint64_t tsc; /* the middle of the bracket */
	uint64_t bracket; /* TSC cycles between the two TSC reads around the counter read */
	uint64_t after; /* the TSC read after the counter */
};

/* The counter now: latched first if the reference latches. */
static uint32_t sample(const struct tsccal_ref *r)
{
	if (r->latch)
		r->latch(r->ctx);
	return r->read(r->ctx);
}

/* The tightest of TSCCAL_BRACKET_TRIES (TSC, counter, TSC) triples; with a latch only the latch is bracketed. */
static struct reading read_bracketed(const struct tsccal_ref *r)
{
	struct reading best = { .bracket = UINT64_MAX };
	for (int i = 0; i < TSCCAL_BRACKET_TRIES; i++) {
		uint64_t t0 = r->tsc(r->ctx);
		uint32_t c = r->latch ? (r->latch(r->ctx), 0) : r->read(r->ctx);
		uint64_t t1 = r->tsc(r->ctx);
		if (r->latch)
			c = r->read(r->ctx);
		if (t1 - t0 < best.bracket)
			best = (struct reading){ .count = c, .tsc = t0 + (t1 - t0) / 2, .bracket = t1 - t0, .after = t1 };
	}
	return best;
}

/* Ticks from counter value a to b, modulo the counter's width. */
static uint64_t advance(const struct tsccal_ref *r, uint32_t a, uint32_t b)
{
	return (r->down ? a - b : b - a) & r->mask;
}

enum window { W_OK, W_REFUSED, W_DEAD };

/* One window: TSC cycles and counter ticks between two bracketed readings. gap: the most TSC cycles allowed between
 * successive readings (less than half the counter's wrap period at the slowest TSC believed). */
static enum window window(const struct tsccal_ref *r, uint64_t gap, uint64_t give_up, uint64_t *cycles,
			  uint64_t *ticks)
{
	uint64_t want = r->hz * TSCCAL_WINDOW_MS / 1000, n = 0;
	struct reading start = read_bracketed(r);
	uint32_t prev = start.count;
	uint64_t last = start.after;
	for (;;) {
		uint32_t c = sample(r);
		uint64_t t1 = r->tsc(r->ctx);
		if (t1 - last > gap)
			return W_REFUSED; /* a stall: the counter may have wrapped meanwhile */
		n += advance(r, prev, c);
		prev = c;
		last = t1;
		if (n >= want)
			break;
		if (t1 - start.tsc > give_up)
			return n ? W_REFUSED : W_DEAD;
	}
	struct reading end = read_bracketed(r);
	if (end.tsc - last > gap)
		return W_REFUSED;
	n += advance(r, prev, end.count);
	*cycles = end.tsc - start.tsc;
	*ticks = n;
	uint64_t slack = *cycles / TSCCAL_BRACKET_DIV;
	return start.bracket > slack || end.bracket > slack ? W_REFUSED : W_OK;
}

uint64_t tsccal_median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) /* insertion sort: a handful of values */
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (!n)
		return 0;
	return n & 1 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

uint64_t tsccal_measure(const struct tsccal_ref *r, uint64_t slow_khz, struct tsccal_result *res)
{
	uint64_t got[TSCCAL_WINDOWS];
	uint64_t slow = slow_khz ? slow_khz : TSCCAL_MIN_KHZ;
	/* half the wrap period, (mask + 1) / 2 ticks, in TSC cycles at slow kHz (no 128-bit division: freestanding) */
	uint64_t gap = ((uint64_t)r->mask / 2 + 1) * slow / (r->hz / 1000);

	/* a window not done by then: 2^31 cycles, or with a known rate (at most 2 x slow) 8 windows' time */
	uint64_t give_up = slow_khz ? slow_khz * 2 * 8 * TSCCAL_WINDOW_MS : TSCCAL_GIVE_UP;
	*res = (struct tsccal_result){ 0 };
	for (unsigned tries = 0; tries < TSCCAL_MAX_TRIES && res->accepted < TSCCAL_WINDOWS; tries++) {
		uint64_t cycles, ticks;
		enum window w = window(r, gap, give_up, &cycles, &ticks);
		if (w == W_DEAD) {
			res->dead = 1;
			return 0;
		}
		if (w == W_REFUSED || !ticks) {
			res->refused++;
			continue;
		}
		uint64_t khz = (cycles / ticks * r->hz + cycles % ticks * r->hz / ticks) / 1000;
		got[res->accepted++] = khz;
		if (!res->min_khz || khz < res->min_khz)
			res->min_khz = khz;
		if (khz > res->max_khz)
			res->max_khz = khz;
	}
	if (res->accepted < TSCCAL_WINDOWS)
		return 0;
	uint64_t m = tsccal_median(got, res->accepted);
	res->khz = m >= TSCCAL_MIN_KHZ && m <= TSCCAL_MAX_KHZ ? m : 0;
	return res->khz;
}

/* |a - b| within TSCCAL_AGREE_PPM of m. */
static int agrees(uint64_t a, uint64_t m)
{
	uint64_t d = a > m ? a - m : m - a;
	return d * 1000000 <= m * TSCCAL_AGREE_PPM;
}

uint64_t tsccal_consensus(const uint64_t *khz, unsigned n, unsigned *outvoted)
{
	uint64_t v[8], near[8];
	unsigned k = 0, j = 0;
	for (unsigned i = 0; i < n && k < 8; i++)
		if (khz[i])
			v[k++] = khz[i];
	*outvoted = 0;
	if (!k)
		return 0;
	uint64_t m = tsccal_median(v, k);
	for (unsigned i = 0; i < k; i++)
		if (agrees(v[i], m))
			near[j++] = v[i];
	if (2 * j <= k)
		return 0; /* no strict majority */
	*outvoted = k - j;
	return tsccal_median(near, j);
}
