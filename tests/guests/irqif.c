/* SPDX-License-Identifier: MIT */
/*
 * irqif (test guest, platform=pc): an external interrupt is taken only with RFLAGS.IF = 1 (APM Vol. 2 §8.1.4,
 * §15.20: EVENTINJ is the hypervisor's promise to inject only then). The local APIC timer runs periodically
 * (period_us=, default 300); its handler checks the RFLAGS in its own interrupt frame, then spins (spin=, default
 * 60000 loop iterations) with IF = 0 before it writes the EOI, so an interrupt delivered a second time, or delivered
 * into code running with IF = 0, lands where it is seen: in the handler's frame with IF = 0. The main loop spends
 * run_ms= (default 300) alternating stretches with IF = 1 and IF = 0 and prints
 * "irqif interrupts=<n> with-if0=<k>", a PASS/FAIL line and "hostile done fails=N"; exit status N
 * (tests/scenarios_platform.py, irq-if).
 */
#include "hostile_idt.h"

#define APIC 0xfee00000ul
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_LVT_TIMER 0x320
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_DIVIDE 0x3e0
#define LVT_PERIODIC (1u << 17)
#define VEC 0x40
#define BUS_COUNTS_PER_US 100 /* hvmm's virtual xAPIC timer counts a 100 MHz bus clock (docs/guest-abi.md) */

static void apic_write(unsigned reg, uint32_t v) { *(volatile uint32_t *)(APIC + reg) = v; }

volatile uint64_t interrupts, with_if0, spin_iterations = 60000;

/* The timer vector: RFLAGS is at 24(%rsp) once RAX is pushed (RIP, CS, RFLAGS, RSP, SS from the CPU). */
void irq_stub(void);
__asm__(".text\n.globl irq_stub\nirq_stub:\n"
	"push %rax\n"
	"testl $0x200, 24(%rsp)\n"
	"jnz 1f\n"
	"lock incq with_if0(%rip)\n"
	"1:\n"
	"lock incq interrupts(%rip)\n"
	"mov spin_iterations(%rip), %rax\n"
	"2:\n"
	"dec %rax\n"
	"jnz 2b\n"
	"mov $0xfee000b0, %eax\n"
	"movl $0, (%rax)\n"
	"pop %rax\n"
	"iretq\n");

static struct rt_idt_gate idt[256] __attribute__((aligned(16)));

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t khz = rt_tsc_khz(bi), run_ms = rt_arg_u64(bi, "run_ms", 300);
	uint64_t period_us = rt_arg_u64(bi, "period_us", 300);
	spin_iterations = rt_arg_u64(bi, "spin", 60000);
	if (!spin_iterations)
		spin_iterations = 1;

	idt[VEC] = rt_intr_gate(irq_stub);
	rt_lidt(idt, sizeof(idt));
	apic_write(REG_SVR, 0x1ff); /* software enable, spurious vector FFh */
	apic_write(REG_TIMER_DIVIDE, 0xb); /* divide by 1 */
	apic_write(REG_LVT_TIMER, LVT_PERIODIC | VEC);
	apic_write(REG_TIMER_INITIAL, (uint32_t)(period_us * BUS_COUNTS_PER_US));

	uint64_t end = rdtsc() + run_ms * khz, stretch = khz / 2; /* 0.5 ms with IF = 1, then 0.5 ms with IF = 0 */
	while (rdtsc() < end) {
		uint64_t t = rdtsc() + stretch;
		__asm__ volatile("sti" ::: "memory");
		while (rdtsc() < t)
			__asm__ volatile("pause");
		__asm__ volatile("cli" ::: "memory");
		t = rdtsc() + stretch;
		while (rdtsc() < t)
			__asm__ volatile("pause");
	}
	apic_write(REG_LVT_TIMER, 1u << 16); /* masked */
	apic_write(REG_TIMER_INITIAL, 0);
	gprintf("irqif interrupts=%llu with-if0=%llu\n", (unsigned long long)interrupts, (unsigned long long)with_if0);
	hostile_check(interrupts > 0 && with_if0 == 0, "every timer interrupt was taken with IF = 1",
		      "%llu interrupts, %llu with IF = 0", (unsigned long long)interrupts, (unsigned long long)with_if0);
	return hostile_status();
}
