/* SPDX-License-Identifier: MIT */
/*
 * spec.c — speculative-execution and state-leak hygiene of the physical CPU between mutually distrustful guests:
 * the policy of lib/spec_policy.c applied (the safe RET against SRSO/Retbleed on Zen 1-4, or IBPB at every exit with
 * srso=ibpb; IBPB on guest switch), Automatic IBRS (Zen 4+) and the Zenbleed chicken bit (Zen 2). The return-stack fill after #VMEXIT lives in hvmm/svm/spec_exit.h; the x87 FXSAVE
 * pointer leak (pre-Zen, CVE-2006-1056) is handled where the state is switched, hvmm/guest/xstate.c. Sources: AMD "Software Techniques for Managing Speculation on AMD Processors" (IBPB, STIBP, RSB),
 * AMD-SB-7005 (SRSO, CVE-2023-20569), AMD-SB-1037 (Retbleed/BTC, CVE-2022-23825, CVE-2022-29900), AMD-SB-7008
 * (Zenbleed, CVE-2023-20593); APM Vol. 2 §3.1.7 (EFER), Vol. 3 Appendix E (CPUID).
 */
#include "hvmm/x86/spec.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/x86/retsites.h"
#include "hvmm/x86/spec_ret.h"

#define PRED_CMD_IBPB 1ull
#define MSR_AMD_DE_CFG 0xc0011029u
#define DE_CFG_ZEN2_FP_BACKUP_FIX (1ull << 9) /* AMD-SB-7008 */

struct spec_state spec;
uint8_t spec_ibpb_switch, spec_rsb_fill_switch, spec_exit_mode;

/* Zen 2 models of family 17h (AMD-SB-7008: Rome, Castle Peak, Renoir, Lucienne, Matisse, Mendocino, Van Gogh...). */
static int is_zen2(unsigned family, unsigned model)
{
	return family == 0x17 && ((model >= 0x30 && model <= 0x4f) || (model >= 0x60 && model <= 0x7f) ||
				  (model >= 0x90 && model <= 0x91) || (model >= 0xa0 && model <= 0xaf));
}

void spec_init(enum spec_srso srso_mode)
{
	uint32_t max_ext = cpuid(0x80000000, 0).eax;
	char vendor[13];
	struct spec_cpu cpu = {
		.amd = cpu_vendor_svm(vendor),
		.family = cpuid_family(),
		.model = cpuid_model(),
		.e8_ebx = max_ext >= 0x80000008 ? cpuid(0x80000008, 0).ebx : 0,
		.e21_eax = max_ext >= 0x80000021 ? cpuid(0x80000021, 0).eax : 0,
	};
	int bare_metal = !(cpuid(1, 0).ecx & CPUID1_ECX_HYPERVISOR);
	struct spec_policy p;

	spec.family = cpu.family;
	spec.model = cpu.model;
	if (cpu.e21_eax & SPEC_CPUID_E21_AUTOIBRS) { /* Zen 4+: IBRS for CPL 0 and the SVM host without SPEC_CTRL writes */
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_AIBRSE);
		spec.autoibrs = 1;
	}
	if (bare_metal && is_zen2(spec.family, spec.model)) { /* a hypervisor below hvmm owns DE_CFG */
		wrmsr(MSR_AMD_DE_CFG, rdmsr(MSR_AMD_DE_CFG) | DE_CFG_ZEN2_FP_BACKUP_FIX);
		spec.zenbleed_fixed = 1;
	}
	/* SRSO/Retbleed, IBPB and the return-stack fill: lib/spec_policy.c decides (docs/security.md "Real silicon"). */
	spec_policy_decide(&cpu, srso_mode, &p);
	spec.ibpb = p.ibpb;
	spec.ibpb_ret = p.ibpb_ret;
	spec.srso_affected = p.srso_affected;
	spec.ret = p.ret;
	spec_ibpb_switch = (uint8_t)p.ibpb_switch;
	spec_rsb_fill_switch = (uint8_t)p.rsb_fill_switch;
	/* Every return site becomes a RET, or the safe RET's JMP; then the exit path untrains that RET (or issues IBPB). */
	unsigned sites = retsites_patch(p.ret);
	spec_exit_mode = p.ibpb_exit ? SPEC_EXIT_IBPB
			 : p.ret == SPEC_RET_SAFE_ZEN12 ? SPEC_EXIT_UNTRAIN_ZEN12
			 : p.ret == SPEC_RET_SAFE_ZEN34 ? SPEC_EXIT_UNTRAIN_ZEN34
							: SPEC_EXIT_NONE;

	hlog("spec family=0x%x model=0x%x ibpb=%d ibpb_ret=%d ibpb_switch=%d ibpb_exit=%d safe_ret=%d autoibrs=%d "
	     "rsb_fill_switch=%d retpoline=1 srso_affected=%d zenbleed_fix=%d",
	     spec.family, spec.model, spec.ibpb, spec.ibpb_ret, spec_ibpb_switch, p.ibpb_exit, (int)p.ret, spec.autoibrs,
	     spec_rsb_fill_switch, spec.srso_affected, spec.zenbleed_fixed);
	hlog("spec policy: %s, %u return sites patched; %s; %s", p.srso_why, sites,
	     spec_ibpb_switch ? "IBPB when a different guest runs"
	     : p.ibpb_exit    ? "no IBPB at guest switches (the exit path issues one)"
			      : "no IBPB (the CPU has none)",
	     spec_rsb_fill_switch ? "return-stack fill when a different guest runs"
				  : "no return-stack fill at guest switches (IBPB_RET: the IBPB clears it)");
	if (p.warning)
		hlog("warning: spec: %s", p.warning);
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
