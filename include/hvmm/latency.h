/* SPDX-License-Identifier: MIT */
/*
 * latency.h — the instructions whose round trip hvmm measures, shared by the benchmark guest (guests/bench.c) and
 * hvmm's native column (hvmm/guest/bench_native.c) so both time exactly the same code. As in the VT-x latency report:
 * n = 1, 4, 16, ... 4^9 = 262144 back-to-back executions between two fenced RDTSCs (mfence; lfence; rdtsc; lfence).
 */
#ifndef HVMM_LATENCY_H
#define HVMM_LATENCY_H
#include <stdint.h>

#define LAT_PORT 0x80 /* POST-code port: harmless to read natively, intercepted in guests */
#define LAT_MSR 0xc0000080u /* EFER: readable natively, intercepted in guests */
#define LAT_MAX_LOG4 9 /* n up to 4^9 = 262144 */

enum lat_op { LAT_BASELINE, LAT_CPUID, LAT_VMMCALL, LAT_IN, LAT_RDMSR, LAT_NOPS };

static const char *const lat_op_names[LAT_NOPS] = { "baseline", "cpuid", "vmmcall", "inb", "rdmsr" };

static inline uint64_t lat_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("mfence; lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Run op n times; return the TSC cycles between the fenced reads around the loop. */
static inline uint64_t lat_run(enum lat_op op, uint64_t n)
{
	uint64_t t0 = lat_rdtsc();
	for (uint64_t i = 0; i < n; i++) {
		uint32_t a = 0, b, c = 0, d;
		switch (op) {
		case LAT_BASELINE:
			__asm__ volatile("nop");
			break;
		case LAT_CPUID:
			__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
			break;
		case LAT_VMMCALL: /* HVMM_HC_NOP */
			__asm__ volatile(".byte 0x0f, 0x01, 0xd9" : "+a"(a) : : "memory");
			break;
		case LAT_IN:
			__asm__ volatile("inb %1, %b0" : "=a"(a) : "Nd"((uint16_t)LAT_PORT));
			break;
		case LAT_RDMSR:
			__asm__ volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(LAT_MSR));
			break;
		case LAT_NOPS:
			break;
		}
	}
	return lat_rdtsc() - t0;
}

#endif
