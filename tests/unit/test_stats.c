/* Host unit tests of lib/stats.c: percentiles against a reference, sorting, reservoir sampling, histogram, saturation. */
#define UNIT_MODULE "stats"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "unit.h"

static struct stats st, st2, st3; /* about 33 KiB each: kept off the stack */

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
	for (uint32_t r = 1; r <= n; r++) {
		if ((uint64_t)r * 1000 >= (uint64_t)permille * n)
			return sorted[r - 1];
	}
	return sorted[n - 1];
}

static void test_percentile(void)
{
	static uint64_t a[200];
	unsigned bad = 0;

	CHECK(stats_percentile(a, 0, 500) == 0, "percentile of no samples is 0");
	for (uint32_t n = 1; n <= 200; n++) {
		for (uint32_t i = 0; i < n; i++)
			a[i] = next_random() % 50; /* duplicates on purpose */
		qsort(a, n, sizeof(a[0]), cmp_u64);
		for (uint32_t pm = 0; pm <= 1000; pm++)
			bad += stats_percentile(a, n, pm) != reference_percentile(a, n, pm);
	}
	CHECK(bad == 0, "every permille 0..1000 on 1..200 samples matches the nearest-rank definition");

	uint64_t one[1] = { 77 };
	CHECK(stats_percentile(one, 1, 0) == 77 && stats_percentile(one, 1, 1000) == 77, "one sample: every percentile");
	uint64_t ten[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	CHECK(stats_percentile(ten, 10, 0) == 1, "p0 of 1..10 is the minimum");
	CHECK(stats_percentile(ten, 10, 500) == 5, "p50 of 1..10 is 5 (rank ceil(5.0) = 5)");
	CHECK(stats_percentile(ten, 10, 501) == 6, "p50.1 of 1..10 is 6");
	CHECK(stats_percentile(ten, 10, 900) == 9, "p90 of 1..10 is 9");
	CHECK(stats_percentile(ten, 10, 999) == 10 && stats_percentile(ten, 10, 1000) == 10, "p99.9, p100 are 10");
	CHECK(stats_percentile(ten, 10, 5000) == 10, "permille above 1000 clamps to the maximum");
	CHECK(stats_percentile(ten, 10, UINT32_MAX) == 10, "permille UINT32_MAX clamps to the maximum (no overflow)");
}

/* Summaries of 1..300 samples in random order against qsort and the reference percentile. */
static void test_summary(void)
{
	static uint64_t ref[STATS_MAX_SAMPLES];
	struct stats_summary sum;
	unsigned bad = 0, unsorted = 0;

	stats_init(&st);
	stats_summarize(&st, &sum);
	CHECK(sum.n == 0 && sum.min == 0 && sum.max == 0 && sum.mean == 0 && sum.p50 == 0 && sum.p999 == 0,
	      "summary of no samples is all zero");

	for (uint32_t n = 1; n <= 300; n++) {
		stats_init(&st);
		uint64_t total = 0;
		for (uint32_t i = 0; i < n; i++) {
			ref[i] = next_random() % 1000000;
			total += ref[i];
			stats_add(&st, ref[i]);
		}
		stats_summarize(&st, &sum);
		qsort(ref, n, sizeof(ref[0]), cmp_u64);
		bad += sum.n != n || sum.min != ref[0] || sum.max != ref[n - 1] || sum.mean != total / n;
		bad += sum.p50 != reference_percentile(ref, n, 500) || sum.p90 != reference_percentile(ref, n, 900);
		bad += sum.p99 != reference_percentile(ref, n, 990) || sum.p999 != reference_percentile(ref, n, 999);
		unsorted += memcmp(st.sample, ref, n * sizeof(ref[0])) != 0;
	}
	CHECK(bad == 0, "n, min, max, mean, p50, p90, p99, p99.9 of 1..300 random samples");
	CHECK(unsorted == 0, "stats_summarize leaves sample[] sorted (heapsort equals qsort)");

	/* the sort on the patterns that break naive sorts: sorted, reversed, all equal, sawtooth, full 4096 */
	static const char *const names[] = { "ascending", "descending", "all equal", "sawtooth", "random" };
	for (unsigned pat = 0; pat < 5; pat++) {
		stats_init(&st);
		for (uint32_t i = 0; i < STATS_MAX_SAMPLES; i++) {
			uint64_t v = pat == 0 ? i : pat == 1 ? STATS_MAX_SAMPLES - i : pat == 2 ? 7 : pat == 3 ? i % 17
													    : next_random();
			ref[i] = v;
			stats_add(&st, v);
		}
		stats_summarize(&st, &sum);
		qsort(ref, STATS_MAX_SAMPLES, sizeof(ref[0]), cmp_u64);
		CHECK(memcmp(st.sample, ref, sizeof(ref)) == 0, "4096 %s samples sort correctly", names[pat]);
	}

	stats_init(&st);
	stats_add(&st, 5);
	stats_summarize(&st, &sum);
	stats_add(&st, 1);
	stats_add(&st, 9);
	stats_summarize(&st, &sum);
	CHECK(sum.n == 3 && sum.min == 1 && sum.max == 9 && sum.mean == 5 && sum.p50 == 5,
	      "adding samples after a summary, then summarising again");
}

static void test_reservoir(void)
{
	const uint32_t total = 100000;
	struct stats_summary sum;

	stats_init(&st);
	stats_init(&st2);
	for (uint32_t i = 0; i < total; i++) {
		stats_add(&st, i);
		stats_add(&st2, i);
	}
	CHECK(st.n == total && st.nsamples == STATS_MAX_SAMPLES, "100000 samples: n counts all, 4096 are kept");
	CHECK(memcmp(st.sample, st2.sample, sizeof(st.sample)) == 0, "reservoir is deterministic (same input, same sample)");

	/* the kept values are distinct inputs, and spread over the whole input (not just its first 4096) */
	static uint64_t kept[STATS_MAX_SAMPLES];
	memcpy(kept, st.sample, sizeof(kept));
	qsort(kept, STATS_MAX_SAMPLES, sizeof(kept[0]), cmp_u64);
	unsigned dup = 0, early = 0, upper = 0;
	uint64_t mean = 0;
	for (uint32_t i = 0; i < STATS_MAX_SAMPLES; i++) {
		dup += i > 0 && kept[i] == kept[i - 1];
		early += kept[i] < STATS_MAX_SAMPLES;
		upper += kept[i] >= total / 2;
		mean += kept[i];
	}
	mean /= STATS_MAX_SAMPLES;
	CHECK(dup == 0 && kept[STATS_MAX_SAMPLES - 1] < total, "kept samples are distinct input values");
	/* expected: 4096 * 4096 / 100000 = 168 early values (sd 12.6); 2048 in the upper half (sd 32); mean 50000 (sd 451) */
	CHECK(early > 100 && early < 240, "about 4.1%% of the kept samples come from the first 4096 inputs (%u)", early);
	CHECK(upper > 1888 && upper < 2208, "about half of the kept samples come from the upper half (%u)", upper);
	CHECK(mean > 47700 && mean < 52300, "mean of the kept samples is near 50000 (%llu)", (unsigned long long)mean);

	stats_summarize(&st, &sum);
	CHECK(sum.min == 0 && sum.max == total - 1 && sum.mean == (total - 1) / 2, "exact min, max, mean over all inputs");
	CHECK(sum.p50 > 47000 && sum.p50 < 53000 && sum.p90 > 88000 && sum.p90 < 92000 && sum.p99 > 98000,
	      "reservoir percentiles are close to the true ones (p50 %llu, p90 %llu, p99 %llu)",
	      (unsigned long long)sum.p50, (unsigned long long)sum.p90, (unsigned long long)sum.p99);

	/* a late change of level must show in the reservoir: 100000 x 10 then 100000 x 1000 */
	stats_init(&st);
	for (uint32_t i = 0; i < 2 * total; i++)
		stats_add(&st, i < total ? 10 : 1000);
	stats_summarize(&st, &sum);
	CHECK(sum.p50 == 10 || sum.p50 == 1000, "bimodal input: p50 is one of the two levels");
	CHECK(sum.p90 == 1000 && sum.p999 == 1000 && stats_percentile(st.sample, st.nsamples, 100) == 10,
	      "bimodal input: p10 = 10, p90 = p99.9 = 1000");
}

static void test_histogram_and_sum(void)
{
	struct stats_summary sum;

	stats_init(&st);
	static const struct {
		uint64_t v;
		unsigned bucket;
	} cases[] = {
		{ 0, 0 }, { 1, 0 }, { 2, 1 }, { 3, 1 }, { 4, 2 }, { 7, 2 }, { 8, 3 }, { 1023, 9 }, { 1024, 10 },
		{ 1ull << 32, 32 }, { (1ull << 32) - 1, 31 }, { 1ull << 63, 63 }, { UINT64_MAX, 63 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		stats_init(&st);
		stats_add(&st, cases[i].v);
		unsigned total = 0;
		for (unsigned b = 0; b < STATS_HIST_BUCKETS; b++)
			total += (unsigned)st.hist[b];
		CHECK(st.hist[cases[i].bucket] == 1 && total == 1, "value %llu goes in histogram bucket %u",
		      (unsigned long long)cases[i].v, cases[i].bucket);
	}

	stats_init(&st);
	for (uint64_t v = 0; v < 1024; v++)
		stats_add(&st, v);
	int ok = st.hist[0] == 2;
	for (unsigned b = 1; b < 10; b++)
		ok &= st.hist[b] == 1ull << b;
	CHECK(ok, "0..1023: bucket 0 holds 2 values, bucket b holds 2^b");

	stats_init(&st);
	stats_add(&st, UINT64_MAX - 1);
	stats_add(&st, 1);
	CHECK(st.sum == UINT64_MAX, "sum reaching UINT64_MAX exactly is not saturation");
	stats_add(&st, 1);
	CHECK(st.sum == UINT64_MAX, "sum saturates at UINT64_MAX");
	stats_add(&st, UINT64_MAX);
	stats_summarize(&st, &sum);
	CHECK(st.sum == UINT64_MAX && sum.n == 4 && sum.min == 1 && sum.max == UINT64_MAX &&
		      sum.mean == UINT64_MAX / 4,
	      "saturated sum: mean is UINT64_MAX / n (an underestimate), min and max exact");

	stats_init(&st);
	stats_add(&st, 0);
	stats_summarize(&st, &sum);
	CHECK(sum.n == 1 && sum.min == 0 && sum.max == 0 && sum.p50 == 0 && sum.p999 == 0, "a single zero sample");
	stats_init(&st);
	stats_add(&st, 42);
	stats_summarize(&st, &sum);
	CHECK(sum.min == 42 && sum.max == 42 && sum.mean == 42 && sum.p50 == 42 && sum.p90 == 42 && sum.p999 == 42,
	      "a single sample is every statistic");

	stats_add(&st, 7);
	stats_init(&st);
	CHECK(st.n == 0 && st.nsamples == 0 && st.sum == 0 && st.hist[2] == 0, "stats_init resets a used struct");
}

/* stats_merge: exact while everything fits, close to the true percentiles beyond. */
static void test_merge(void)
{
	static uint64_t all[150000];
	struct stats_summary a, b;

	stats_init(&st);
	stats_init(&st2);
	stats_init(&st3);
	for (int i = 0; i < 3000; i++) {
		uint64_t v = next_random() % 100000;
		stats_add(i < 1000 ? &st : &st2, v);
		stats_add(&st3, v);
	}
	stats_merge(&st, &st2);
	stats_summarize(&st, &a);
	stats_summarize(&st3, &b);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "merge of 1000 + 2000 samples equals one stats of all 3000");
	CHECK(memcmp(st.hist, st3.hist, sizeof(st.hist)) == 0 && st.sum == st3.sum, "merged histogram and sum exact");

	stats_init(&st2);
	stats_merge(&st, &st2);
	stats_summarize(&st, &a);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "merging an empty stats changes nothing");

	stats_init(&st);
	stats_init(&st2);
	for (int i = 0; i < 150000; i++) {
		all[i] = i < 100000 ? next_random() % 1000000 : 1000000 + next_random() % 1000000;
		stats_add(i < 100000 ? &st : &st2, all[i]);
	}
	stats_merge(&st, &st2);
	stats_summarize(&st, &a);
	qsort(all, 150000, sizeof(all[0]), cmp_u64);
	uint64_t t50 = reference_percentile(all, 150000, 500), t90 = reference_percentile(all, 150000, 900);
	CHECK(a.n == 150000 && a.min == all[0] && a.max == all[149999], "large merge: n, min, max exact");
	CHECK(a.p50 > t50 * 97 / 100 && a.p50 < t50 * 103 / 100, "large merge: p50 %llu within 3%% of %llu",
	      (unsigned long long)a.p50, (unsigned long long)t50);
	CHECK(a.p90 > t90 * 97 / 100 && a.p90 < t90 * 103 / 100, "large merge: p90 %llu within 3%% of %llu",
	      (unsigned long long)a.p90, (unsigned long long)t90);
	CHECK(st.nsamples <= STATS_MAX_SAMPLES, "large merge keeps at most %d samples", STATS_MAX_SAMPLES);
}

int main(void)
{
	test_percentile();
	test_summary();
	test_reservoir();
	test_histogram_and_sum();
	test_merge();
	return unit_done();
}
