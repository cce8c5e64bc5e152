/* SPDX-License-Identifier: MIT */
/*
 * spec.c — speculative-execution and state-leak hygiene of the physical CPU between mutually distrustful guests:
 * IBPB on guest switch (and at every exit on Zen 1-4 against SRSO/Retbleed), Automatic IBRS (Zen 4+) and the
 * Zenbleed chicken bit (Zen 2). The return-stack fill after #VMEXIT lives in hvmm/svm/spec_exit.h; the x87 FXSAVE
 * pointer leak (pre-Zen, CVE-2006-1056) is handled where the state is switched, hvmm/guest/xstate.c. Sources: AMD "Software Techniques for Managing Speculation on AMD Processors" (IBPB, STIBP, RSB),
 * AMD-SB-7005 (SRSO, CVE-2023-20569), AMD-SB-1037 (Retbleed/BTC, CVE-2022-23825, CVE-2022-29900), AMD-SB-7008
 * (Zenbleed, CVE-2023-20593); APM Vol. 2 §3.1.7 (EFER), Vol. 3 Appendix E (CPUID).
 */
#include "hvmm/x86/spec.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"

#define CPUID80000008_EBX_IBPB (1u << 12)
#define CPUID80000008_EBX_IBPB_RET (1u << 30) /* IBPB also clears the return address predictor */
#define CPUID80000021_EAX_AUTOIBRS (1u << 8)
#define CPUID80000021_EAX_IBPB_BRTYPE (1u << 28) /* IBPB also flushes return-address predictions */
#define CPUID80000021_EAX_SRSO_NO (1u << 29)
#define PRED_CMD_IBPB 1ull
#define MSR_AMD_DE_CFG 0xc0011029u
#define DE_CFG_ZEN2_FP_BACKUP_FIX (1ull << 9) /* AMD-SB-7008 */

struct spec_state spec;
uint8_t spec_ibpb_exit, spec_ibpb_switch, spec_rsb_fill_switch;

/* Zen 2 models of family 17h (AMD-SB-7008: Rome, Castle Peak, Renoir, Lucienne, Matisse, Mendocino, Van Gogh...). */
static int is_zen2(unsigned family, unsigned model)
{
	return family == 0x17 && ((model >= 0x30 && model <= 0x4f) || (model >= 0x60 && model <= 0x7f) ||
				  (model >= 0x90 && model <= 0x91) || (model >= 0xa0 && model <= 0xaf));
}

void spec_init(int srso_mode)
{
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	uint32_t e8 = max_ext >= 0x80000008 ? cpuid(0x80000008, 0).ebx : 0;
	uint32_t e21 = max_ext >= 0x80000021 ? cpuid(0x80000021, 0).eax : 0;
	char vendor[13];
	int amd = cpu_vendor_svm(vendor);
	int bare_metal = !(cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR);

	spec.family = cpuid_family();
	spec.model = cpuid_model();
	spec.ibpb = (e8 & CPUID80000008_EBX_IBPB) != 0;
	spec.ibpb_ret = spec.ibpb && (e8 & CPUID80000008_EBX_IBPB_RET);
	if (e21 & CPUID80000021_EAX_AUTOIBRS) { /* Zen 4+: IBRS for CPL 0 and the SVM host without SPEC_CTRL writes */
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_AIBRSE);
		spec.autoibrs = 1;
	}
	if (bare_metal && is_zen2(spec.family, spec.model)) { /* a hypervisor below hvmm owns DE_CFG */
		wrmsr(MSR_AMD_DE_CFG, rdmsr(MSR_AMD_DE_CFG) | DE_CFG_ZEN2_FP_BACKUP_FIX);
		spec.zenbleed_fixed = 1;
	}
	/* SRSO: Zen 1-4 (families 17h-19h, Hygon 18h) unless SRSO_NO; Retbleed is Zen 1/2, a subset. A guest can train
	 * the return predictor so that hvmm's RETs speculate into a gadget; IBPB at every exit that reaches C flushes
	 * that training (Linux's srso=ibpb-vmexit). On family 19h IBPB flushes return predictions only with the
	 * IBPB_BRTYPE microcode; on 17h/18h it always does. */
	spec.srso_affected = amd && spec.family >= 0x17 && spec.family <= 0x19 && !(e21 & CPUID80000021_EAX_SRSO_NO);
	int ibpb_flushes_ret = spec.ibpb && (spec.family != 0x19 || (e21 & CPUID80000021_EAX_IBPB_BRTYPE));
	spec_ibpb_exit = (uint8_t)(srso_mode && spec.srso_affected && ibpb_flushes_ret);
	spec_ibpb_switch = (uint8_t)(spec.ibpb && !spec_ibpb_exit);

	/* The return-stack fill at a guest switch (svm/spec_exit.h) is there so that the next guest never consumes the
	 * previous one's return predictions. Where IBPB also clears the return address predictor (IBPB_RET, CPUID
	 * 8000_0008h EBX[30]; APM Vol. 3 Appendix E) and one was issued since that guest's last exit — at the switch
	 * itself or at every exit — none of the guest's entries are left, and the fill is skipped. */
	spec_rsb_fill_switch = (uint8_t)!(spec.ibpb_ret && (spec_ibpb_switch || spec_ibpb_exit));

	hlog("spec family=0x%x model=0x%x ibpb=%d ibpb_ret=%d ibpb_switch=%d ibpb_exit=%d autoibrs=%d "
	     "rsb_fill_switch=%d retpoline=1 srso_affected=%d zenbleed_fix=%d",
	     spec.family, spec.model, spec.ibpb, spec.ibpb_ret, spec_ibpb_switch, spec_ibpb_exit, spec.autoibrs,
	     spec_rsb_fill_switch, spec.srso_affected, spec.zenbleed_fixed);
	hlog("spec policy: %s; %s", spec_ibpb_exit ? "IBPB at every exit that reaches C (SRSO/Retbleed, srso=ibpb)"
				   : spec_ibpb_switch ? "IBPB when a different guest runs"
						      : "no IBPB (the CPU has none)",
	     spec_rsb_fill_switch ? "return-stack fill when a different guest runs"
				  : "no return-stack fill at guest switches (IBPB_RET: the IBPB clears it)");
	if (spec.srso_affected && !spec_ibpb_exit)
		hlog("warning: spec: this CPU is exposed to SRSO/Retbleed and %s", !srso_mode ? "srso=off was given"
		     : spec.ibpb ? "its microcode lacks IBPB_BRTYPE (CPUID 8000_0021h EAX[28]): update it"
				 : "has no IBPB (CPUID 8000_0008h EBX[12]): update the microcode");
}

void spec_init_ap(void)
{
	if (spec.autoibrs)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_AIBRSE);
	if (spec.zenbleed_fixed)
		wrmsr(MSR_AMD_DE_CFG, rdmsr(MSR_AMD_DE_CFG) | DE_CFG_ZEN2_FP_BACKUP_FIX);
}

int spec_guest_pred_cmd(uint64_t val)
{
	if ((val & ~(uint64_t)PRED_CMD_IBPB) || !spec.ibpb)
		return -1;
	if (val) /* 0 is a valid write that does nothing */
		wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
	return 0;
}
