/* SPDX-License-Identifier: MIT */
/*
 * lapic64 (test guest, run with platform=pc): the xAPIC's MMIO emulation from 64-bit code, the instruction forms a
 * 32-bit kernel does not produce: REX registers (R8-R15), MOVZX/MOVSX/MOVSXD of byte and word loads, a high-byte
 * register (AH), [base + index * 8 + disp32] and [disp32] addressing, an address-size (67) prefix, 64-bit ALU forms
 * (the upper 32 bits of a 32-bit load are zeroed) and CMP/TEST flags. The TPR (bits 7:0 read/write) is the target.
 * Then the TSC-deadline timer (CPUID 1 ECX[24], MSR 6E0h; Intel SDM Vol. 3A §11.5.4.1), watched through IRR while
 * the guest runs with IF = 0: an expiry sets the vector in IRR and the MSR reads 0, writing 0 disarms, a deadline
 * already past fires at once, the initial-count register is ignored, a mode change disarms.
 * Then the APIC globally disabled (IA32_APIC_BASE[11] = 0; Intel SDM Vol. 3A §11.4.3): its page is not decoded, so
 * it reads all ones and a write to it is lost; CR8 still holds what is written to it, and none of that reaches the
 * registers, which hold their values when it is enabled again.
 * Prints "PASS <check>" / "FAIL <check>" lines and "lapic64 done fails=<n>"; exits with the number of failures.
 * With bad=1 it ends with REP STOSD onto the APIC page, which hvmm does not emulate: the guest must be stopped with
 * the instruction's bytes named.
 */
#include "hvmm.h"

#define APIC 0xfee00000ull
#define TPR (APIC + 0x80)

static unsigned fails;

static void check(int ok, const char *what, uint64_t got)
{
	if (!ok)
		fails++;
	gprintf("%s %s (0x%llx)\n", ok ? "PASS" : "FAIL", what, (unsigned long long)got);
}

#define REG(off) (*(volatile uint32_t *)(APIC + (off)))
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EN (1ull << 11) /* xAPIC global enable */

static uint64_t rdmsr64(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr64(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* Is vector v pending in IRR? */
static int in_irr(unsigned v) { return (REG(0x200 + (v >> 5) * 0x10) >> (v & 31)) & 1; }

static void spin_past(uint64_t tsc)
{
	while (rdtsc() <= tsc)
		;
}

/*
 * Arm a TSC deadline `ahead` cycles away in TSC-deadline mode with vector vec, then run step; returns the deadline, or
 * 0 if the TSC reached it before step ended (the guest was descheduled that long: the deadline may have fired before
 * step, so the case proves nothing). Each attempt has a vector of its own, so an early expiry never shows in the next.
 */
static uint64_t arm_then(unsigned vec, uint64_t ahead, void (*step)(uint64_t when, unsigned vec))
{
	REG(0x320) = (2u << 17) | vec; /* TSC-deadline mode, unmasked */
	uint64_t when = rdtsc() + ahead;
	wrmsr64(MSR_TSC_DEADLINE, when);
	step(when, vec);
	return rdtsc() < when ? when : 0;
}

static uint64_t armed_read;
static int early_irr;
static void read_back(uint64_t when, unsigned vec) { (void)when; armed_read = rdmsr64(MSR_TSC_DEADLINE), early_irr = in_irr(vec); }
static void write_zero(uint64_t when, unsigned vec) { (void)when, (void)vec; wrmsr64(MSR_TSC_DEADLINE, 0); }
static void one_shot(uint64_t when, unsigned vec)
{
	REG(0x320) = vec; /* one-shot mode */
	armed_read = rdmsr64(MSR_TSC_DEADLINE);
	wrmsr64(MSR_TSC_DEADLINE, when);
}

#define ATTEMPTS 4 /* vectors base .. base + 3 */

/* Run a timed case from vector base on until an attempt was not preempted past its deadline; its deadline, or 0. */
static uint64_t attempt(unsigned base, uint64_t ahead, void (*step)(uint64_t, unsigned), unsigned *vec)
{
	for (unsigned k = 0; k < ATTEMPTS; k++) {
		*vec = base + k;
		uint64_t when = arm_then(*vec, ahead, step);
		if (when)
			return when;
		gprintf("note: TSC deadline: preempted past the deadline, again with vector 0x%x\n", base + k + 1);
	}
	return 0;
}

/* The TSC-deadline timer with IF = 0 (interrupts stay in IRR). One vector per case, so each is seen alone. */
static void tsc_deadline(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	check((c >> 24) & 1, "CPUID 1 ECX[24]: TSC-deadline timer offered", c);
	uint32_t ka = 0x40000001, kb, kc = 0, kd; /* hvmm's leaf: EBX = TSC kHz */
	__asm__ volatile("cpuid" : "+a"(ka), "=b"(kb), "+c"(kc), "=d"(kd));
	uint64_t ahead = (uint64_t)(kb ? kb : 1000000) * 20; /* 20 ms: far more than an exit takes under an emulator */
	REG(0xf0) = 0x1ff; /* software-enabled */
	REG(0x320) = (2u << 17) | 0x40; /* TSC-deadline mode, vector 0x40, unmasked */
	REG(0x320) = 0x40; /* one-shot */
	REG(0x320) = (2u << 17) | 0x40;
	check(rdmsr64(MSR_TSC_DEADLINE) == 0, "TSC deadline: disarmed after the mode change", 0);
	unsigned vec;
	uint64_t when = attempt(0x40, ahead, read_back, &vec);
	spin_past(when);
	uint64_t after = rdmsr64(MSR_TSC_DEADLINE); /* an exit: the timer is brought up to date */
	int pending = in_irr(vec);
	check(when && armed_read == when && !early_irr && after == 0 && pending,
	      "TSC deadline: reads back armed, vector in IRR once the TSC passed it, then reads 0",
	      (armed_read == when) | (uint64_t)early_irr << 1 | (uint64_t)(after != 0) << 2 | (uint64_t)pending << 3);
	when = attempt(0x50, ahead, write_zero, &vec);
	spin_past(when);
	check(when && rdmsr64(MSR_TSC_DEADLINE) == 0 && !in_irr(vec), "TSC deadline: writing 0 disarms it", 0);
	REG(0x320) = (2u << 17) | 0x60;
	wrmsr64(MSR_TSC_DEADLINE, 1);
	check(rdmsr64(MSR_TSC_DEADLINE) == 0 && in_irr(0x60), "TSC deadline: a deadline already past fires at once", 0);
	REG(0x380) = 1000;
	check(REG(0x380) == 0 && REG(0x390) == 0, "TSC deadline: the initial-count register is ignored", REG(0x380));
	when = attempt(0x70, ahead, one_shot, &vec);
	uint64_t gone = armed_read;
	spin_past(when);
	check(when && gone == 0 && rdmsr64(MSR_TSC_DEADLINE) == 0 && !in_irr(vec),
	      "TSC deadline: a mode change disarms it; in one-shot mode the MSR ignores writes", gone);
	REG(0x320) = 0x10000; /* masked again */
}

static void apic_disabled(volatile uint32_t *tpr)
{
	uint64_t base = rdmsr64(MSR_APIC_BASE);
	*tpr = 0x20;
	wrmsr64(MSR_APIC_BASE, base & ~APIC_BASE_EN);
	uint32_t lvr = REG(0x30), t = *tpr;
	*tpr = 0x70;
	__asm__ volatile("mov %0, %%cr8" : : "r"(9ull));
	uint64_t cr8;
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	uint32_t t2 = *tpr;
	check(lvr == 0xffffffffu && t == 0xffffffffu && t2 == 0xffffffffu,
	      "APIC disabled: its page reads all ones (version, and the TPR after writes to it and to CR8)", t2);
	check(cr8 == 9, "APIC disabled: CR8 holds what is written to it", cr8);
	__asm__ volatile("mov %0, %%cr8" : : "r"(2ull));
	wrmsr64(MSR_APIC_BASE, base);
	check(*tpr == 0x20, "APIC enabled again: the TPR kept its value, the write while disabled was lost", *tpr);
	*tpr = 0;
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	volatile uint32_t *tpr = (volatile uint32_t *)TPR;
	uint64_t v, fl;

	*tpr = 0x5a;
	check(*tpr == 0x5a, "mov store and load of the TPR", *tpr);
	register uint64_t r12 __asm__("r12") = TPR;
	uint64_t big = 0xffffffff00000000ull;
	__asm__ volatile("mov %2, %%r11; movl $0x3c, (%1); movl (%1), %%r11d; mov %%r11, %0"
			 : "=r"(v) : "r"(r12), "r"(big) : "r11", "memory");
	check(v == 0x3c, "REX base (R12), a 32-bit load into R11D zeroes bits 63:32", v);
	__asm__ volatile("movzbq (%1), %0" : "=r"(v) : "r"(tpr));
	check(v == 0x3c, "movzx byte into a 64-bit register", v);
	*tpr = 0xf0;
	__asm__ volatile("movsbq (%1), %0" : "=r"(v) : "r"(tpr));
	check(v == 0xfffffffffffffff0ull, "movsx byte: sign-extended", v);
	__asm__ volatile("movswq (%1), %0" : "=r"(v) : "r"(tpr));
	check(v == 0xf0, "movsx word: the word is 0x00f0", v);
	__asm__ volatile("movslq (%1), %0" : "=r"(v) : "r"(tpr));
	check(v == 0xf0, "movsxd dword", v);
	v = 0x1122334455667788ull;
	__asm__ volatile("movb (%1), %%ah" : "+a"(v) : "r"(tpr));
	check(v == 0x112233445566f088ull, "mov into AH (high byte register)", v);
	uint64_t idx = 2;
	__asm__ volatile("movl $0x21, -0x10(%0,%1,8)" : : "r"(TPR), "r"(idx) : "memory"); /* base + 2*8 - 16 */
	check(*tpr == 0x21, "[base + index * 8 + disp8] store", *tpr);
	uint32_t ea = (uint32_t)TPR;
	__asm__ volatile("movl $0x43, (%k0)" : : "r"((uint64_t)ea) : "memory");
	check(*tpr == 0x43, "address-size prefix (67): 32-bit address [eax]", *tpr);
	register uint64_t r9 __asm__("r9") = 0x17;
	__asm__ volatile("xchgl %k0, (%1)" : "+r"(r9) : "r"(tpr) : "memory");
	check(r9 == 0x43 && *tpr == 0x17, "xchg with R9D", r9);
	__asm__ volatile("cmpl $0x17, (%1); pushfq; pop %0" : "=r"(fl) : "r"(tpr) : "cc");
	check(fl & 0x40, "cmp sets ZF", fl);
	__asm__ volatile("testl $0x80, (%1); pushfq; pop %0" : "=r"(fl) : "r"(tpr) : "cc");
	check(fl & 0x40, "test sets ZF for a zero AND", fl);
	__asm__ volatile("orq $0x80, (%0)" : : "r"(tpr) : "memory"); /* a 64-bit RMW: an 8-byte access, write ignored */
	check(*tpr == 0x17, "64-bit OR: an 8-byte write to a 32-bit register is ignored", *tpr);
	*tpr = 0;
	tsc_deadline();
	apic_disabled(tpr);
	gprintf("lapic64 done fails=%u\n", fails);
	if (rt_arg_u64(bi, "bad", 0)) {
		uint64_t di = TPR, cx = 2;
		gprintf("try rep stosd to the APIC page\n");
		__asm__ volatile("rep stosl" : "+D"(di), "+c"(cx) : "a"(0) : "memory");
		gprintf("NOT CONTAINED: rep stosd to the APIC page completed\n");
	}
	return (int)fails;
}
