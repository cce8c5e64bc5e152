/* SPDX-License-Identifier: MIT */
/*
 * probe: measures the world-switch lag from inside a guest. It spins on RDTSC and records each gap — two
 * consecutive reads more than gap= cycles apart (default 1000): the guest was not running in between. With two
 * probes on one CPU, probe A's last read before a gap and probe B's first read after its own gap bracket the switch
 * A -> B as the guests see it (tests/scenarios_lag.py pairs them). Exits after gaps= gaps (default 200), then prints
 *   "probe loop=<cycles>"                 the shortest read-to-read step (the loop's own granularity)
 *   "probe gap <last> <resume>"           for each of the first print= gaps (default 200), TSC values
 *   "probe done gaps=<n>"
 * Nothing is printed while it measures, so the console adds no exits to what is measured.
 */
#include "hvmm.h"

#define PRINT_MAX 1024

static uint64_t last[PRINT_MAX], resume[PRINT_MAX];

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t want = rt_arg_u64(bi, "gaps", 200), gap = rt_arg_u64(bi, "gap", 1000);
	uint64_t keep = rt_arg_u64(bi, "print", 200), n = 0, step = UINT64_MAX;
	if (keep > PRINT_MAX)
		keep = PRINT_MAX;

	uint64_t prev = rdtsc();
	while (n < want) {
		uint64_t t = rdtsc(), d = t - prev;
		if (d > gap) {
			if (n < keep) {
				last[n] = prev;
				resume[n] = t;
			}
			n++;
		} else if (d < step) {
			step = d;
		}
		prev = t;
	}
	gprintf("probe loop=%llu\n", (unsigned long long)step);
	for (uint64_t i = 0; i < n && i < keep; i++)
		gprintf("probe gap %llu %llu\n", (unsigned long long)last[i], (unsigned long long)resume[i]);
	gprintf("probe done gaps=%llu\n", (unsigned long long)n);
	return 0;
}
