/* SPDX-License-Identifier: MIT */
/*
 * hostile_cpu (test guest): MSRs and control registers. attack= picks what it does (default msr):
 *
 *   msr      every RDMSR/WRMSR exits to hvmm (MSRPM all ones). Expected per docs/guest-abi.md: EFER is the guest's own
 *            (SVME hidden and kept: clearing it changes nothing, setting it or a reserved bit raises #GP, LME cannot
 *            change while paging is on, LMA is read-only); PAT is the guest's own (bad memory types raise #GP); TSC
 *            is readable, and writing it sets the guest's TSC offset; FS_BASE and LSTAR are the guest's own (read
 *            back after a yield; non-canonical: #GP); VM_HSAVE_PA, VM_CR, the x2APIC ID, APIC_BASE (no platform=pc),
 *            the extended PerfEvtSel0, IA32_FEATURE_CONTROL, SPEC_CTRL, a machine-check bank and MSRs that
 *            do not exist raise #GP (the others: tests/guests/msrwalk.c). After it all, hypercalls still work.
 *   cr       survivable control-register writes, then exit 0. CR writes are not intercepted: the CPU checks them
 *            itself. CR0 bit 32 and CR8 bit 4 are reserved: #GP on silicon; QEMU 7.2 TCG drops them (accepted either
 *            way when nothing changed). CR8 (TPR) and the FS/GS/KERNEL_GS bases (WRFSBASE/WRGSBASE/SWAPGS with
 *            garbage) are the guest's own: they must survive a world switch (a yield) unchanged.
 *   dr       DR0-DR3 (not switched by VMRUN): they must read 0 at first — never another guest's values — and the
 *            guest's own values (and DR7) must survive yields while another dr instance uses its own.
 *   tscaux   TSC_AUX (MSR C000_0103h; not switched by VMRUN, hvmm loads each guest's own): it reads 0 at first —
 *            never another guest's value — a write reads back, and RDTSCP (CPUID 8000_0001h EDX[27]) and RDPID
 *            (CPUID 7 ECX[22]; SKIP where not offered) return it across yields while another tscaux instance uses
 *            its own (APM Vol. 3 RDTSCP, RDPID).
 *   cr0pe, cr0pg, cr0nw, cr4pae, cr4rsvd, cr3rsvd, cr3out
 *            one bad write each (PG without PE; PG off in 64-bit mode; NW without CD; PAE off in long mode; CR4 bit
 *            31; CR3 bit 45, beyond MAXPHYADDR; CR3 outside RAM), then a hypercall so that hvmm's next VMRUN sees the
 *            state. On silicon the first six raise #GP in the guest, which prints "SURVIVED <attack>: #GP" and exits 0.
 *            QEMU 7.2 TCG raises none of them; the guest is killed instead: VMEXIT_INVALID at the MOV (CR4 bit 31,
 *            CR3 bit 45: docs/qemu-tcg.md) or at the next VMRUN (its consistency checks: PG without PE, NW without CD),
 *            a triple fault (PAE off), or a nested page fault once the CPU runs in a mode it did not expect (PG off).
 *            cr3out is a nested page fault in the guest's page-table walk everywhere.
 */
#include <string.h>

#include "hostile_idt.h"

#define MSR_TSC 0x10u
#define MSR_APIC_BASE 0x1bu
#define MSR_SPEC_CTRL 0x48u
#define MSR_X2APIC_ID 0x802u /* x2APIC is hidden */
#define MSR_FEATURE_CONTROL 0x3au /* Intel only */
#define MSR_PAT 0x277u
#define MSR_MC0_STATUS 0x401u
#define MSR_EFER 0xc0000080u
#define MSR_FS_BASE 0xc0000100u
#define MSR_LSTAR 0xc0000082u
#define MSR_TSC_AUX 0xc0000103u
#define MSR_PERF_CTL_EXT0 0xc0010200u /* CPUID 8000_0001h ECX[23] hidden */
#define MSR_VM_CR 0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_SVME (1ull << 12)
#define CR0_PE (1ull << 0)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_FSGSBASE (1ull << 16)

#define CR_READ(n)                                                                                         \
	({                                                                                                 \
		uint64_t _v;                                                                               \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(_v));                                         \
		_v;                                                                                        \
	})
#define CR_TRY(n, val) HIDT_TRY("mov %0, %%cr" #n, : : "r"((uint64_t)(val)) : "memory")

static void msr(void)
{
	uint64_t v, efer;
	long x;

	x = hidt_rdmsr(MSR_EFER, &efer);
	hostile_check(x == HIDT_NONE && !(efer & EFER_SVME) && (efer & EFER_LMA), "rdmsr EFER: SVME hidden",
		      "%s 0x%llx", hidt_name(x), (unsigned long long)efer);
	x = hidt_wrmsr(MSR_EFER, efer & ~EFER_SVME);
	hostile_check(x == HIDT_NONE && hc_nop() == 0, "wrmsr EFER with SVME clear: accepted, hypercalls still work",
		      "%s", hidt_name(x));
	hostile_expect_vec("wrmsr EFER.SVME=1 raises #GP", hidt_wrmsr(MSR_EFER, efer | EFER_SVME), 13);
	static const unsigned bad_bits[] = { 1, 9, 13, 14, 15, 20, 63 };
	for (unsigned i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
		x = hidt_wrmsr(MSR_EFER, efer | (1ull << bad_bits[i]));
		hostile_check(x == 13, "wrmsr EFER reserved bit raises #GP", "bit %u: %s", bad_bits[i], hidt_name(x));
	}
	hostile_expect_vec("wrmsr EFER.LME=0 with paging on raises #GP", hidt_wrmsr(MSR_EFER, efer & ~EFER_LME), 13);
	x = hidt_wrmsr(MSR_EFER, efer & ~EFER_LMA);
	hidt_rdmsr(MSR_EFER, &v);
	hostile_check(x == HIDT_NONE && (v & EFER_LMA), "wrmsr EFER.LMA=0 is ignored (LMA is read-only)",
		      "%s, EFER now 0x%llx", hidt_name(x), (unsigned long long)v);

	uint64_t pat;
	hidt_rdmsr(MSR_PAT, &pat);
	hostile_expect_vec("wrmsr PAT with memory type 2 raises #GP", hidt_wrmsr(MSR_PAT, 0x0007040600070402ull), 13);
	x = hidt_wrmsr(MSR_PAT, 0x0007010600070106ull);
	hidt_rdmsr(MSR_PAT, &v);
	hostile_check(x == HIDT_NONE && v == 0x0007010600070106ull, "wrmsr PAT valid value reads back", "0x%llx",
		      (unsigned long long)v);
	hidt_wrmsr(MSR_PAT, pat);

	uint64_t t0, t1;
	long r0 = hidt_rdmsr(MSR_TSC, &t0);
	const uint64_t ahead = t0 + (1ull << 40);
	hostile_expect_vec("wrmsr TSC is accepted (the guest's TSC offset)", hidt_wrmsr(MSR_TSC, ahead), HIDT_NONE);
	long r1 = hidt_rdmsr(MSR_TSC, &t1);
	hostile_check(r0 == HIDT_NONE && r1 == HIDT_NONE && t1 > ahead, "rdmsr TSC reads a running TSC", "0x%llx -> 0x%llx",
		      (unsigned long long)t0, (unsigned long long)t1);

	/* FS_BASE and LSTAR are the guest's own (VMCB fields): they read back; a non-canonical address raises #GP */
	uint64_t fs0 = 0, ls0 = 0, fs1 = 0, ls1 = 0;
	hidt_rdmsr(MSR_FS_BASE, &fs0);
	hidt_rdmsr(MSR_LSTAR, &ls0);
	long wf = hidt_wrmsr(MSR_FS_BASE, 0xffff800012345000ull), wl = hidt_wrmsr(MSR_LSTAR, 0x7ffffffff000ull);
	hc_yield();
	hidt_rdmsr(MSR_FS_BASE, &fs1);
	hidt_rdmsr(MSR_LSTAR, &ls1);
	hostile_check(wf == HIDT_NONE && wl == HIDT_NONE && fs1 == 0xffff800012345000ull && ls1 == 0x7ffffffff000ull,
		      "wrmsr FS_BASE and LSTAR read back after a yield", "0x%llx 0x%llx", (unsigned long long)fs1,
		      (unsigned long long)ls1);
	hostile_expect_vec("wrmsr FS_BASE non-canonical raises #GP", hidt_wrmsr(MSR_FS_BASE, 0x0000800000000000ull), 13);
	hidt_wrmsr(MSR_FS_BASE, fs0);
	hidt_wrmsr(MSR_LSTAR, ls0);

	static const struct {
		uint32_t msr;
		uint64_t val;
		const char *name;
	} denied[] = {
		{ MSR_VM_HSAVE_PA, 0x200000, "VM_HSAVE_PA" }, { MSR_VM_HSAVE_PA, 0, "VM_HSAVE_PA" },
		{ MSR_VM_CR, 0x18, "VM_CR" },                 /* LOCK | SVMDIS */
		{ MSR_X2APIC_ID, 0, "x2APIC ID" },            { MSR_APIC_BASE, 0, "APIC_BASE" },
		{ MSR_PERF_CTL_EXT0, 0, "PerfEvtSel (extension) 0" }, { MSR_FEATURE_CONTROL, 0, "IA32_FEATURE_CONTROL" },
		{ MSR_SPEC_CTRL, 1, "SPEC_CTRL" },            { MSR_MC0_STATUS, 0, "MC0_STATUS" },
		{ 0xdeadbeef, 0, "nonexistent 0xdeadbeef" },
		{ 0x40000000, 0, "nonexistent 0x40000000" },   { 0xc0011234, 0, "nonexistent 0xc0011234" },
		{ 0xffffffff, 0, "nonexistent 0xffffffff" },
	};
	for (unsigned i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		long rd = hidt_rdmsr(denied[i].msr, &v);
		long wr = hidt_wrmsr(denied[i].msr, denied[i].val);
		hostile_check(rd == 13 && wr == 13, "rdmsr and wrmsr raise #GP", "%s (0x%x): rdmsr %s, wrmsr %s",
			      denied[i].name, denied[i].msr, hidt_name(rd), hidt_name(wr));
	}
	x = hidt_rdmsr(MSR_EFER, &v);
	hostile_check(x == HIDT_NONE && v == efer && hc_nop() == 0, "EFER unchanged at the end, hypercalls work",
		      "0x%llx", (unsigned long long)v);
}

static void cr(void)
{
	uint64_t cr0 = CR_READ(0), cr4 = CR_READ(4);
	/* CR0 bits 63:32 are reserved: silicon raises #GP; QEMU 7.2 TCG drops them silently (no #GP, not set). */
	long x = CR_TRY(0, cr0 | (1ull << 32));
	uint64_t now = CR_READ(0);
	hostile_check(x == 13 || (x == HIDT_NONE && now == cr0), "CR0 bit 32: #GP (silicon) or dropped (TCG)",
		      "%s, cr0=0x%llx", hidt_name(x), (unsigned long long)now);
	if (now != cr0)
		__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	hostile_check(CR_READ(0) == cr0 && CR_READ(4) == cr4, "CR0 and CR4 unchanged", "cr0=0x%llx cr4=0x%llx",
		      (unsigned long long)CR_READ(0), (unsigned long long)CR_READ(4));

	/* Guest-owned state that must survive a world switch: TPR, FS/GS bases, KERNEL_GS_BASE via SWAPGS. */
	/* CR8 bits 63:4 are reserved: silicon raises #GP; QEMU 7.2 TCG ignores them. */
	x = CR_TRY(8, 0x10);
	hostile_check(x == 13 || (x == HIDT_NONE && CR_READ(8) <= 15), "CR8 bit 4: #GP (silicon) or ignored (TCG)",
		      "%s, cr8=0x%llx", hidt_name(x), (unsigned long long)CR_READ(8));
	x = CR_TRY(8, 15);
	/* WRFSBASE and friends only where CPUID 7 EBX[0] (FSGSBASE) offers them: else CR4.FSGSBASE is reserved. */
	uint32_t a = 7, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	int fsgsbase = b & 1;
	const uint64_t fs = 0xfffff00dcafe0000ull, gs = 0x00007ffee1dead00ull;
	long f = HIDT_NONE, w = HIDT_NONE;
	if (fsgsbase) {
		f = CR_TRY(4, cr4 | CR4_FSGSBASE);
		w = HIDT_TRY("wrfsbase %0\n\twrgsbase %1\n\tswapgs\n\twrgsbase %0", : : "r"(fs), "r"(gs) : "memory");
	}
	hc_yield();
	hostile_check(x == HIDT_NONE && CR_READ(8) == 15, "CR8 (TPR) 15 survives a yield", "%s, cr8=%llu",
		      hidt_name(x), (unsigned long long)CR_READ(8));
	if (fsgsbase) {
		uint64_t fs2 = 0, gs2 = 0, kgs2 = 0;
		HIDT_TRY("rdfsbase %0\n\trdgsbase %1\n\tswapgs\n\trdgsbase %2", : "=r"(fs2), "=r"(gs2), "=r"(kgs2)
			 : : "memory");
		/* After the writes: FS = fs, GS = fs, KERNEL_GS = gs; the reads swap back, so kgs2 is the GS base gs. */
		hostile_check(f == HIDT_NONE && w == HIDT_NONE && fs2 == fs && gs2 == fs && kgs2 == gs,
			      "FS/GS/KERNEL_GS bases survive a yield", "%s %s fs=0x%llx gs=0x%llx kgs=0x%llx",
			      hidt_name(f), hidt_name(w), (unsigned long long)fs2, (unsigned long long)gs2,
			      (unsigned long long)kgs2);
		HIDT_TRY("wrfsbase %0\n\twrgsbase %0\n\tswapgs\n\twrgsbase %0", : : "r"(0ull) : "memory");
	} else {
		gprintf("SKIP FS/GS/KERNEL_GS bases survive a yield: CPUID 7 EBX[0] (FSGSBASE) is clear\n");
	}
	CR_TRY(8, 0);
	CR_TRY(4, cr4);
}

#define DR_READ(n)                                                                                         \
	({                                                                                                 \
		uint64_t _v;                                                                               \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(_v));                                         \
		_v;                                                                                        \
	})

/* DR0-DR3 are not in the VMCB: a guest must never see another guest's values, and its own must survive yields. */
static void dr(const struct hvmm_bootinfo *bi)
{
	uint64_t d[4] = { DR_READ(0), DR_READ(1), DR_READ(2), DR_READ(3) };
	hostile_check(!d[0] && !d[1] && !d[2] && !d[3], "DR0-DR3 start at 0, not another guest's values",
		      "0x%llx 0x%llx 0x%llx 0x%llx", (unsigned long long)d[0], (unsigned long long)d[1],
		      (unsigned long long)d[2], (unsigned long long)d[3]);
	uint64_t mine[4], bad = 0;
	for (int k = 0; k < 4; k++)
		mine[k] = 0x00007d0000000000ull | ((uint64_t)bi->guest_id << 16) | (uint64_t)k << 4;
	__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
			 : : "r"(mine[0]), "r"(mine[1]), "r"(mine[2]), "r"(mine[3]));
	/* An execution breakpoint at DR0 (never executed): DR7 L0 = 1. */
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x401ull));
	for (int round = 0; round < 8; round++) {
		hc_yield();
		uint64_t now[4] = { DR_READ(0), DR_READ(1), DR_READ(2), DR_READ(3) };
		for (int k = 0; k < 4; k++)
			bad += now[k] != mine[k];
	}
	hostile_check(bad == 0 && DR_READ(7) == 0x401, "own DR0-DR3 and DR7 survive 8 yields",
		      "%llu mismatches, dr7=0x%llx", (unsigned long long)bad, (unsigned long long)DR_READ(7));
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull));
}

/* TSC_AUX is not in the VMCB: a guest must never see another guest's value, and RDTSCP/RDPID must return its own. */
static void tscaux(const struct hvmm_bootinfo *bi)
{
	uint32_t a = 0x80000001u, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	uint32_t edx1 = d;
	int has_rdtscp = (edx1 >> 27) & 1;
	a = 7, c = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	int has_rdpid = (c >> 22) & 1;
	hostile_check(has_rdtscp, "CPUID 8000_0001h EDX[27] offers RDTSCP", "EDX=0x%x", edx1);
	if (!has_rdtscp)
		return;
	uint64_t v = 1;
	long x = hidt_rdmsr(MSR_TSC_AUX, &v);
	hostile_check(x == HIDT_NONE && v == 0, "TSC_AUX starts at 0, not another guest's value", "%s, 0x%llx",
		      hidt_name(x), (unsigned long long)v);
	uint32_t mine = 0x7a000000u | (bi->guest_id << 8) | 0x5a;
	x = hidt_wrmsr(MSR_TSC_AUX, mine);
	long y = hidt_rdmsr(MSR_TSC_AUX, &v);
	hostile_check(x == HIDT_NONE && y == HIDT_NONE && v == mine, "wrmsr TSC_AUX reads back", "%s %s, 0x%llx",
		      hidt_name(x), hidt_name(y), (unsigned long long)v);
	unsigned bad_rdtscp = 0, bad_rdpid = 0;
	uint32_t last_ecx = 0;
	uint64_t last_pid = 0;
	for (int round = 0; round < 8; round++) {
		hc_yield();
		uint32_t lo, hi, aux;
		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		bad_rdtscp += aux != mine;
		last_ecx = aux;
		if (has_rdpid) {
			uint64_t pid;
			__asm__ volatile("rdpid %0" : "=r"(pid));
			bad_rdpid += pid != mine;
			last_pid = pid;
		}
	}
	hostile_check(bad_rdtscp == 0, "RDTSCP returns the guest's own TSC_AUX across 8 yields", "%u mismatches, ecx=0x%x",
		      bad_rdtscp, last_ecx);
	if (has_rdpid)
		hostile_check(bad_rdpid == 0, "RDPID returns the guest's own TSC_AUX across 8 yields",
			      "%u mismatches, last 0x%llx", bad_rdpid, (unsigned long long)last_pid);
	else
		gprintf("SKIP RDPID returns the guest's own TSC_AUX: CPUID 7 ECX[22] (RDPID) is clear\n");
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "msr", sizeof(attack));
	hidt_install();

	if (!strcmp(attack, "msr")) {
		msr();
		return hostile_status();
	}
	if (!strcmp(attack, "cr")) {
		cr();
		return hostile_status();
	}
	if (!strcmp(attack, "dr")) {
		dr(bi);
		return hostile_status();
	}
	if (!strcmp(attack, "tscaux")) {
		tscaux(bi);
		return hostile_status();
	}
	uint64_t cr0 = CR_READ(0), cr3 = CR_READ(3), cr4 = CR_READ(4);
	const struct {
		const char *name, *what;
		int reg;
		uint64_t val;
	} one[] = {
		{ "cr0pe", "CR0 PG=1 PE=0", 0, cr0 & ~CR0_PE },
		{ "cr0pg", "CR0 PG=0 in 64-bit mode", 0, cr0 & ~CR0_PG },
		{ "cr0nw", "CR0 NW=1 CD=0", 0, (cr0 | CR0_NW) & ~CR0_CD },
		{ "cr4pae", "CR4 PAE=0 in long mode", 4, cr4 & ~CR4_PAE },
		{ "cr4rsvd", "CR4 bit 31 (reserved)", 4, cr4 | (1ull << 31) },
		{ "cr3rsvd", "CR3 bit 45 (beyond MAXPHYADDR)", 3, cr3 | (1ull << 45) },
		{ "cr3out", "CR3 = mem + 64 KiB (outside RAM)", 3, bi->mem_bytes + 0x10000 },
	};
	long x = HIDT_NONE;
	unsigned i;
	for (i = 0; i < sizeof(one) / sizeof(one[0]) && strcmp(attack, one[i].name); i++)
		;
	if (i == sizeof(one) / sizeof(one[0])) {
		gprintf("FAIL unknown attack=%s\n", attack);
		return 98;
	}
	gprintf("try %s: %s, then a hypercall\n", attack, one[i].what);
	if (one[i].reg == 0)
		x = CR_TRY(0, one[i].val);
	else if (one[i].reg == 3)
		x = CR_TRY(3, one[i].val);
	else
		x = CR_TRY(4, one[i].val);
	hc_nop(); /* the next VMRUN checks the state the write left (APM §15.5.1) */
	/* Silicon: #GP in the guest, which goes on. QEMU 7.2 TCG: see the table in docs/security.md. */
	if (x == 13) {
		gprintf("SURVIVED %s: #GP\n", attack);
		return 0;
	}
	gprintf("NOT CONTAINED: %s: %s and the next VMRUN accepted the state\n", attack, hidt_name(x));
	return 1;
}
