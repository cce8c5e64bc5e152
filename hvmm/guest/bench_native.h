/* SPDX-License-Identifier: MIT */
/* bench_native.h — native latency measurements at start-up (bench= on hvmm's command line). */
#ifndef HVMM_BENCH_NATIVE_H
#define HVMM_BENCH_NATIVE_H
/* Time hvmm/latency.h's instructions natively for n = 1 .. 4^max_log4 and print "hvmm: native ..." lines. */
void bench_native(unsigned max_log4);
#endif
