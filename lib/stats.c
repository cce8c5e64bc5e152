/* Sample statistics without allocation: min/max/mean, a log2 histogram, a reservoir of samples and percentiles. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stats.h"

#define RNG_SEED 0x9e3779b97f4a7c15ull /* any non-zero value; fixed so that runs repeat exactly */

/* Marsaglia's xorshift64 (shifts 13, 7, 17): a full-period generator over the non-zero 64-bit states. */
static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

void stats_init(struct stats *s)
{
	s->n = 0;
	s->min = 0;
	s->max = 0;
	s->sum = 0;
	for (unsigned b = 0; b < STATS_HIST_BUCKETS; b++)
		s->hist[b] = 0;
	s->rng = RNG_SEED;
	s->nsamples = 0;
}

void stats_add(struct stats *s, uint64_t v)
{
	if (s->n == 0 || v < s->min)
		s->min = v;
	if (s->n == 0 || v > s->max)
		s->max = v;
	s->n++;
	s->sum = v > UINT64_MAX - s->sum ? UINT64_MAX : s->sum + v;
	s->hist[v == 0 ? 0 : 63 - __builtin_clzll(v)]++;

	/*
	 * Reservoir sampling (Vitter's Algorithm R): keep the first STATS_MAX_SAMPLES values; afterwards the n-th value
	 * replaces a uniformly chosen kept one with probability STATS_MAX_SAMPLES / n, so sample[] stays a uniform sample.
	 */
	if (s->nsamples < STATS_MAX_SAMPLES) {
		s->sample[s->nsamples++] = v;
	} else {
		uint64_t j = xorshift64(&s->rng) % s->n; /* the modulo bias is below n / 2^64 */
		if (j < STATS_MAX_SAMPLES)
			s->sample[j] = v;
	}
}

/* Restore the max-heap property of a[0..n) below index i, assuming both subtrees of i are heaps. */
static void sift_down(uint64_t *a, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t big = i, l = 2 * i + 1, r = 2 * i + 2;
		if (l < n && a[l] > a[big])
			big = l;
		if (r < n && a[r] > a[big])
			big = r;
		if (big == i)
			return;
		uint64_t t = a[i];
		a[i] = a[big];
		a[big] = t;
		i = big;
	}
}

/* Sort a[0..n) ascending with heapsort: O(n log n) worst case, constant stack, no recursion. */
static void heapsort_u64(uint64_t *a, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(a, n, i);
	for (uint32_t end = n; end-- > 1;) {
		uint64_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, end, 0);
	}
}

uint64_t stats_percentile(const uint64_t *sorted, uint32_t n, uint32_t permille)
{
	if (n == 0)
		return 0;
	/* nearest rank: the ceil(permille * n / 1000)-th smallest value (1-based), clamped to [1, n] */
	uint64_t rank = ((uint64_t)permille * n + 999) / 1000;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

void stats_summarize(struct stats *s, struct stats_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (s->n == 0)
		return;
	out->n = s->n;
	out->min = s->min;
	out->max = s->max;
	out->mean = s->sum / s->n; /* understated once sum has saturated */
	heapsort_u64(s->sample, s->nsamples);
	out->p50 = stats_percentile(s->sample, s->nsamples, 500);
	out->p90 = stats_percentile(s->sample, s->nsamples, 900);
	out->p99 = stats_percentile(s->sample, s->nsamples, 990);
	out->p999 = stats_percentile(s->sample, s->nsamples, 999);
}

/* Keep k of the sorted a[0..n) (k <= n): the order statistics at evenly spaced ranks, written to out[0..k). */
static void pick_spaced(const uint64_t *a, uint32_t n, uint32_t k, uint64_t *out)
{
	for (uint32_t i = 0; i < k; i++)
		out[i] = a[(uint32_t)(((uint64_t)(2 * i + 1) * n) / (2 * (uint64_t)k))];
}

void stats_merge(struct stats *dst, struct stats *src)
{
	static uint64_t merged[STATS_MAX_SAMPLES]; /* 32 KiB: not on a small kernel stack; not reentrant */

	if (src->n == 0)
		return;
	if (dst->n == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->n == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->sum = src->sum > UINT64_MAX - dst->sum ? UINT64_MAX : dst->sum + src->sum;
	for (int b = 0; b < STATS_HIST_BUCKETS; b++)
		dst->hist[b] += src->hist[b];

	uint64_t n_dst = dst->n, n_src = src->n;
	dst->n += src->n;
	if (dst->nsamples == n_dst && src->nsamples == n_src && dst->nsamples + src->nsamples <= STATS_MAX_SAMPLES) {
		memcpy(dst->sample + dst->nsamples, src->sample, src->nsamples * sizeof(src->sample[0]));
		dst->nsamples += src->nsamples;
		return;
	}
	/* Each side's samples stand for its n values: take both sides in proportion to n, at least one of each. */
	uint32_t k_src = n_src < (UINT64_MAX / 2) / STATS_MAX_SAMPLES
				 ? (uint32_t)((STATS_MAX_SAMPLES * n_src + dst->n / 2) / dst->n)
				 : (uint32_t)(n_src / (dst->n / STATS_MAX_SAMPLES)); /* n >= 2^51: no overflow, no 128-bit */
	if (k_src == 0)
		k_src = 1;
	if (k_src > src->nsamples)
		k_src = src->nsamples;
	uint32_t k_dst = STATS_MAX_SAMPLES - k_src;
	if (k_dst > dst->nsamples)
		k_dst = dst->nsamples;
	heapsort_u64(dst->sample, dst->nsamples);
	heapsort_u64(src->sample, src->nsamples);
	pick_spaced(dst->sample, dst->nsamples, k_dst, merged);
	pick_spaced(src->sample, src->nsamples, k_src, merged + k_dst);
	memcpy(dst->sample, merged, (k_dst + k_src) * sizeof(merged[0]));
	dst->nsamples = k_dst + k_src;
}
