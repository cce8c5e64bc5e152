/* SPDX-License-Identifier: MIT */
/*
 * counter: the cooperative sample guest. Prints "count 1" .. "count N" (N from cmdline count=, default 20), yielding
 * after each line, then "counter done sum=<1+..+N>", and exits 0.
 */
#include "hvmm.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t n = rt_arg_u64(bi, "count", 20);
	uint64_t sum = 0;

	for (uint64_t i = 1; i <= n; i++) {
		gprintf("count %llu\n", (unsigned long long)i);
		sum += i;
		hc_yield();
	}
	gprintf("counter done sum=%llu\n", (unsigned long long)sum);
	return 0;
}
