/* SPDX-License-Identifier: MIT */
/*
 * msr_policy.h — what RDMSR and WRMSR do for a guest, per MSR: one sorted table (msr_policy.c, and the same table
 * in docs/guest-abi.md "MSRs") and the per-guest values of the MSRs hvmm keeps for the guest. An MSR the table
 * does not list raises #GP, as an MSR the processor does not implement does (AMD APM Vol. 3 RDMSR/WRMSR).
 * Freestanding: hvmm/guest/msr.c applies it, tests/unit/test_msr_policy.c checks it on the host.
 */
#ifndef HVMM_LIB_MSR_POLICY_H
#define HVMM_LIB_MSR_POLICY_H
#include <stdint.h>

enum msr_kind {
	MSRK_GP, /* listed only to document it: #GP on RDMSR and WRMSR */
	MSRK_VALUE, /* a per-guest value (struct msr_state), checked and stored by msr_policy_write */
	MSRK_HOOK, /* hvmm's code decides (hvmm/guest/msr.c): the value lives in the VMCB or a virtual device */
};

/* How a write to an MSRK_VALUE MSR is checked beyond its reserved bits. */
enum msr_check {
	MSRC_NONE,
	MSRC_MTRR_FIXED, /* every byte a valid MTRR type (APM Vol. 2 §7.7.2) */
	MSRC_MTRR_VAR, /* MTRRphysBase (even) / MTRRphysMask (odd): type, bits at or above MAXPHYADDR (§7.7.1) */
	MSRC_MTRR_DEF, /* MTRRdefType: the default type valid (§7.7.1) */
};

/* The MSRs hvmm's code handles (MSRK_HOOK). */
enum msr_hook {
	MSRH_NONE,
	MSRH_VMCB, /* a field of the VMCB's save area (segment bases, SYSCALL/SYSENTER MSRs) */
	MSRH_TSC, /* IA32_TSC: host TSC + the VMCB's TSC_OFFSET; a write sets the offset */
	MSRH_APIC_BASE,
	MSRH_PRED_CMD,
	MSRH_PAT, /* the VMCB's G_PAT */
	MSRH_TSC_DEADLINE,
	MSRH_EFER,
	MSRH_KVM, /* KVM's range 4B564D00h-4B564DFFh: kvmclock, steal time, PV EOI with kvm=on */
	MSRH_TSC_AUX, /* the vCPU's own TSC_AUX, loaded into the CPU while it runs */
};

struct msr_rule {
	uint32_t first, last; /* the range [first, last] */
	uint8_t kind; /* enum msr_kind */
	uint8_t check; /* enum msr_check (MSRK_VALUE) */
	uint8_t hook; /* enum msr_hook (MSRK_HOOK) */
	uint8_t write_gp; /* MSRK_VALUE: every WRMSR raises #GP (a read-only MSR) */
	uint64_t init; /* MSRK_VALUE: the value at reset (msr_state_init may derive it from the guest's RAM) */
	uint64_t keep; /* MSRK_VALUE: bits a write stores; the others keep their value */
	uint64_t reserved; /* MSRK_VALUE: a write with one of these bits set raises #GP */
	const char *name;
};

/* Per-guest values of the MSRK_VALUE MSRs, one slot per MSR in table order. */
#define MSR_VALUE_SLOTS 46
struct msr_state {
	uint64_t v[MSR_VALUE_SLOTS];
};

extern const struct msr_rule msr_rules[];
extern const unsigned msr_nrules;

/* The rule for msr, or NULL (not implemented: #GP). Binary search over the sorted table. */
const struct msr_rule *msr_rule_find(uint32_t msr);

/* The slot of msr (covered by MSRK_VALUE rule r) in struct msr_state. */
unsigned msr_slot(const struct msr_rule *r, uint32_t msr);

/* Reset values for a guest with ram_bytes of RAM at [0, ram_bytes): TOP_MEM, TOP_MEM2 and SYSCFG.MtrrTom2En follow
 * the RAM (APM Vol. 2 §7.9). */
void msr_state_init(struct msr_state *s, uint64_t ram_bytes);

/* RDMSR / WRMSR of an MSRK_VALUE MSR: 0, or -1 for #GP. maxphyaddr: CPUID 8000_0008h EAX[7:0] as the guest sees it. */
int msr_policy_read(const struct msr_state *s, const struct msr_rule *r, uint32_t msr, uint64_t *val);
int msr_policy_write(struct msr_state *s, const struct msr_rule *r, uint32_t msr, uint64_t val, unsigned maxphyaddr);

/* A memory type valid in an MTRR or a PAT entry: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, and for PAT also 7 UC- (APM Vol. 2
 * §7.7.1 Table 7-8, §7.8.1). */
int msr_mtrr_type_valid(uint8_t t);
int msr_pat_valid(uint64_t pat);

#endif
