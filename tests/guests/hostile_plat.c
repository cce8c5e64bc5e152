/* SPDX-License-Identifier: MIT */
/*
 * hostile_plat (test guest, run with platform=pc): the corners of the virtual platform's MMIO emulation and timers
 * (docs/security.md "The virtual PC"). attack= picks one; all but stos and storm end in a kill:
 *
 *   stos      STOSB/W/D/Q to the APIC's TPR with DF = 0 and DF = 1, and with an address-size (67) prefix while
 *             RDI's upper half is not zero: RDI must change exactly as the same instruction changes it on a RAM
 *             buffer (run natively beside it). Exits 0 when every case matches.
 *   idt       the IDT on the APIC page, then a #GP from an instruction that is itself an emulatable APIC load: the
 *             nested page fault is the exception's delivery (EXITINTINFO valid), not the load's access.
 *   stack     RSP on the APIC page and the same #GP: the exception frame's push faults.
 *   crossend  an 8-byte load at APIC offset FFCh: half of it lies past the page.
 *   crossin   an 8-byte store whose first 4 bytes are in RAM and last 4 bytes in the APIC page (two linear pages of
 *             its own, the second mapped to 0xFEE00000).
 *   hltmask   LVT timer masked in TSC-deadline mode, a deadline 20 ms ahead, STI; HLT: nothing can interrupt it
 *             (Intel SDM Vol. 3A §11.5.1: a masked LVT delivers nothing), so it must never resume.
 *   hltfar    the same with the deadline an hour ahead: hvmm must see at once that nothing can wake it.
 *   hltpic    the PIT channel 0 periodic (mode 2, 10 ms) and the RTC's periodic interrupt on, both 8259As initialised
 *             with every line masked, STI; HLT: their requests cannot reach the CPU, so nothing can wake it either.
 *   storm     the local APIC timer periodic with count 1 and divide 1, the PIT channel 0 in mode 2 with count 1 and
 *             the RTC at its fastest periodic rate (122 µs), all unmasked with interrupts enabled for storm_ms=
 *             (default 300) milliseconds of TSC time, while the guest counts loop iterations: with the periods
 *             clamped (docs/security.md) it must make progress and take fewer interrupts than the programmed rates
 *             would raise. Prints "storm irqs=<n> loops=<n> ms=<n>".
 * Each fatal attack prints "try <attack>" first and "NOT CONTAINED: ..." if it comes back.
 */
#include <string.h>

#include "hostile_idt.h"

#define APIC 0xfee00000ull
#define IOAPIC 0xfec00000ull
#define HPET 0xfed00000ull
#define TPR (APIC + 0x80)
#define REG(off) (*(volatile uint32_t *)(APIC + (off)))
#define RFLAGS_DF (1ull << 10)
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define WINDOW_VA (1ull << 39) /* PML4 slot 1: hvmm's identity map uses slot 0 only */
#define NONCANON 0x8000000000000000ull

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }

/* Run one STOS form (its bytes in `insn`, DF as df) at RDI = di with RAX = 0; the RDI it leaves. */
#define STOS_RUN(insn, di, df)                                                                                     \
	({                                                                                                          \
		uint64_t d_ = (di);                                                                                 \
		if (df)                                                                                             \
			__asm__ volatile("std\n\t" insn "\n\tcld" : "+D"(d_) : "a"(0ull) : "memory", "cc");         \
		else                                                                                                \
			__asm__ volatile(insn : "+D"(d_) : "a"(0ull) : "memory");                                   \
		d_;                                                                                                 \
	})

static uint8_t ram[64] __attribute__((aligned(16)));

static void stos_case(const char *what, uint64_t ram_di, uint64_t apic_di, uint64_t native, uint64_t emulated)
{
	/* The change to RDI must be the same on RAM and on the APIC page. */
	uint64_t dn = native - ram_di, de = emulated - apic_di;
	hostile_check(dn == de, what, "RDI moved by 0x%llx on RAM, 0x%llx on the APIC page", (unsigned long long)dn,
		      (unsigned long long)de);
}

#define STOS_BOTH(what, insn, df)                                                                                  \
	stos_case(what, (uint64_t)(uintptr_t)&ram[32], TPR,                                                         \
		  STOS_RUN(insn, (uint64_t)(uintptr_t)&ram[32], df), STOS_RUN(insn, TPR, df))

static int stos(void)
{
	STOS_BOTH("STOSB, DF = 0: RDI as on RAM", "stosb", 0);
	STOS_BOTH("STOSB, DF = 1: RDI as on RAM", "stosb", 1);
	STOS_BOTH("STOSW, DF = 1: RDI as on RAM", "stosw", 1);
	STOS_BOTH("STOSD, DF = 0: RDI as on RAM", "stosl", 0);
	STOS_BOTH("STOSD, DF = 1: RDI as on RAM", "stosl", 1);
	STOS_BOTH("STOSQ, DF = 1: RDI as on RAM", "stosq", 1);
	/* 67 STOS: the address is EDI; RDI's upper half set beforehand. */
	uint64_t hi = 0x1234567800000000ull, rd = hi | (uint32_t)(uintptr_t)&ram[32], ad = hi | (uint32_t)TPR;
	stos_case("67 STOSD, DF = 0, RDI[63:32] set: RDI as on RAM", rd, ad, STOS_RUN("addr32 stosl", rd, 0),
		  STOS_RUN("addr32 stosl", ad, 0));
	stos_case("67 STOSD, DF = 1, RDI[63:32] set: RDI as on RAM", rd, ad, STOS_RUN("addr32 stosl", rd, 1),
		  STOS_RUN("addr32 stosl", ad, 1));
	REG(0x80) = 0;
	gprintf("hostile done fails=%d\n", hostile_fails);
	return hostile_fails;
}

/* A #GP (non-canonical address) raised by a 32-bit load, an instruction hvmm could emulate on the APIC page. */
static void gp_by_load(void)
{
	uint32_t v;
	__asm__ volatile("movl (%1), %0\n\tnop" : "=r"(v) : "r"(NONCANON) : "memory");
	(void)v;
}

static void idt_on_apic(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { 0xfff, APIC };
	gprintf("try idt\n");
	__asm__ volatile("lidt %0" : : "m"(idtr));
	gp_by_load();
	gprintf("NOT CONTAINED: the #GP's delivery through an IDT on the APIC page came back\n");
}

static void stack_on_apic(void)
{
	uint64_t saved;
	gprintf("try stack\n");
	__asm__ volatile("mov %%rsp, %0\n\tmov %1, %%rsp\n\tmovl (%2), %%eax\n\tnop\n\tmov %0, %%rsp"
			 : "=&r"(saved) : "r"(APIC + 0x3f0), "r"(NONCANON) : "rax", "memory");
	gprintf("NOT CONTAINED: the #GP's frame pushed onto the APIC page came back\n");
}

static void cross_end(void)
{
	uint64_t v = 0x1111111111111111ull;
	gprintf("try crossend\n");
	__asm__ volatile("movq (%1), %0" : "+r"(v) : "r"(APIC + 0xffc) : "memory");
	gprintf("NOT CONTAINED: an 8-byte load at APIC offset FFCh returned 0x%llx\n", (unsigned long long)v);
}

static uint64_t win_pdpt[512] __attribute__((aligned(4096)));
static uint64_t win_pd[512] __attribute__((aligned(4096)));
static uint64_t win_pt[512] __attribute__((aligned(4096)));
static uint8_t below[4096] __attribute__((aligned(4096)));

static void cross_in(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
	win_pt[0] = (uint64_t)(uintptr_t)below | PTE_P | PTE_RW; /* WINDOW_VA: a RAM page ... */
	win_pt[1] = APIC | PTE_P | PTE_RW | 0x18; /* ... then the APIC page (PCD, PWT) */
	win_pd[0] = (uint64_t)(uintptr_t)win_pt | PTE_P | PTE_RW;
	win_pdpt[0] = (uint64_t)(uintptr_t)win_pd | PTE_P | PTE_RW;
	pml4[1] = (uint64_t)(uintptr_t)win_pdpt | PTE_P | PTE_RW;
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
	hostile_check(*(volatile uint32_t *)(uintptr_t)(WINDOW_VA + 0x1080) == REG(0x80),
		      "the second window page is the APIC (TPR reads the same)", "%s", "-");
	gprintf("try crossin\n");
	*(volatile uint64_t *)(uintptr_t)(WINDOW_VA + 0xffc) = 0x0000005a5a5a5a5aull;
	gprintf("NOT CONTAINED: an 8-byte store from RAM into the APIC page completed (RAM half 0x%x)\n",
		*(volatile uint32_t *)&below[0xffc]);
}

static uint64_t rdmsr64(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void hlt_masked(uint64_t khz, uint64_t ms)
{
	REG(0xf0) = 0x1ff;
	REG(0x320) = 0x10000 | (2u << 17) | 0x40; /* TSC-deadline mode, vector 0x40, masked */
	uint64_t when = rdtsc() + ms * khz;
	__asm__ volatile("wrmsr" : : "c"(0x6e0), "a"((uint32_t)when), "d"((uint32_t)(when >> 32)) : "memory");
	hostile_check(rdmsr64(0x6e0) == when, "the masked deadline is armed", "%s", "-");
	gprintf("try %s\n", ms > 1000 ? "hltfar" : "hltmask");
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	gprintf("NOT CONTAINED: HLT returned although nothing was delivered (deadline %s)\n",
		rdtsc() >= when ? "passed" : "ahead");
}

static void hlt_pic(void)
{
	outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), outb(0x21, 0x01), outb(0x21, 0xff); /* all masked */
	outb(0xa0, 0x11), outb(0xa1, 0x28), outb(0xa1, 0x02), outb(0xa1, 0x01), outb(0xa1, 0xff);
	outb(0x43, 0x34), outb(0x40, 0x9c), outb(0x40, 0x2e); /* PIT channel 0: mode 2, 11932 (10 ms) */
	outb(0x70, 0x0b), outb(0x71, 0x42); /* RTC: PIE at the reset rate */
	gprintf("try hltpic\n");
	__asm__ volatile("sti; hlt; cli" : : : "memory");
	gprintf("NOT CONTAINED: HLT returned although every interrupt line was masked\n");
}

static volatile uint64_t storm_irqs;

void storm_isr(void);
__asm__(".text\n.globl storm_isr\nstorm_isr:\n"
	"push %rax\nlock incq storm_irqs(%rip)\n"
	"mov $0xfee000b0, %eax\nmovl $0, (%rax)\n" /* APIC EOI */
	"mov $0x20, %al\nout %al, $0xa0\nout %al, $0x20\n" /* both PICs: non-specific EOI */
	"mov $0x0c, %al\nout %al, $0x70\nin $0x71, %al\n" /* RTC: read status C, so IRQ 8 can rise again */
	"pop %rax\niretq\n");

static struct rt_idt_gate storm_gates[256] __attribute__((aligned(16)));

static int storm(const struct hvmm_bootinfo *bi, uint64_t khz)
{
	uint64_t ms = rt_arg_u64(bi, "storm_ms", 300);
	for (unsigned v = 32; v < 256; v++)
		storm_gates[v] = rt_intr_gate(storm_isr);
	rt_lidt(storm_gates, sizeof(storm_gates));
	outb(0x20, 0x11), outb(0x21, 0x20), outb(0x21, 0x04), outb(0x21, 0x01), outb(0x21, 0x00); /* all unmasked */
	outb(0xa0, 0x11), outb(0xa1, 0x28), outb(0xa1, 0x02), outb(0xa1, 0x01), outb(0xa1, 0x00);
	outb(0x43, 0x34), outb(0x40, 1), outb(0x40, 0); /* PIT channel 0: mode 2, count 1 */
	outb(0x70, 0x0a), outb(0x71, 0x23); /* RTC: divider normal, rate 3 (122 µs) */
	outb(0x70, 0x0b), outb(0x71, 0x42); /* PIE, 24 h */
	REG(0xf0) = 0x1ff;
	REG(0x350) = 0x700; /* LINT0 ExtINT: the PICs' interrupts get through */
	REG(0x3e0) = 0xb; /* divide by 1 */
	REG(0x320) = 0x20000 | 0x80; /* periodic, vector 0x80 */
	REG(0x380) = 1;
	/* HPET timer 2 -> I/O APIC pin 20 (IA-PC HPET 1.0a §2.3.8: Tn_INT_ROUTE_CNF; 82093AA redirection entry 20:
	 * vector 0x90, fixed, edge, active high, physical destination 0). */
	*(volatile uint32_t *)IOAPIC = 0x10 + 2 * 20 + 1;
	*(volatile uint32_t *)(IOAPIC + 0x10) = 0;
	*(volatile uint32_t *)IOAPIC = 0x10 + 2 * 20;
	*(volatile uint32_t *)(IOAPIC + 0x10) = 0x90;
	*(volatile uint64_t *)(HPET + 0x140) = 20u << 9 | 1u << 6 | 1u << 3 | 1u << 2; /* route, VAL_SET, periodic, on */
	*(volatile uint64_t *)(HPET + 0x148) = 1; /* comparator and period: 1 tick */
	*(volatile uint64_t *)(HPET + 0x010) = 1; /* ENABLE_CNF, no legacy replacement */
	uint64_t start = rdtsc(), end = start + ms * khz, loops = 0;
	__asm__ volatile("sti");
	while (rdtsc() < end)
		loops++;
	__asm__ volatile("cli");
	REG(0x320) = 0x10000;
	REG(0x380) = 0;
	*(volatile uint64_t *)(HPET + 0x010) = 0;
	outb(0x43, 0x30);
	outb(0x70, 0x0b), outb(0x71, 0x02);
	gprintf("storm irqs=%llu loops=%llu ms=%llu\n", (unsigned long long)storm_irqs, (unsigned long long)loops,
		(unsigned long long)ms);
	return 0;
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16] = "";
	uint64_t khz = rt_tsc_khz(bi);
	rt_arg_str(bi, "attack", attack, sizeof(attack));
	hidt_install();
	if (!strcmp(attack, "stos"))
		return stos();
	if (!strcmp(attack, "storm"))
		return storm(bi, khz);
	if (!strcmp(attack, "idt"))
		idt_on_apic();
	else if (!strcmp(attack, "stack"))
		stack_on_apic();
	else if (!strcmp(attack, "crossend"))
		cross_end();
	else if (!strcmp(attack, "crossin"))
		cross_in();
	else if (!strcmp(attack, "hltmask"))
		hlt_masked(khz, 20);
	else if (!strcmp(attack, "hltpic"))
		hlt_pic();
	else if (!strcmp(attack, "hltfar"))
		hlt_masked(khz, 3600000);
	else
		gprintf("FAIL unknown attack=%s\n", attack);
	return 99;
}
