/* SPDX-License-Identifier: MIT */
/*
 * Sample statistics at a constant cost per sample: count, min, max, sum (mean) and a log-linear histogram from which
 * percentiles are read. Nothing is allocated, nothing is sampled away: a summary covers every sample added.
 *
 * Histogram (the layout of HdrHistogram, Tene): values below 2^(STATS_SUB_BITS+1) = 128 have a bucket each; above
 * that, each power of two [2^e, 2^(e+1)) is split into 2^STATS_SUB_BITS = 64 equal buckets of width 2^(e-6):
 *
 *     index  0 .. 127   value = index                       (width 1)
 *     index 128 .. 191  value 128 .. 255, two values each   (width 2)
 *     index 192 .. 255  value 256 .. 511                    (width 4)   ... up to 2^64 - 1 at index 3775
 *
 * A percentile is the lower bound of the bucket holding the nearest-rank sample, clamped to [min, max]. So it is
 * never above the true nearest-rank value and below it by less than one bucket width: exact below 128, otherwise
 * by less than 1/64 (1.6 %) of the value.
 */
#ifndef HVMM_LIB_STATS_H
#define HVMM_LIB_STATS_H
#include <stdint.h>

#define STATS_SUB_BITS 6
#define STATS_BUCKETS ((64 - STATS_SUB_BITS + 1) << STATS_SUB_BITS) /* 3776 */

struct stats {
	uint64_t n; /* samples added */
	uint64_t min, max; /* UINT64_MAX and 0 while n == 0 */
	uint64_t sum; /* of all samples (stats_add) */
	uint64_t count[STATS_BUCKETS]; /* samples per bucket (stats_bucket) */
};

struct stats_summary {
	uint64_t n, min, max, mean; /* mean rounded down; all 0 when n == 0 */
	uint64_t p50, p90, p99, p999; /* percentiles read from the histogram (error bound above) */
};

/* Bucket of value v (layout above). */
static inline unsigned stats_bucket(uint64_t v)
{
	/* floor(log2) of v, but at least STATS_SUB_BITS: v | 127 has its top bit where v has, or bit 6 */
	unsigned shift = (63u ^ (unsigned)__builtin_clzll(v | ((2u << STATS_SUB_BITS) - 1))) - STATS_SUB_BITS;
	return (shift << STATS_SUB_BITS) + (unsigned)(v >> shift);
}

/* Smallest value of bucket b (b < STATS_BUCKETS); *width (may be NULL) gets the number of values it holds. */
uint64_t stats_bucket_low(unsigned b, uint64_t *width);

void stats_init(struct stats *s);

/* Add one sample: the same dozen instructions for the first sample and the billionth (no division, no loop). The
 * sum wraps only past 2^64: sums of TSC intervals of one run stay far below that (190 years at 3 GHz). */
static inline void stats_add(struct stats *s, uint64_t v)
{
	__asm__("" : "+r"(s)); /* keep s in a register: without it GCC recomputes the address at every field */
	s->count[stats_bucket(v)]++;
	s->n++;
	s->sum += v;
	if (__builtin_expect(v < s->min, 0)) /* rarely taken once a few samples are in: a compare and a branch */
		s->min = v;
	if (__builtin_expect(v > s->max, 0))
		s->max = v;
}

/* The nearest-rank percentile (permille 0..1000; above 1000 counts as 1000) of s, read from the histogram; 0 when
 * s is empty. */
uint64_t stats_percentile(const struct stats *s, uint32_t permille);
/* Summarise s (s is not changed). */
void stats_summarize(const struct stats *s, struct stats_summary *out);
/* Add everything src holds to dst: exact (n, min, max, sum and every bucket add up). */
void stats_merge(struct stats *dst, const struct stats *src);

#endif
