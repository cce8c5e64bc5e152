/* SPDX-License-Identifier: MIT */
/* desc.c — build and load the GDT, TSS and IDT, and dispatch interrupts and exceptions (APM Vol. 2 §4.8, §8.9). */
#include "hvmm/x86/desc.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/panic.h"
#include "hvmm/core/percpu.h"
#include "hvmm/x86/lapic.h"
#include "hvmm/x86/extable.h"

#define IST_STACK_SIZE 8192
#define UNEXPECTED_IRQS_LOGGED 4

/* IDT gate (APM Vol. 2 Figure 4-24): 16 bytes. */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* P | DPL | type (0xE = 64-bit interrupt gate) */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

struct dt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t isr_table[256];
extern char timer_isr[], timer_isr_stamp[], eoi_isr[];
static int timer_stamp; /* desc_timer_stamp: VEC_TIMER's handler stamps cpu->irq_tsc */

/* IST stacks (TSS IST1..3): NMI, #DF and #MC each get their own, so one arriving during another has a clean stack. */
enum { IST_NMI = 1, IST_DF = 2, IST_MC = 3, IST_COUNT = 3 };

/* One CPU's descriptor tables and IST stacks: every CPU loads its own GDT (its TSS descriptor's busy bit is its
 * own), TSS and IDT. */
struct cpu_desc {
	uint64_t gdt[5];
	struct tss64 tss;
	struct idt_gate idt[256];
	uint8_t ist_stack[IST_COUNT][IST_STACK_SIZE];
};

static struct cpu_desc cpu_desc[MAX_CPUS] __attribute__((aligned(16)));

static void set_gate(struct idt_gate *idt, unsigned vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = (uint16_t)handler,
		.selector = SEL_CODE64,
		.ist = ist,
		.type_attr = 0x8e,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_hi = (uint32_t)(handler >> 32),
	};
}

void desc_init(unsigned cpu)
{
	struct cpu_desc *d = &cpu_desc[cpu];
	uint64_t tss_base = (uint64_t)&d->tss;
	uint64_t tss_limit = sizeof(d->tss) - 1;

	d->gdt[0] = 0;
	d->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	d->gdt[2] = 0x00cf92000000ffffull; /* flat data */
	/* 16-byte available 64-bit TSS descriptor (type 9), APM Vol. 2 Figure 4-22. */
	d->gdt[3] = (tss_limit & 0xffff) | ((tss_base & 0xffffff) << 16) | (0x89ull << 40) |
		    (((tss_limit >> 16) & 0xf) << 48) | (((tss_base >> 24) & 0xff) << 56);
	d->gdt[4] = tss_base >> 32;

	memset(&d->tss, 0, sizeof(d->tss));
	for (unsigned i = 0; i < IST_COUNT; i++)
		d->tss.ist[i] = (uint64_t)(d->ist_stack[i] + IST_STACK_SIZE);
	d->tss.iomap_base = sizeof(d->tss); /* no I/O bitmap */

	struct dt_ptr gp = { sizeof(d->gdt) - 1, (uint64_t)d->gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "mov %2, %%ax\n\t"
			 "mov %%ax, %%ds\n\t"
			 "mov %%ax, %%es\n\t"
			 "mov %%ax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(gp), "i"(SEL_CODE64), "i"(SEL_DATA), "r"(SEL_TSS)
			 : "rax", "memory");

	for (unsigned v = 0; v < 256; v++)
		set_gate(d->idt, v, isr_table[v], v == VEC_NMI ? IST_NMI : v == VEC_DF ? IST_DF : v == VEC_MC ? IST_MC : 0);
	set_gate(d->idt, VEC_TIMER, (uint64_t)(timer_stamp ? timer_isr_stamp : timer_isr), 0);
	set_gate(d->idt, VEC_KICK, (uint64_t)eoi_isr, 0);
	set_gate(d->idt, VEC_WAKE, (uint64_t)eoi_isr, 0);
	struct dt_ptr ip = { sizeof(d->idt) - 1, (uint64_t)d->idt };
	__asm__ volatile("lidt %0" : : "m"(ip));
}

void desc_timer_stamp(unsigned cpu)
{
	timer_stamp = 1;
	set_gate(cpu_desc[cpu].idt, VEC_TIMER, (uint64_t)timer_isr_stamp, 0);
}

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor segment overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 floating point", "#AC alignment check", "#MC machine check",
	"#XF SIMD floating point", "#VE", "#CP control protection", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "#HV", "#VC", "#SX security", "reserved 31",
};

void trap_dispatch(struct trap_frame *f);
/* As panic(), for an exception frame taken in hvmm: prints the frame's RIP, error code, CR2 and GPRs. */
static void panic_frame(const struct trap_frame *f, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void panic_frame(const struct trap_frame *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	panic_header(fmt, ap);
	va_end(ap);
	hlog("  rip=0x%lx cs=0x%lx rflags=0x%lx rsp=0x%lx ss=0x%lx error=0x%lx cr2=0x%lx", f->rip, f->cs, f->rflags,
	     f->rsp, f->ss, f->error_code, read_cr2());
	hlog("  rax=0x%lx rbx=0x%lx rcx=0x%lx rdx=0x%lx", f->rax, f->rbx, f->rcx, f->rdx);
	hlog("  rsi=0x%lx rdi=0x%lx rbp=0x%lx r8=0x%lx", f->rsi, f->rdi, f->rbp, f->r8);
	hlog("  r9=0x%lx r10=0x%lx r11=0x%lx r12=0x%lx", f->r9, f->r10, f->r11, f->r12);
	hlog("  r13=0x%lx r14=0x%lx r15=0x%lx", f->r13, f->r14, f->r15);
	panic_stop();
}

/*
 * A #DB in hvmm although hvmm enables no breakpoint (DR7 L0-G3 clear) and never sets TF: a guest's breakpoint the
 * platform left armed (QEMU TCG keeps its breakpoints across #VMEXIT, which on silicon disables them: APM Vol. 2
 * §15.6). It is not hvmm's, so it must not stop hvmm: clear DR6, resume with RF = 1 (an instruction breakpoint does
 * not fire again on the same instruction, APM Vol. 2 §13.1), count it, and say so once.
 */
static void spurious_db(struct cpu *c, struct trap_frame *f)
{
	if (c->spurious_db++ == 0)
		hlog("spurious #DB in hvmm at rip=0x%lx (no breakpoint of hvmm's): ignored", f->rip);
	write_dr6(DR6_RESET);
	f->rflags |= RFLAGS_RF;
}

/* Handle one interrupt or exception taken by hvmm itself; an exception in hvmm is a bug and panics (except a #GP at
 * an instruction of the exception table, extable.h), an unexpected interrupt is counted in cpu->unexpected_irqs. */
/* The struct cpu of GS base gs, or NULL if gs is not one (an exception taken in the world switch between VMLOAD of
 * the guest's state and VMLOAD of the host's, where GS base is the guest's). */
static struct cpu *cpu_of_gs(uint64_t gs)
{
	uint64_t first = (uint64_t)&cpus[0], off = gs - first;
	return gs >= first && off < sizeof(cpus) && off % sizeof(struct cpu) == 0 ? (struct cpu *)gs : NULL;
}

/* This CPU by its local APIC ID (the slow way, when the GS base cannot be trusted). */
static struct cpu *cpu_by_apic(void)
{
	uint32_t id = lapic_id();
	for (unsigned i = 0; i < ncpus; i++)
		if (cpus[i].apic_id == id)
			return &cpus[i];
	return &cpus[0];
}

static void trap_handle(struct cpu *c, struct trap_frame *f);

void trap_dispatch(struct trap_frame *f)
{
	uint64_t gs = rdmsr(MSR_GS_BASE);
	struct cpu *c = cpu_of_gs(gs);
	if (c) {
		trap_handle(c, f);
		return;
	}
	c = cpu_by_apic(); /* this_cpu() must work in the handler: hvmm's GS base for it, then the guest's again */
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	trap_handle(c, f);
	wrmsr(MSR_GS_BASE, gs);
}

/* trap_dispatch's body, on CPU c. */
static void trap_handle(struct cpu *c, struct trap_frame *f)
{
	switch (f->vector) {
	case VEC_SPURIOUS:
		c->spurious_irqs++;
		return; /* no EOI for the spurious vector (Intel SDM §10.9, AMD APM Vol. 2 §16.4.7) */
	case VEC_NMI:
		c->nmis++;
		panic_park(); /* another CPU panicked and stops this one (core/panic.c); returns if not */
		return;
	case VEC_DB:
		if (!(read_dr7() & DR7_ENABLES) && !(f->rflags & RFLAGS_TF)) {
			spurious_db(c, f);
			return;
		}
		break;
	default:
		break;
	}
	if (f->vector >= VEC_PIC_BASE && f->vector < VEC_PIC_BASE + 16) {
		c->spurious_irqs++; /* masked 8259 can still deliver a spurious IRQ 7/15 */
		return;
	}
	if (f->vector == VEC_GP) {
		uint64_t fixup = extable_fixup(f->rip); /* rdmsr_safe and friends: resume at their fixup */
		if (fixup) {
			f->rip = fixup;
			return;
		}
	}
	if (f->vector < 32)
		panic_frame(f, "exception %s (vector %lu) in hvmm", exception_names[f->vector], f->vector);
	/* An interrupt hvmm never asked for (a route firmware left behind, a stray IPI): counted and acknowledged, not
	 * fatal. EOI, since it came through the local APIC and would otherwise block its priority class. */
	if (c->unexpected_irqs++ < UNEXPECTED_IRQS_LOGGED)
		hlog("warning: unexpected interrupt vector %lu at rip=0x%lx (counted, EOI sent; only the first %d are "
		     "printed)", f->vector, f->rip, UNEXPECTED_IRQS_LOGGED);
	lapic_eoi();
}
