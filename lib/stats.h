/* Sample statistics: count, min, max, mean, nearest-rank percentiles and a log2 histogram, without allocation. */
#ifndef HVMM_LIB_STATS_H
#define HVMM_LIB_STATS_H
#include <stdint.h>

#define STATS_MAX_SAMPLES 4096 /* kept exactly; beyond that a uniform reservoir sample is kept */
#define STATS_HIST_BUCKETS 64

struct stats {
	uint64_t n; /* samples added */
	uint64_t min, max; /* valid when n > 0 */
	uint64_t sum; /* saturates at UINT64_MAX */
	uint64_t hist[STATS_HIST_BUCKETS]; /* bucket b counts values with floor(log2(v)) == b; v = 0 goes in bucket 0 */
	uint64_t rng; /* reservoir-sampling state (deterministic) */
	uint32_t nsamples; /* entries used in sample[] */
	uint64_t sample[STATS_MAX_SAMPLES];
};

struct stats_summary {
	uint64_t n, min, max, mean; /* mean rounded down; all 0 when n == 0 */
	uint64_t p50, p90, p99, p999; /* nearest-rank percentiles of the kept samples */
};

void stats_init(struct stats *s);
void stats_add(struct stats *s, uint64_t v);
/* Summarise s. Sorts s->sample in place (adding more samples afterwards is still allowed). */
void stats_summarize(struct stats *s, struct stats_summary *out);
/*
 * Add everything src describes to dst (src is sorted in place). n, min, max, sum and the histogram merge exactly.
 * The samples merge exactly while both sides kept every value and they fit in STATS_MAX_SAMPLES; otherwise dst keeps
 * a stratified sample: evenly spaced order statistics of each side, in proportion to the values each represents.
 */
void stats_merge(struct stats *dst, struct stats *src);
/* Nearest-rank percentile (permille 0..1000) of sorted[0..n); 0 when n == 0. */
uint64_t stats_percentile(const uint64_t *sorted, uint32_t n, uint32_t permille);

#endif
