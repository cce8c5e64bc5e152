/* SPDX-License-Identifier: MIT */
/*
 * measure.c — world-switch lag (guest A's #VMEXIT to guest B's VMRUN, TSC cycles), split by the reason A stopped and,
 * for timer-driven switches, by stage; same-guest re-entry by exit reason; per-guest accounting; the summary.
 * Stamps: exit/entry TSC in vmrun.S, timer interrupt in isr.S (timer_isr), scheduling decision in sched.c.
 */
#include "hvmm/guest/measure.h"

#include "fmt.h"
#include "jsonw.h"

#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/asm_offsets.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/x86/tsc.h"

struct cpu_measure cpu_measure[MAX_CPUS];

static const char *const switch_names[SW_NREASONS] = { "timer", "yield", "hlt", "end" };
const char *const measure_reentry_names[RE_NREASONS] = { "intr", "cpuid", "vmmcall", "ioio", "msr", "hlt", "vintr",
							  "other" };
static const char *const stage_names[ST_NSTAGES] = { "exit_to_irq", "irq_to_sched", "sched_to_entry" };

void measure_init(struct cpu *c)
{
	struct cpu_measure *m = &cpu_measure[c->id];
	gcpu(c)->measure = m;
	for (int i = 0; i < SW_NREASONS; i++)
		stats_init(&m->switch_by[i]);
	for (int i = 0; i < ST_NSTAGES; i++)
		stats_init(&m->stage[i]);
	for (int i = 0; i < RE_NREASONS; i++)
		stats_init(&m->reentry_by[i]);
	m->last_exit_tsc = m->first_entry_tsc = m->sched_tsc = 0;
	m->head = m->tail = 0;
	m->prev = NULL;
	m->last_code = 0;
	m->stages = config.stats_full;
	trace_init(&m->trace, c->id, config.trace);
}

uint64_t measure_fast_exits(const struct vcpu *vcpu)
{
	return *(const uint64_t *)((const uint8_t *)vcpu->vmcb + VMCB_HOST_FAST_EXITS);
}

/* Exits of g's vCPUs, fast path included. */
static uint64_t guest_exits(const struct guest *g)
{
	uint64_t n = 0;
	for (unsigned k = 0; k < g->nvcpus; k++)
		n += g->vcpu[k]->exits + measure_fast_exits(g->vcpu[k]);
	return n;
}

/* Guests whose boot vCPU runs on CPU number cpu (sched_assign placed them). */
static unsigned guests_on(unsigned cpu)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nguests; i++)
		n += guests[i]->vcpu[0]->cpu == cpu;
	return n;
}

/* Guest-to-guest switches on c's CPU so far (the samples of the switch statistics). */
static uint64_t switches(const struct cpu_measure *m)
{
	uint64_t n = 0;
	for (int i = 0; i < SW_NREASONS; i++)
		n += m->switch_by[i].n;
	return n;
}

uint64_t measure_exits(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < nguests; i++) /* read while other CPUs run them: a snapshot, for the status line */
		n += guest_exits(guests[i]);
	return n;
}

const uint8_t measure_reentry_of[256] = { /* reason ^ RE_OTHER: every other code is 0 */
	[VMEXIT_INTR] = RE_INTR ^ RE_OTHER,   [VMEXIT_CPUID] = RE_CPUID ^ RE_OTHER, [VMEXIT_VMMCALL] = RE_VMMCALL ^ RE_OTHER,
	[VMEXIT_IOIO] = RE_IOIO ^ RE_OTHER, [VMEXIT_MSR] = RE_MSR ^ RE_OTHER,	    [VMEXIT_HLT] = RE_HLT ^ RE_OTHER,
	[VMEXIT_VINTR] = RE_VINTR ^ RE_OTHER,
};

void measure_fold(struct cpu_measure *m)
{
	for (; m->tail != m->head; m->tail++) {
		uint64_t v = m->ring[m->tail & (MEASURE_RING - 1)];
		stats_add(&m->switch_by[v & 3], v >> 2);
	}
}

void measure_stages(struct cpu *c, struct cpu_measure *m, const struct vcpu *vcpu, uint64_t lag)
{
	uint64_t entry = vcpu->regs.entry_tsc, last = entry - lag;
	if (c->irq_tsc >= last) {
		stats_add(&m->stage[ST_EXIT_TO_IRQ], c->irq_tsc - last);
		stats_add(&m->stage[ST_IRQ_TO_SCHED], m->sched_tsc - c->irq_tsc);
		stats_add(&m->stage[ST_SCHED_TO_ENTRY], entry - m->sched_tsc);
	}
}

/* log=json: a distribution's n, min, p50, p99, max, mean (TSC cycles) as members of j. */
static void json_summary(struct jsonw *j, const struct stats_summary *sum)
{
	jsonw_u64(j, "n", sum->n);
	jsonw_u64(j, "min", sum->min);
	jsonw_u64(j, "p50", sum->p50);
	jsonw_u64(j, "p99", sum->p99);
	jsonw_u64(j, "max", sum->max);
	jsonw_u64(j, "mean", sum->mean);
}

/* log=json: one guest's result (the JSON twin of its summary line). */
static void json_guest(const struct guest *g, uint64_t switches_in, uint64_t exits, uint64_t runtime, uint64_t steal,
		       uint64_t irqs)
{
	char line[CON_LINE_MAX];
	struct jsonw j;
	con_json_begin(&j, line, sizeof(line), "guest");
	jsonw_str(&j, "name", g->name);
	if (g->state == GUEST_EXITED && g->end == GUEST_END_EXIT)
		jsonw_i64(&j, "exit", g->exit_status);
	else
		jsonw_str(&j, "exit", g->state == GUEST_KILLED ? "killed" : g->state == GUEST_RUNNING ? "running" :
				      g->end == GUEST_END_POWEROFF ? "poweroff" : "reboot");
	jsonw_u64(&j, "switches", switches_in);
	jsonw_u64(&j, "exits", exits);
	jsonw_u64(&j, "runtime", runtime);
	jsonw_u64(&j, "steal", steal);
	jsonw_u64(&j, "mem", g->ram_size);
	jsonw_u64(&j, "cpu", g->vcpu[0]->cpu);
	if (g->pc) {
		jsonw_u64(&j, "irqs", irqs);
		jsonw_u64(&j, "clamped", vdev_pc_clamped(g->pc));
	}
	jsonw_u64(&j, "unclaimed", g->bus.unclaimed);
	con_json_end(&j);
}

/* "hvmm: dist what=<what> n= min= p50= p90= p99= p999= max= mean=" and its histogram line, if it has samples. */
static void report_dist(const char *what, const struct stats *s)
{
	struct stats_summary sum;
	char hist[CON_LINE_MAX - 64];
	int len = 0;

	if (s->n == 0)
		return;
	stats_summarize(s, &sum);
	hlog("dist what=%s n=%lu min=%lu p50=%lu p90=%lu p99=%lu p999=%lu max=%lu mean=%lu", what, sum.n, sum.min,
	     sum.p50, sum.p90, sum.p99, sum.p999, sum.max, sum.mean);
	if (config.log_json) {
		char line[CON_LINE_MAX];
		struct jsonw j;
		con_json_begin(&j, line, sizeof(line), "dist");
		jsonw_str(&j, "what", what);
		json_summary(&j, &sum);
		jsonw_u64(&j, "p90", sum.p90);
		jsonw_u64(&j, "p999", sum.p999);
		con_json_end(&j);
	}
	/* log2 buckets (2^b <= v < 2^(b+1)) summed from the fine ones: one short line */
	uint64_t log2[64] = { 0 };
	for (unsigned b = 0; b < STATS_BUCKETS; b++)
		if (s->count[b]) {
			uint64_t low = stats_bucket_low(b, NULL);
			log2[low ? 63 - __builtin_clzll(low) : 0] += s->count[b];
		}
	for (int b = 0; b < 64 && len < (int)sizeof(hist) - 32; b++)
		if (log2[b])
			len += fmt_snprintf(hist + len, sizeof(hist) - len, " %d:%lu", b, log2[b]);
	hlog("hist what=%s log2%s", what, hist);
}

void measure_report(void)
{
	struct stats_summary sum;
	char what[32];
	uint64_t fast = 0, nswitches = 0, irqs = 0, first = UINT64_MAX, last = 0, cpu_time = 0;
	static struct stats all, part[SW_NREASONS + ST_NSTAGES + RE_NREASONS]; /* large: not on the stack */

	/* Per CPU (with more than one): its guests, switches and lag; every figure after them merges all CPUs. */
	stats_init(&all);
	for (int k = 0; k < SW_NREASONS + ST_NSTAGES + RE_NREASONS; k++)
		stats_init(&part[k]);
	for (unsigned i = 0; i < ncpus; i++) {
		struct cpu_measure *m = &cpu_measure[i];
		static struct stats mine;
		measure_fold(m); /* every CPU is done: its ring is the BSP's to fold */
		stats_init(&mine);
		for (int r = 0; r < SW_NREASONS; r++) {
			stats_merge(&mine, &m->switch_by[r]);
			stats_merge(&part[r], &m->switch_by[r]);
		}
		for (int st = 0; st < ST_NSTAGES; st++)
			stats_merge(&part[SW_NREASONS + st], &m->stage[st]);
		for (int r = 0; r < RE_NREASONS; r++)
			stats_merge(&part[SW_NREASONS + ST_NSTAGES + r], &m->reentry_by[r]);
		stats_merge(&all, &mine);
		nswitches += switches(m);
		irqs += cpus[i].timer_irqs;
		if (m->first_entry_tsc && m->first_entry_tsc < first)
			first = m->first_entry_tsc;
		if (m->last_exit_tsc > last)
			last = m->last_exit_tsc;
		if (m->last_exit_tsc > m->first_entry_tsc)
			cpu_time += m->last_exit_tsc - m->first_entry_tsc; /* each CPU's own first VMRUN to last #VMEXIT */
		if (ncpus > 1) {
			stats_summarize(&mine, &sum);
			hlog("cpu %u guests=%u switches=%lu lag p50=%lu p99=%lu", i, guests_on(i), switches(m),
			     sum.p50, sum.p99);
		}
	}
	for (unsigned i = 0; i < nguests; i++)
		for (unsigned k = 0; k < guests[i]->nvcpus; k++)
			fast += measure_fast_exits(guests[i]->vcpu[k]);
	hlog("summary: %u guests, %lu switches, %lu exits (%lu on the fast path), %lu timer interrupts", nguests,
	     nswitches, measure_exits(), fast, irqs);
	uint64_t elapsed = last > first ? last - first : 0, in_guests = 0;
	for (unsigned i = 0; i < nguests; i++)
		for (unsigned k = 0; k < guests[i]->nvcpus; k++)
			in_guests += guests[i]->vcpu[k]->runtime;
	hlog("time elapsed=%lu guests=%lu hvmm_ppm=%lu (first VMRUN to last #VMEXIT, TSC cycles)", elapsed, in_guests,
	     cpu_time >= 1000000 && cpu_time >= in_guests ? (cpu_time - in_guests) / (cpu_time / 1000000) : 0);
	stats_summarize(&all, &sum);
	hlog("lag n=%lu min=%lu p50=%lu p99=%lu max=%lu mean=%lu tsc_khz=%lu", sum.n, sum.min, sum.p50, sum.p99, sum.max,
	     sum.mean, tsc_khz);
	hlog("lag_ns p50=%lu p99=%lu max=%lu", tsc_to_ns(sum.p50), tsc_to_ns(sum.p99), tsc_to_ns(sum.max));
	const struct con_counters *cc = con_counters();
	hlog("console ring=%u max_used=%u queued=%lu refused=%lu waits=%lu", CON_RING_SIZE, cc->max_used, cc->queued,
	     cc->refused, cc->waits);
	if (config.log_json) {
		char line[CON_LINE_MAX];
		struct jsonw j;
		con_json_begin(&j, line, sizeof(line), "summary");
		jsonw_u64(&j, "guests", nguests);
		jsonw_u64(&j, "cpus", ncpus);
		jsonw_u64(&j, "switches", nswitches);
		jsonw_u64(&j, "exits", measure_exits());
		jsonw_u64(&j, "fast_exits", fast);
		jsonw_u64(&j, "timer_irqs", irqs);
		jsonw_u64(&j, "elapsed", elapsed);
		jsonw_u64(&j, "in_guests", in_guests);
		jsonw_u64(&j, "tsc_khz", tsc_khz);
		con_json_end(&j);
		con_json_begin(&j, line, sizeof(line), "lag");
		json_summary(&j, &sum);
		jsonw_u64(&j, "p50_ns", tsc_to_ns(sum.p50));
		jsonw_u64(&j, "p99_ns", tsc_to_ns(sum.p99));
		jsonw_u64(&j, "max_ns", tsc_to_ns(sum.max));
		jsonw_u64(&j, "tsc_khz", tsc_khz);
		con_json_end(&j);
		con_json_begin(&j, line, sizeof(line), "console");
		jsonw_u64(&j, "ring", CON_RING_SIZE);
		jsonw_u64(&j, "max_used", cc->max_used);
		jsonw_u64(&j, "queued", cc->queued);
		jsonw_u64(&j, "refused", cc->refused);
		jsonw_u64(&j, "waits", cc->waits);
		con_json_end(&j);
	}
	if (config.stats_full) {
		report_dist("switch", &all);
		for (int i = 0; i < SW_NREASONS; i++) {
			fmt_snprintf(what, sizeof(what), "switch.%s", switch_names[i]);
			report_dist(what, &part[i]);
		}
		for (int i = 0; i < ST_NSTAGES; i++) {
			fmt_snprintf(what, sizeof(what), "stage.%s", stage_names[i]);
			report_dist(what, &part[SW_NREASONS + i]);
		}
		for (int i = 0; i < RE_NREASONS; i++) {
			fmt_snprintf(what, sizeof(what), "reentry.%s", measure_reentry_names[i]);
			report_dist(what, &part[SW_NREASONS + ST_NSTAGES + i]);
		}
	}
	for (unsigned i = 0; i < nguests; i++) {
		struct guest *g = guests[i];
		uint64_t switches_in = 0, runtime = 0, irqs = 0, steal = 0;
		for (unsigned k = 0; k < g->nvcpus; k++) {
			switches_in += g->vcpu[k]->switches_in;
			runtime += g->vcpu[k]->runtime;
			irqs += g->vcpu[k]->irqs_injected;
			steal += g->vcpu[k]->waited;
		}
		char ports[192];
		int k = g->pc ? fmt_snprintf(ports, sizeof(ports), " irqs=%lu", irqs) : 0;
		if (g->pc && vdev_pc_clamped(g->pc))
			k += fmt_snprintf(ports + k, sizeof(ports) - (unsigned)k, " clamped=%lu", vdev_pc_clamped(g->pc));
		vdev_bus_report(&g->bus, ports + k, sizeof(ports) - (unsigned)k);
		if (g->state == GUEST_EXITED && g->end != GUEST_END_EXIT)
			hlog("guest %s exit=%s switches=%lu exits=%lu runtime=%lu steal=%lu%s", g->name,
			     g->end == GUEST_END_POWEROFF ? "poweroff" : "reboot", switches_in, guest_exits(g), runtime, steal,
			     ports);
		else if (g->state == GUEST_EXITED)
			hlog("guest %s exit=%ld switches=%lu exits=%lu runtime=%lu steal=%lu%s", g->name, g->exit_status,
			     switches_in, guest_exits(g), runtime, steal, ports);
		else
			hlog("guest %s exit=%s switches=%lu exits=%lu runtime=%lu steal=%lu%s", g->name,
			     g->state == GUEST_KILLED ? "killed" : "running", switches_in, guest_exits(g), runtime, steal,
			     ports);
		if (config.log_json)
			json_guest(g, switches_in, guest_exits(g), runtime, steal, irqs);
		const struct vcpu *v0 = g->vcpu[0];
		if (v0->kvm.on) /* the boot vCPU's (guests have one) */
			hlog("guest %s kvm steal_ns=%lu pv_eois=%lu hypercalls=%lu clock=%s steal_time=%s pv_eoi=%s", g->name,
			     tsc_to_ns(v0->waited - v0->kvm.steal_base), v0->kvm.pv_eois, v0->kvm.hypercalls,
			     v0->kvm.time ? "on" : "off", v0->kvm.steal ? "on" : "off", v0->kvm.eoi_word ? "on" : "off");
		for (unsigned d = 0; g->pc && d < g->pc->nvirtio; d++) {
			char dev[224];
			virtio_pci_report(g->pc->virtio[d], dev, sizeof(dev));
			hlog("guest %s %s", g->name, dev);
		}
	}
}

void measure_status_line(char *line, size_t size)
{
	struct cpu *c = this_cpu();
	struct cpu_measure *m = measure_of(c);
	unsigned running = 0;
	uint64_t nswitches = 0;
	for (unsigned i = 0; i < nguests; i++)
		running += guests[i] && guests[i]->state == GUEST_RUNNING;
	for (unsigned i = 0; i < ncpus; i++) /* other CPUs' counters: a snapshot */
		nswitches += switches(&cpu_measure[i]);
	const struct stats *lag = &m->switch_by[SW_TIMER];
	if (lag->n)
		fmt_snprintf(line, size, " hvmm | guests %u/%u running | switches %lu | exits %lu | lag p50 %lu p99 %lu cycles",
			     running, nguests, nswitches, measure_exits(), stats_percentile(lag, 500),
			     stats_percentile(lag, 990));
	else
		fmt_snprintf(line, size, " hvmm | guests %u/%u running | switches %lu | exits %lu | %lu lines", running,
			     nguests, nswitches, measure_exits(), con_lines());
}
