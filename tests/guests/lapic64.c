/* SPDX-License-Identifier: MIT */
/*
 * lapic64 (test guest, run with platform=pc): the xAPIC's MMIO emulation from 64-bit code, the instruction forms a
 * 32-bit kernel does not produce: REX registers (R8-R15), MOVZX/MOVSX/MOVSXD of byte and word loads, a high-byte
 * register (AH), [base + index * 8 + disp32] and [disp32] addressing, an address-size (67) prefix, 64-bit ALU forms
 * (the upper 32 bits of a 32-bit load are zeroed) and CMP/TEST flags. The TPR (bits 7:0 read/write) is the target.
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
	gprintf("lapic64 done fails=%u\n", fails);
	if (rt_arg_u64(bi, "bad", 0)) {
		uint64_t di = TPR, cx = 2;
		gprintf("try rep stosd to the APIC page\n");
		__asm__ volatile("rep stosl" : "+D"(di), "+c"(cx) : "a"(0) : "memory");
		gprintf("NOT CONTAINED: rep stosd to the APIC page completed\n");
	}
	return (int)fails;
}
