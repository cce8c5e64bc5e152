/* SPDX-License-Identifier: MIT */
/*
 * msrwalk (test guest): walks the guest MSR table of lib/msr_policy.c (docs/guest-abi.md "MSRs") through real
 * RDMSR/WRMSR exits. For every MSR of a #GP rule (first, last): RDMSR and WRMSR raise #GP. For every MSR of a value
 * rule: RDMSR gives the reset value for this guest's RAM, then each of a set of values is written and the outcome
 * (#GP or not, the value read back) compared with the table's own model in this guest — so hvmm's dispatch and
 * per-guest storage are what is checked; the rules themselves are checked by tests/unit/test_msr_policy.c. Then the
 * fixed expectations the table stands for, written out: the legacy performance counters and DebugCtl accept writes,
 * MTRRcap, x2APIC and SPEC_CTRL #GP, PRED_CMD write-only, and WRMSR IA32_TSC moves RDTSC (the VMCB's TSC_OFFSET).
 * Output: PASS/FAIL lines and "hostile done fails=N"; exit status N (tests/scenarios_platform.py, msr-policy).
 */
#include "hostile_idt.h"
#include "msr_policy.c" /* the same table and model hvmm uses (lib/, freestanding) */

static uint64_t rdtsc64(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static unsigned maxphyaddr(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
	return a & 0xff;
}

/* Values written to every value MSR: zero, all ones, valid and invalid memory types, single bits. */
static const uint64_t probes[] = { 0, ~0ull, 0x0606060606060606ull, 0x0706050403020100ull, 0x806, 0xc06, 0x802,
				   0x4300c0ull, 1ull << 19, 1ull << 40, 1ull << 47, 1ull << 63, 0xfffff000ull,
				   0x5a5a5a5a5a5a5a5aull };

static void walk_value(struct msr_state *model, const struct msr_rule *r, uint32_t m, unsigned pa)
{
	uint64_t got = 0, want = 0;
	long v = hidt_rdmsr(m, &got);
	msr_policy_read(model, r, m, &want);
	unsigned bad = v != HIDT_NONE || got != want;
	if (bad)
		hostile_check(0, "value MSR reads its reset value", "%s %#x: %s, 0x%lx (expected 0x%lx)", r->name, m,
			      hidt_name(v), got, want);
	for (unsigned i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		int fault = msr_policy_write(model, r, m, probes[i], pa);
		long w = hidt_wrmsr(m, probes[i]);
		v = hidt_rdmsr(m, &got);
		msr_policy_read(model, r, m, &want);
		if (((w == 13) != (fault != 0) || (w != 13 && w != HIDT_NONE) || v != HIDT_NONE || got != want) &&
		    !bad++) /* the first difference of this MSR */
			hostile_check(0, "value MSR write as the table says", "%s %#x <- 0x%lx: %s (table: %s), reads 0x%lx "
				      "(table: 0x%lx)", r->name, m, probes[i], hidt_name(w), fault ? "#GP" : "none", got,
				      want);
	}
	if (!bad)
		gprintf("PASS %s %#x: reset value and %u writes as the table says\n", r->name, m,
			(unsigned)(sizeof(probes) / sizeof(probes[0])));
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	hidt_install();
	unsigned pa = maxphyaddr();
	static struct msr_state model;
	msr_state_init(&model, bi->mem_bytes);

	for (unsigned i = 0; i < msr_nrules; i++) {
		const struct msr_rule *r = &msr_rules[i];
		if (r->kind == MSRK_GP) {
			uint64_t x = 0;
			uint32_t ends[2] = { r->first, r->last };
			for (unsigned e = 0; e < 2; e++)
				hostile_check(hidt_rdmsr(ends[e], &x) == 13 && hidt_wrmsr(ends[e], 0) == 13, "#GP rule",
					      "%s %#x: RDMSR and WRMSR #GP", r->name, ends[e]);
		} else if (r->kind == MSRK_VALUE) {
			for (uint32_t m = r->first; m <= r->last; m++)
				walk_value(&model, r, m, pa);
		}
	}

	/* The expectations behind the table, independent of it. */
	uint64_t x = 0;
	hostile_expect_vec("WRMSR PerfEvtSel0 (C001_0000h) = 0 is accepted", hidt_wrmsr(0xc0010000, 0), HIDT_NONE);
	hostile_expect_vec("WRMSR PerfCtr3 (C001_0007h) = 0 is accepted", hidt_wrmsr(0xc0010007, 0), HIDT_NONE);
	hostile_check(hidt_wrmsr(0xc0010004, 12345) == HIDT_NONE && hidt_rdmsr(0xc0010004, &x) == HIDT_NONE && x == 12345,
		      "PerfCtr0 keeps its value (nothing counts)", "0x%lx", x);
	uint32_t lo, hi;
	long v = HIDT_TRY("rdpmc", : "=a"(lo), "=d"(hi) : "c"(0) : "memory");
	hostile_check(v == HIDT_NONE && lo == 12345 && hi == 0, "RDPMC 0 reads PerfCtr0", "%s, 0x%x", hidt_name(v), lo);
	hostile_check(hidt_rdmsr(0xfe, &x) == HIDT_NONE && x == 0x508, "MTRRcap reads 0x508", "0x%lx", x);
	long dv = hidt_rdmsr(0x1d9, &x);
	hostile_check(dv == HIDT_NONE && x == 0, "RDMSR DebugCtl (1D9h) reads 0", "%s, 0x%lx", hidt_name(dv), x);
	hostile_expect_vec("WRMSR DebugCtl = 0 is accepted", hidt_wrmsr(0x1d9, 0), HIDT_NONE);
	hostile_check(hidt_wrmsr(0x1d9, 3) == HIDT_NONE && hidt_rdmsr(0x1d9, &x) == HIDT_NONE && x == 3,
		      "WRMSR DebugCtl = LBR|BTF is accepted and read back", "0x%lx", x);
	hostile_expect_vec("WRMSR DebugCtl bit 6 (reserved) raises #GP", hidt_wrmsr(0x1d9, 1ull << 6), 13);
	hidt_wrmsr(0x1d9, 0);
	hostile_expect_vec("RDMSR x2APIC ID (802h) raises #GP", hidt_rdmsr(0x802, &x), 13);
	hostile_expect_vec("RDMSR SPEC_CTRL raises #GP (hidden)", hidt_rdmsr(0x48, &x), 13);
	hostile_expect_vec("RDMSR PRED_CMD raises #GP (write-only)", hidt_rdmsr(0x49, &x), 13);
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000008u), "c"(0));
	if (b & (1u << 12)) /* IBPB offered */
		hostile_expect_vec("WRMSR PRED_CMD = 0 is accepted (IBPB offered)", hidt_wrmsr(0x49, 0), HIDT_NONE);
	else
		hostile_expect_vec("WRMSR PRED_CMD = 0 raises #GP (no IBPB in CPUID)", hidt_wrmsr(0x49, 0), 13);
	hostile_expect_vec("RDMSR C001_0200h raises #GP (PerfCtrExtCore hidden)", hidt_rdmsr(0xc0010200, &x), 13);

	const uint64_t t = 1ull << 40;
	uint64_t before = rdtsc64();
	hostile_expect_vec("WRMSR IA32_TSC is accepted", hidt_wrmsr(0x10, t), HIDT_NONE);
	uint64_t after = rdtsc64();
	hidt_rdmsr(0x10, &x);
	hostile_check(after >= t && after - t < (1ull << 36) && x >= after, "RDTSC continues from the value written",
		      "before 0x%lx, after 0x%lx, RDMSR 0x%lx", before, after, x);
	hostile_expect_vec("WRMSR IA32_TSC = 0 is accepted", hidt_wrmsr(0x10, 0), HIDT_NONE);
	after = rdtsc64();
	hostile_check(after < (1ull << 36), "RDTSC after WRMSR IA32_TSC = 0 is small", "0x%lx", after);
	return hostile_status();
}
