/* SPDX-License-Identifier: MIT */
/*
 * hostile_user (test guest): what the guest's own user mode (CPL 3, tests/guests/hostile_ring3.h) may do to hvmm.
 * attack= picks what it does (default hc):
 *
 *   hc    every hypercall from CPL 3 — WRITE of a marked line, EXIT, YIELD, NOP, TSC_KHZ and an unknown number —
 *         must raise #UD in the guest (docs/guest-abi.md): a user process may neither print through hvmm, nor read
 *         its kernel's memory through HVMM_HC_WRITE, nor stop its kernel. The marked line ("R3-LEAK") must never
 *         reach the serial log; at CPL 0 the same calls still work.
 *   priv  instructions whose intercept hvmm sets but that the architecture refuses at CPL > 0 before any intercept
 *         is checked (AMD APM Vol. 2 §15.9; the instruction pages of Vol. 3): VMRUN, VMLOAD, VMSAVE, STGI, CLGI,
 *         SKINIT, INVLPGA, HLT, INVD, WBINVD, RDMSR, WRMSR, RDPMC (CR4.PCE = 0) and XSETBV raise #GP(0); MONITOR
 *         and MWAIT raise #UD; CPUID works. The guest survives all of them and exits 0.
 * Every check prints PASS/FAIL (hostile_idt.h); exit 0 when all passed.
 */
#include <string.h>

#include "hostile_ring3.h"

#define CR4_OSXSAVE (1ull << 18)

static const char leak_line[] = "R3-LEAK: a CPL-3 HVMM_HC_WRITE reached the console\n";

/* Results of the CPL-3 part, checked at CPL 0. */
static volatile long r3_vec[16];
static volatile long r3_rax[16];
static volatile unsigned r3_cpl_seen;

#define R3_CALL(i, nr, a0, a1)                                                                             \
	do {                                                                                               \
		long _rax = (nr);                                                                          \
		r3_vec[i] = HIDT_TRY(".byte 0x0f, 0x01, 0xd9", : "+a"(_rax) : "D"(a0), "S"(a1), "d"(0) : "memory"); \
		r3_rax[i] = _rax;                                                                          \
	} while (0)

static void user_hypercalls(void)
{
	r3_cpl_seen = ring3_cpl();
	R3_CALL(0, HVMM_HC_WRITE, (long)(uintptr_t)leak_line, (long)sizeof(leak_line) - 1);
	R3_CALL(1, HVMM_HC_NOP, 0, 0);
	R3_CALL(2, HVMM_HC_YIELD, 0, 0);
	R3_CALL(3, HVMM_HC_TSC_KHZ, 0, 0);
	R3_CALL(4, 0x77, 0, 0);
	R3_CALL(5, HVMM_HC_EXIT, 42, 0);
}

static void hc(void)
{
	static const char *const what[] = { "WRITE", "NOP", "YIELD", "TSC_KHZ", "unknown 0x77", "EXIT" };
	static const long nr[] = { HVMM_HC_WRITE, HVMM_HC_NOP, HVMM_HC_YIELD, HVMM_HC_TSC_KHZ, 0x77, HVMM_HC_EXIT };
	gprintf("try hypercalls from CPL 3\n");
	ring3_run(user_hypercalls);
	hostile_check(r3_cpl_seen == 3, "the user part ran at CPL 3", "CPL %u", r3_cpl_seen);
	for (unsigned i = 0; i < 6; i++)
		hostile_check(r3_vec[i] == 6 && r3_rax[i] == nr[i], "hypercall from CPL 3 raises #UD",
			      "%s: %s, rax=%ld", what[i], hidt_name(r3_vec[i]), r3_rax[i]);
	hostile_check(hc_nop() == 0 && hc_tsc_khz() > 0, "hypercalls from CPL 0 still work", "nop, tsc_khz");
}

/* One privileged instruction at CPL 3: its bytes and the vector the architecture raises. */
#define R3_INSN(i, code, ...) r3_vec[i] = HIDT_TRY(code, __VA_ARGS__)

static void user_privileged(void)
{
	r3_cpl_seen = ring3_cpl();
	R3_INSN(0, ".byte 0x0f, 0x01, 0xd8", : : "a"(0x200000ul) : "memory");		/* VMRUN */
	R3_INSN(1, ".byte 0x0f, 0x01, 0xda", : : "a"(0x200000ul) : "memory");		/* VMLOAD */
	R3_INSN(2, ".byte 0x0f, 0x01, 0xdb", : : "a"(0x200000ul) : "memory");		/* VMSAVE */
	R3_INSN(3, ".byte 0x0f, 0x01, 0xdc", : : : "memory");				/* STGI */
	R3_INSN(4, ".byte 0x0f, 0x01, 0xdd", : : : "memory");				/* CLGI */
	R3_INSN(5, ".byte 0x0f, 0x01, 0xde", : : "a"(0x200000ul) : "memory");		/* SKINIT */
	R3_INSN(6, ".byte 0x0f, 0x01, 0xdf", : : "a"(0x200000ul), "c"(1) : "memory");	/* INVLPGA */
	R3_INSN(7, "hlt", : : : "memory");
	R3_INSN(8, "invd", : : : "memory");
	R3_INSN(9, "wbinvd", : : : "memory");
	R3_INSN(10, "rdmsr", : : "c"(0xc0000080u) : "rax", "rdx", "memory");
	R3_INSN(11, "wrmsr", : : "c"(0xc0000080u), "a"(0), "d"(0) : "memory");
	R3_INSN(12, "rdpmc", : : "c"(0) : "rax", "rdx", "memory");
	R3_INSN(13, "xsetbv", : : "c"(0), "a"(1), "d"(0) : "memory");
	R3_INSN(14, "monitor", : : "a"(0x200000ul), "c"(0), "d"(0) : "memory");
	R3_INSN(15, "cpuid", : : "a"(0), "c"(0) : "rbx", "rdx", "memory");
}

static void privileged(void)
{
	static const struct {
		const char *name;
		long vec;
	} want[16] = {
		{ "VMRUN", 13 }, { "VMLOAD", 13 }, { "VMSAVE", 13 }, { "STGI", 13 }, { "CLGI", 13 }, { "SKINIT", 13 },
		{ "INVLPGA", 13 }, { "HLT", 13 }, { "INVD", 13 }, { "WBINVD", 13 }, { "RDMSR", 13 }, { "WRMSR", 13 },
		{ "RDPMC", 13 }, { "XSETBV", 13 }, { "MONITOR", 6 }, { "CPUID", HIDT_NONE },
	};
	/* XSETBV needs CR4.OSXSAVE, else it is #UD at any CPL; CPUID must offer XSAVE for the check to mean anything. */
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	long osx = HIDT_TRY("mov %0, %%cr4", : : "r"(cr4 | CR4_OSXSAVE) : "memory");
	gprintf("try privileged instructions at CPL 3\n");
	ring3_run(user_privileged);
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	hostile_check(r3_cpl_seen == 3, "the user part ran at CPL 3", "CPL %u", r3_cpl_seen);
	for (unsigned i = 0; i < 16; i++) {
		long expect = (i == 13 && osx != HIDT_NONE) ? 6 : want[i].vec;
		hostile_check(r3_vec[i] == expect, "CPL 3: the architecture's exception, not the intercept",
			      "%s: %s (expected %s)", want[i].name, hidt_name(r3_vec[i]), hidt_name(expect));
	}
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "hc", sizeof(attack));
	hidt_install();
	ring3_install();
	if (!strcmp(attack, "hc"))
		hc();
	else if (!strcmp(attack, "priv"))
		privileged();
	else {
		gprintf("FAIL unknown attack=%s\n", attack);
		return 98;
	}
	return hostile_status();
}
