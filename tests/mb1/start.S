/* SPDX-License-Identifier: MIT */
/*
 * start.S — entry of the multiboot v1 test kernels (Multiboot Specification 0.6.96 §3.1-3.2): the header (ELF32
 * image, so no address fields; flags: page-aligned modules, memory information), a stack, and the interrupt stubs.
 * At entry EAX = 0x2BADB002 and EBX = the information block; both go to mb1_main(magic, info).
 */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00000003

	.section .multiboot, "a"
	.align 4
	.long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

	.text
	.code32
	.globl _start
_start:
	mov $stack_top, %esp
	push %ebx
	push %eax
	call mb1_main
	push %eax
	call rt_exit
1:	cli
	hlt
	jmp 1b

	.altmacro
/* One stub per vector: push an error code if the CPU did not, then the vector, then the common path. */
	.macro stub n
	.align 16
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17)
	push $\n
	.else
	push $0
	push $\n
	.endif
	jmp isr_common
	.endm

	.align 16
	.globl isr_stubs
isr_stubs:
	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

isr_common:
	pusha
	push %esp /* struct frame * */
	call rt_interrupt
	add $4, %esp
	popa
	add $8, %esp
	iret

	.bss
	.align 16
	.space 16384
stack_top:
