/* SPDX-License-Identifier: MIT */
/* desc.h — hvmm's GDT, TSS and IDT (APM Vol. 2 §4.8 descriptors, §8.9 long-mode interrupts, §12.2.5 64-bit TSS). */
#ifndef HVMM_DESC_H
#define HVMM_DESC_H
#include <stdint.h>

#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

#define VEC_DB 1 /* #DB: spurious ones are ignored in hvmm; guests' are reflected (guest/exception.c) */
#define VEC_BP 3 /* #BP (INT3): intercepted for the guest gdb= debugs (guest/gdb_break.c) */
#define VEC_OF 4 /* #OF (INTO), injected into guests */
#define VEC_UD 6 /* #UD, injected into guests */
#define VEC_NMI 2
#define VEC_DF 8
#define VEC_GP 13 /* #GP, injected into guests */
#define VEC_AC 17 /* #AC, reflected into guests */
#define VEC_MC 18
#define VEC_TIMER 0x20 /* LAPIC timer */
#define VEC_WAKE 0xf0 /* IPI: an AP's guests all ended (x86/smp.c), wakes the BSP from HLT */
#define VEC_KICK 0xf1 /* IPI to itself: the guest about to run exits right after its injected interrupt */
#define VEC_SPURIOUS 0xff /* LAPIC spurious-interrupt vector */
#define VEC_PIC_BASE 0x30 /* legacy 8259 IRQs, remapped here and masked */

/* 64-bit TSS (APM Vol. 2 Figure 12-8), 104 bytes. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

/* Register frame built by isr.S for every interrupt and exception (lowest address first). */
struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code; /* error_code = 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame matches isr.S");

/* Build and load CPU number cpu's own GDT, TSS (IST1 = NMI, IST2 = #DF, IST3 = #MC, 8 KiB each) and IDT on the
 * calling CPU; cpu < MAX_CPUS. */
void desc_init(unsigned cpu);
/* stats=full: from now on VEC_TIMER's handler also stamps cpu->irq_tsc (isr.S, timer_isr_stamp), on CPU number cpu
 * (its IDT is live: the next timer interrupt takes it) and on every CPU desc_init sets up afterwards. */
void desc_timer_stamp(unsigned cpu);

#endif
