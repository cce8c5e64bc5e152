/* SPDX-License-Identifier: MIT */
/* main.c — hvmm_main: bring up the console, memory, interrupts, timers and SVM on the BSP and the APs, load the
 * guests, give them their CPUs, run them on every CPU, report. */
#include <stdint.h>

#include "jsonw.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/bootinfo.h"
#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/core/panic.h"
#include "hvmm/core/percpu.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/bench_native.h"
#include "hvmm/guest/create.h"
#include "hvmm/guest/gcpu.h"
#include "hvmm/guest/gdbstub.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/input.h"
#include "hvmm/guest/measure.h"
#include "hvmm/guest/msr.h"
#include "hvmm/guest/sched.h"
#include "hvmm/guest/trace.h"
#include "hvmm/guest/xstate.h"
#include "hvmm/guest/vmcb_guard.h"
#include "hvmm/svm/svm.h"
#include "hvmm/x86/acpi.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/ioapic.h"
#include "hvmm/x86/paging.h"
#include "hvmm/x86/lapic.h"
#include "hvmm/x86/pic.h"
#include "hvmm/x86/power.h"
#include "hvmm/x86/smp.h"
#include "hvmm/x86/spec.h"
#include "hvmm/x86/tsc.h"

#ifndef HVMM_VERSION
#error "HVMM_VERSION comes from the VERSION file (Makefile)"
#endif

struct cpu cpus[MAX_CPUS];
unsigned ncpus = 1;

void hvmm_main(uint32_t magic, uint32_t mbi_pa);

/* Let hvmm switch guests' x87/SSE state with FXSAVE/FXRSTOR (APM Vol. 2 §3.1.3, §3.1.6). */
static void fpu_init(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	__asm__ volatile("fninit");
}

/* CR4.MCE: a machine check reaches hvmm's IDT (and, in guest mode, the #MC intercept) instead of shutting the
 * processor down (APM Vol. 2 §9.3). */
static void mce_init(void)
{
	if (cpuid(1, 0).edx & (1u << 7)) /* CPUID 1 EDX[7]: MCE */
		write_cr4(read_cr4() | CR4_MCE);
}

/* The end of a panic (core/panic.c's stop hook): the panic exit status, or halt. */
static void panic_power_off(void) { power_off(POWER_PANIC); }

/* panic_test=<n> (docs/cmdline.md): on CPU n, 300 ms after the guests were released, panic on purpose. */
static void panic_test(const struct cpu *c)
{
	if (config.panic_test != (int)c->id)
		return;
	tsc_delay_us(300000);
	panic("panic_test=%d on the command line (a deliberate panic, to test the panic path)", config.panic_test);
}

/* An AP's life after x86/smp.c set up its GS base and descriptor tables: FPU, local APIC, SVM, then its guests. */
static void ap_main(struct cpu *c)
{
	char why[200];
	uint32_t nasid;

	fpu_init();
	xstate_init_ap();
	spec_init_ap();
	lapic_init_ap();
	if (svm_init_ap(c, &nasid, why, sizeof(why))) {
		hlog("warning: cpu apic=%u left out: %s", c->apic_id, why);
		__atomic_store_n(&c->state, CPU_FAILED, __ATOMIC_RELEASE);
		halt_forever(); /* the BSP parks this CPU with INIT */
	}
	c->max_asid = nasid - 1 < MAX_GUESTS ? nasid - 1 : MAX_GUESTS;
	c->slice_ticks = cpus[0].slice_ticks; /* every local APIC timer counts the same clock (x86/lapic.h) */
	gcpu(c)->drain_ticks = gcpu(&cpus[0])->drain_ticks;
	measure_init(c);
	hlog("cpu %u apic=%u up", c->id, c->apic_id);
	__atomic_store_n(&c->state, CPU_UP, __ATOMIC_RELEASE);
	smp_wait_release(); /* guests loaded and assigned */
	panic_test(c);
	sched_wait_start(c); /* the gdb stub may hold this CPU's only guest at its first instruction */
	sched_run(c);
	smp_ap_done(c);
	halt_forever(); /* an NMI from a panic still parks it (core/panic.c) */
}

/* Create one guest per boot module; bad modules are rejected with their reason. Returns the number rejected. */
static unsigned load_guests(void)
{
	unsigned rejected = bootinfo.nmod_dropped;

	for (unsigned i = 0; i < bootinfo.nmod; i++) {
		struct boot_module *m = &bootinfo.mod[i];
		if (!guest_is_module(m->cmdline) &&
		    !guest_create((const void *)m->start, m->end - m->start, m->cmdline, m->cmdline_truncated, i))
			rejected++;
	}
	for (unsigned i = 0; i < bootinfo.nmod; i++) { /* then the modules of guests (for=<name>) */
		struct boot_module *m = &bootinfo.mod[i];
		if (guest_is_module(m->cmdline) &&
		    guest_attach_module((const void *)m->start, m->end - m->start, m->cmdline, i))
			rejected++;
		pmm_release_module(m->start, m->end);
	}
	/* Modules the MBI parser did not keep: their command lines are unknown, so they are named by position. */
	for (unsigned i = 0; i < bootinfo.nmod_dropped; i++)
		hlog("guest guest%u rejected: too many modules (hvmm keeps the first %u)", bootinfo.nmod + i,
		     MB2_MAX_MODULES);
	return rejected;
}

/* The run's result for the debug-exit port: a killed guest or a rejected module outranks a non-zero exit status; a
 * guest that powered off counts as status 0, one that reset its platform as a non-zero status (nothing restarts it). */
static enum power_status run_result(unsigned rejected)
{
	int failed = 0, killed = rejected != 0;

	for (unsigned i = 0; i < nguests; i++) {
		if (guests[i]->state == GUEST_KILLED)
			killed = 1;
		else if (guests[i]->exit_status != 0 || guests[i]->end == GUEST_END_REBOOT)
			failed = 1;
	}
	return killed ? POWER_GUEST_KILLED : failed ? POWER_GUEST_FAILED : POWER_OK;
}

void hvmm_main(uint32_t magic, uint32_t mbi_pa)
{
	struct cpu *c = this_cpu();

	con_init();
	panic_set_stop(panic_power_off);
	panic_set_freeze(smp_stop_others);
	c->state = CPU_UP;
	hlog("hvmm %s starting", HVMM_VERSION);
	desc_init(c->id);
	if (bootinfo_copy(magic, mbi_pa))
		power_off(POWER_ERROR);
	config_parse(bootinfo.cmdline);
	if (config.stats_full)
		desc_timer_stamp(c->id); /* the stages of a timer switch need the interrupt's stamp (docs/measurement.md) */
	if (bootinfo.cmdline_truncated)
		hlog("warning: hvmm's command line is longer than %u bytes; the rest was ignored", BOOT_CMDLINE_MAX - 1);
	hlog("command line: \"%s\" (loader: %s)", bootinfo.cmdline, bootinfo.loader[0] ? bootinfo.loader : "?");
	con_set_status_source(measure_status_line);
	con_framebuffer(bootinfo.has_fb ? &bootinfo.fb : NULL); /* VGA text, framebuffer console, or none */

	pmm_init();
	unsigned want = config.cpus ? config.cpus : MAX_CPUS; /* by default every usable CPU (docs/cmdline.md) */
	uint64_t ap_page = want > 1 ? pmm_low_page() : 0; /* first, before anything could take low memory */
	paging_init(); /* memory types from the memory map; RAM above 4 GiB becomes usable */
	fpu_init();
	mce_init();
	xstate_init();
	msr_init();
	pic_disable();
	measure_init(c);
	acpi_init(); /* before the TSC: its calibration may use the HPET or the ACPI PM timer */
	ioapic_mask_all();
	tsc_calibrate();

	if (svm_init(c)) {
		hlog("cannot run guests on this CPU; stopping");
		power_off(POWER_ERROR);
	}
	spec_init((enum spec_srso)config.srso);
	c->max_asid = svm_caps.nasid - 1;
	if (c->max_asid > MAX_GUESTS)
		c->max_asid = MAX_GUESTS;

	_Static_assert(LAPIC_MODE_XAPIC == 1 && LAPIC_MODE_X2APIC == 2, "config.apic values");
	uint32_t ticks_per_ms = lapic_init(tsc_khz, (enum lapic_mode)config.apic);
	uint64_t ticks = ticks_per_ms * config.slice_us / 1000;
	c->slice_ticks = ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks;
	c->lapic_per_tsc = tsc_khz ? ((uint64_t)ticks_per_ms << 32) / tsc_khz : 0;
	c->tsc_per_tick = ticks_per_ms ? (tsc_khz << 32) / ticks_per_ms : 0;
	hlog("slice=%lu us (%u timer ticks)", config.slice_us, c->slice_ticks);
	/* Console drain tick: about one 16-byte FIFO load at 115200 baud (160 bits: 1.39 ms); hvmm/core/console.h. */
	gcpu(c)->drain_ticks = ticks_per_ms ? ticks_per_ms : 1;
	if (want > 1 && (config.cpus || smp_others())) { /* the default says nothing on a one-CPU machine */
		hlog("cpu 0 apic=%u up (the BSP); AP start-up code at 0x%lx", lapic_id(), ap_page);
		smp_start(ap_page, want, ap_main);
		if (config.cpus)
			hlog("cpus: %u running guests (cpus=%u)", ncpus, config.cpus);
		else
			hlog("cpus: %u running guests (every usable CPU: the default; cpus=1 keeps one)", ncpus);
	} else {
		smp_start(0, 1, ap_main); /* only says how many CPUs stay halted */
	}

	if (config.bench_log4 >= 0)
		bench_native((unsigned)config.bench_log4);
	unsigned rejected = load_guests();
	if (nguests == 0) {
		hlog("error: no guest to run (%u modules given)", bootinfo.nmod);
		power_off(POWER_ERROR);
	}
	sched_assign();
	input_init(); /* console input: the first focus (docs/running.md) */
	gdbstub_init(); /* gdb=: the stub on COM2 (docs/running.md) */
	if (ncpus > 1)
		con_smp(); /* lines from several CPUs: synchronous, under the console lock (hvmm/core/console.c) */
	hlog("running %u guest%s round-robin", nguests, nguests == 1 ? "" : "s");
	smp_release();
	panic_test(c);
	sched_wait_start(c); /* the gdb stub may hold this CPU's only guest at its first instruction */
	sched_run(c);
	smp_wait_done();

	measure_report();
	if (config.trace)
		trace_report(); /* trace=<n>: the last runs of each CPU (docs/running.md "The timeline") */
	uint64_t unexpected = 0, nmis = 0;
	for (unsigned i = 0; i < ncpus; i++) {
		unexpected += cpus[i].unexpected_irqs;
		nmis += cpus[i].nmis;
	}
	if (unexpected)
		hlog("warning: %lu unexpected interrupts during the run", unexpected);
	if (nmis) /* hvmm sends NMIs only to stop CPUs after a panic; any other comes from the platform */
		hlog("warning: %lu NMIs taken in hvmm during the run (none from a panic; ignored)", nmis);
	if (config.vmcb_check)
		vmcb_guard_report();
	hlog("all guests done");
	if (config.log_json) {
		char line[128];
		struct jsonw j;
		con_json_begin(&j, line, sizeof(line), "done");
		jsonw_u64(&j, "rejected", rejected);
		con_json_end(&j);
	}
	power_off(run_result(rejected));
}
