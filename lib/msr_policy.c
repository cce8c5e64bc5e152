/* SPDX-License-Identifier: MIT */
/* msr_policy.c — the guest MSR table (msr_policy.h) and the checks of the values hvmm keeps per guest. */
#include "msr_policy.h"

#include <stddef.h>

#define GP(a, b, nm) { a, b, MSRK_GP, MSRC_NONE, MSRH_NONE, 0, 0, 0, 0, nm }
#define HOOK(a, b, h, nm) { a, b, MSRK_HOOK, MSRC_NONE, h, 0, 0, 0, 0, nm }
#define VALUE(a, b, chk, wgp, init, keep, rsvd, nm) { a, b, MSRK_VALUE, chk, MSRH_NONE, wgp, init, keep, rsvd, nm }

#define MASK48 0x0000ffffffffffffull
#define SYSCFG_MTRR_VAR_DRAM_EN (1ull << 20)
#define SYSCFG_MTRR_TOM2_EN (1ull << 21)
#define SYSCFG_KEEP 0x7c0000ull /* MtrrFixDramEn, MtrrFixDramModEn, MtrrVarDramEn, MtrrTom2En, Tom2ForceMemTypeWB */
#define MSR_SYSCFG 0xc0010010u
#define MSR_TOP_MEM 0xc001001au
#define MSR_TOP_MEM2 0xc001001du
#define TOP_MEM_GRAIN (8ull << 20) /* TOP_MEM bits 22:0 are reserved (APM Vol. 2 §7.9) */

/* Sorted by first MSR, no overlaps (tests/unit/test_msr_policy.c checks both). docs/guest-abi.md "MSRs" is the same
 * table with the source of each line. */
const struct msr_rule msr_rules[] = {
	HOOK(0x00000010, 0x00000010, MSRH_TSC, "IA32_TSC"),
	HOOK(0x0000001b, 0x0000001b, MSRH_APIC_BASE, "IA32_APIC_BASE"),
	GP(0x00000048, 0x00000048, "IA32_SPEC_CTRL (CPUID 7 EDX[26], 8000_0008h EBX[14] hidden)"),
	HOOK(0x00000049, 0x00000049, MSRH_PRED_CMD, "IA32_PRED_CMD"),
	/* MTRRcap: 8 variable ranges, fixed ranges, WC (APM Vol. 2 §7.7) */
	VALUE(0x000000fe, 0x000000fe, MSRC_NONE, 1, 0x508, 0, 0, "MTRRcap"),
	HOOK(0x00000174, 0x00000176, MSRH_VMCB, "SYSENTER_CS/ESP/EIP"),
	/* MCG_CAP: no banks, no MCG_CTL (CPUID 1 EDX[14] MCA hidden; every AMD64 CPU has the register, §9.3) */
	VALUE(0x00000179, 0x00000179, MSRC_NONE, 1, 0, 0, 0, "MCG_CAP"),
	VALUE(0x0000017a, 0x0000017a, MSRC_NONE, 0, 0, 0x7, ~0x7ull, "MCG_STATUS"),
	/* Intel's MISC_ENABLE (SDM Vol. 4 Table 2-2), not an AMD MSR: see docs/guest-abi.md "MSRs" */
	/* bits 0, 3, 16, 18, 22, 23, 34 writable (stored, not acted on); 11, 12 (BTS, PEBS unavailable) read-only */
	VALUE(0x000001a0, 0x000001a0, MSRC_NONE, 0, 0x1801, 0x400c50009ull, 0, "IA32_MISC_ENABLE"),
	/* DebugCtl: LBR (0), BTF (1), PB0-3 (5:2) stored, not acted on (no LBR virtualization); 63:6 reserved, MBZ
	 * (APM Vol. 2 §13.1.1.6) */
	VALUE(0x000001d9, 0x000001d9, MSRC_NONE, 0, 0, 0x3f, ~0x3full, "DebugCtl"),
	VALUE(0x00000200, 0x0000020f, MSRC_MTRR_VAR, 0, 0, ~0ull, 0, "MTRRphysBase0-7/MTRRphysMask0-7"),
	VALUE(0x00000250, 0x00000250, MSRC_MTRR_FIXED, 0, 0, ~0ull, 0, "MTRRfix64K_00000"),
	VALUE(0x00000258, 0x00000259, MSRC_MTRR_FIXED, 0, 0, ~0ull, 0, "MTRRfix16K_80000/A0000"),
	VALUE(0x00000268, 0x0000026f, MSRC_MTRR_FIXED, 0, 0, ~0ull, 0, "MTRRfix4K_C0000-F8000"),
	HOOK(0x00000277, 0x00000277, MSRH_PAT, "PAT"),
	/* MTRRdefType: enabled, default WB, as firmware leaves RAM (stored, not applied: with nested paging the host's MTRRs govern, §15.25) */
	VALUE(0x000002ff, 0x000002ff, MSRC_MTRR_DEF, 0, 0x806, 0xcff, ~0xcffull, "MTRRdefType"),
	HOOK(0x000006e0, 0x000006e0, MSRH_TSC_DEADLINE, "IA32_TSC_DEADLINE"),
	GP(0x00000800, 0x000008ff, "x2APIC registers (CPUID 1 ECX[21] hidden)"),
	/* KVM's paravirtual MSRs: a guest with kvm=on (hvmm/guest/kvm_pv.c); #GP for the others */
	HOOK(0x4b564d00, 0x4b564dff, MSRH_KVM, "KVM paravirtual MSRs (kvm=on)"),
	HOOK(0xc0000080, 0xc0000080, MSRH_EFER, "EFER"),
	HOOK(0xc0000081, 0xc0000084, MSRH_VMCB, "STAR/LSTAR/CSTAR/SFMASK"),
	HOOK(0xc0000100, 0xc0000102, MSRH_VMCB, "FS.base/GS.base/KernelGSbase"),
	HOOK(0xc0000103, 0xc0000103, MSRH_TSC_AUX, "TSC_AUX"),
	/* Legacy PerfEvtSel0-3: bits 63:42, 39:36, 21 and 19 reserved (APM Vol. 2 §13.2); stored, nothing counts */
	VALUE(0xc0010000, 0xc0010003, MSRC_NONE, 0, 0, ~0xfffffcf000280000ull, 0xfffffcf000280000ull, "PerfEvtSel0-3"),
	/* Legacy PerfCtr0-3: 48-bit counters (§13.2), stored, never counting */
	VALUE(0xc0010004, 0xc0010007, MSRC_NONE, 0, 0, MASK48, 0, "PerfCtr0-3"),
	/* SYSCFG: the MTRR-related bits (§7.9); the others read 0 and ignore writes */
	VALUE(MSR_SYSCFG, MSR_SYSCFG, MSRC_NONE, 0, SYSCFG_MTRR_VAR_DRAM_EN, SYSCFG_KEEP, 0, "SYSCFG"),
	/* HWCR: TscFreqSel (bit 24, read-only 1: the TSC counts at the P0 frequency); other bits stored, not acted on */
	VALUE(0xc0010015, 0xc0010015, MSRC_NONE, 0, 1ull << 24, 0xfeffffffull, 0, "HWCR"),
	VALUE(MSR_TOP_MEM, MSR_TOP_MEM, MSRC_NONE, 0, 0, 0, 0, "TOP_MEM"),
	VALUE(MSR_TOP_MEM2, MSR_TOP_MEM2, MSRC_NONE, 0, 0, 0, 0, "TOP_MEM2"),
	/* Interrupt Pending Message (family 0Fh): 0, no C1E message; Linux reads it on such CPUs (QEMU's -cpu max) */
	VALUE(0xc0010055, 0xc0010055, MSRC_NONE, 0, 0, 0, 0, "Interrupt Pending Message"),
	GP(0xc0010114, 0xc0010118, "VM_CR, IGNNE, SMM_CTL, VM_HSAVE_PA, SVM_KEY (SVM hidden)"),
	GP(0xc0010200, 0xc001020b, "PerfEvtSel/PerfCtr 0-5 (CPUID 8000_0001h ECX[23] hidden)"),
};
const unsigned msr_nrules = sizeof(msr_rules) / sizeof(msr_rules[0]);

const struct msr_rule *msr_rule_find(uint32_t msr)
{
	unsigned lo = 0, hi = msr_nrules;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct msr_rule *r = &msr_rules[mid];
		if (msr < r->first)
			hi = mid;
		else if (msr > r->last)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

unsigned msr_slot(const struct msr_rule *r, uint32_t msr)
{
	unsigned slot = 0;
	for (const struct msr_rule *p = msr_rules; p < r; p++)
		if (p->kind == MSRK_VALUE)
			slot += p->last - p->first + 1;
	return slot + (msr - r->first);
}

void msr_state_init(struct msr_state *s, uint64_t ram_bytes)
{
	for (unsigned i = 0; i < msr_nrules; i++) {
		const struct msr_rule *r = &msr_rules[i];
		if (r->kind == MSRK_VALUE)
			for (uint32_t m = r->first; m <= r->last; m++)
				s->v[msr_slot(r, m)] = r->init;
	}
	const uint64_t four_g = 1ull << 32;
	uint64_t below = ram_bytes < four_g ? ram_bytes : four_g;
	s->v[msr_slot(msr_rule_find(MSR_TOP_MEM), MSR_TOP_MEM)] = below & ~(TOP_MEM_GRAIN - 1);
	if (ram_bytes > four_g) {
		s->v[msr_slot(msr_rule_find(MSR_TOP_MEM2), MSR_TOP_MEM2)] = ram_bytes & ~(TOP_MEM_GRAIN - 1);
		s->v[msr_slot(msr_rule_find(MSR_SYSCFG), MSR_SYSCFG)] |= SYSCFG_MTRR_TOM2_EN;
	}
}

int msr_mtrr_type_valid(uint8_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

int msr_pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));
		if (!msr_mtrr_type_valid(t) && t != 7)
			return 0;
	}
	return 1;
}

int msr_policy_read(const struct msr_state *s, const struct msr_rule *r, uint32_t msr, uint64_t *val)
{
	if (!r || r->kind != MSRK_VALUE)
		return -1;
	*val = s->v[msr_slot(r, msr)];
	return 0;
}

/* The write check of r->check; 1 if val is acceptable. */
static int check_ok(const struct msr_rule *r, uint32_t msr, uint64_t val, unsigned maxphyaddr)
{
	uint64_t above = maxphyaddr >= 64 ? 0 : ~0ull << maxphyaddr; /* physical-address bits the CPU lacks */
	switch (r->check) {
	case MSRC_MTRR_FIXED:
		for (int i = 0; i < 8; i++)
			if (!msr_mtrr_type_valid((uint8_t)(val >> (8 * i))))
				return 0;
		return 1;
	case MSRC_MTRR_VAR:
		if ((msr & 1) == 0) /* PhysBase: type in 7:0, 11:8 reserved, base in MAXPHYADDR-1:12 */
			return msr_mtrr_type_valid((uint8_t)val) && !(val & 0xf00) && !(val & above);
		return !(val & 0x7ff) && !(val & above); /* PhysMask: 10:0 reserved, 11 Valid */
	case MSRC_MTRR_DEF:
		return msr_mtrr_type_valid((uint8_t)val);
	}
	return 1;
}

int msr_policy_write(struct msr_state *s, const struct msr_rule *r, uint32_t msr, uint64_t val, unsigned maxphyaddr)
{
	if (!r || r->kind != MSRK_VALUE || r->write_gp || (val & r->reserved) || !check_ok(r, msr, val, maxphyaddr))
		return -1;
	uint64_t *slot = &s->v[msr_slot(r, msr)];
	*slot = (*slot & ~r->keep) | (val & r->keep);
	return 0;
}
