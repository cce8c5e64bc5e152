/* SPDX-License-Identifier: MIT */
/*
 * bench: the exit-latency benchmark guest. For each instruction of hvmm/latency.h (a non-exiting baseline, CPUID, the
 * null VMMCALL, an intercepted IN, an intercepted RDMSR) and n = 1, 4, 16, ..., 4^max_log4 it prints
 *   lat op=<op> n=<n> cycles=<total> per_op=<total/n>
 * (docs/serial-log.md). Options: max_log4= (default 9: n up to 262144), then exits 0.
 */
#include "hvmm.h"
#include "hvmm/latency.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t max_log4 = rt_arg_u64(bi, "max_log4", LAT_MAX_LOG4);
	if (max_log4 > LAT_MAX_LOG4)
		max_log4 = LAT_MAX_LOG4;
	for (int op = 0; op < LAT_NOPS; op++) {
		for (uint64_t k = 0, n = 1; k <= max_log4; k++, n *= 4) {
			uint64_t cycles = lat_run((enum lat_op)op, n);
			gprintf("lat op=%s n=%llu cycles=%llu per_op=%llu\n", lat_op_names[op], (unsigned long long)n,
				(unsigned long long)cycles, (unsigned long long)(cycles / n));
		}
	}
	return 0;
}
