/* SPDX-License-Identifier: MIT */
/*
 * hostile_exc (test guest): exceptions that recur during their own delivery (CVE-2015-8104, CVE-2015-5307). hvmm
 * intercepts #DB and #AC and reflects them (hvmm/guest/exception.c); a delivery that repeats without progress is
 * stopped by its loop guard. attack= picks one:
 *
 *   db      reflection works: a single step (RFLAGS.TF) and an instruction breakpoint (DR0, DR7 L0) each reach the
 *           guest's own #DB handler (the breakpoint at its address), and set DR6.BS / DR6.B0; RDPRU raises #UD. Then exit 0 (PASS lines). Where a
 *           guest's breakpoints never fire (QEMU 7.2 TCG: its VMRUN loads DR7 without arming them, and hvmm does every
 *           DR write itself — docs/security.md, "Test platform limits") the breakpoint check prints a SKIP line.
 *   dbloop  the #DB gate uses IST1 and DR0 is an instruction breakpoint on the #DB handler's first instruction; then a
 *           single step. Every #DB delivery lands on the breakpoint and raises the next #DB at the same RIP and RSP
 *           (IST resets RSP): the guest never runs another instruction. hvmm must stop it (killed: exception loop).
 *           Where breakpoints never fire (see db) there is no loop: SKIP line, exit 0.
 *   dbframe CVE-2015-8104 itself: as dbloop, but DR0 watches (write, 8 bytes) the IST slot where the CPU pushes the SS
 *           of a #DB frame, so each delivery raises the next #DB before the handler runs — on silicon without the
 *           intercept the CPU loops in microcode and no interrupt ends it. Not run by the tests: QEMU 7.2 TCG aborts
 *           on it (an assertion in softmmu/cpus.c, with or without hvmm's intercept).
 */
#include <string.h>

#include "hostile_idt.h"

#define DR6_B0 (1ul << 0)
#define DR6_BS (1ul << 14)
#define DR7_L0 (1ul << 0)
#define DR7_RW0_WRITE (1ul << 16) /* R/W0 = 01b: data writes */
#define DR7_LEN0_8 (2ul << 18) /* LEN0 = 10b: 8 bytes (long mode) */
#define GUEST_TSS 0x1900 /* guest-abi: the TSS hvmm built */
#define TSS_IST1 0x24

static uint8_t ist_stack[4096] __attribute__((aligned(64)));

static uint64_t read_dr6(void)
{
	uint64_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "db", sizeof(attack));
	hidt_install();

	if (!strcmp(attack, "db")) {
		__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ul));
		long v = HIDT_TRY("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop\n\tnop", : : : "memory");
		uint64_t dr6 = read_dr6();
		hostile_check(v == 1, "single step reaches the guest's #DB handler", "%s", hidt_name(v));
		hostile_check(v == 1 && (dr6 & DR6_BS), "single step: DR6.BS set", "%s, DR6=0x%lx", hidt_name(v),
			      (unsigned long)dr6);
		__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0ul));
		uint64_t target;
		__asm__ volatile("lea .Lbp_target(%%rip), %0" : "=r"(target));
		__asm__ volatile("mov %0, %%dr0\n\tmov %1, %%dr7" : : "r"(target), "r"(DR7_L0 | 0x400ul));
		v = HIDT_TRY(".Lbp_target: nop", : : : "memory");
		__asm__ volatile("mov %0, %%dr7" : : "r"(0x400ul));
		dr6 = read_dr6();
		if (v == HIDT_NONE && !(dr6 & DR6_B0))
			gprintf("SKIP instruction breakpoint: a guest's breakpoints do not fire on this platform\n");
		else {
			hostile_check(v == 1 && hidt_rip == (long)target,
				      "instruction breakpoint reaches the guest's #DB handler at its address",
				      "%s at rip=0x%lx, DR0=0x%lx", hidt_name(v), (unsigned long)hidt_rip, (unsigned long)target);
			hostile_check(v == 1 && (dr6 & DR6_B0), "instruction breakpoint: DR6.B0 set", "%s, DR6=0x%lx",
				      hidt_name(v), (unsigned long)dr6);
		}
		v = HIDT_TRY(".byte 0x0f, 0x01, 0xfd", : : : "rax", "rcx", "rdx", "memory"); /* rdpru */
		hostile_expect_vec("rdpru raises #UD", v, 6);
		return hostile_status();
	}
	if (!strcmp(attack, "dbloop") || !strcmp(attack, "dbframe")) {
		uint64_t probe;
		__asm__ volatile("lea .Lbp_probe(%%rip), %0" : "=r"(probe));
		__asm__ volatile("mov %0, %%dr0\n\tmov %1, %%dr7" : : "r"(probe), "r"(DR7_L0 | 0x400ul));
		long fired = HIDT_TRY(".Lbp_probe: nop", : : : "memory");
		__asm__ volatile("mov %0, %%dr7" : : "r"(0x400ul));
		if (fired == HIDT_NONE) {
			gprintf("SKIP %s: a guest's breakpoints do not fire on this platform, so there is no loop\n", attack);
			return 0;
		}
		extern char hidt_stubs[];
		uint64_t top = (uint64_t)(uintptr_t)(ist_stack + sizeof(ist_stack));
		int frame = !strcmp(attack, "dbframe");
		memcpy((void *)(uintptr_t)(GUEST_TSS + TSS_IST1), &top, 8);
		hidt_table[1].ist = 1;
		uint64_t dr0 = frame ? top - 8 : (uint64_t)(uintptr_t)(hidt_stubs + 16 * 1);
		uint64_t dr7 = DR7_L0 | 0x400ul | (frame ? DR7_RW0_WRITE | DR7_LEN0_8 : 0);
		__asm__ volatile("mov %0, %%dr0\n\tmov %1, %%dr7" : : "r"(dr0), "r"(dr7));
		gprintf("try %s: #DB on IST1 with a breakpoint on its own %s, then a single step\n", attack,
			frame ? "frame" : "handler");
		__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop" : : : "memory");
		gprintf("NOT CONTAINED: %s returned\n", attack);
		return 1;
	}
	gprintf("FAIL unknown attack=%s\n", attack);
	return 98;
}
