/* SPDX-License-Identifier: MIT */
/*
 * monitor.h — hvmm's monitor on its serial console (docs/running.md "The monitor"): the `hvmm> ` prompt while the
 * monitor has the input focus (input.h), the commands of lib/moncmd.h. Every command prints one block of lines
 * "hvmm: monitor: ..." that ends with "hvmm: monitor: end <command>", or one line "hvmm: monitor: error: <why>".
 */
#ifndef HVMM_MONITOR_H
#define HVMM_MONITOR_H
#include <stdint.h>

#include "hvmm/core/percpu.h"
#include "hvmm/guest/input.h"

/* Time now (TSC) has come for c's input tick: read and deliver the input (input_tick), then run what was typed for
 * the monitor (CPU 0). */
void monitor_tick(struct cpu *c, uint64_t now);
/* On the run loop's paths: monitor_tick when it is due (one compare). */
static inline void monitor_due(struct cpu *c, uint64_t now)
{
	if (__builtin_expect(now >= input_next_tsc[c->id], 0))
		monitor_tick(c, now);
}

#endif
