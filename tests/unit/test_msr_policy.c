/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/msr_policy.c: the guest MSR table and the per-guest values (docs/guest-abi.md "MSRs"). */
#define UNIT_MODULE "msr_policy"
#include "msr_policy.h"
#include "unit.h"

static const struct msr_rule *find(uint32_t m) { return msr_rule_find(m); }

/* RDMSR through the table: the value, or ~0 for #GP. */
static uint64_t rd(const struct msr_state *s, uint32_t m)
{
	uint64_t v = 0;
	return msr_policy_read(s, find(m), m, &v) ? ~0ull : v;
}

static int wr(struct msr_state *s, uint32_t m, uint64_t v) { return msr_policy_write(s, find(m), m, v, 48); }

int main(void)
{
	/* The table: sorted, no overlaps, slots as declared, every range found at both ends. */
	int sorted = 1, found = 1;
	unsigned slots = 0;
	for (unsigned i = 0; i < msr_nrules; i++) {
		const struct msr_rule *r = &msr_rules[i];
		sorted &= r->first <= r->last && (i == 0 || msr_rules[i - 1].last < r->first);
		found &= find(r->first) == r && find(r->last) == r;
		if (r->kind == MSRK_VALUE)
			slots += r->last - r->first + 1;
		CHECK(r->kind != MSRK_HOOK || r->hook != MSRH_NONE, "%s: a hook rule names its hook", r->name);
		CHECK(r->kind != MSRK_VALUE || !(r->init & r->reserved), "%s: its reset value has no reserved bit", r->name);
	}
	CHECK(sorted, "rules sorted by MSR, without overlaps");
	CHECK(found, "each rule found by its first and last MSR");
	CHECK(slots == MSR_VALUE_SLOTS, "MSR_VALUE_SLOTS (%d) = the MSRs of the value rules (%u)", MSR_VALUE_SLOTS, slots);
	unsigned distinct = 1;
	for (unsigned i = 0; i < msr_nrules; i++)
		if (msr_rules[i].kind == MSRK_VALUE)
			for (uint32_t m = msr_rules[i].first; m <= msr_rules[i].last; m++)
				distinct &= msr_slot(&msr_rules[i], m) < MSR_VALUE_SLOTS;
	CHECK(distinct, "every slot inside struct msr_state");

	/* Not listed, or listed as #GP: #GP both ways. */
	struct msr_state s;
	msr_state_init(&s, 64ull << 20);
	const uint32_t absent[] = { 0x3a, 0xc1, 0x48, 0x802, 0x830, 0x8ff, 0xc0010114, 0xc0010117,
				    0xc0010200, 0xc001020b, 0x400, 0x17b, 0x12345678 };
	for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		const struct msr_rule *r = find(absent[i]);
		CHECK(!r || r->kind == MSRK_GP, "MSR %#x: #GP (%s)", absent[i], r ? r->name : "not listed");
		CHECK(rd(&s, absent[i]) == ~0ull && wr(&s, absent[i], 0) == -1, "MSR %#x: RDMSR and WRMSR #GP", absent[i]);
	}
	CHECK(find(0x10)->kind == MSRK_HOOK && find(0x10)->hook == MSRH_TSC, "IA32_TSC is msr.c's (TSC_OFFSET)");
	CHECK(find(0xc0000103)->kind == MSRK_HOOK && find(0xc0000103)->hook == MSRH_TSC_AUX,
	      "TSC_AUX is msr.c's (the vCPU's own, in the CPU's MSR while it runs)");
	CHECK(find(0xc0000080)->hook == MSRH_EFER && find(0xc0000082)->hook == MSRH_VMCB, "EFER, LSTAR: hooks");

	/* Legacy performance counters: every write of defined bits accepted and read back, nothing counts. */
	for (uint32_t m = 0xc0010000; m <= 0xc0010003; m++) {
		CHECK(rd(&s, m) == 0 && wr(&s, m, 0) == 0, "PerfEvtSel%u: reads 0, accepts 0", m & 3);
		CHECK(wr(&s, m, 0x4300c0 + m) == 0 && rd(&s, m) == 0x4300c0 + m, "PerfEvtSel%u: stores its value", m & 3);
		CHECK(wr(&s, m, 1ull << 40) == 0, "PerfEvtSel%u: GuestOnly accepted", m & 3);
		CHECK(wr(&s, m, 1ull << 19) == -1 && wr(&s, m, 1ull << 21) == -1 && wr(&s, m, 1ull << 36) == -1,
		      "PerfEvtSel%u: reserved bits 19, 21, 36 #GP", m & 3);
	}
	for (uint32_t m = 0xc0010004; m <= 0xc0010007; m++)
		CHECK(wr(&s, m, ~0ull) == 0 && rd(&s, m) == 0xffffffffffffull, "PerfCtr%u: 48 bits kept", m & 3);
	CHECK(wr(&s, 0xc0010000, 0x11) == 0 && wr(&s, 0xc0010001, 0x22) == 0 && rd(&s, 0xc0010000) == 0x11,
	      "PerfEvtSel0 and 1 have their own values");

	/* MTRRs. */
	CHECK(rd(&s, 0xfe) == 0x508 && wr(&s, 0xfe, 0x508) == -1, "MTRRcap: 8 variable, fixed, WC; read-only");
	CHECK(rd(&s, 0x2ff) == 0x806, "MTRRdefType: enabled, default WB");
	CHECK(wr(&s, 0x2ff, 0xc06) == 0 && rd(&s, 0x2ff) == 0xc06, "MTRRdefType: E, FE, WB written");
	CHECK(wr(&s, 0x2ff, 0x802) == -1 && wr(&s, 0x2ff, 0x1006) == -1, "MTRRdefType: type 2, bit 12: #GP");
	CHECK(wr(&s, 0x250, 0x0606060606060606ull) == 0 && rd(&s, 0x250) == 0x0606060606060606ull, "fix64K: WB");
	CHECK(wr(&s, 0x268, 0x0506040100000000ull) == 0, "fix4K: WP, WB, WT, WC, UC");
	CHECK(wr(&s, 0x26f, 0x0700000000000000ull) == -1 && wr(&s, 0x259, 0x03) == -1, "fixed: type 7 or 3: #GP");
	CHECK(wr(&s, 0x200, 0xc0000006ull) == 0 && wr(&s, 0x201, 0xffffc0000800ull) == 0, "var 0: base, mask");
	CHECK(rd(&s, 0x200) == 0xc0000006ull && rd(&s, 0x201) == 0xffffc0000800ull, "var 0 read back");
	CHECK(wr(&s, 0x20e, 0x1000000000006ull) == -1, "PhysBase7 at bit 48 (MAXPHYADDR 48): #GP");
	CHECK(wr(&s, 0x20e, 0x106) == -1 && wr(&s, 0x20e, 0x2) == -1, "PhysBase7: bit 8, type 2: #GP");
	CHECK(wr(&s, 0x20f, 0x801) == -1 && wr(&s, 0x20f, 0x800) == 0, "PhysMask7: bit 0 #GP, Valid alone accepted");
	CHECK(msr_policy_write(&s, find(0x20e), 0x20e, 0x80000000006ull, 40) == -1, "PhysBase7 at bit 43, MAXPHYADDR 40");
	CHECK(msr_pat_valid(0x0007040600070406ull) && !msr_pat_valid(0x0007040600070402ull) &&
	      !msr_pat_valid(0x0807040600070406ull), "PAT: reset value valid; type 2 and 8 invalid");

	/* AMD system configuration: TOP_MEM follows the RAM. */
	CHECK(rd(&s, 0xc001001a) == 64ull << 20 && rd(&s, 0xc001001d) == 0, "64 MiB: TOP_MEM 64M, TOP_MEM2 0");
	CHECK(rd(&s, 0xc0010010) == 1ull << 20, "SYSCFG: MtrrVarDramEn only");
	CHECK(wr(&s, 0xc001001a, 0x1000000) == 0 && rd(&s, 0xc001001a) == 64ull << 20, "TOP_MEM: writes ignored");
	struct msr_state big;
	msr_state_init(&big, (6ull << 30) + (2ull << 20));
	CHECK(rd(&big, 0xc001001a) == 1ull << 32 && rd(&big, 0xc001001d) == 6ull << 30, "6G+2M: TOP_MEM 4G, TOP_MEM2 6G");
	CHECK(rd(&big, 0xc0010010) == ((1ull << 20) | (1ull << 21)), "6G: SYSCFG.MtrrTom2En");
	msr_state_init(&big, 18ull << 20);
	CHECK(rd(&big, 0xc001001a) == 16ull << 20, "18 MiB: TOP_MEM rounded down to 8 MiB");
	CHECK(rd(&s, 0xc0010015) == 1ull << 24 && wr(&s, 0xc0010015, 0) == 0 && rd(&s, 0xc0010015) == 1ull << 24,
	      "HWCR: TscFreqSel reads 1 and stays");

	/* Machine check and MISC_ENABLE. */
	CHECK(rd(&s, 0x179) == 0 && wr(&s, 0x179, 0) == -1, "MCG_CAP: no banks, read-only");
	CHECK(wr(&s, 0x17a, 0) == 0 && wr(&s, 0x17a, 8) == -1, "MCG_STATUS: 0 accepted, bit 3 #GP");
	CHECK(rd(&s, 0x1a0) == 0x1801, "MISC_ENABLE: fast strings, BTS and PEBS unavailable");
	CHECK(wr(&s, 0x1a0, 0x400c50809ull) == 0 && rd(&s, 0x1a0) == 0x400c51809ull,
	      "MISC_ENABLE: writable bits stored, bits 11 and 12 read-only");

	/* DebugCtl: the defined bits stored (LBR, BTF not acted on), reserved bits #GP (APM Vol. 2 §13.1.1.6). */
	CHECK(rd(&s, 0x1d9) == 0 && wr(&s, 0x1d9, 0) == 0, "DebugCtl: reads 0, accepts 0");
	CHECK(wr(&s, 0x1d9, 0x3f) == 0 && rd(&s, 0x1d9) == 0x3f, "DebugCtl: LBR, BTF, PB0-3 stored");
	CHECK(wr(&s, 0x1d9, 1ull << 6) == -1 && wr(&s, 0x1d9, 1ull << 63) == -1 && rd(&s, 0x1d9) == 0x3f,
	      "DebugCtl: bits 6, 63 #GP, value kept");
	return unit_done();
}
