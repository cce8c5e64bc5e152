/* SPDX-License-Identifier: MIT */
/*
 * mb1_lapic (multiboot v1 test kernel): the xAPIC page at 0xFEE00000 (AMD APM Vol. 2 §16): the APIC_BASE MSR, ID,
 * version, SVR, TPR/PPR, LVT read-back, LINT0 in ExtINT mode, the divide configuration, the timer one-shot (current
 * count, exactly one interrupt, ISR until EOI) and periodic, self-IPIs through the ICR (IRR while IF = 0, TPR
 * holding back a lower class), INIT to an absent CPU, ESR, software disable masking the LVTs; and the instruction
 * forms an MMIO emulator must handle (MOV, OR/AND/ADD/SUB/XOR, CMP/TEST flags, XCHG, STOS) with several
 * addressing modes, with paging off and through a 4 MiB page mapping the APIC at another linear address.
 */
#include "rt.h"

#define APIC 0xfee00000u
#define TPR 0x080
#define VEC_TIMER 0x40
#define VEC_IPI 0x41

int mb1_main(uint32_t magic, void *info);

static volatile uint32_t *reg(uint32_t off) { return (volatile uint32_t *)(uintptr_t)(APIC + off); }
static uint32_t rd(uint32_t off) { return *reg(off); }
static void wr(uint32_t off, uint32_t v) { *reg(off) = v; }
static volatile uint32_t timer_irqs, ipi_irqs, isr_in_handler;
static uint32_t pd[1024] __attribute__((aligned(4096)));

static void timer_irq(struct frame *f)
{
	(void)f;
	timer_irqs++;
	isr_in_handler = rd(0x100 + (VEC_TIMER >> 5) * 0x10);
	wr(0x0b0, 0);
}

static void ipi_irq(struct frame *f)
{
	(void)f;
	ipi_irqs++;
	wr(0x0b0, 0);
}

static void window(uint32_t ms)
{
	uint64_t end = rdtsc() + tsc_per_ms() * ms;
	for (unsigned i = 0; rdtsc() < end || i < 100; i++) {
		sti();
		__asm__ volatile("nop");
		cli();
	}
}

static uint32_t flags_of_cmp(volatile uint32_t *p, uint32_t v)
{
	uint32_t fl;
	__asm__ volatile("cmpl %2, %1; pushf; pop %0" : "=r"(fl) : "m"(*p), "r"(v) : "cc");
	return fl;
}

/* The MMIO forms on the TPR (bits 7:0 read/write) at linear address base + 0x80. Returns failures. */
static void forms(uint32_t base, const char *where)
{
	volatile uint32_t *tpr = (volatile uint32_t *)(uintptr_t)(base + TPR);
	uint32_t ok = 0; /* bit n: sub-check n failed */
	uint32_t v, fl;
	char what[96];

	*tpr = 0x12345610; /* MOV [mem], reg/imm: only bits 7:0 exist */
	ok |= (uint32_t)!(*tpr == 0x10) << 1;
	__asm__ volatile("orl $0x20, %0" : "+m"(*tpr)); /* OR imm to memory */
	ok |= (uint32_t)!(*tpr == 0x30) << 2;
	/* Sub-dword reads of APIC registers are undefined (APM Vol. 2 §16.3.1: 32-bit accesses only) and QEMU's APIC
	 * returns 0 for them, so MOVZX/MOVSX are exercised by tests/guests/lapic64.c under hvmm only. */
	__asm__ volatile("movl %1, %0" : "=r"(v) : "m"(*tpr)); /* MOV load */
	ok |= (uint32_t)!(v == 0x30) << 3;
	v = 0xf0;
	__asm__ volatile("andl %1, %0" : "+m"(*tpr) : "r"(v)); /* AND reg to memory */
	ok |= (uint32_t)!(*tpr == 0x30) << 6;
	__asm__ volatile("addl $0x10, %0" : "+m"(*tpr));
	ok |= (uint32_t)!(*tpr == 0x40) << 7;
	__asm__ volatile("subl $0x08, %0" : "+m"(*tpr));
	ok |= (uint32_t)!(*tpr == 0x38) << 8;
	v = 0x0f;
	__asm__ volatile("xorl %1, %0" : "+r"(v) : "m"(*tpr)); /* XOR memory into a register */
	ok |= (uint32_t)!(v == 0x37) << 9;
	fl = flags_of_cmp(tpr, 0x38);
	ok |= (uint32_t)!((fl & 0x40) != 0) << 10; /* ZF */
	fl = flags_of_cmp(tpr, 0x39);
	ok |= (uint32_t)!((fl & 0x41) == 0x01) << 11; /* CF, not ZF: 0x38 < 0x39 */
	__asm__ volatile("testl $0x08, %1; pushf; pop %0" : "=r"(fl) : "m"(*tpr) : "cc");
	ok |= (uint32_t)!(!(fl & 0x40)) << 12;
	v = 0x50;
	__asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*tpr)); /* XCHG */
	ok |= (uint32_t)!(v == 0x38 && *tpr == 0x50) << 13;
	uint32_t di = (uint32_t)(uintptr_t)tpr, ax = 0x60;
	__asm__ volatile("cld; stosl" : "+D"(di) : "a"(ax) : "memory"); /* STOS */
	ok |= (uint32_t)!(*tpr == 0x60 && di == (uint32_t)(uintptr_t)tpr + 4) << 14;
	uint32_t idx = 0x20; /* base + index * 4 + disp8 */
	__asm__ volatile("movl $0x70, 0x0(%0,%1,4)" : : "r"(base + 0x80 - 0x80), "r"(idx) : "memory");
	ok |= (uint32_t)!(*tpr == 0x70) << 15;
	__asm__ volatile("movb $0x11, %0" : "=m"(*(volatile uint8_t *)tpr)); /* a byte store is not a 32-bit write */
	ok |= (uint32_t)!(*tpr == 0x70) << 16;
	*tpr = 0;
	/* build "MMIO forms ..." */
	const char *p = "MMIO forms (MOV, OR/AND/ADD/SUB/XOR, CMP/TEST flags, XCHG, STOS, SIB) ";
	unsigned n = 0;
	while (*p && n < sizeof(what) - 24)
		what[n++] = *p++;
	for (p = where; *p && n < sizeof(what) - 1; p++)
		what[n++] = *p;
	what[n] = 0;
	check(!ok, what, "failed sub-checks 0x%x", ok);
}

int mb1_main(uint32_t magic, void *info)
{
	(void)magic;
	(void)info;
	rt_printf("mb1_lapic: start\n");
	tsc_per_ms();
	rt_idt_init();
	pic_setup();
	rt_set_handler(VEC_TIMER, timer_irq);
	rt_set_handler(VEC_IPI, ipi_irq);

	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
	check((lo & 0xfffff000u) == APIC && (lo & 0x900) == 0x900 && hi == 0,
	      "APIC_BASE MSR: 0xFEE00000, BSP, enabled", "0x%x:%x", hi, lo);
	check((rd(0x020) >> 24) == 0, "ID register: APIC ID 0", "0x%x", rd(0x020));
	uint32_t ver = rd(0x030);
	check((ver & 0xff) == 0x14 && ((ver >> 16) & 0xff) >= 5, "version 0x14 with at least 6 LVT entries", "0x%x",
	      ver);
	uint32_t lint0 = rd(0x350);
	check((lint0 & 0x10700) == 0x700, "LVT LINT0: ExtINT, unmasked (the 8259A reaches the CPU)", "0x%x", lint0);
	wr(0x0f0, 0x1ff);
	check(rd(0x0f0) == 0x1ff, "SVR: software enable and spurious vector 0xFF read back", "0x%x", rd(0x0f0));
	wr(TPR, 0x20);
	uint32_t tpr = rd(TPR), ppr = rd(0x0a0);
	wr(TPR, 0);
	check(tpr == 0x20 && ppr == 0x20, "TPR reads back; PPR = TPR with nothing in service", "tpr=0x%x ppr=0x%x", tpr,
	      ppr);
	wr(0x320, 0x10000 | VEC_TIMER);
	check(rd(0x320) == (0x10000 | VEC_TIMER), "LVT timer reads back (masked, vector 0x40)", "0x%x", rd(0x320));
	wr(0x3e0, 0x3);
	uint32_t d3 = rd(0x3e0);
	wr(0x3e0, 0xb);
	check(d3 == 0x3 && rd(0x3e0) == 0xb, "divide configuration reads back (16, 1)", "0x%x 0x%x", d3, rd(0x3e0));
	wr(0x280, 0);
	check(rd(0x280) == 0, "ESR: no errors", "0x%x", rd(0x280));

	/* One-shot timer: about 2 ms at divide-by-1 of the bus clock, whatever its rate (calibrated first). */
	uint32_t cur = 0, per_ms = 0xffffffffu;
	for (int run = 0; run < 3; run++) { /* the smallest: a run this kernel was preempted in only comes out larger */
		wr(0x320, 0x10000 | VEC_TIMER);
		wr(0x380, 0xffffffffu);
		delay_ms(5);
		cur = rd(0x390);
		uint32_t p = (0xffffffffu - cur) / 5;
		per_ms = p < per_ms ? p : per_ms;
	}
	check(cur < 0xffffffffu && per_ms > 0, "current count falls from the initial count", "cur=0x%x", cur);
	wr(0x380, 0);
	check(rd(0x390) == 0, "initial count 0 stops the timer", "0x%x", rd(0x390));
	timer_irqs = 0;
	wr(0x320, VEC_TIMER); /* one-shot, unmasked */
	wr(0x380, per_ms ? per_ms * 2 : 1);
	wait_flag(&timer_irqs, 5000);
	window(10);
	check(timer_irqs == 1 && (isr_in_handler & 1), "one-shot: exactly one interrupt, ISR set in the handler",
	      "irqs=%u isr=0x%x", timer_irqs, isr_in_handler);
	check(rd(0x390) == 0 && rd(0x120) == 0, "one-shot: count 0 afterwards, ISR clear after EOI", "cur=%u isr=0x%x",
	      rd(0x390), rd(0x120));
	timer_irqs = 0;
	wr(0x320, 0x20000 | VEC_TIMER); /* periodic, 2 ms */
	wr(0x380, per_ms ? per_ms * 2 : 1);
	window(7);
	uint32_t c1 = rd(0x390);
	window(20);
	if (!timer_irqs) /* a loaded host: QEMU's own timer thread may not have run yet */
		wait_flag(&timer_irqs, 2000);
	wr(0x380, 0);
	wr(0x320, 0x10000 | VEC_TIMER);
	check(c1 != 0 && timer_irqs >= 1, "periodic: the count reloads after 0, interrupts keep coming",
	      "count=%u irqs=%u", c1, timer_irqs);

	/* Self-IPI. */
	ipi_irqs = 0;
	wr(0x300, 0x40000 | VEC_IPI); /* shorthand self, fixed */
	uint32_t irr = rd(0x200 + (VEC_IPI >> 5) * 0x10);
	check((irr & (1u << (VEC_IPI & 31))) && !(rd(0x300) & 0x1000), "self-IPI: pending in IRR while IF = 0, ICR idle",
	      "irr=0x%x icr=0x%x", irr, rd(0x300));
	window(2);
	check(ipi_irqs == 1, "self-IPI delivered once interrupts are on", "irqs=%u", ipi_irqs);
	ipi_irqs = 0;
	wr(TPR, 0x50);
	wr(0x300, 0x40000 | VEC_IPI);
	window(2);
	uint32_t held = ipi_irqs;
	wr(TPR, 0x00);
	window(2);
	check(held == 0 && ipi_irqs == 1, "TPR 0x50 holds vector 0x41 back; TPR 0 lets it in", "held=%u irqs=%u", held,
	      ipi_irqs);
	wr(0x310, 1u << 24);
	wr(0x300, 0x4500); /* INIT, assert, to APIC ID 1 (absent) */
	wr(0x300, 0x0600 | 0x10); /* STARTUP, vector 0x10 */
	check(!(rd(0x300) & 0x1000), "INIT and SIPI to an absent CPU: delivery status idle", "icr=0x%x", rd(0x300));

	forms(APIC, "with paging off");
	/* 32-bit paging with 4 MiB pages: identity for the first 16 MiB, the APIC's 4 MiB frame also at 0x40000000. */
	for (unsigned i = 0; i < 4; i++)
		pd[i] = (i << 22) | 0x83;
	pd[0x40000000u >> 22] = 0xfec00000u | 0x93; /* PCD */
	pd[0xfec00000u >> 22] = 0xfec00000u | 0x93;
	uint32_t cr0, cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | 0x10)); /* PSE */
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint32_t)(uintptr_t)pd));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | 0x80000000u) : "memory");
	forms(0x40200000u, "through a page mapping");
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");

	wr(0x0f0, 0x0ff); /* software disable */
	check(rd(0x320) & 0x10000, "software disable (SVR bit 8 = 0) masks the LVTs", "timer=0x%x", rd(0x320));
	wr(0x0f0, 0x1ff);
	return rt_done("mb1_lapic");
}
