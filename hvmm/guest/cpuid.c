/*
 * cpuid.c — the guest's view of CPUID: the host's values with virtualization hidden and hvmm announced.
 * Leaf 1 ECX bit 31 says "hypervisor present"; leaves 0x40000000.. are hvmm's (include/hvmm/abi.h).
 */
#include "hvmm/abi.h"
#include "hvmm/core/arch.h"
#include "hvmm/guest/exit.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/tsc.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID7_ECX_PKU (1u << 3)
#define CPUID7_ECX_OSPKE (1u << 4)
#define CPUID80000001_ECX_SVM (1u << 2)
#define CPUID80000001_ECX_MONITORX (1u << 29)

/* The CPUID values guest g sees for (leaf, subleaf). */
static struct cpuid_regs guest_cpuid(const struct guest *g, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	if (leaf >= HVMM_CPUID_BASE && leaf <= HVMM_CPUID_BASE + 0xff) {
		r = (struct cpuid_regs){ 0 };
		if (leaf == HVMM_CPUID_BASE) {
			r.eax = HVMM_CPUID_MAX;
			r.ebx = r.ecx = r.edx = HVMM_CPUID_SIG_EBX; /* "hvmmhvmmhvmm" */
		} else if (leaf == HVMM_CPUID_BASE + 1) {
			r.eax = HVMM_ABI_VERSION;
			r.ebx = (uint32_t)tsc_khz;
			r.ecx = g->id;
		}
		return r;
	}
	r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 1:
		/* No nested virtualization, no XSAVE state (hvmm switches FXSAVE state only), no MONITOR/MWAIT. */
		r.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_XSAVE | CPUID1_ECX_OSXSAVE | CPUID1_ECX_AVX | CPUID1_ECX_MONITOR);
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		break;
	case 7:
		if (subleaf == 0) {
			r.ebx &= ~((1u << 5) | (1u << 16)); /* AVX2, AVX-512F: need XSAVE state */
			r.ecx &= ~(CPUID7_ECX_PKU | CPUID7_ECX_OSPKE); /* PKRU is not switched (exit.c) */
		}
		break;
	case 0xd: /* XSAVE enumeration */
		r = (struct cpuid_regs){ 0 };
		break;
	case 0x80000001:
		r.ecx &= ~(CPUID80000001_ECX_SVM | CPUID80000001_ECX_MONITORX);
		break;
	case 0x8000000a: /* SVM features: none for guests */
		r = (struct cpuid_regs){ 0 };
		break;
	}
	return r;
}

void handle_cpuid(struct cpu *c, struct guest *g)
{
	(void)c;
	struct vmcb *v = g->vmcb;
	struct cpuid_regs r = guest_cpuid(g, (uint32_t)v->save.rax, (uint32_t)g->regs.rcx);
	v->save.rax = r.eax;
	g->regs.rbx = r.ebx;
	g->regs.rcx = r.ecx;
	g->regs.rdx = r.edx;
	exit_skip_insn(g, 2); /* 0F A2 */
}
