/* SPDX-License-Identifier: MIT */
/* bench_native.c — hvmm's "host" column of the exit-latency table: the guest benchmark's instructions run natively. */
#include "hvmm/guest/bench_native.h"

#include "hvmm/core/console.h"
#include "hvmm/latency.h"

void bench_native(unsigned max_log4)
{
	if (max_log4 > LAT_MAX_LOG4)
		max_log4 = LAT_MAX_LOG4;
	for (int op = 0; op < LAT_NOPS; op++) {
		if (op == LAT_VMMCALL)
			continue; /* #UD outside a guest */
		for (uint64_t k = 0, n = 1; k <= max_log4; k++, n *= 4) {
			uint64_t cycles = lat_run((enum lat_op)op, n);
			hlog("native op=%s n=%lu cycles=%lu per_op=%lu", lat_op_names[op], n, cycles, cycles / n);
		}
	}
}
