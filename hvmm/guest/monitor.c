/* SPDX-License-Identifier: MIT */
/*
 * monitor.c — hvmm's monitor (monitor.h, docs/running.md "The monitor"): edits the typed line (lib/lineedit.c),
 * parses it (lib/moncmd.c) and runs the command on CPU 0 between two VMRUNs. Figures of guests on other CPUs are
 * read while those CPUs run them: a snapshot, exact only for CPU 0's guests.
 */
#include "hvmm/guest/monitor.h"

#include <string.h>

#include "fmt.h"
#include "lineedit.h"
#include "moncmd.h"
#include "stats.h"

#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/gdb_hook.h"
#include "hvmm/guest/gdbstub.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/measure.h"
#include "hvmm/guest/trace.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/x86/tsc.h"

static struct lineedit line;

static const char *state_name(const struct guest *g)
{
	if (g->state != GUEST_RUNNING)
		return g->state == GUEST_KILLED ? "killed" : "exited";
	switch (g->vcpu[0]->state) {
	case VCPU_PAUSED: return "paused";
	case VCPU_HALTED: return "halted";
	default: return "running";
	}
}

/* The index of the guest named name, or -1 (with the error line printed). */
static int find(const char *name)
{
	for (unsigned i = 0; i < nguests; i++)
		if (!strcmp(guests[i]->name, name))
			return (int)i;
	hlog("monitor: error: no guest named '%s' (list shows them)", name);
	return -1;
}

/* The switch lag of CPU cpu so far, as the summary's lag line counts it (every switch reason merged). */
static void cpu_lag(unsigned cpu, struct stats_summary *sum)
{
	static struct stats all; /* large: not on the stack */
	struct cpu_measure *m = &cpu_measure[cpu];
	if (cpu == this_cpu()->id)
		measure_fold(m);
	stats_init(&all);
	for (int r = 0; r < SW_NREASONS; r++)
		stats_merge(&all, &m->switch_by[r]);
	stats_summarize(&all, sum);
}

static uint64_t exits_of(const struct vcpu *v) { return v->exits + measure_fast_exits(v); }

static void list(void)
{
	hlog("monitor: guest state cpu vcpus switches exits lag_p50_ns lag_p99_ns runtime_ms mem_mib");
	for (unsigned i = 0; i < nguests; i++) {
		const struct guest *g = guests[i];
		const struct vcpu *v = g->vcpu[0];
		struct stats_summary lag;
		cpu_lag(v->cpu, &lag);
		hlog("monitor: %s %s %u %u %lu %lu %lu %lu %lu %lu", g->name, state_name(g), v->cpu, g->nvcpus,
		     v->switches_in, exits_of(v), tsc_to_ns(lag.p50), tsc_to_ns(lag.p99), tsc_to_ns(v->runtime) / 1000000,
		     g->ram_size >> 20);
	}
	hlog("monitor: end list");
}

static void stats(const char *name)
{
	int only = name[0] ? find(name) : -1;
	uint32_t cpus_shown = 0;
	if (name[0] && only < 0)
		return;
	for (unsigned i = 0; i < nguests; i++) {
		if (only >= 0 && (unsigned)only != i)
			continue;
		const struct guest *g = guests[i];
		const struct vcpu *v = g->vcpu[0];
		hlog("monitor: guest %s state=%s cpu=%u switches=%lu exits=%lu runtime_ns=%lu steal_ns=%lu irqs=%lu "
		     "nmis=%lu input_dropped=%lu", g->name, state_name(g), v->cpu, v->switches_in, exits_of(v),
		     tsc_to_ns(v->runtime), tsc_to_ns(v->waited), v->irqs_injected, v->nmis_injected,
		     g->pc ? g->pc->com1.in.dropped : 0);
		cpus_shown |= 1u << v->cpu;
	}
	for (unsigned c = 0; c < ncpus; c++) {
		if (!(cpus_shown & (1u << c)))
			continue;
		struct stats_summary lag;
		cpu_lag(c, &lag);
		hlog("monitor: cpu %u lag_ns n=%lu p50=%lu p99=%lu max=%lu", c, lag.n, tsc_to_ns(lag.p50),
		     tsc_to_ns(lag.p99), tsc_to_ns(lag.max));
		char by[200];
		int len = 0;
		for (int r = 0; r < RE_NREASONS && len < (int)sizeof(by) - 40; r++) {
			const struct stats *s = &cpu_measure[c].reentry_by[r];
			len += fmt_snprintf(by + len, sizeof(by) - (unsigned)len, " %s=%lu", measure_reentry_names[r], s->n);
		}
		hlog("monitor: cpu %u exits_handled%s", c, by);
	}
	hlog("monitor: end stats");
}

static const char *const request_done[] = { [INPUT_REQ_PAUSE] = "paused", [INPUT_REQ_RESUME] = "resumed",
					    [INPUT_REQ_KILL] = "killed", [INPUT_REQ_NMI] = "NMI button pressed" };

static void request(const char *cmd, const char *name, enum input_request req)
{
	int i = find(name);
	if (i < 0)
		return;
	struct guest *g = guests[i];
	const struct vcpu *v = g->vcpu[0];
	if (g->state != GUEST_RUNNING) {
		hlog("monitor: error: guest %s has ended (%s)", g->name, state_name(g));
		return;
	}
	if (req == INPUT_REQ_PAUSE && v->state == VCPU_PAUSED) {
		hlog("monitor: error: guest %s is paused already", g->name);
		return;
	}
	if (req == INPUT_REQ_RESUME && v == gdb_hook.vcpu && gdbstub_holds()) {
		hlog("monitor: error: guest %s is stopped by gdb (continue or detach it there)", g->name);
		return;
	}
	if (req == INPUT_REQ_RESUME && v->state != VCPU_PAUSED) {
		hlog("monitor: error: guest %s is not paused", g->name);
		return;
	}
	if (input_request(g, req))
		hlog("monitor: guest %s %s", g->name, request_done[req]);
	else
		hlog("monitor: guest %s: asked CPU %u (its line 'hvmm: guest %s %s' follows)", g->name, v->cpu, g->name,
		     request_done[req]);
	hlog("monitor: end %s", cmd);
}

static void slice(uint64_t us)
{
	/* LAPIC timer ticks: TSC cycles of us times the timer's ticks per TSC cycle (32.32 fixed point) */
	uint64_t tsc = tsc_khz * us / 1000;
	uint64_t ticks = (uint64_t)(((unsigned __int128)tsc * cpus[0].lapic_per_tsc) >> 32);
	uint32_t t = ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks;
	config.slice_us = us;
	for (unsigned c = 0; c < ncpus; c++)
		__atomic_store_n(&cpus[c].slice_ticks, t, __ATOMIC_RELAXED); /* each CPU's next slice */
	hlog("monitor: slice=%lu us (%u timer ticks) from each CPU's next slice on", us, t);
	hlog("monitor: end slice");
}

/* The timeline (trace.h): each CPU's ring, the newest last events of each (all kept: UINT64_MAX). Rings of other
 * CPUs are copied while those CPUs run on. */
static void trace(uint64_t last)
{
	if (!config.trace) {
		hlog("monitor: error: trace: tracing is off (trace=<n> on hvmm's command line turns it on)");
		return;
	}
	for (unsigned c = 0; c < ncpus; c++)
		trace_dump(c, "monitor: ", last, 0, c != this_cpu()->id);
	hlog("monitor: end trace");
}

static void help(void)
{
	for (size_t i = 0; i < moncmd_count; i++)
		hlog("monitor: %s%s%s - %s", moncmd_table[i].name, moncmd_table[i].args[0] ? " " : "",
		     moncmd_table[i].args, moncmd_table[i].what);
	hlog("monitor: Ctrl-A three times - the input focus to the next guest");
	hlog("monitor: end help");
}

/* Run one typed line; returns 1 when the monitor keeps the focus (print the prompt again). */
static int run(const char *text)
{
	struct moncmd c;
	switch (moncmd_parse(text, &c)) {
	case MONCMD_EMPTY: break;
	case MONCMD_ERROR: hlog("monitor: error: %s", c.error); break;
	case MONCMD_HELP: help(); break;
	case MONCMD_LIST: list(); break;
	case MONCMD_STATS: stats(c.guest); break;
	case MONCMD_PAUSE: request("pause", c.guest, INPUT_REQ_PAUSE); break;
	case MONCMD_RESUME: request("resume", c.guest, INPUT_REQ_RESUME); break;
	case MONCMD_KILL: request("kill", c.guest, INPUT_REQ_KILL); break;
	case MONCMD_NMI: request("nmi", c.guest, INPUT_REQ_NMI); break;
	case MONCMD_SLICE: slice(c.us); break;
	case MONCMD_TRACE: trace(c.count ? c.count : UINT64_MAX); break;
	case MONCMD_CONSOLE: {
		int i = find(c.guest);
		if (i < 0)
			break;
		if (!input_can_focus((unsigned)i)) {
			hlog("monitor: error: guest %s %s", c.guest,
			     guests[i]->pc ? "has ended" : "has no serial port (platform=pc gives it one)");
			break;
		}
		hlog("monitor: end console");
		input_set_focus(i);
		return 0;
	}
	}
	return 1;
}

/* One byte typed at the monitor. */
static void key(uint8_t ch)
{
	char redraw[sizeof(INPUT_PROMPT) + LINEEDIT_MAX], echo[LINEEDIT_ECHO_MAX];
	size_t n = 0;
	int rn = fmt_snprintf(redraw, sizeof(redraw), INPUT_PROMPT "%s", line.ended ? "" : line.buf);
	int done = lineedit_feed(&line, (char)ch, echo, &n);
	con_input(echo, n, redraw, rn > 0 ? (size_t)rn : 0);
	if (done && run(line.buf) && input_focus() == INPUT_MONITOR)
		input_prompt();
}

void monitor_tick(struct cpu *c, uint64_t now)
{
	input_tick(c, now);
	if (c->id != 0) /* CPU 0 reads the input */
		return;
	for (int ch; (ch = input_monitor_byte()) >= 0;) {
		if (!input_prompted) /* the focus started at the monitor: its first key shows the prompt first */
			input_prompt();
		key((uint8_t)ch);
	}
}
