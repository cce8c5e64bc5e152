/* SPDX-License-Identifier: MIT */
/*
 * smp.c — bring up the application processors the ACPI MADT lists, with INIT-SIPI-SIPI through the real-mode
 * trampoline of boot/trampoline.S (Intel MultiProcessor Specification v1.4 §B.4, "universal start-up algorithm":
 * INIT, 10 ms, STARTUP, 200 µs, STARTUP, 200 µs; AMD's BKDGs/PPRs start APs the same way), then release them to run
 * guests, wait for them at the end, and stop them with an NMI IPI for a panic.
 */
#include "hvmm/x86/smp.h"

#include <string.h>

#include "cputopo.h"
#include "fmt.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/core/panic.h"
#include "hvmm/core/percpu.h"
#include "hvmm/core/pmm.h"
#include "hvmm/x86/acpi.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/lapic.h"
#include "hvmm/x86/tsc.h"

#define AP_STACK_SIZE 16384
#define XAPIC_MAX_ID 254 /* 0xff is the xAPIC broadcast ID */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
#define STOP_WAIT_US 100000

extern const char ap_trampoline[], ap_trampoline_end[], ap_code32_offset[], ap_code64_offset[];

static void (*ap_main_fn)(struct cpu *c);
static int released;

void ap_entry64(struct cpu *c);
/* The AP's first C code (called by the trampoline on the stack smp_start gave it): GS base, descriptor tables. */
void ap_entry64(struct cpu *c)
{
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	desc_init(c->id);
	ap_main_fn(c);
	halt_forever();
}

/* Put the AP apic_id back into wait-for-SIPI (INIT, level assert then deassert), the state it was found in. */
static void ap_park(uint32_t apic_id)
{
	lapic_send_ipi(apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
	lapic_send_ipi(apic_id, ICR_DM_INIT | ICR_TRIGGER_LEVEL);
}

/* Start the AP apic_id as cpus[ncpus] through the trampoline at page; 1 if it came up (CPU_UP), else 0. */
static int ap_start(uint64_t page, uint32_t apic_id, void *stack)
{
	struct ap_params *p = (struct ap_params *)(page + AP_PARAMS);
	struct cpu *c = &cpus[ncpus];

	memset(c, 0, sizeof(*c));
	c->self = c;
	c->id = ncpus;
	c->apic_id = apic_id;
	c->state = CPU_OFF;
	p->stack = (uint64_t)stack + AP_STACK_SIZE;
	p->cpu = (uint64_t)c;
	p->alive = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* Intel MP spec §B.4: INIT (assert, then deassert), 10 ms, then two STARTUP IPIs 200 µs apart. */
	int bad = lapic_send_ipi(apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
	tsc_delay_us(INIT_DELAY_US);
	bad |= lapic_send_ipi(apic_id, ICR_DM_INIT | ICR_TRIGGER_LEVEL);
	for (int k = 0; k < 2; k++) {
		bad |= lapic_send_ipi(apic_id, ICR_DM_STARTUP | ICR_VECTOR(page >> 12));
		tsc_delay_us(SIPI_DELAY_US);
	}
	uint64_t t0 = rdtsc(), wait = tsc_khz * SMP_ANSWER_MS;
	int state;
	while ((state = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE)) == CPU_OFF && rdtsc() - t0 < wait)
		pause();
	if (state == CPU_UP)
		return 1;
	if (state == CPU_OFF)
		hlog("warning: cpu apic=%u %s within %u ms; left out", apic_id,
		     p->alive ? "reached long mode but did not finish its set-up"
		     : bad	? "did not accept INIT-SIPI-SIPI (ICR delivery stayed pending)"
				: "did not answer INIT-SIPI-SIPI",
		     SMP_ANSWER_MS);
	ap_park(apic_id); /* CPU_FAILED (it said why) or no answer: back to wait-for-SIPI, its slot is reused */
	return 0;
}

/*
 * Which MADT entries are SMT siblings hvmm leaves halted (docs/hardware.md "Several CPUs"): skip[i] = 1 for entry i.
 * With smt=off, of the enabled entries other than the BSP (MADT order), one that is a thread of the BSP's core or of
 * an entry taken before it; with smt=on none. The topology is the BSP's CPUID (lib/cputopo.h); prints the decision.
 */
static void smt_siblings(uint32_t bsp, uint8_t skip[ACPI_MAX_CPUS])
{
	struct cpuid_regs b = cpuid(0xb, 0), e1 = cpuid(0x80000001u, 0), e1e = cpuid(0x8000001eu, 0);
	struct topo_cpuid id = {.max_basic = cpuid(0, 0).eax, .b_eax = b.eax, .b_ebx = b.ebx, .b_ecx = b.ecx,
				.max_ext = cpuid(0x80000000u, 0).eax, .e1_ecx = e1.ecx, .e1e_ebx = e1e.ebx};
	struct topo_smt t;
	uint32_t apic[ACPI_MAX_CPUS];
	uint8_t cand_skip[ACPI_MAX_CPUS];
	unsigned n = 0, idx[ACPI_MAX_CPUS];

	topo_smt_decide(&id, &t);
	for (unsigned i = 0; i < acpi.ncpus; i++) {
		skip[i] = 0;
		if (acpi.cpu[i].enabled && acpi.cpu[i].apic_id != bsp) {
			idx[n] = i;
			apic[n++] = acpi.cpu[i].apic_id;
		}
	}
	unsigned taken = topo_select(bsp, apic, n, t.shift, 0, cand_skip);
	char list[160]; /* "1, 3, ...": up to 64 IDs of 10 digits do not fit; the rest is "..." */
	size_t len = 0;
	int cut = 0;
	list[0] = 0;
	for (unsigned k = 0; k < n; k++) {
		if (!cand_skip[k])
			continue;
		skip[idx[k]] = (uint8_t)!config.smt;
		if (len + 2 + 10 + 6 < sizeof(list)) /* room for ", <id>" and a final ", ..." */
			len += (size_t)fmt_snprintf(list + len, sizeof(list) - len, "%s%u", len ? ", " : "", apic[k]);
		else
			cut = 1;
	}
	if (cut)
		fmt_snprintf(list + len, sizeof(list) - len, ", ...");
	const char *s = t.threads == 1 ? "" : "s";
	if (taken == n)
		hlog("smp: %u thread%s per core (%s); no SMT siblings in the MADT", t.threads, s, t.source);
	else if (!config.smt)
		hlog("smp: %u thread%s per core (%s); SMT siblings skipped (smt=off): apic %s", t.threads, s, t.source, list);
	else {
		hlog("smp: %u thread%s per core (%s); SMT siblings run guests too (smt=on): apic %s", t.threads, s,
		     t.source, list);
		hlog("warning: smt=on: guests on sibling threads of one core can observe each other through the branch "
		     "and return predictors the threads share (docs/security.md)");
	}
}

unsigned smp_others(void)
{
	uint32_t bsp = lapic_id();
	unsigned others = 0;
	for (unsigned i = 0; i < acpi.ncpus; i++)
		others += acpi.cpu[i].enabled && acpi.cpu[i].apic_id != bsp;
	return others;
}

void smp_start(uint64_t page, unsigned want, void (*ap_main)(struct cpu *c))
{
	uint32_t bsp = lapic_id();
	unsigned others = smp_others(), limited = 0;

	cpus[0].apic_id = bsp;
	if (want <= 1 || others == 0) {
		if (others)
			hlog("cpus=1: running on the BSP only; %u more enabled CPUs of the MADT stay halted", others);
		return;
	}
	if (!acpi.has_madt) {
		hlog("warning: no MADT: the other CPUs are unknown; running on the BSP only");
		return;
	}
	if (!page) {
		hlog("warning: no free page below 1 MiB for the AP start-up code; running on the BSP only");
		return;
	}

	/* The trampoline and its parameters: a GDT with 64-bit code, data and 32-bit code, far pointers into P. */
	memcpy((void *)page, ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));
	struct ap_params *p = (struct ap_params *)(page + AP_PARAMS);
	memset(p, 0, sizeof(*p));
	p->gdt[AP_SEL_CODE64 / 8] = 0x00af9a000000ffffull;
	p->gdt[AP_SEL_DATA / 8] = 0x00cf92000000ffffull;
	p->gdt[AP_SEL_CODE32 / 8] = 0x00cf9a000000ffffull;
	p->gdt_limit = sizeof(p->gdt) - 1;
	p->gdt_base = (uint32_t)(page + AP_PARAMS + AP_GDT);
	p->jmp32_offset = (uint32_t)(page + (uintptr_t)ap_code32_offset);
	p->jmp32_sel = AP_SEL_CODE32;
	p->jmp64_offset = (uint32_t)(page + (uintptr_t)ap_code64_offset);
	p->jmp64_sel = AP_SEL_CODE64;
	p->cr3 = (uint32_t)read_cr3();
	p->efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	p->entry = (uint64_t)ap_entry64;
	ap_main_fn = ap_main;

	uint8_t sibling[ACPI_MAX_CPUS];
	smt_siblings(bsp, sibling);
	void *stack = NULL;
	for (unsigned i = 0; i < acpi.ncpus; i++) {
		const struct acpi_cpu *e = &acpi.cpu[i];
		if (e->apic_id == bsp)
			continue;
		if (!e->enabled) {
			hlog("cpu apic=%u not started: disabled in the MADT%s", e->apic_id,
			     e->online_capable ? " (online capable: hvmm does not add CPUs at run time)" : "");
			continue;
		}
		if (sibling[i])
			continue; /* named in the smp: line */
		if (ncpus == want || ncpus == MAX_CPUS) {
			limited++;
			continue;
		}
		if (e->apic_id > XAPIC_MAX_ID && !lapic_is_x2apic()) {
			hlog("warning: cpu apic=%u not started: an APIC ID above %u needs x2APIC mode (apic=x2apic)",
			     e->apic_id, XAPIC_MAX_ID);
			continue;
		}
		if (!stack && !(stack = pmm_alloc(AP_STACK_SIZE, PAGE_SIZE))) {
			hlog("warning: no memory for an AP stack; no more CPUs started");
			break;
		}
		if (ap_start(page, e->apic_id, stack)) {
			ncpus++;
			stack = NULL; /* that AP keeps it */
		}
	}
	if (stack)
		pmm_free(stack, AP_STACK_SIZE);
	if (limited)
		hlog("cpus: %u more enabled CPUs of the MADT stay halted (limit %u)", limited,
		     want < MAX_CPUS ? want : MAX_CPUS);
	if (acpi.ncpus_seen > acpi.ncpus)
		hlog("warning: the MADT lists %u CPUs; hvmm read the first %u", acpi.ncpus_seen, acpi.ncpus);
}

void smp_wait_release(void)
{
	while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		pause();
}

void smp_release(void) { __atomic_store_n(&released, 1, __ATOMIC_RELEASE); }

void smp_ap_done(struct cpu *c)
{
	__atomic_store_n(&c->state, CPU_DONE, __ATOMIC_RELEASE);
	lapic_send_ipi(cpus[0].apic_id, ICR_VECTOR(VEC_WAKE));
}

void smp_wait_done(void)
{
	for (unsigned i = 1; i < ncpus; i++)
		while (__atomic_load_n(&cpus[i].state, __ATOMIC_ACQUIRE) != CPU_DONE)
			__asm__ volatile("sti; hlt; cli" : : : "memory"); /* VEC_WAKE (or any interrupt) ends the HLT */
}

void smp_stop_others(void)
{
	struct cpu *me = this_cpu();
	unsigned sent = 0;
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != me && cpus[i].state != CPU_OFF) {
			lapic_send_ipi(cpus[i].apic_id, ICR_DM_NMI);
			sent++;
		}
	uint64_t t0 = rdtsc(), wait = tsc_khz * STOP_WAIT_US / 1000;
	while (panic_parked() < sent && rdtsc() - t0 < wait)
		pause();
}
