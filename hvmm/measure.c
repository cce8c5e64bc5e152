/* measure.c — world-switch lag (guest A's #VMEXIT to guest B's VMRUN, TSC cycles) and per-guest accounting. */
#include "hvmm/measure.h"

#include "hvmm/console.h"
#include "hvmm/guest.h"
#include "hvmm/percpu.h"
#include "hvmm/tsc.h"

void measure_init(struct cpu_measure *m)
{
	stats_init(&m->lag);
	stats_init(&m->reentry);
	m->switches = 0;
	m->exits = 0;
	m->last_exit_tsc = 0;
}

void measure_entry(struct cpu *c, struct guest *g)
{
	struct gpregs *r = &g->regs;
	g->runtime += r->exit_tsc - r->entry_tsc;
	if (c->prev) {
		uint64_t lag = r->entry_tsc - c->m.last_exit_tsc;
		if (c->prev != g) {
			stats_add(&c->m.lag, lag);
			c->m.switches++;
			g->switches_in++;
		} else {
			stats_add(&c->m.reentry, lag);
		}
	}
	c->prev = g;
	c->m.last_exit_tsc = r->exit_tsc;
}

/* Print one statistics line: "hvmm: <what> n=.. min=.. p50=.. p99=.. max=.. mean=.. tsc_khz=..". */
static void report_stats(const char *what, struct stats *s)
{
	struct stats_summary sum;
	stats_summarize(s, &sum);
	hlog("%s n=%lu min=%lu p50=%lu p99=%lu max=%lu mean=%lu tsc_khz=%lu", what, sum.n, sum.min, sum.p50, sum.p99,
	     sum.max, sum.mean, tsc_khz);
}

void measure_report(struct cpu *c)
{
	struct stats_summary sum;

	hlog("summary: %u guests, %lu switches, %lu exits, %lu timer interrupts", nguests, c->m.switches, c->m.exits,
	     c->timer_irqs);
	report_stats("lag", &c->m.lag);
	report_stats("reentry", &c->m.reentry);
	stats_summarize(&c->m.lag, &sum);
	hlog("lag_ns p50=%lu p99=%lu max=%lu", tsc_to_ns(sum.p50), tsc_to_ns(sum.p99), tsc_to_ns(sum.max));
	for (unsigned i = 0; i < nguests; i++) {
		struct guest *g = guests[i];
		if (g->state == GUEST_EXITED)
			hlog("guest %s exit=%ld switches=%lu exits=%lu runtime=%lu", g->name, g->exit_status,
			     g->switches_in, g->exits, g->runtime);
		else
			hlog("guest %s exit=%s switches=%lu exits=%lu runtime=%lu", g->name,
			     g->state == GUEST_KILLED ? "killed" : "running", g->switches_in, g->exits, g->runtime);
	}
}
