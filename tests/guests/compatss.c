/* SPDX-License-Identifier: MIT */
/*
 * compatss (test guest): the state Linux's 5-level-paging trampoline reaches — 32-bit code (compatibility mode) with
 * a null SS. In 64-bit mode at CPL 0 it loads SS with the null selector (allowed there: APM Vol. 2 §4.5.3, "Null
 * selectors"), far-returns to a 32-bit code segment of its own GDT, issues CPUID there (an intercepted exit, so hvmm
 * runs the guest again in that state) and far-jumps back to 64-bit mode. VMRUN loads segment state without checking
 * it, so the guest must run on: with vmcb_check=1 hvmm warns once (docs/cmdline.md). Prints "PASS ..." and exits 0.
 */
#include <string.h>

#include "hvmm.h"

#define GDT_CODE32 0x28 /* after hvmm's null, code, data and 16-byte TSS descriptors (docs/guest-abi.md) */

static uint64_t gdt[6] __attribute__((aligned(16)));
uint64_t compatss_rsp; /* RSP across compatibility mode, whose upper halves of registers are undefined afterwards */
uint32_t compatss_vendor; /* CPUID 0 EBX, read in compatibility mode */

void compatss_run(void);
__asm__(".text\n"
	".globl compatss_run\n"
	"compatss_run:\n"
	"	push %rbx\n"
	"	mov %rsp, compatss_rsp(%rip)\n"
	"	xor %eax, %eax\n"
	"	mov %eax, %ss\n" /* null SS: CPL 0, 64-bit mode */
	"	pushq $0x28\n" /* GDT_CODE32 */
	"	lea 1f(%rip), %rax\n"
	"	push %rax\n"
	"	lretq\n"
	".code32\n"
	"1:	xor %eax, %eax\n"
	"	cpuid\n"
	"	mov %ebx, compatss_vendor\n"
	"	ljmp $0x08, $2f\n"
	".code64\n"
	"2:	mov $0x10, %eax\n"
	"	mov %eax, %ss\n"
	"	mov compatss_rsp(%rip), %rsp\n"
	"	pop %rbx\n"
	"	ret\n");

int guest_main(const struct hvmm_bootinfo *bi)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr;
	(void)bi;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	memcpy(gdt, (const void *)gdtr.base, GDT_CODE32);
	gdt[GDT_CODE32 / 8] = 0x00cf9b000000ffffull; /* 32-bit code, base 0, limit 4 GiB, DPL 0 */
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (uint64_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");

	uint32_t b, a = 0, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	compatss_run();
	uint16_t ss;
	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	if (compatss_vendor != b || ss != 0x10) {
		gprintf("FAIL compatibility mode: CPUID 0 EBX 0x%x (64-bit mode: 0x%x), SS 0x%x\n", compatss_vendor, b, ss);
		return 1;
	}
	gprintf("PASS CPUID in compatibility mode with a null SS, back in 64-bit mode (EBX 0x%x, SS 0x%x)\n",
		compatss_vendor, ss);
	return 0;
}
