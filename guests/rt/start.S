/* SPDX-License-Identifier: MIT */
/*
 * Guest entry. Contract (include/hvmm/abi.h): hvmm enters here in 64-bit long mode with identity paging of guest RAM,
 * IF = 0, RSP = HVMM_STACK_TOP_GPA (0x80000), RDI = the struct hvmm_bootinfo (at HVMM_BOOTINFO_GPA).
 * We enable SSE if hvmm left it off (the guests are compiled with SSE allowed), clear .bss, call
 * int guest_main(const struct hvmm_bootinfo *bi) and pass its return value to rt_exit() (the EXIT hypercall, rt.c;
 * guest_abi.h is C-only, so hypercall numbers stay out of this file).
 */
#define CR0_MP (1 << 1)
#define CR0_EM (1 << 2)
#define CR4_OSFXSR (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)

	.section .text.start, "ax"
	.code64
	.globl _start
	.type _start, @function
_start:
	mov %rdi, %r12			/* bootinfo, callee-saved across the calls below */
	and $-16, %rsp			/* SysV: RSP % 16 == 0 before a call */
	xor %ebp, %ebp			/* end of the frame-pointer chain */

	/* SSE: CR0.EM = 0, CR0.MP = 1, CR4.OSFXSR = CR4.OSXMMEXCPT = 1. Write a CR only when it needs changing. */
	mov %cr0, %rax
	mov %rax, %rdx
	and $~CR0_EM, %rdx
	or $CR0_MP, %rdx
	cmp %rax, %rdx
	je 1f
	mov %rdx, %cr0
1:	mov %cr4, %rax
	mov %rax, %rdx
	or $(CR4_OSFXSR | CR4_OSXMMEXCPT), %rdx
	cmp %rax, %rdx
	je 2f
	mov %rdx, %cr4
2:	fninit

	/* Clear .bss (bytes; it is small). */
	lea __bss_start(%rip), %rdi
	lea __bss_end(%rip), %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	cld
	rep stosb

	mov %r12, %rdi
	call guest_main

	mov %eax, %edi
	call rt_exit			/* noreturn */
3:	hlt
	jmp 3b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
