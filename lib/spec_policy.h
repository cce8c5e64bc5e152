/* SPDX-License-Identifier: MIT */
/*
 * spec_policy.h — which speculation barriers hvmm uses on a given CPU (docs/security.md "Real silicon"): a pure
 * function of CPUID values and the srso= option, unit-tested on the host (tests/unit/test_spec_policy.c).
 * Sources: AMD-SB-7005 (SRSO, CVE-2023-20569) and AMD's SRSO whitepaper; AMD-SB-1037 (Branch Type Confusion,
 * Retbleed); Linux Documentation/admin-guide/hw-vuln/srso.rst; APM Vol. 3 Appendix E (CPUID 8000_0008h, 8000_0021h).
 */
#ifndef HVMM_LIB_SPEC_POLICY_H
#define HVMM_LIB_SPEC_POLICY_H
#include <stdint.h>

#define SPEC_CPUID_E8_IBPB (1u << 12) /* 8000_0008h EBX: PRED_CMD.IBPB exists */
#define SPEC_CPUID_E8_IBPB_RET (1u << 30) /* 8000_0008h EBX: IBPB also clears the return address predictor */
#define SPEC_CPUID_E21_AUTOIBRS (1u << 8) /* 8000_0021h EAX */
#define SPEC_CPUID_E21_IBPB_BRTYPE (1u << 28) /* 8000_0021h EAX: IBPB also flushes branch-type/return predictions */
#define SPEC_CPUID_E21_SRSO_NO (1u << 29) /* 8000_0021h EAX: not exposed to SRSO */

/* What CPUID says; a leaf the CPU does not have reads 0. */
struct spec_cpu {
	int amd; /* vendor AuthenticAMD or HygonGenuine */
	unsigned family, model; /* display family/model (CPUID 1) */
	uint32_t e8_ebx; /* CPUID 8000_0008h EBX */
	uint32_t e21_eax; /* CPUID 8000_0021h EAX */
};

/* The srso= option (docs/cmdline.md). */
enum spec_srso { SPEC_SRSO_OFF = 0, SPEC_SRSO_IBPB = 1, SPEC_SRSO_SAFE_RET = 2 };

/* How hvmm's returns are made: every return site (hvmm/x86/retsites.c) is patched at boot to one of these. */
enum spec_ret {
	SPEC_RET_PLAIN = 0, /* RET */
	SPEC_RET_SAFE_ZEN12 = 1, /* JMP srso_return_thunk: the safe RET of families 17h/18h (Zen 1/2) */
	SPEC_RET_SAFE_ZEN34 = 2, /* JMP srso_alias_return_thunk: the safe RET of family 19h (Zen 3/4) */
};

/* What hvmm does on that CPU. */
struct spec_policy {
	int ibpb; /* the CPU has IBPB */
	int ibpb_ret; /* its IBPB also clears the return address predictor (IBPB_RET) */
	int srso_affected; /* AMD family 17h-19h without SRSO_NO */
	int ibpb_exit; /* IBPB at every exit that reaches C (srso=ibpb where the IBPB flushes return predictions) */
	int ibpb_switch; /* IBPB before a different guest runs (the CPU has it, the exit path does not issue it) */
	int rsb_fill_switch; /* 32-entry return-stack fill before a different guest runs */
	enum spec_ret ret; /* the return hvmm's code uses; SPEC_RET_PLAIN on every CPU not exposed */
	const char *srso_why; /* the SRSO choice and its reason, for the "spec policy:" line; never NULL */
	const char *warning; /* what is left exposed and what to do, or NULL */
};

/* Decide the policy for cpu under srso=mode; fills *out (every field). */
void spec_policy_decide(const struct spec_cpu *cpu, enum spec_srso mode, struct spec_policy *out);

#endif
