/* SPDX-License-Identifier: MIT */
/*
 * cpuid.c — the guest's view of CPUID: an explicit policy that advertises only what hvmm virtualizes. Each leaf the
 * table below lists passes the host's bits in its pass masks and forces the bits in its set masks; every other leaf
 * of the basic and extended ranges reads as zero, as an unimplemented leaf does on AMD. Leaves 0 and 8000_0000h
 * report the highest leaf the policy knows. The extended-state bits then follow what xstate.c switches (see
 * extended_state()). Leaves 0x40000000.. are hvmm's (include/hvmm/abi.h). docs/guest-abi.md has the same table with
 * the reason for every hidden bit; tests/scenarios_silicon.py checks that the two agree and that a guest sees
 * nothing else (APM Vol. 3 Appendix E for the bit definitions).
 */
#include "hvmm/abi.h"
#include "hvmm/core/arch.h"
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/kvm_pv.h"
#include "hvmm/guest/xstate.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/tsc.h"
#include "xcr0.h"

#define ANY 0xffffffffu /* the rule applies to every subleaf */
#define POLICY_MAX_BASIC 0x0000000du
#define POLICY_MAX_EXT 0x80000021u

/* One leaf (and subleaf): the guest sees (host & pass) | set, per register EAX, EBX, ECX, EDX. */
struct cpuid_rule {
	uint32_t leaf, subleaf;
	uint32_t pass[4], set[4];
};

/* Keep in step with docs/guest-abi.md "CPUID" (masks checked by tests/scenarios_silicon.py). */
static const struct cpuid_rule cpuid_policy[] = {
	{ 0x00000000, ANY, { 0x00000000, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x00000001, ANY, { 0xffffffff, 0x0000ffff, 0x7eda3203, 0x078ba9ff }, { 0x00000000, 0x00000000, 0x80000000, 0x00000000 } },
	{ 0x00000007, 0, { 0xffffffff, 0xfdbf07a9, 0x00415f5e, 0x0080011c }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x00000007, 1, { 0x00000030, 0x00000000, 0x00000000, 0x00000000 }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x0000000d, ANY, { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000000, ANY, { 0x00000000, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000001, ANY, { 0xffffffff, 0xffffffff, 0x002109f1, 0xedd3a9ff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000002, ANY, { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000003, ANY, { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000004, ANY, { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000005, ANY, { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000006, ANY, { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000007, ANY, { 0x00000000, 0x00000000, 0x00000000, 0x00000100 }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000008, ANY, { 0x00ffffff, 0x64101205, 0x00000000, 0x00000000 }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000019, ANY, { 0xffffffff, 0xffffffff, 0x00000000, 0x00000000 }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x8000001a, ANY, { 0xffffffff, 0x00000000, 0x00000000, 0x00000000 }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
	{ 0x80000021, ANY, { 0x70040c47, 0x00000000, 0x00000000, 0x00000000 }, { 0x00000000, 0x00000000, 0x00000000, 0x00000000 } },
};

/* Bits that need extended state: XSAVE itself, the AVX-encoded features (YMM), AVX-512 (opmask and ZMM), PKU. */
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX_DEP ((1u << 12) | (1u << 28) | (1u << 29)) /* FMA, AVX, F16C */
#define CPUID7_EBX_AVX_DEP (1u << 5) /* AVX2 */
#define CPUID7_EBX_AVX512 0xdc230000u /* F, DQ, IFMA, PF, ER, CD, BW, VL */
#define CPUID7_ECX_AVX_DEP ((1u << 9) | (1u << 10)) /* VAES, VPCLMULQDQ */
#define CPUID7_ECX_AVX512 0x00005842u /* VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
#define CPUID7_ECX_PKU (1u << 3)
#define CPUID7_ECX_OSPKE (1u << 4)
#define CPUID7_EDX_AVX512 0x0080010cu /* 4VNNIW, 4FMAPS, VP2INTERSECT, FP16 */
#define CPUID71_EAX_AVX_DEP (1u << 4) /* AVX-VNNI */
#define CPUID71_EAX_AVX512 (1u << 5) /* AVX512_BF16 */
#define CPUID80000001_ECX_AVX_DEP ((1u << 11) | (1u << 16)) /* XOP, FMA4 */
#define CPUID_D1_EAX_XSAVES (1u << 3)
#define CPUID80000007_EDX_INVARIANT_TSC (1u << 8)

static const struct cpuid_rule *rule_for(uint32_t leaf, uint32_t subleaf)
{
	for (unsigned i = 0; i < sizeof(cpuid_policy) / sizeof(cpuid_policy[0]); i++)
		if (cpuid_policy[i].leaf == leaf && (cpuid_policy[i].subleaf == ANY || cpuid_policy[i].subleaf == subleaf))
			return &cpuid_policy[i];
	return NULL;
}

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/*
 * Extended state as xstate.c switches it: XSAVE, AVX and their dependents only with XSAVE and the YMM component,
 * AVX-512 only with all three AVX-512 components, PKU only with the PKRU component (each as CPUID 0Dh reports it);
 * OSXSAVE and OSPKE mirror the guest's own CR4; leaf 0Dh is the CPU's for the components XCR0 can enable, without
 * XSAVES and the IA32_XSS components (that MSR is not the guest's).
 */
static void extended_state(const struct vcpu *vcpu, uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	uint64_t all = xstate_caps.xsave ? xstate_caps.xcr0_all : 0;
	int avx = (all & XCR0_AVX) != 0, avx512 = (all & XCR0_AVX512) == XCR0_AVX512;
	switch (leaf) {
	case 1:
		r->ecx &= ~CPUID1_ECX_OSXSAVE;
		if (!xstate_caps.xsave)
			r->ecx &= ~CPUID1_ECX_XSAVE;
		else if (vcpu->vmcb->save.cr4 & CR4_OSXSAVE)
			r->ecx |= CPUID1_ECX_OSXSAVE;
		if (!avx)
			r->ecx &= ~CPUID1_ECX_AVX_DEP;
		break;
	case 7:
		if (subleaf == 0) {
			r->ebx &= ~((avx ? 0 : CPUID7_EBX_AVX_DEP) | (avx512 ? 0 : CPUID7_EBX_AVX512));
			r->ecx &= ~((avx ? 0 : CPUID7_ECX_AVX_DEP) | (avx512 ? 0 : CPUID7_ECX_AVX512) | CPUID7_ECX_OSPKE);
			r->edx &= ~(avx512 ? 0 : CPUID7_EDX_AVX512);
			if (!(all & XCR0_PKRU))
				r->ecx &= ~CPUID7_ECX_PKU;
			else if (vcpu->vmcb->save.cr4 & CR4_PKE)
				r->ecx |= CPUID7_ECX_OSPKE;
		} else if (subleaf == 1) {
			r->eax &= ~((avx ? 0 : CPUID71_EAX_AVX_DEP) | (avx512 ? 0 : CPUID71_EAX_AVX512));
		}
		break;
	case 0xd:
		if (!xstate_caps.xsave || (subleaf >= 2 && subleaf < 64 && !((all >> subleaf) & 1)))
			*r = (struct cpuid_regs){ 0 };
		else if (subleaf == 1) {
			r->eax &= ~CPUID_D1_EAX_XSAVES;
			r->ecx = r->edx = 0; /* IA32_XSS components */
		}
		break;
	case 0x80000001:
		if (!avx)
			r->ecx &= ~CPUID80000001_ECX_AVX_DEP;
		break;
	}
}

/* The CPUID values vcpu sees for (leaf, subleaf). */
static struct cpuid_regs guest_cpuid(const struct vcpu *vcpu, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = { 0 };

	if (kvm_pv_cpuid(vcpu, leaf, &r)) /* 4000_0100h.. with kvm=on */
		return r;
	if (leaf >= HVMM_CPUID_BASE && leaf <= HVMM_CPUID_BASE + 0xff) {
		if (leaf == HVMM_CPUID_BASE) {
			r.eax = HVMM_CPUID_MAX;
			r.ebx = r.ecx = r.edx = HVMM_CPUID_SIG_EBX; /* "hvmmhvmmhvmm" */
		} else if (leaf == HVMM_CPUID_BASE + 1) {
			r.eax = HVMM_ABI_VERSION;
			r.ebx = (uint32_t)tsc_khz;
			r.ecx = vcpu->guest->id;
			r.edx = vcpu->cpu; /* the hvmm CPU running it: it never changes (guest/sched.c) */
		}
		return r;
	}
	const struct cpuid_rule *p = rule_for(leaf, subleaf);
	if (!p)
		return r;
	/* The host's highest leaf of the range, read each time: a cache miss is rare, and no CPU writes shared state. */
	if (leaf > cpuid(leaf & 0x80000000u, 0).eax)
		return r; /* a leaf the host lacks: never pass what the CPU returns for it (often another leaf's data) */
	struct cpuid_regs h = cpuid(leaf, subleaf);
	r.eax = (h.eax & p->pass[0]) | p->set[0];
	r.ebx = (h.ebx & p->pass[1]) | p->set[1];
	r.ecx = (h.ecx & p->pass[2]) | p->set[2];
	r.edx = (h.edx & p->pass[3]) | p->set[3];
	if (leaf == 0)
		r.eax = min_u32(h.eax, POLICY_MAX_BASIC);
	else if (leaf == 0x80000000u)
		r.eax = min_u32(h.eax, POLICY_MAX_EXT);
	extended_state(vcpu, leaf, subleaf, &r);
	if (leaf == 1 && vcpu->vctx.pc) { /* the virtual xAPIC (platform=pc; no x2APIC) and its TSC-deadline timer */
		r.edx |= CPUID1_EDX_APIC;
		r.ecx |= CPUID1_ECX_TSC_DEADLINE;
	}
	if (leaf == 0x80000007u && vcpu->kvm.on) /* kvm=on: no invariant TSC, as KVM's default CPU models (guest-abi.md) */
		r.edx &= ~CPUID80000007_EDX_INVARIANT_TSC;
	return r;
}

/* Leaves whose values the cache may hold (svm/cpuid_cache.h): every subleaf reads the same and nothing but CR4.OSXSAVE
 * (leaf 1, its own slot) of the guest's state enters them. Not leaf 7 (subleaf rules, CR4.PKE) nor 0Dh (subleaves,
 * sizes for the current XCR0). */
static int cacheable(uint32_t leaf)
{
	return leaf != 7 && leaf != 0xd;
}

static void cache_fill(struct vcpu *vcpu, int slot, struct cpuid_regs r)
{
	vcpu->cpuid.slot[slot] = (struct cpuid_slot){ r.eax, r.ebx, r.ecx, r.edx };
	vcpu->cpuid.valid |= 1ull << slot;
}

void handle_cpuid(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	uint32_t leaf = (uint32_t)v->save.rax;
	int slot = cpuid_slot(leaf, v->save.cr4);
	struct cpuid_regs r;
	if (slot >= 0 && (vcpu->cpuid.valid >> slot) & 1) {
		const struct cpuid_slot *s = &vcpu->cpuid.slot[slot];
		r = (struct cpuid_regs){ .eax = s->eax, .ebx = s->ebx, .ecx = s->ecx, .edx = s->edx };
	} else {
		r = guest_cpuid(vcpu, leaf, (uint32_t)vcpu->regs.rcx);
		if (slot >= 0 && cacheable(leaf)) {
			cache_fill(vcpu, slot, r);
			if (leaf == 1) { /* both views of leaf 1: OSXSAVE follows CR4, and only with XSAVE offered */
				struct cpuid_regs o = r;
				o.ecx &= ~CPUID1_ECX_OSXSAVE;
				cache_fill(vcpu, CPUID_SLOT_LEAF1, o);
				if (xstate_caps.xsave)
					o.ecx |= CPUID1_ECX_OSXSAVE;
				cache_fill(vcpu, CPUID_SLOT_LEAF1_OSXSAVE, o);
			}
		}
	}
	v->save.rax = r.eax;
	vcpu->regs.rbx = r.ebx;
	vcpu->regs.rcx = r.ecx;
	vcpu->regs.rdx = r.edx;
	exit_skip_insn(vcpu, 2); /* 0F A2 */
}
