/* SPDX-License-Identifier: MIT */
/*
 * hostile_svm (test guest): privileged and SVM instructions. attack= picks what it does (default misc):
 *
 *   misc     survivable ones, each checked through the guest's own IDT (hostile_idt.h), then exit 0:
 *            CPUID hides SVM/VMX/MONITOR and leaf 8000_000Ah; WBINVD and INVD complete as no-ops; MONITOR, MWAIT,
 *            MONITORX, MWAITX and ICEBP raise #UD; RDPMC of counters 0-5 reads 0 and of counter 0x100 raises #GP;
 *            XSETBV raises #UD with CR4.OSXSAVE clear, and #GP with bad values once CR4.OSXSAVE is set (hvmm's
 *            XSETBV emulation on silicon; QEMU TCG, which never intercepts XSETBV, checks them itself).
 *   vmrun, vmload, vmsave, stgi, clgi, skinit, invlpga
 *            executes that SVM instruction (RAX = a page-aligned GPA of its own RAM): hvmm must kill the guest.
 *   vmrunbad VMRUN, VMLOAD, VMSAVE with a misaligned RAX and with RAX beyond MAXPHYADDR. QEMU >= 7.2.10 checks RAX
 *            before the intercept and raises #GP in the guest (docs/qemu-tcg.md "Versions"), which survives and exits 0; a CPU with
 *            NestedVirtVmcbAddrChk exits instead, and hvmm kills the guest. Either is contained.
 */
#include <string.h>

#include "hostile_idt.h"

#define CR4_OSXSAVE (1ull << 18)

struct svm_insn {
	const char *name;
	void (*run)(void);
};

#define SVM_INSN(fn, bytes)                                                                                \
	static void fn(void)                                                                               \
	{                                                                                                  \
		__asm__ volatile(".byte " bytes ::"a"(0x200000ul), "c"(1ul) : "memory");                   \
	}
SVM_INSN(do_vmrun, "0x0f, 0x01, 0xd8")
SVM_INSN(do_vmload, "0x0f, 0x01, 0xda")
SVM_INSN(do_vmsave, "0x0f, 0x01, 0xdb")
SVM_INSN(do_stgi, "0x0f, 0x01, 0xdc")
SVM_INSN(do_clgi, "0x0f, 0x01, 0xdd")
SVM_INSN(do_skinit, "0x0f, 0x01, 0xde")
SVM_INSN(do_invlpga, "0x0f, 0x01, 0xdf")

static const struct svm_insn fatal[] = {
	{ "vmrun", do_vmrun }, { "vmload", do_vmload }, { "vmsave", do_vmsave }, { "stgi", do_stgi },
	{ "clgi", do_clgi },   { "skinit", do_skinit }, { "invlpga", do_invlpga },
};

static void cpuid4(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void misc(void)
{
	uint32_t r[4];
	cpuid4(1, r);
	hostile_check(!(r[2] & (1u << 5)) && !(r[2] & (1u << 3)) && (r[2] & (1u << 31)),
		      "cpuid 1 hides VMX and MONITOR, sets hypervisor", "ecx=0x%x", r[2]);
	cpuid4(0x80000001, r);
	hostile_check(!(r[2] & (1u << 2)), "cpuid 8000_0001 hides SVM", "ecx=0x%x", r[2]);
	cpuid4(0x8000000a, r);
	hostile_check(!r[0] && !r[1] && !r[2] && !r[3], "cpuid 8000_000A is empty", "%x %x %x %x", r[0], r[1], r[2],
		      r[3]);

	hostile_expect_vec("wbinvd completes as a no-op", HIDT_TRY("wbinvd", : : : "memory"), HIDT_NONE);
	hostile_expect_vec("invd completes as a no-op", HIDT_TRY("invd", : : : "memory"), HIDT_NONE);
	hostile_expect_vec("monitor raises #UD", HIDT_TRY("monitor", : : "a"(0x200000ul), "c"(0), "d"(0) : "memory"),
			   6);
	hostile_expect_vec("mwait raises #UD", HIDT_TRY("mwait", : : "a"(0), "c"(0) : "memory"), 6);
	hostile_expect_vec("monitorx raises #UD",
			   HIDT_TRY(".byte 0x0f, 0x01, 0xfa", : : "a"(0x200000ul), "c"(0), "d"(0) : "memory"), 6);
	hostile_expect_vec("mwaitx raises #UD", HIDT_TRY(".byte 0x0f, 0x01, 0xfb", : : "a"(0), "b"(0), "c"(0) : "memory"),
			   6);
	hostile_expect_vec("icebp raises #UD", HIDT_TRY(".byte 0xf1", : : : "memory"), 6);

	for (uint32_t ctr = 0; ctr < 6; ctr++) {
		uint32_t lo = 0x5a5a5a5a, hi = 0xa5a5a5a5;
		long v = HIDT_TRY("rdpmc", : "+a"(lo), "+d"(hi) : "c"(ctr) : "memory");
		hostile_check(v == HIDT_NONE && lo == 0 && hi == 0, "rdpmc reads 0", "counter %u: %s, value 0x%x%08x",
			      ctr, hidt_name(v), hi, lo);
	}
	hostile_expect_vec("rdpmc of counter 0x100 raises #GP", HIDT_TRY("rdpmc", : : "c"(0x100) : "rax", "rdx", "memory"),
			   13);

	hostile_expect_vec("xsetbv without CR4.OSXSAVE raises #UD",
			   HIDT_TRY("xsetbv", : : "a"(7), "d"(0), "c"(0) : "memory"), 6);
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	long v = HIDT_TRY("mov %0, %%cr4", : : "r"(cr4 | CR4_OSXSAVE) : "memory");
	hostile_check(v == HIDT_NONE, "CR4.OSXSAVE can be set (CR4 writes are not intercepted)", "%s", hidt_name(v));
	if (v == HIDT_NONE) {
		static const struct {
			const char *what;
			uint32_t ecx, eax, edx;
		} bad[] = {
			{ "xsetbv xcr0=0 (x87 clear)", 0, 0, 0 },
			{ "xsetbv xcr0=2 (SSE without x87)", 0, 2, 0 },
			{ "xsetbv xcr0 bit 63", 0, 1, 0x80000000u },
			{ "xsetbv xcr1", 1, 1, 0 },
		};
		for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			long x = HIDT_TRY("xsetbv", : : "a"(bad[i].eax), "d"(bad[i].edx), "c"(bad[i].ecx) : "memory");
			hostile_check(x == 13, bad[i].what, "%s (expected #GP)", hidt_name(x));
		}
		__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	}
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "misc", sizeof(attack));
	hidt_install();

	for (unsigned i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		if (strcmp(attack, fatal[i].name))
			continue;
		hostile_try(attack);
		long v = HIDT_TRY("call *%0", : : "r"(fatal[i].run) : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
				  "r11", "memory");
		gprintf("NOT CONTAINED: %s returned (%s)\n", attack, hidt_name(v));
		return 1;
	}
	if (!strcmp(attack, "vmrunbad")) {
		static const uint64_t rax[] = { 0x200001, 1ull << 45 };
		static const char *const insn[] = { "vmrun", "vmload", "vmsave" };
		for (unsigned i = 0; i < 3; i++)
			for (unsigned k = 0; k < 2; k++) {
				gprintf("try %s with rax=0x%llx\n", insn[i], (unsigned long long)rax[k]);
				long v = i == 0 ? HIDT_TRY(".byte 0x0f, 0x01, 0xd8", : : "a"(rax[k]) : "memory")
				       : i == 1 ? HIDT_TRY(".byte 0x0f, 0x01, 0xda", : : "a"(rax[k]) : "memory")
						: HIDT_TRY(".byte 0x0f, 0x01, 0xdb", : : "a"(rax[k]) : "memory");
				hostile_check(v == 13, "bad VMCB address raises #GP before the intercept",
					      "%s rax=0x%llx: %s", insn[i], (unsigned long long)rax[k], hidt_name(v));
			}
		return hostile_status();
	}
	if (strcmp(attack, "misc")) {
		gprintf("FAIL unknown attack=%s\n", attack);
		return 98;
	}
	misc();
	return hostile_status();
}
