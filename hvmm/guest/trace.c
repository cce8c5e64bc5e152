/* SPDX-License-Identifier: MIT */
/* trace.c — the timeline's rings (trace.h): their memory, and their dump as text and JSON lines. */
#include "hvmm/guest/trace.h"

#include <string.h>

#include "jsonw.h"

#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/vcpu.h"
#include "hvmm/x86/tsc.h"

static const struct trace_ring *rings[MAX_CPUS]; /* each CPU's, from trace_init */

void trace_init(struct trace_ring *r, unsigned cpu, uint64_t n)
{
	rings[cpu] = r;
	r->ev = NULL;
	r->mask = 0;
	r->head = 0;
	if (n == 0)
		return;
	uint64_t kept = 1;
	while (kept < n && kept < TRACE_MAX)
		kept <<= 1;
	uint64_t bytes = kept * sizeof(struct trace_event);
	struct trace_event *ev = pmm_alloc_high(bytes, 4096);
	if (!ev)
		ev = pmm_alloc(bytes, 4096);
	if (!ev) {
		hlog("warning: trace=%lu: no memory left for cpu %u's %lu events (%lu KiB); tracing is off there", n, cpu,
		     kept, bytes >> 10);
		return;
	}
	r->mask = kept - 1;
	r->ev = ev;
}

/* Room for a copy of a ring another CPU is writing (the monitor's `trace`): as large as the largest ring. */
static struct trace_event *snap;
static uint64_t snap_events;

static void json_head(unsigned cpu, uint64_t events, uint64_t ring, uint64_t kept, uint64_t printed)
{
	char line[CON_LINE_MAX];
	struct jsonw j;
	con_json_begin(&j, line, sizeof(line), "trace");
	jsonw_u64(&j, "cpu", cpu);
	jsonw_u64(&j, "events", events);
	jsonw_u64(&j, "ring", ring);
	jsonw_u64(&j, "kept", kept);
	jsonw_u64(&j, "printed", printed);
	jsonw_u64(&j, "lost", events - kept);
	jsonw_u64(&j, "tsc_khz", tsc_khz);
	con_json_end(&j);
}

static void json_run(unsigned cpu, const struct trace_event *e, const struct vcpu *v)
{
	char line[CON_LINE_MAX];
	struct jsonw j;
	con_json_begin(&j, line, sizeof(line), "trace_run");
	jsonw_u64(&j, "cpu", cpu);
	jsonw_u64(&j, "entry", e->entry_tsc);
	jsonw_u64(&j, "cycles", e->exit_tsc - e->entry_tsc);
	jsonw_u64(&j, "exit", (uint32_t)e->exitcode);
	jsonw_str(&j, "guest", v->guest->name);
	jsonw_u64(&j, "vcpu", v->id);
	jsonw_u64(&j, "in", e->who & TRACE_IN);
	con_json_end(&j);
}

uint64_t trace_dump(unsigned cpu, const char *prefix, uint64_t last, int json, int live)
{
	const struct trace_ring *r = rings[cpu];
	if (!r || !r->ev)
		return 0;
	uint64_t ring = r->mask + 1;
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint64_t kept = head < ring ? head : ring;
	const struct trace_event *ev = r->ev;
	if (live && kept) {
		/* Copy the ring, then keep the events its CPU cannot have started to overwrite: event k's slot is reused by
		 * event k + ring, whose stores begin once head is k + ring. So k is whole in the copy if head, read after
		 * copying, is below k + ring; of a full ring the oldest event is always left out. */
		if (snap_events < ring) {
			snap = pmm_alloc(ring * sizeof(struct trace_event), 4096);
			snap_events = snap ? ring : 0;
		}
		if (!snap) {
			hlog("%serror: trace: no memory for a copy of cpu %u's ring", prefix, cpu);
			return 0;
		}
		memcpy(snap, r->ev, ring * sizeof(struct trace_event));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t now = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), oldest = head - kept;
		uint64_t gone = now + 1 > oldest + ring ? now + 1 - oldest - ring : 0;
		kept -= gone < kept ? gone : kept;
		ev = snap;
	}
	uint64_t n = kept < last ? kept : last;
	hlog("%strace cpu=%u events=%lu ring=%lu kept=%lu printed=%lu lost=%lu tsc_khz=%lu", prefix, cpu, head, ring,
	     kept, n, head - kept, tsc_khz);
	if (json)
		json_head(cpu, head, ring, kept, n);
	for (uint64_t k = head - n; k < head; k++) {
		const struct trace_event *e = &ev[k & r->mask];
		const struct vcpu *v = (const struct vcpu *)(e->who & ~(uintptr_t)TRACE_IN);
		hlog("%strace %u %lu %lu 0x%x %s %u %u", prefix, cpu, e->entry_tsc, e->exit_tsc - e->entry_tsc,
		     (uint32_t)e->exitcode, v->guest->name, v->id, (unsigned)(e->who & TRACE_IN));
		if (json)
			json_run(cpu, e, v);
	}
	return n;
}

void trace_report(void)
{
	uint64_t printed = 0;
	for (unsigned i = 0; i < ncpus; i++)
		printed += trace_dump(i, "", UINT64_MAX, config.log_json, 0);
	hlog("trace end cpus=%u printed=%lu", ncpus, printed);
	if (config.log_json) {
		char line[CON_LINE_MAX];
		struct jsonw j;
		con_json_begin(&j, line, sizeof(line), "trace_end");
		jsonw_u64(&j, "cpus", ncpus);
		jsonw_u64(&j, "printed", printed);
		con_json_end(&j);
	}
}
