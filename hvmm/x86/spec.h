/* SPDX-License-Identifier: MIT */
/* spec.h — speculative-execution and state-leak hygiene of the physical CPU (docs/security.md "Real silicon"). */
#ifndef HVMM_SPEC_H
#define HVMM_SPEC_H
#include <stdint.h>

#include "hvmm/core/arch.h"
#include "spec_policy.h"

struct spec_state {
	unsigned family, model; /* display family/model (CPUID 1) */
	int ibpb; /* CPUID 8000_0008h EBX[12]: PRED_CMD.IBPB exists */
	int ibpb_ret; /* CPUID 8000_0008h EBX[30]: IBPB also clears the return address predictor */
	int autoibrs; /* CPUID 8000_0021h EAX[8], and hvmm set EFER.AIBRSE */
	int srso_affected; /* family 17h/18h/19h without CPUID 8000_0021h EAX[29] SRSO_NO (Retbleed: 17h/18h too) */
	enum spec_ret ret; /* how hvmm's return sites were patched (hvmm/x86/spec_ret.h) */
	int zenbleed_fixed; /* Zen 2: hvmm set DE_CFG[9] */
};
extern struct spec_state spec;

/* Detect what this CPU needs (lib/spec_policy.c) and apply it: AutoIBRS, the Zenbleed chicken bit, the return sites
 * patched (plain or safe RET), spec_exit_mode (hvmm/x86/spec_ret.h) for the exit path; srso_mode is the srso= option.
 * BSP only, before the APs start. Prints the "hvmm: spec ..." and "hvmm: spec policy: ..." lines, and a warning line
 * where the CPU stays exposed. */
void spec_init(enum spec_srso srso_mode);

extern uint8_t spec_ibpb_switch; /* 1: IBPB before a different guest runs (CPU has it, exit path does not do it) */
/* 1: fill the return stack before a different guest runs (svm/spec_exit.h); 0 where an IBPB that clears it
 * (IBPB_RET) was issued since the previous guest's last exit. */
extern uint8_t spec_rsb_fill_switch;

/* IBPB before a different guest runs, where the CPU has it and the exit path does not already issue one. Inline: it
 * is on every guest switch (2 instructions when off). */
static inline void spec_switch_ibpb(void)
{
	if (spec_ibpb_switch)
		wrmsr(MSR_PRED_CMD, 1); /* IBPB */
}

/* On an AP, after spec_init ran on the BSP: the same per-core MSR settings (EFER.AIBRSE, DE_CFG), silently. */
void spec_init_ap(void);
/* A guest's WRMSR to PRED_CMD: 0 if done (bit 0 = IBPB, issued for it; 0 does nothing), -1 for #GP (other bits, or
 * no IBPB). */
int spec_guest_pred_cmd(uint64_t val);

#endif
