/* SPDX-License-Identifier: MIT */
/*
 * hostile_mem (test guest): memory outside the guest's RAM. attack= picks one (each ends in a kill except 1t):
 *
 *   alias     reads and writes the GPAs that are hvmm's and the other guests' host-physical addresses in a typical
 *             run (0x200000 hvmm's image, 0x400000, 0x1400000, ...: the "ram_hpa=" of the loaded lines). Inside this
 *             guest they are just its own RAM (below mem) — patterns written there read back, and nobody else
 *             changes. Then it reads the first byte past its RAM (GPA = mem): killed.
 *   straddle  an 8-byte write at mem - 4, half inside and half outside its RAM: killed (gpa = mem).
 *   4g        writes GPA 4 GiB through a page-table entry of its own (hvmm's tables stop at 4 GiB): killed.
 *   1t        GPA 1 TiB (bit 40), 2^MAXPHYADDR and bit 51: with MAXPHYADDR = 40 (QEMU TCG) every one is a reserved
 *             bit in the guest's own PTE, so the CPU raises #PF(RSVD) inside the guest and hvmm never sees it: the
 *             guest checks the #PF and exits 0. With a larger MAXPHYADDR, 1 TiB is a valid GPA: killed.
 *   top       writes the last 8 bytes below 2^MAXPHYADDR: killed.
 *   pt        a PML4 entry of its own that points to a PDPT outside its RAM; touching the VA makes the CPU's page walk
 *             read that GPA: killed (nested page fault during the guest's table walk).
 *   pgoff     leaves long mode for 32-bit protected mode with paging off (CR0.PG = 0), checks that its own RAM still
 *             works, then writes GPA target= (default 0x400000: the first loaded guest's ram_hpa, the counter's code
 *             at +0x100000 when target=0x500000): with paging off, only the nested tables stand between this write
 *             and host memory (QEMU before 7.2.15 did not walk them: docs/qemu-tcg.md "Versions"). Killed.
 */
#include <string.h>

#include "hostile_idt.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull
#define PF_RSVD 0x8 /* #PF error code: a reserved bit was set in a paging-structure entry */
#define WINDOW_VA (1ull << 39) /* PML4 slot 1: hvmm's tables use slot 0 only */
#define PATTERN 0x686f7374696c6521ull /* "!elitsoh" */

static uint64_t win_pdpt[512] __attribute__((aligned(4096)));
static uint64_t win_pd[512] __attribute__((aligned(4096)));

static uint64_t *pml4(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	return (uint64_t *)(uintptr_t)(cr3 & ~0xfffull); /* identity-mapped: own RAM below 4 GiB */
}

static void flush_tlb(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

/* Map the 2 MiB page holding gpa (bits 51:21 of the PDE are whatever gpa has) at WINDOW_VA; return gpa's VA. */
static volatile uint64_t *map_gpa(uint64_t gpa)
{
	win_pd[0] = (gpa & ~0x1fffffull) | PTE_P | PTE_RW | PTE_PS;
	win_pdpt[0] = (uint64_t)(uintptr_t)win_pd | PTE_P | PTE_RW;
	pml4()[1] = (uint64_t)(uintptr_t)win_pdpt | PTE_P | PTE_RW;
	flush_tlb();
	return (volatile uint64_t *)(uintptr_t)(WINDOW_VA + (gpa & 0x1fffff));
}

static unsigned maxphyaddr(void)
{
	uint32_t a = 0x80000008, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return a & 0xff;
}

/* Write then read one word at VA p through the IDT; 0 when no exception. */
static long poke(volatile uint64_t *p, uint64_t v)
{
	return HIDT_TRY("movq %1, (%0)\n\tmovq (%0), %1", : "+r"(p), "+r"(v) : : "memory");
}

static int alias(uint64_t mem)
{
	static const uint64_t gpas[] = { 0x200000, 0x400000, 0x800000, 0x1400000, 0x1800000, 0x2400000 };
	extern char _start[];
	/* GPA 0x100000 is the guest's own image: it reads back this guest's first instruction bytes. */
	hostile_check(*(volatile uint64_t *)(uintptr_t)0x100000 == *(uint64_t *)_start,
		      "GPA 0x100000 is this guest's own image", "0x%llx",
		      (unsigned long long)*(volatile uint64_t *)(uintptr_t)0x100000);
	for (unsigned i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++) {
		if (gpas[i] + 8 > mem)
			continue;
		volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)gpas[i];
		uint64_t old = *p;
		long v = poke(p, PATTERN ^ gpas[i]);
		hostile_check(v == HIDT_NONE && *p == (PATTERN ^ gpas[i]), "own-RAM alias of a host address",
			      "gpa 0x%llx (was 0x%llx) reads back", (unsigned long long)gpas[i], (unsigned long long)old);
		*p = old;
	}
	hostile_try("alias: read GPA = mem");
	uint64_t x = *(volatile uint64_t *)(uintptr_t)mem;
	gprintf("NOT CONTAINED: read 0x%llx at GPA 0x%llx\n", (unsigned long long)x, (unsigned long long)mem);
	return 1;
}

static int reserved(unsigned maxphy)
{
	const uint64_t gpas[] = { 1ull << 40, 1ull << maxphy, 1ull << 51 };
	const char *const what[] = { "1 TiB", "2^MAXPHYADDR", "bit 51" };
	for (unsigned i = 0; i < 3; i++) {
		if (gpas[i] < (1ull << maxphy)) {
			hostile_try("1t: GPA 1 TiB is below 2^MAXPHYADDR");
			long v = poke(map_gpa(gpas[i]), PATTERN);
			gprintf("NOT CONTAINED: wrote GPA 0x%llx (%s)\n", (unsigned long long)gpas[i], hidt_name(v));
			return 1;
		}
		long v = poke(map_gpa(gpas[i]), PATTERN);
		hostile_check(v == 14 && (hidt_err & PF_RSVD) && hidt_cr2 == (long)(WINDOW_VA + (gpas[i] & 0x1fffff)),
			      "GPA at or above 2^MAXPHYADDR: #PF(RSVD) in the guest",
			      "%s 0x%llx: %s err=0x%lx cr2=0x%lx", what[i], (unsigned long long)gpas[i], hidt_name(v),
			      hidt_err, hidt_cr2);
	}
	pml4()[1] = 0;
	flush_tlb();
	return hostile_status();
}

/*
 * pgoff: far-return to a 32-bit code segment of our own GDT, clear CR0.PG (which also clears EFER.LMA), write and read
 * back own RAM, print through VMMCALL (it works in any mode), then write target. Never returns.
 */
static uint64_t pgoff_gdt[4] __attribute__((aligned(16))) = {
	0, 0x00af9b000000ffffull, /* 0x08: 64-bit code */
	0x00cf93000000ffffull, /* 0x10: data */
	0x00cf9b000000ffffull, /* 0x18: 32-bit code */
};
static const char pgoff_msg1[] = "PASS paging off: 32-bit protected mode, own RAM reads back\n";
static const char pgoff_msg2[] = "FAIL paging off: own RAM did not read back\n";
static const char pgoff_msg3[] = "NOT CONTAINED: paging-off write outside RAM returned\n";
static volatile uint32_t pgoff_scratch;

static void __attribute__((noreturn)) pgoff(uint32_t target)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(pgoff_gdt) - 1, (uint64_t)(uintptr_t)pgoff_gdt };

	gprintf("try pgoff: paging off, then write GPA 0x%x\n", target);
	__asm__ volatile(
		"lgdt %0\n\t"
		"mov %k1, %%ebx\n\t"          /* EBX = target: survives the mode switch */
		"xor %%eax, %%eax\n\t"
		"xor %%ecx, %%ecx\n\t"
		"xor %%edx, %%edx\n\t"
		"xor %%esi, %%esi\n\t"
		"xor %%edi, %%edi\n\t"
		"pushq $0x18\n\t"
		"lea 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n\t"
		".code32\n"
		"1: mov $0x10, %%ax\n\t"
		"mov %%ax, %%ds\n\t"
		"mov %%ax, %%ss\n\t"
		"mov %%cr0, %%eax\n\t"
		"and $0x7fffffff, %%eax\n\t"  /* CR0.PG = 0: long mode off, no guest paging */
		"mov %%eax, %%cr0\n\t"
		"movl $0x6b6f6f6c, %c8\n\t"
		"cmpl $0x6b6f6f6c, %c8\n\t"
		"jne 2f\n\t"
		"mov $1, %%eax\n\t"           /* HVMM_HC_WRITE */
		"mov %5, %%edi\n\t"
		"mov %2, %%esi\n\t"
		".byte 0x0f, 0x01, 0xd9\n\t"
		"movl $0xcccccccc, (%%ebx)\n\t" /* the attack */
		"mov $1, %%eax\n\t"
		"mov %7, %%edi\n\t"
		"mov %4, %%esi\n\t"
		".byte 0x0f, 0x01, 0xd9\n\t"
		"jmp 3f\n"
		"2: mov $1, %%eax\n\t"
		"mov %6, %%edi\n\t"
		"mov %3, %%esi\n\t"
		".byte 0x0f, 0x01, 0xd9\n"
		"3: mov $3, %%eax\n\t"        /* HVMM_HC_EXIT status 1 */
		"mov $1, %%edi\n\t"
		".byte 0x0f, 0x01, 0xd9\n\t"
		"hlt\n\t"
		".code64"
		:
		: "m"(gdtr), "r"(target), "i"(sizeof(pgoff_msg1) - 1), "i"(sizeof(pgoff_msg2) - 1),
		  "i"(sizeof(pgoff_msg3) - 1), "i"(pgoff_msg1), "i"(pgoff_msg2), "i"(pgoff_msg3), "i"(&pgoff_scratch)
		: "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "memory");
	__builtin_unreachable();
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	uint64_t mem = bi->mem_bytes;
	unsigned maxphy = maxphyaddr();

	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "alias", sizeof(attack));
	hidt_install();
	gprintf("hostile_mem attack=%s mem=0x%llx maxphyaddr=%u\n", attack, (unsigned long long)mem, maxphy);

	if (!strcmp(attack, "alias"))
		return alias(mem);
	if (!strcmp(attack, "1t"))
		return reserved(maxphy);
	if (!strcmp(attack, "pgoff"))
		pgoff((uint32_t)rt_arg_u64(bi, "target", 0x400000));

	volatile uint64_t *p = NULL;
	if (!strcmp(attack, "straddle")) {
		hostile_try("straddle: 8-byte write at mem - 4");
		p = (volatile uint64_t *)(uintptr_t)(mem - 4);
	} else if (!strcmp(attack, "4g")) {
		hostile_try("4g: write GPA 4 GiB");
		p = map_gpa(1ull << 32);
	} else if (!strcmp(attack, "top")) {
		hostile_try("top: write the last word below 2^MAXPHYADDR");
		p = map_gpa((1ull << maxphy) - 8);
	} else if (!strcmp(attack, "pt")) {
		hostile_try("pt: PML4 entry -> PDPT at GPA mem + 2 MiB");
		pml4()[1] = (mem + 0x200000) | PTE_P | PTE_RW;
		flush_tlb();
		p = (volatile uint64_t *)(uintptr_t)WINDOW_VA;
	} else {
		gprintf("FAIL unknown attack=%s\n", attack);
		return 98;
	}
	long v = poke(p, PATTERN);
	gprintf("NOT CONTAINED: %s returned (%s)\n", attack, hidt_name(v));
	return 1;
}
