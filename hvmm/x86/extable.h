/* SPDX-License-Identifier: MIT */
/*
 * extable.h — instructions allowed to fault in hvmm: an exception table of (instruction, fixup) addresses that the
 * #GP handler (desc.c) consults before it panics, and the MSR accessors built on it. MSRs differ between CPUs and
 * emulators (Bochs 2.7 has no VM_CR, hypervisors hide model-specific ones): code that touches an MSR which may be
 * absent uses rdmsr_safe/wrmsr_safe and reports the difference instead of taking hvmm down.
 */
#ifndef HVMM_EXTABLE_H
#define HVMM_EXTABLE_H
#include <stdint.h>

/* One entry (section .extable, collected by linker.ld between __extable_start and __extable_end). */
struct extable_entry {
	uint64_t insn; /* address of the instruction that may raise #GP */
	uint64_t fixup; /* where execution resumes instead */
};
_Static_assert(sizeof(struct extable_entry) == 16, "extable entry is two addresses");

/* Assembler text that records "a #GP at label insn resumes at label fixup". */
#define EXTABLE_ENTRY(insn, fixup) \
	".pushsection .extable, \"a\"\n\t.balign 8\n\t.quad " #insn ", " #fixup "\n\t.popsection\n\t"

/* The fixup for a #GP at rip, or 0 when rip is not in the table (a real bug: the caller panics). */
uint64_t extable_fixup(uint64_t rip);

/* RDMSR msr into *val and return 0; if it raises #GP, set *val = 0 and return -1. */
static inline int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo, hi;
	int err;
	__asm__ volatile("1: rdmsr\n\t"
			 "xor %2, %2\n"
			 "2:\n\t"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: mov $-1, %2\n\t"
			 "xor %0, %0\n\t"
			 "xor %1, %1\n\t"
			 "jmp 2b\n\t"
			 ".popsection\n\t" EXTABLE_ENTRY(1b, 3b)
			 : "=a"(lo), "=d"(hi), "=r"(err)
			 : "c"(msr)
			 : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return err;
}

/* WRMSR msr = v and return 0; return -1 if it raised #GP (nothing was written). */
static inline int wrmsr_safe(uint32_t msr, uint64_t v)
{
	int err;
	__asm__ volatile("1: wrmsr\n\t"
			 "xor %0, %0\n"
			 "2:\n\t"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: mov $-1, %0\n\t"
			 "jmp 2b\n\t"
			 ".popsection\n\t" EXTABLE_ENTRY(1b, 3b)
			 : "=r"(err)
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	return err;
}

#endif
