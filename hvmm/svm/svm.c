/* SPDX-License-Identifier: MIT */
/* svm.c — SVM detection and enabling, per APM Vol. 2 §15.4 "Enabling SVM" and §15.30 "SVM Related MSRs". */
#include "hvmm/svm/svm.h"

#include <string.h>

#include "fmt.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"
#include "hvmm/core/pmm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/extable.h"

struct svm_caps svm_caps;
struct vmcb_check_caps svm_check_caps;

/* The EFER and CR4 bits this CPU implements, from CPUID (APM Vol. 3 Appendix E), for the VMCB check's MBZ rules. */
static void check_caps_init(const struct cpuid_regs *ext1)
{
	struct cpuid_regs l1 = cpuid(1, 0), l7 = { 0 }, l8 = { 0 };
	if (cpuid(0, 0).eax >= 7)
		l7 = cpuid(7, 0);
	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		l8 = cpuid(0x80000008, 0);
	uint64_t cr4 = 0x7ff; /* VME, PVI, TSD, DE, PSE, PAE, MCE, PGE, PCE, OSFXSR, OSXMMEXCPT: every AMD64 CPU */
	cr4 |= (l7.ecx >> 2 & 1) ? 1ull << 11 : 0; /* UMIP */
	cr4 |= (l7.ecx >> 16 & 1) ? CR4_LA57 : 0;
	cr4 |= (l7.ebx >> 0 & 1) ? 1ull << 16 : 0; /* FSGSBASE */
	cr4 |= (l1.ecx >> 17 & 1) ? 1ull << 17 : 0; /* PCIDE */
	cr4 |= (l1.ecx >> 26 & 1) ? 1ull << 18 : 0; /* OSXSAVE */
	cr4 |= (l7.ebx >> 7 & 1) ? 1ull << 20 : 0; /* SMEP */
	cr4 |= (l7.ebx >> 20 & 1) ? 1ull << 21 : 0; /* SMAP */
	cr4 |= (l7.ecx >> 3 & 1) ? 1ull << 22 : 0; /* PKE */
	cr4 |= (l7.ecx >> 7 & 1) ? 1ull << 23 : 0; /* CET */
	uint64_t efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_SVME;
	efer |= (ext1->edx >> 20 & 1) ? EFER_NXE : 0;
	efer |= (l8.ebx >> 20 & 1) ? 0 : 1ull << 13; /* LMSLE, unless CPUID 8000_0008h EBX[20] says it is gone */
	efer |= (ext1->edx >> 25 & 1) ? 1ull << 14 : 0; /* FFXSR */
	efer |= (ext1->ecx >> 17 & 1) ? 1ull << 15 : 0; /* TCE */
	svm_check_caps = (struct vmcb_check_caps){
		.maxphyaddr = svm_caps.maxphyaddr,
		.nasid = svm_caps.nasid,
		.efer_valid = efer,
		.cr4_valid = cr4,
		.long_mode = (ext1->edx >> 29) & 1,
		.npt = svm_has(SVM_FEAT_NP),
	};
}

/* Return 0 if this CPU can run SVM guests with nested paging, with its capabilities in *caps; else write why
 * (one sentence, no prefix) into why[0..n) and return -1. bsp: also fill svm_check_caps and say it when VM_CR is
 * missing. */
static int svm_detect(struct svm_caps *caps, int bsp, char *why, size_t n)
{
	char vendor[13];
	if (!cpu_vendor_svm(vendor)) {
		fmt_snprintf(why, n, "not an AMD CPU (vendor \"%s\"): hvmm needs AMD SVM (AMD-V)", vendor);
		return -1;
	}
	struct cpuid_regs ext = cpuid(0x80000000, 0);
	struct cpuid_regs f = cpuid(0x80000001, 0);
	if (ext.eax < 0x80000001 || !(f.ecx & (1u << 2))) {
		fmt_snprintf(why, n, "CPU has no SVM (CPUID 8000_0001h ECX bit 2 is clear): hvmm needs AMD SVM (AMD-V)");
		return -1;
	}
	caps->nx = (f.edx >> 20) & 1;
	if (ext.eax < 0x8000000a) {
		fmt_snprintf(why, n, "CPU reports SVM but no CPUID leaf 8000_000Ah (highest extended leaf 0x%x)", ext.eax);
		return -1;
	}
	struct cpuid_regs sv = cpuid(0x8000000a, 0);
	caps->revision = sv.eax & 0xff;
	caps->nasid = sv.ebx;
	caps->features = sv.edx;
	caps->maxphyaddr = ext.eax >= 0x80000008 ? (cpuid(0x80000008, 0).eax & 0xff) : 36;
	if (bsp)
		check_caps_init(&f);

	/* APM §15.4: SVMDIS set means firmware disabled SVM; with LOCK set only SVM_KEY (or a reset) can undo it.
	 * Not every SVM implementation has the MSR (Bochs 2.7 raises #GP): then nothing can have disabled SVM. */
	uint64_t vm_cr;
	if (rdmsr_safe(MSR_VM_CR, &vm_cr) && bsp)
		hlog("warning: RDMSR VM_CR (C001_0114h) raised #GP: no VM_CR on this CPU, so SVM cannot be disabled "
		     "by firmware; going on");
	if (vm_cr & VM_CR_SVMDIS) {
		if (vm_cr & VM_CR_LOCK)
			fmt_snprintf(why, n,
				     "SVM disabled by firmware (VM_CR.SVMDIS=1, LOCK=1%s): enable \"SVM Mode\" / "
				     "\"AMD-V\" / \"Virtualization\" in the firmware setup",
				     (caps->features & SVM_FEAT_SVML) ? ", unlockable only with the SVM_KEY" : "");
		else
			fmt_snprintf(why, n, "SVM disabled (VM_CR.SVMDIS=1, LOCK=0): enable \"SVM Mode\" in the firmware setup");
		return -1;
	}
	if (!(caps->features & SVM_FEAT_NP)) {
		fmt_snprintf(why, n, "SVM without nested paging (CPUID 8000_000Ah EDX bit 0 is clear): hvmm needs NPT "
				     "(QEMU: use -cpu max or add +npt)");
		return -1;
	}
	if (caps->nasid < 2) {
		fmt_snprintf(why, n, "SVM reports %u ASIDs; at least 2 are needed", caps->nasid);
		return -1;
	}
	return 0;
}

/* Enable SVM on this CPU for c (APM §15.4): EFER.SVME, its VM_HSAVE_PA page and host VMCB. 0, or -1 with why. */
static int svm_enable(struct cpu *c, char *why, size_t n)
{
	if (wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME)) { /* APM §15.30.1: #GP while VM_CR.SVMDIS is set */
		fmt_snprintf(why, n, "WRMSR EFER.SVME=1 raised #GP: SVM is disabled (VM_CR.SVMDIS)");
		return -1;
	}
	if (!(rdmsr(MSR_EFER) & EFER_SVME)) {
		fmt_snprintf(why, n, "EFER.SVME did not stick after WRMSR");
		return -1;
	}
	void *hsave = pmm_alloc(PAGE_SIZE, PAGE_SIZE);
	c->host_vmcb = pmm_alloc(sizeof(struct vmcb), PAGE_SIZE);
	if (!hsave || !c->host_vmcb) {
		pmm_free(hsave, PAGE_SIZE);
		pmm_free(c->host_vmcb, sizeof(struct vmcb));
		c->host_vmcb = NULL;
		fmt_snprintf(why, n, "no memory for the SVM host-save area");
		return -1;
	}
	c->hsave_pa = (uint64_t)hsave;
	c->host_vmcb_pa = (uint64_t)c->host_vmcb;
	if (wrmsr_safe(MSR_VM_HSAVE_PA, c->hsave_pa)) { /* APM §15.30.4: #GP if unaligned or beyond MAXPHYADDR */
		fmt_snprintf(why, n, "WRMSR VM_HSAVE_PA=0x%lx raised #GP", c->hsave_pa);
		return -1;
	}
	/* Guests start with TSC_AUX 0, whatever firmware left there; the scheduler loads each vCPU's own (VMRUN
	 * does not switch it, APM Vol. 2 §15.5.1). */
	if (cpu_has_tsc_aux())
		wrmsr(MSR_TSC_AUX, 0);
	c->tsc_aux = 0;
	/* Capture the host's FS/GS/TR/LDTR/syscall state once (GS base = this CPU's struct cpu, TR = its own TSS);
	 * the world switch VMLOADs it after each #VMEXIT. */
	__asm__ volatile("vmsave %%rax" : : "a"(c->host_vmcb_pa) : "memory");
	return 0;
}

int svm_init(struct cpu *c)
{
	char why[200];
	if (svm_detect(&svm_caps, 1, why, sizeof(why)) || svm_enable(c, why, sizeof(why))) {
		hlog("error: %s", why);
		return -1;
	}
	hlog("svm rev=%u asids=%u npt=%d nrips=%d vgif=%d flushbyasid=%d decodeassists=%d vmcbclean=%d maxphyaddr=%u",
	     svm_caps.revision, svm_caps.nasid, svm_has(SVM_FEAT_NP), svm_has(SVM_FEAT_NRIPS), svm_has(SVM_FEAT_VGIF),
	     svm_has(SVM_FEAT_FLUSH_BY_ASID), svm_has(SVM_FEAT_DECODE_ASSISTS), svm_has(SVM_FEAT_VMCB_CLEAN),
	     svm_caps.maxphyaddr);
	return 0;
}

int svm_init_ap(struct cpu *c, uint32_t *nasid, char *why, size_t n)
{
	struct svm_caps caps;
	if (svm_detect(&caps, 0, why, n) || svm_enable(c, why, n))
		return -1;
	if ((caps.features & svm_caps.features) != svm_caps.features || caps.nx != svm_caps.nx) {
		fmt_snprintf(why, n, "its SVM features 0x%x (nx=%d) lack some of the BSP's 0x%x (nx=%d)", caps.features,
			     caps.nx, svm_caps.features, svm_caps.nx);
		return -1;
	}
	*nasid = caps.nasid;
	return 0;
}
