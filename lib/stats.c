/* SPDX-License-Identifier: MIT */
/* Sample statistics at a constant cost per sample: min/max/sum and a log-linear histogram (layout in stats.h). */
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

uint64_t stats_bucket_low(unsigned b, uint64_t *width)
{
	unsigned q = b >> STATS_SUB_BITS;
	if (q <= 1) { /* below 2^(STATS_SUB_BITS+1): one value per bucket */
		if (width)
			*width = 1;
		return b;
	}
	unsigned shift = q - 1;
	if (width)
		*width = 1ull << shift;
	return (uint64_t)((1u << STATS_SUB_BITS) + (b & ((1u << STATS_SUB_BITS) - 1))) << shift;
}

void stats_init(struct stats *s)
{
	s->n = 0;
	s->min = UINT64_MAX;
	s->max = 0;
	s->sum = 0;
	for (unsigned b = 0; b < STATS_BUCKETS; b++)
		s->count[b] = 0;
}

uint64_t stats_percentile(const struct stats *s, uint32_t permille)
{
	if (s->n == 0)
		return 0;
	if (permille > 1000)
		permille = 1000;
	/* nearest rank: the ceil(permille * n / 1000)-th smallest sample (1-based), at least the first */
	uint64_t rank = s->n <= UINT64_MAX / 1000 ? (permille * s->n + 999) / 1000 : s->n / 1000 * permille;
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = stats_bucket(s->min), last = stats_bucket(s->max); b <= last; b++) { /* the rest are empty */
		seen += s->count[b];
		if (seen >= rank) {
			uint64_t v = stats_bucket_low(b, NULL);
			return v < s->min ? s->min : v > s->max ? s->max : v;
		}
	}
	return s->max; /* not reached: the buckets hold n samples */
}

void stats_summarize(const struct stats *s, struct stats_summary *out)
{
	*out = (struct stats_summary){ 0 };
	if (s->n == 0)
		return;
	out->n = s->n;
	out->min = s->min;
	out->max = s->max;
	out->mean = s->sum / s->n;
	out->p50 = stats_percentile(s, 500);
	out->p90 = stats_percentile(s, 900);
	out->p99 = stats_percentile(s, 990);
	out->p999 = stats_percentile(s, 999);
}

void stats_merge(struct stats *dst, const struct stats *src)
{
	dst->n += src->n;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum += src->sum;
	for (unsigned b = 0; b < STATS_BUCKETS; b++)
		dst->count[b] += src->count[b];
}
