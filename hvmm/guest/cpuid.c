/*
 * cpuid.c — the guest's view of CPUID: the host's values with virtualization hidden and hvmm announced.
 * Leaf 1 ECX bit 31 says "hypervisor present"; leaves 0x40000000.. are hvmm's (include/hvmm/abi.h).
 */
#include "hvmm/abi.h"
#include "hvmm/core/arch.h"
#include "hvmm/guest/exit.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/xstate.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/tsc.h"
#include "xcr0.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID7_ECX_PKU (1u << 3)
#define CPUID7_ECX_OSPKE (1u << 4)
#define CPUID_D1_EAX_XSAVES (1u << 3)
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
		/* No nested virtualization, no MONITOR/MWAIT. XSAVE and AVX as the CPU has them (xstate.c switches all
		 * XSAVE state); OSXSAVE mirrors the guest's own CR4, not hvmm's. */
		r.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_OSXSAVE | CPUID1_ECX_MONITOR);
		if (!xstate_caps.xsave)
			r.ecx &= ~(CPUID1_ECX_XSAVE | CPUID1_ECX_AVX);
		else if (g->vmcb->save.cr4 & CR4_OSXSAVE)
			r.ecx |= CPUID1_ECX_OSXSAVE;
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		break;
	case 7:
		if (subleaf == 0) {
			if (!xstate_caps.xsave)
				r.ebx &= ~((1u << 5) | (1u << 16)); /* AVX2, AVX-512F: need XSAVE state */
			r.ecx &= ~CPUID7_ECX_OSPKE; /* the guest's own CR4.PKE below */
			if (!(xstate_caps.xcr0_all & XCR0_PKRU))
				r.ecx &= ~CPUID7_ECX_PKU;
			else if (g->vmcb->save.cr4 & CR4_PKE)
				r.ecx |= CPUID7_ECX_OSPKE;
		}
		break;
	case 0xd: /* XSAVE enumeration: the XCR0 components as the CPU reports them (EBX of subleaf 0 follows XCR0, which
		   holds the guest's value while it runs); no XSAVES/IA32_XSS (that MSR is not the guest's) */
		if (!xstate_caps.xsave || (subleaf >= 2 && subleaf < 64 && !((xstate_caps.xcr0_all >> subleaf) & 1)))
			r = (struct cpuid_regs){ 0 };
		else if (subleaf == 1) {
			r.eax &= ~CPUID_D1_EAX_XSAVES;
			r.ecx = r.edx = 0; /* IA32_XSS components */
		}
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
