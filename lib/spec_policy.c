/* SPDX-License-Identifier: MIT */
/* spec_policy.c — the speculation policy as a function of CPUID and srso= (spec_policy.h). */
#include "spec_policy.h"

void spec_policy_decide(const struct spec_cpu *cpu, enum spec_srso mode, struct spec_policy *out)
{
	struct spec_policy p = {0};

	p.ibpb = (cpu->e8_ebx & SPEC_CPUID_E8_IBPB) != 0;
	p.ibpb_ret = p.ibpb && (cpu->e8_ebx & SPEC_CPUID_E8_IBPB_RET);
	/* SRSO: AMD-SB-7005 lists families 17h (Zen 1/2, and Hygon's 18h) and 19h (Zen 3/4); SRSO_NO clears it.
	 * Branch Type Confusion/Retbleed (AMD-SB-1037) is Zen 1/2, a subset, and the Zen 1/2 safe RET covers it. */
	p.srso_affected = cpu->amd && cpu->family >= 0x17 && cpu->family <= 0x19 &&
			  !(cpu->e21_eax & SPEC_CPUID_E21_SRSO_NO);
	/* IBPB flushes return predictions on 17h/18h always, on 19h only with the IBPB_BRTYPE microcode. */
	int ibpb_flushes_ret = p.ibpb && (cpu->family != 0x19 || (cpu->e21_eax & SPEC_CPUID_E21_IBPB_BRTYPE));
	enum spec_ret safe = cpu->family == 0x19 ? SPEC_RET_SAFE_ZEN34 : SPEC_RET_SAFE_ZEN12;

	p.ret = SPEC_RET_PLAIN;
	if (!p.srso_affected) {
		p.srso_why = !cpu->amd || cpu->family < 0x17 || cpu->family > 0x19
				     ? "plain RET (not exposed to SRSO: not an AMD family 17h-19h CPU)"
				     : "plain RET (not exposed to SRSO: CPUID 8000_0021h EAX[29] SRSO_NO)";
	} else if (mode == SPEC_SRSO_OFF) {
		p.srso_why = "plain RET (exposed to SRSO, srso=off)";
		p.warning = "this CPU is exposed to SRSO/Retbleed and srso=off was given";
	} else if (mode == SPEC_SRSO_IBPB && ibpb_flushes_ret) {
		p.ibpb_exit = 1;
		p.srso_why = "IBPB at every exit that reaches C, plain RET (exposed to SRSO, srso=ibpb)";
	} else {
		p.ret = safe;
		if (mode == SPEC_SRSO_IBPB)
			p.srso_why = safe == SPEC_RET_SAFE_ZEN12
					     ? "safe RET, Zen 1/2 sequence (exposed to SRSO; srso=ibpb, but this CPU has no IBPB)"
				     : p.ibpb ? "safe RET, Zen 3/4 sequence (exposed to SRSO; srso=ibpb, but its IBPB does not "
						"flush return predictions)"
					      : "safe RET, Zen 3/4 sequence (exposed to SRSO; srso=ibpb, but this CPU has no IBPB)";
		else
			p.srso_why = safe == SPEC_RET_SAFE_ZEN12
					     ? "safe RET, Zen 1/2 sequence (exposed to SRSO, family 17h/18h, srso=safe-ret)"
					     : "safe RET, Zen 3/4 sequence (exposed to SRSO, family 19h, srso=safe-ret)";
		if (!p.ibpb)
			p.warning = "this CPU is exposed to SRSO/Retbleed and has no IBPB (CPUID 8000_0008h EBX[12]): "
				    "guests are not separated from each other's branch predictions; update the microcode";
		else if (!ibpb_flushes_ret)
			p.warning = "this CPU is exposed to SRSO and its microcode lacks IBPB_BRTYPE (CPUID 8000_0021h "
				    "EAX[28]): the IBPB at guest switches leaves return predictions; update it";
	}
	p.ibpb_switch = p.ibpb && !p.ibpb_exit;
	/* The fill at a guest switch is skipped where IBPB also clears the return address predictor (IBPB_RET) and one
	 * was issued since the previous guest's last exit: at the switch itself or at every exit. */
	p.rsb_fill_switch = !(p.ibpb_ret && (p.ibpb_switch || p.ibpb_exit));
	*out = p;
}
