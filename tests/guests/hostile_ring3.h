/* SPDX-License-Identifier: MIT */
/*
 * hostile_ring3.h — run a function of a hostile test guest at CPL 3 and come back to CPL 0 (AMD APM Vol. 2 §4.11,
 * §8.9). Include after hostile_idt.h, call ring3_install() once after hidt_install(), then ring3_run(fn): fn runs
 * at CPL 3 on its own stack with interrupts off, and ring3_run returns when fn returns. fn must not print (a
 * hypercall at CPL 3 is refused): it stores its results in globals for the CPL-0 caller to check. Exceptions fn
 * raises inside HIDT_TRY are recorded as usual (the IDT handler runs at CPL 0 on the TSS's RSP0 stack and returns
 * to CPL 3 at hidt_resume).
 *
 * What it changes in the guest's hvmm-built environment (docs/guest-abi.md, "Guest-physical memory"):
 *   - a GDT of its own: 0x08 code64 DPL 0, 0x10 data DPL 0, 0x18 the TSS hvmm built (busy), 0x2b data DPL 3,
 *     0x33 code64 DPL 3;
 *   - TSS.RSP0 = a stack of its own (the TSS stays at GPA 0x1900, where hvmm put it);
 *   - U/S = 1 in the PML4, PDPT and PD entries that map the first 2 MiB (image, stack, boot info);
 *   - IDT vector 0x80, DPL 3: the way back from CPL 3 (ring3_run's end).
 */
#ifndef HOSTILE_RING3_H
#define HOSTILE_RING3_H
#include "hostile_idt.h"

#define R3_USER_DS 0x2b
#define R3_USER_CS 0x33
#define R3_VEC_RETURN 0x80
#define R3_TSS_GPA 0x1900u /* hvmm's guest TSS (docs/guest-abi.md) */
#define R3_PTE_US (1ull << 2)

static uint64_t r3_gdt[7] __attribute__((aligned(16)));
static uint8_t r3_kstack[8192] __attribute__((aligned(16)));
static uint8_t r3_ustack[8192] __attribute__((aligned(16)));
volatile uint64_t r3_kernel_rsp;

/*
 * ring3_enter(fn, user_rsp): save the callee-saved registers and RSP, IRETQ to r3_tramp at CPL 3 (RDI = fn survives),
 * which calls fn and then INT 0x80; r3_return (the vector-0x80 handler, CPL 0) restores RSP and returns.
 */
void ring3_enter(void (*fn)(void), uint64_t user_rsp);
__asm__(".text\n"
	".globl ring3_enter\n"
	"ring3_enter:\n"
	"  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
	"  mov %rsp, r3_kernel_rsp(%rip)\n"
	"  pushq $0x2b\n" /* SS */
	"  push %rsi\n"	  /* RSP */
	"  pushq $0x2\n"  /* RFLAGS: IF = 0 */
	"  pushq $0x33\n" /* CS */
	"  lea r3_tramp(%rip), %rax\n"
	"  push %rax\n"
	"  iretq\n"
	"r3_tramp:\n"
	"  call *%rdi\n"
	"  int $0x80\n"
	"  ud2\n"
	".globl r3_return\n"
	"r3_return:\n"
	"  mov r3_kernel_rsp(%rip), %rsp\n"
	"  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
	"  ret\n");

static inline void ring3_install(void)
{
	extern char r3_return[];
	uint64_t *hvmm_gdt = (uint64_t *)(uintptr_t)HVMM_GDT_GPA;
	for (int i = 0; i < 5; i++)
		r3_gdt[i] = hvmm_gdt[i];
	r3_gdt[5] = 0x00cff2000000ffffull; /* data, DPL 3 */
	r3_gdt[6] = 0x00affa000000ffffull; /* 64-bit code, DPL 3 */
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(r3_gdt) - 1, (uint64_t)(uintptr_t)r3_gdt };
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	*(volatile uint64_t *)(uintptr_t)(R3_TSS_GPA + 4) = (uint64_t)(uintptr_t)(r3_kstack + sizeof(r3_kstack));

	uint64_t *pml4 = (uint64_t *)(uintptr_t)HVMM_PT_GPA;
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & ~0xfffull);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[0] & ~0xfffull);
	pml4[0] |= R3_PTE_US;
	pdpt[0] |= R3_PTE_US;
	pd[0] |= R3_PTE_US;
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");

	hidt_table[R3_VEC_RETURN] = rt_intr_gate(r3_return);
	hidt_table[R3_VEC_RETURN].type = 0xee; /* P, DPL 3: INT from CPL 3 may use it */
}

/* Run fn at CPL 3; returns when fn returns. */
static inline void ring3_run(void (*fn)(void))
{
	ring3_enter(fn, (uint64_t)(uintptr_t)(r3_ustack + sizeof(r3_ustack)));
}

/* The CPL the caller runs at (CS.RPL). */
static inline unsigned ring3_cpl(void)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

#endif
