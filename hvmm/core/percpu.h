/* SPDX-License-Identifier: MIT */
/*
 * percpu.h — state owned by one physical CPU: its SVM pages, timer and ASIDs, and room for the guest layer's own
 * per-CPU state (struct gcpu, hvmm/guest/gcpu.h: the vCPU it runs, its measurement state).
 *
 * Each CPU finds its own struct cpu through its GS base (MSR C000_0101h), which points at the struct; the struct's
 * first field points at itself, so this_cpu() is one `mov %gs:0`. boot.S sets the BSP's GS base before any C code,
 * x86/smp.c each AP's. The world switch keeps it: VMLOAD of the host VMCB (saved after the GS base was set) restores
 * it after every #VMEXIT (APM Vol. 2 §15.5.2).
 */
#ifndef HVMM_PERCPU_H
#define HVMM_PERCPU_H

#define MAX_CPUS 16 /* CPUs hvmm runs guests on (cpus= caps it lower); more in the MADT are left halted */

#define MSR_GS_BASE 0xc0000101u
#define CPU_GCPU_BYTES 64 /* room for the guest layer's per-CPU state (hvmm/guest/gcpu.h asserts it fits) */

/* Offsets of the struct cpu fields that assembly uses (boot.S, x86/isr.S), asserted below. */
#define CPU_SELF 0x00
#define CPU_TIMER_FIRED 0x74
#define CPU_TIMER_IRQS 0x78
#define CPU_IRQ_TSC 0x80

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct vmcb;

/* Where a CPU is in its life (x86/smp.c); written by the CPU itself, read by the BSP. */
enum cpu_state {
	CPU_OFF, /* not started, or parked again with INIT */
	CPU_UP, /* SVM enabled, waiting for its guests */
	CPU_FAILED, /* started but cannot run guests (no SVM): left out */
	CPU_DONE, /* every guest assigned to it has ended */
};

struct cpu {
	struct cpu *self; /* this struct: %gs:0 */
	unsigned id; /* hvmm's CPU number: 0 = the BSP, then the APs in MADT order */
	uint32_t apic_id; /* local APIC ID (MADT) */
	volatile int state; /* enum cpu_state */
	uint64_t hsave_pa; /* VM_HSAVE_PA page (APM §15.30.4); never touched by software */
	struct vmcb *host_vmcb; /* VMSAVE/VMLOAD area for host FS/GS/TR/LDTR/syscall MSRs */
	uint64_t host_vmcb_pa;

	/* The guest layer's per-CPU state (struct gcpu, hvmm/guest/gcpu.h): core/ and x86/ keep only its room. */
	_Alignas(8) unsigned char gcpu[CPU_GCPU_BYTES];

	/* Local APIC timer (one-shot per slice); timer_fired, timer_irqs and irq_tsc are written by isr.S. */
	uint32_t slice_ticks; /* LAPIC timer ticks per slice */
	volatile uint32_t timer_fired; /* set by the timer interrupt handler */
	volatile uint64_t timer_irqs;
	volatile uint64_t irq_tsc; /* TSC when the latest timer interrupt was taken */
	uint64_t spurious_irqs, unexpected_irqs; /* unexpected: vectors hvmm never programmed (desc.c) */
	uint64_t nmis; /* NMIs taken in hvmm that were not a panic's stop (desc.c); reported at the end (main.c) */
	uint64_t spurious_db; /* #DB taken in hvmm with no host breakpoint enabled (x86/desc.c) */

	/* ASIDs (APM §15.16): 1..max_asid, handed out per generation; a new generation flushes the whole TLB. Each
	 * CPU has its own ASID space (TLBs are per core) and its guests never run elsewhere. */
	uint32_t max_asid;
	uint32_t next_asid;
	uint64_t asid_generation;

	/* LAPIC timer ticks and TSC cycles, one in the other (main.c measures them). */
	uint64_t lapic_per_tsc; /* LAPIC timer ticks per TSC cycle, fixed point with 32 fractional bits */
	uint64_t tsc_per_tick; /* TSC cycles per LAPIC timer tick, fixed point with 32 fractional bits */
	uint32_t tsc_aux; /* the value in this CPU's TSC_AUX MSR: the running vCPU's (guest/msr.h) */
};

_Static_assert(offsetof(struct cpu, self) == CPU_SELF, "CPU_SELF");
_Static_assert(offsetof(struct cpu, timer_fired) == CPU_TIMER_FIRED, "CPU_TIMER_FIRED");
_Static_assert(offsetof(struct cpu, timer_irqs) == CPU_TIMER_IRQS, "CPU_TIMER_IRQS");
_Static_assert(offsetof(struct cpu, irq_tsc) == CPU_IRQ_TSC, "CPU_IRQ_TSC");

extern struct cpu cpus[MAX_CPUS];
extern unsigned ncpus; /* CPUs that run guests: cpus[0 .. ncpus-1] (x86/smp.c) */

/* The CPU this code runs on (its GS base; see the top of this file). */
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__("mov %%gs:0, %0" : "=r"(c));
	return c;
}

#endif /* __ASSEMBLY__ */

#endif
