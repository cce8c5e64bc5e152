/* SPDX-License-Identifier: MIT */
/*
 * platbench: the virtual-platform benchmark guest (run with platform=pc; tools/bench). Prints, like guests/bench.c,
 *   lat op=<op> n=<n> cycles=<total> per_op=<total/n>
 * for a port I/O round trip to a virtual device (IN from the UART's scratch register, 0x3ff), an xAPIC MMIO round
 * trip through the instruction decoder (a TPR read; an EOI write), and the timer-interrupt delivery latency:
 *   lat op=timer_irq n=<n> cycles=<total> per_op=<mean> min=<cycles> max=<cycles>
 * — from the local APIC timer's expiry (the guest's last TSC read before it was stopped, in a loop that does nothing
 * else) to the first instructions of its interrupt handler. Options: max_log4= (default 6), irqs= (default 64).
 */
#include "hvmm.h"
#include "hvmm/latency.h"

#define APIC 0xfee00000ull
#define APIC_TPR 0x080
#define APIC_EOI 0x0b0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_DIVIDE 0x3e0
#define APIC_SVR 0x0f0
#define UART_SCR 0x3ff
#define VEC_TIMER 0x40

enum { OP_UART_SCR, OP_APIC_TPR, OP_APIC_EOI, NOPS };
static const char *const op_names[NOPS] = { "uart_scr", "apic_tpr", "apic_eoi" };

static volatile uint32_t *apic(uint32_t off) { return (volatile uint32_t *)(APIC + off); }

static uint64_t run(int op, uint64_t n)
{
	uint64_t t0 = lat_rdtsc();
	for (uint64_t i = 0; i < n; i++) {
		uint8_t v;
		switch (op) {
		case OP_UART_SCR:
			__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)UART_SCR));
			break;
		case OP_APIC_TPR:
			(void)*apic(APIC_TPR);
			break;
		default:
			*apic(APIC_EOI) = 0;
			break;
		}
	}
	return lat_rdtsc() - t0;
}

/* The timer's handler: the TSC first, then EOI. */
volatile uint64_t irq_tsc, loop_tsc;
void timer_stub(void);
__asm__(".text\n.globl timer_stub\ntimer_stub:\n"
	"push %rax\npush %rdx\nrdtsc\nshl $32, %rdx\nor %rdx, %rax\nmov %rax, irq_tsc(%rip)\n"
	"mov $0xfee000b0, %eax\nmovl $0, (%rax)\npop %rdx\npop %rax\niretq\n");

static struct rt_idt_gate idt[256] __attribute__((aligned(16)));

static void idt_init(void)
{
	idt[VEC_TIMER] = rt_intr_gate(timer_stub);
	rt_lidt(idt, sizeof(idt));
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t max_log4 = rt_arg_u64(bi, "max_log4", 6), nirq = rt_arg_u64(bi, "irqs", 64);
	for (int op = 0; op < NOPS; op++)
		for (uint64_t k = 0, n = 1; k <= max_log4; k++, n *= 4) {
			uint64_t c = run(op, n);
			gprintf("lat op=%s n=%llu cycles=%llu per_op=%llu\n", op_names[op], (unsigned long long)n,
				(unsigned long long)c, (unsigned long long)(c / n));
		}

	idt_init();
	*apic(APIC_SVR) = 0x1ff;
	*apic(APIC_TIMER_DIVIDE) = 0xb; /* divide by 1 */
	*apic(APIC_LVT_TIMER) = VEC_TIMER; /* one-shot */
	uint64_t total = 0, min = ~0ull, max = 0, got = 0;
	for (uint64_t i = 0; i < nirq; i++) {
		irq_tsc = 0;
		*apic(APIC_TIMER_INITIAL) = 20000; /* 200 us at the 100 MHz timer clock */
		__asm__ volatile("sti");
		uint64_t last = 0;
		for (;;) { /* last: the latest TSC read that was followed by a check finding no interrupt yet */
			uint64_t t = rdtsc();
			if (irq_tsc)
				break;
			last = t;
		}
		__asm__ volatile("cli");
		if (irq_tsc > last && last) {
			uint64_t d = irq_tsc - last;
			total += d;
			got++;
			min = d < min ? d : min;
			max = d > max ? d : max;
		}
	}
	gprintf("lat op=timer_irq n=%llu cycles=%llu per_op=%llu min=%llu max=%llu\n", (unsigned long long)got,
		(unsigned long long)total, (unsigned long long)(got ? total / got : 0), (unsigned long long)min,
		(unsigned long long)max);
	return 0;
}
