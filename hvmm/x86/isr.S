/* SPDX-License-Identifier: MIT */
/*
 * isr.S — interrupt and exception entry stubs. Every vector pushes (error code or 0, vector), then the common path
 * saves the 15 GPRs as a struct trap_frame (hvmm/x86/desc.h), calls trap_dispatch(frame) and returns with IRETQ.
 * desc.c points three vectors at short handlers below instead: VEC_TIMER (timer_isr, or timer_isr_stamp with
 * stats=full), VEC_KICK and VEC_WAKE (eoi_isr).
 * Vectors with a CPU-pushed error code (APM Vol. 2 §8.2): 8, 10-14, 17, 21, 29, 30.
 */
#include "hvmm/core/percpu.h"

	.text
	.altmacro

.macro ISR vec
	.balign 16
isr_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

	.set v, 0
	.rept 256
	ISR %v
	.set v, v + 1
	.endr

isr_common:
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rbp
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rbx
	push %rax
	mov %rsp, %rdi
	/* Align the stack to 16 bytes for the C call; the frame pointer in %rbx survives the call. */
	mov %rsp, %rbx
	and $-16, %rsp
	cld
	call trap_dispatch
	mov %rbx, %rsp
	pop %rax
	pop %rbx
	pop %rcx
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	add $16, %rsp /* vector, error code */
	iretq

/*
 * The local APIC timer (VEC_TIMER) has its own short handler: it is on every timer-driven world switch. It sets
 * cpu->timer_fired, counts the interrupt and sends EOI; timer_isr_stamp, the handler with stats=full
 * (desc_timer_stamp), first stamps cpu->irq_tsc for the stages of the switch (docs/measurement.md). Both save every
 * register they touch. cpu is this CPU's struct cpu, reached through the GS base (hvmm/core/percpu.h).
 */
/* EOI to the local APIC and IRETQ, RAX pushed by the caller: a store to its EOI register (xAPIC, lapic_eoi_reg), or
 * WRMSR 80Bh = 0 (x2APIC, lapic_eoi_reg = 0; APM Vol. 2 §16.11). */
.macro EOI_IRET
	mov lapic_eoi_reg(%rip), %rax
	test %rax, %rax
	jz 1f
	movl $0, (%rax)
	pop %rax
	iretq
1:	push %rcx
	push %rdx
	mov $0x80b, %ecx
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	pop %rdx
	pop %rcx
	pop %rax
	iretq
.endm

	.globl timer_isr_stamp
	.balign 16
timer_isr_stamp:
	push %rax
	push %rdx
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, %gs:CPU_IRQ_TSC
	pop %rdx
	pop %rax
	.globl timer_isr
timer_isr:
	movl $1, %gs:CPU_TIMER_FIRED
	incq %gs:CPU_TIMER_IRQS
	push %rax
	EOI_IRET

/*
 * VEC_KICK and VEC_WAKE, IPIs a CPU sends itself or another (hvmm/guest/platform.c, x86/smp.h): nothing to do but EOI.
 * The kick follows every injected interrupt under QEMU TCG (docs/qemu-tcg.md), so it has this short handler instead
 * of the common path's register frame and C call. It uses no per-CPU data: GS may be anything.
 */
	.globl eoi_isr
	.balign 16
eoi_isr:
	push %rax
	EOI_IRET

/* Table of the 256 stub addresses, for desc.c. */
	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
.macro ISR_ADDR vec
	.quad isr_\vec
.endm
	.set v, 0
	.rept 256
	ISR_ADDR %v
	.set v, v + 1
	.endr
