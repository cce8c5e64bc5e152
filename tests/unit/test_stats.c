/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/stats.c: the bucket layout, percentiles against a sorted reference within the stated error
 * bound, exact min/max/mean, merging, and a summary that does not change with the number of samples. */
#define UNIT_MODULE "stats"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "unit.h"

static struct stats st, st2, st3; /* about 30 KiB each: kept off the stack */

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t next_random(void) { return unit_random(&rng); }

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest rank by its definition: the smallest sorted value with at least permille/1000 of the samples at or below it. */
static uint64_t reference_percentile(const uint64_t *sorted, uint32_t n, uint32_t permille)
{
	for (uint32_t r = 1; r <= n; r++)
		if ((uint64_t)r * 1000 >= (uint64_t)permille * n)
			return sorted[r - 1];
	return sorted[n - 1];
}

/* The stated bound (stats.h): reported <= true, and true - reported < one bucket width (exact below 128). */
static int within_bound(uint64_t reported, uint64_t truth)
{
	uint64_t width;
	stats_bucket_low(stats_bucket(truth), &width);
	return reported <= truth && truth - reported < width && (truth < 128 ? reported == truth : 1) &&
	       (truth - reported) * 64 <= truth;
}

static void test_buckets(void)
{
	unsigned bad = 0;
	for (uint64_t v = 0; v < 128; v++)
		bad += stats_bucket(v) != v;
	CHECK(bad == 0, "values 0..127 have a bucket each (bucket = value)");

	static const uint64_t edges[] = { 128, 129, 255, 256, 511, 512, 1000, 4095, 4096, 1ull << 32, (1ull << 32) - 1,
					  1ull << 63, UINT64_MAX };
	bad = 0;
	for (unsigned i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		uint64_t v = edges[i], width, low = stats_bucket_low(stats_bucket(v), &width);
		bad += !(stats_bucket(v) < STATS_BUCKETS && low <= v && v - low < width);
	}
	for (int i = 0; i < 100000; i++) {
		uint64_t v = next_random() >> (next_random() % 64), width, low = stats_bucket_low(stats_bucket(v), &width);
		bad += !(low <= v && v - low < width && width * 64 <= (low < 128 ? 64 : low));
	}
	CHECK(bad == 0, "every value lies in its bucket [low, low + width), width <= low / 64 above 127");
	CHECK(stats_bucket(UINT64_MAX) == STATS_BUCKETS - 1, "UINT64_MAX goes in the last bucket (%u)", STATS_BUCKETS - 1);

	bad = 0;
	for (unsigned b = 1; b < STATS_BUCKETS; b++) {
		uint64_t w0, w1, l0 = stats_bucket_low(b - 1, &w0), l1 = stats_bucket_low(b, &w1);
		bad += l0 + w0 != l1 || stats_bucket(l1) != b || stats_bucket(l1 - 1) != b - 1;
	}
	CHECK(bad == 0, "buckets are contiguous: each starts where the previous one ends");
}

/* Percentiles of random sets (small, wide and clustered values) against the sorted reference. */
static void test_percentiles(void)
{
	static uint64_t a[5000];
	static const uint32_t pms[] = { 0, 1, 100, 500, 501, 900, 990, 999, 1000 };
	unsigned bad = 0, exact_bad = 0;

	for (int round = 0; round < 60; round++) {
		uint32_t n = 1 + (uint32_t)(next_random() % 5000);
		int kind = round % 3;
		stats_init(&st);
		for (uint32_t i = 0; i < n; i++) {
			uint64_t r = next_random();
			a[i] = kind == 0 ? r % 128 : kind == 1 ? r >> (r % 60) : 200 + r % 40;
			stats_add(&st, a[i]);
		}
		qsort(a, n, sizeof(a[0]), cmp_u64);
		for (unsigned k = 0; k < sizeof(pms) / sizeof(pms[0]); k++) {
			uint64_t got = stats_percentile(&st, pms[k]), want = reference_percentile(a, n, pms[k]);
			bad += !within_bound(got, want);
			exact_bad += kind == 0 && got != want;
		}
	}
	CHECK(bad == 0, "every percentile is at most one bucket below the nearest-rank value (< 1/64), never above");
	CHECK(exact_bad == 0, "percentiles of values below 128 are exact");

	stats_init(&st);
	CHECK(stats_percentile(&st, 500) == 0, "percentile of no samples is 0");
	uint64_t ten[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	for (int i = 0; i < 10; i++)
		stats_add(&st, ten[i]);
	CHECK(stats_percentile(&st, 0) == 1 && stats_percentile(&st, 500) == 5 && stats_percentile(&st, 501) == 6 &&
		      stats_percentile(&st, 900) == 9 && stats_percentile(&st, 999) == 10,
	      "1..10: p0 = 1, p50 = 5, p50.1 = 6, p90 = 9, p99.9 = 10 (nearest rank)");
	CHECK(stats_percentile(&st, 5000) == 10 && stats_percentile(&st, UINT32_MAX) == 10,
	      "permille above 1000 counts as 1000 (no overflow)");

	stats_init(&st); /* clamped to min and max: one value far above 128 is reported exactly */
	stats_add(&st, 1000003);
	CHECK(stats_percentile(&st, 500) == 1000003, "a single sample is reported exactly (clamped to min/max)");
}

/* min, max, mean exact; the summary of a constant input does not depend on how many samples there are. */
static void test_summary(void)
{
	struct stats_summary a, b;

	stats_init(&st);
	stats_summarize(&st, &a);
	CHECK(a.n == 0 && a.min == 0 && a.max == 0 && a.mean == 0 && a.p50 == 0, "empty: all zero");

	stats_init(&st);
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = next_random() % 1000000;
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
		sum += v;
		stats_add(&st, v);
	}
	stats_summarize(&st, &a);
	CHECK(a.n == 100000 && a.min == lo && a.max == hi && a.mean == sum / 100000, "n, min, max, mean exact");
	CHECK(a.min <= a.p50 && a.p50 <= a.p90 && a.p90 <= a.p99 && a.p99 <= a.p999 && a.p999 <= a.max,
	      "min <= p50 <= p90 <= p99 <= p99.9 <= max");

	/* the same distribution at 200 and at 20000 samples (what the lag-stats scenario checks in a guest run) */
	stats_init(&st);
	stats_init(&st2);
	for (int i = 0; i < 20000; i++) {
		uint64_t v = i % 100 == 0 ? 4000 + i % 7 : 214 + i % 2; /* a few outliers */
		if (i < 200)
			stats_add(&st, v);
		stats_add(&st2, v);
	}
	stats_summarize(&st, &a);
	stats_summarize(&st2, &b);
	CHECK(a.p50 == b.p50 && a.p90 == b.p90 && a.p50 == 214, "p50 and p90 at 200 samples equal those at 20000 (214)");
	CHECK(b.n == 20000 && b.max == 4006 && b.min == 214, "20000 samples: every one counted");
}

static void test_merge(void)
{
	struct stats_summary a, b;

	stats_init(&st);
	stats_init(&st2);
	stats_init(&st3);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = next_random() >> (next_random() % 50);
		stats_add(i % 3 ? &st : &st2, v);
		stats_add(&st3, v);
	}
	stats_merge(&st, &st2);
	stats_summarize(&st, &a);
	stats_summarize(&st3, &b);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0 && memcmp(st.count, st3.count, sizeof(st.count)) == 0,
	      "merging two halves gives exactly what adding everything to one gives");
	stats_init(&st2);
	stats_merge(&st, &st2);
	stats_summarize(&st, &a);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "merging an empty stats changes nothing");
	stats_init(&st2);
	stats_merge(&st2, &st3);
	stats_summarize(&st2, &a);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "merging into an empty stats copies it");
}

int main(void)
{
	test_buckets();
	test_percentiles();
	test_summary();
	test_merge();
	return unit_done();
}
