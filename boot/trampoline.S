/* SPDX-License-Identifier: MIT */
/*
 * trampoline.S — the AP start-up code. x86/smp.c copies ap_trampoline..ap_trampoline_end to a free page P below
 * 1 MiB, fills the parameter block at P + AP_PARAMS (hvmm/x86/smp.h) and sends INIT-SIPI-SIPI with vector P >> 12.
 *
 * A started AP begins here in real mode at CS:IP = (P >> 4):0 (Intel MP spec v1.4 §B.4.2; AMD APM Vol. 2 §16.5,
 * startup IPI). It loads the block's GDT, enters 32-bit protected mode, enables PAE, loads the BSP's CR3 and EFER
 * (LME, NXE), turns paging on (long mode, APM Vol. 2 §14.6.1), far-jumps to 64-bit code, marks itself alive,
 * takes its stack and calls ap_entry64(struct cpu *) — all through addresses that smp.c wrote into the block, so the
 * code runs at any page. EBX holds P throughout.
 */
#include "hvmm/x86/smp.h"

#define CR0_PE 0x00000001
#define CR0_ET 0x00000010
#define CR0_NE 0x00000020
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080

	.section .rodata
	.globl ap_trampoline, ap_trampoline_end, ap_code32_offset, ap_code64_offset, ap_trampoline_size
	.balign 16
	.code16
ap_trampoline:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	xor %ebx, %ebx
	mov %ax, %bx
	shl $4, %ebx /* EBX = P */
	lgdtl AP_PARAMS + AP_GDT_PTR
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl *AP_PARAMS + AP_JMP32

	.code32
ap_code32:
	mov $AP_SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov AP_PARAMS + AP_CR3(%ebx), %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	mov AP_PARAMS + AP_EFER(%ebx), %eax
	xor %edx, %edx
	wrmsr
	/* A full CR0: after INIT, CD and NW are set (caches off); clear them. */
	mov $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE), %eax
	mov %eax, %cr0
	ljmpl *AP_PARAMS + AP_JMP64(%ebx)

	.code64
ap_code64:
	mov %ebx, %ebx /* zero-extend P into RBX */
	movl $1, AP_PARAMS + AP_ALIVE(%rbx)
	mov AP_PARAMS + AP_STACK(%rbx), %rsp
	mov AP_PARAMS + AP_CPU(%rbx), %rdi
	mov AP_PARAMS + AP_ENTRY(%rbx), %rax
	xor %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b
ap_trampoline_end:

	/* The code must end before the parameter block (checked by the linker script). */
	.set ap_code32_offset, ap_code32 - ap_trampoline
	.set ap_code64_offset, ap_code64 - ap_trampoline
	.set ap_trampoline_size, ap_trampoline_end - ap_trampoline
