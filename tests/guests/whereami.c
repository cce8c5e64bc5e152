/* SPDX-License-Identifier: MIT */
/*
 * whereami (test guest): reads the number of the hvmm CPU it runs on (CPUID 0x40000001 EDX, include/hvmm/abi.h)
 * checks= times (default 200), spinning about spin_us= microseconds (default 500) of TSC time between two reads and
 * yielding after every tenth, so timer slices and yields both come between reads. Prints "whereami cpu=<n>" first,
 * "whereami moved <a> -> <b>" for every change it sees, then "whereami done cpu=<n> checks=<k> moves=<m>", and exits 0.
 */
#include "hvmm.h"

static uint32_t cpu_now(void)
{
	uint32_t a = HVMM_CPUID_BASE + 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t checks = rt_arg_u64(bi, "checks", 200);
	uint64_t spin = rt_arg_u64(bi, "spin_us", 500) * rt_tsc_khz(bi) / 1000;
	uint32_t first = cpu_now(), cur = first;
	uint64_t moves = 0;

	gprintf("whereami cpu=%u\n", first);
	for (uint64_t k = 1; k <= checks; k++) {
		uint64_t t0 = rdtsc();
		while (rdtsc() - t0 < spin)
			cpu_relax();
		uint32_t now = cpu_now();
		if (now != cur) {
			gprintf("whereami moved %u -> %u\n", cur, now);
			moves++;
			cur = now;
		}
		if (k % 10 == 0)
			hc_yield();
	}
	gprintf("whereami done cpu=%u checks=%llu moves=%llu\n", cur, (unsigned long long)checks,
		(unsigned long long)moves);
	return 0;
}
