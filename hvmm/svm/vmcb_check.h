/* SPDX-License-Identifier: MIT */
/*
 * vmcb_check.h — a VMCB consistency check: the guest state VMRUN refuses (APM Vol. 2 §15.5.1 "Canonicalization and
 * Consistency Checks", §15.20 event injection, §15.25 nested paging) and the canonical-address and segment rules the
 * processor's own state always meets. hvmm runs it before VMRUN with vmcb_check=1 (docs/cmdline.md), so a bad VMCB is
 * named by hvmm rather than left to the CPU or emulator (which differ: TCG and Bochs check different subsets).
 * No hardware access: the caller passes the CPU's capabilities, and tests/unit/test_vmcb_check.c runs it on the host.
 */
#ifndef HVMM_VMCB_CHECK_H
#define HVMM_VMCB_CHECK_H
#include <stdint.h>

#include "hvmm/svm/vmcb.h"

/* What the CPU offers, from CPUID (svm.c fills it in at start-up). */
struct vmcb_check_caps {
	uint32_t maxphyaddr; /* CPUID 8000_0008h EAX[7:0], bits */
	uint32_t nasid; /* CPUID 8000_000Ah EBX: ASIDs including the host's 0 */
	uint64_t efer_valid; /* EFER bits this CPU implements; the others are MBZ */
	uint64_t cr4_valid; /* CR4 bits this CPU implements; the others are MBZ */
	int long_mode; /* CPUID 8000_0001h EDX bit 29 */
	int npt; /* CPUID 8000_000Ah EDX bit 0 */
};

/* The rules, in the order they are checked: X(enum name, what is wrong and the source). */
#define VMCB_RULES(X)                                                                                               \
	X(EFER_SVME, "EFER.SVME is 0 (APM Vol. 2 §15.5.1)")                                                         \
	X(CR0_NW_CD, "CR0.NW is 1 and CR0.CD is 0 (APM Vol. 2 §15.5.1)")                                            \
	X(CR0_HIGH, "CR0[63:32] is not zero (APM Vol. 2 §15.5.1)")                                                  \
	X(CR3_MBZ, "a CR3 MBZ bit is set: bits 63:MAXPHYADDR in long mode, 63:32 otherwise (APM Vol. 2 §15.5.1)")   \
	X(CR4_MBZ, "a CR4 MBZ bit is set: a feature this CPU lacks (APM Vol. 2 §15.5.1)")                           \
	X(DR6_HIGH, "DR6[63:32] is not zero (APM Vol. 2 §15.5.1)")                                                  \
	X(DR7_HIGH, "DR7[63:32] is not zero (APM Vol. 2 §15.5.1)")                                                  \
	X(EFER_MBZ, "an EFER MBZ bit is set: a feature this CPU lacks (APM Vol. 2 §15.5.1)")                        \
	X(EFER_NO_LM, "EFER.LME or LMA is set on a CPU without long mode (APM Vol. 2 §15.5.1)")                     \
	X(LME_PG_NO_PAE, "EFER.LME and CR0.PG are 1 and CR4.PAE is 0 (APM Vol. 2 §15.5.1)")                         \
	X(LME_PG_NO_PE, "EFER.LME and CR0.PG are 1 and CR0.PE is 0 (APM Vol. 2 §15.5.1)")                           \
	X(LONG_CS_L_D, "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D are all 1 (APM Vol. 2 §15.5.1)")                   \
	X(NO_VMRUN_INTERCEPT, "the VMRUN intercept is clear (APM Vol. 2 §15.5.1)")                                  \
	X(MSRPM_ADDR, "the MSRPM reaches MAXPHYADDR (APM Vol. 2 §15.5.1)")                                          \
	X(IOPM_ADDR, "the IOPM reaches MAXPHYADDR (APM Vol. 2 §15.5.1)")                                            \
	X(EVENTINJ_TYPE, "EVENTINJ has a reserved TYPE 1, 5, 6 or 7 (APM Vol. 2 §15.20)")                           \
	X(EVENTINJ_VECTOR, "EVENTINJ TYPE 3 with a vector that is no exception, e.g. 2 or >= 32 (APM Vol. 2 "       \
	  "§15.20)")                                                                                                \
	X(EVENTINJ_MODE, "EVENTINJ #BR in 64-bit mode, where it cannot occur (APM Vol. 2 §15.20)")                  \
	X(EVENTINJ_RESERVED, "EVENTINJ bits 30:12 are not zero (APM Vol. 2 §15.20)")                                \
	X(ASID_ZERO, "the guest ASID is 0 (APM Vol. 2 §15.5.1)")                                                    \
	X(ASID_RANGE, "the guest ASID is not below CPUID 8000_000Ah EBX (APM Vol. 2 §15.16)")                       \
	X(NP_NO_NPT, "NP_ENABLE is 1 on a CPU without nested paging (APM Vol. 2 §15.25)")                           \
	X(NCR3_MBZ, "N_CR3 has bits at or above MAXPHYADDR (APM Vol. 2 §15.25)")                                    \
	X(G_PAT, "G_PAT holds a reserved memory type (APM Vol. 2 §15.25, PAT §7.8.2)")                              \
	X(TLB_CONTROL, "TLB_CONTROL is a reserved value, not 0, 1, 3 or 7 (APM Vol. 2 §15.16.1)")                   \
	X(LMA_MISMATCH, "EFER.LMA is not EFER.LME && CR0.PG: the processor never holds that (APM Vol. 2 ch. 14, "   \
	  "long-mode activation)")                                                                                  \
	X(RIP_NONCANONICAL, "RIP is not canonical in 64-bit mode, or above 4 GiB outside it (APM Vol. 2, "          \
	  "canonical address form)")                                                                                \
	X(BASE_NONCANONICAL, "a FS, GS, GDTR, IDTR, LDTR, TR, KernelGSBase, STAR-family base is not canonical "     \
	  "(APM Vol. 2, canonical address form; WRMSR, LGDT and WRFSBASE refuse them)")                             \
	X(DT_LIMIT, "the GDTR or IDTR limit is above 0xFFFF (APM Vol. 2 ch. 4, GDTR/IDTR)")                         \
	X(RFLAGS_RESERVED, "RFLAGS bit 1 is 0, or a reserved bit 3, 5, 15 or 63:22 is 1 (APM Vol. 2 ch. 3, "        \
	  "RFLAGS)")                                                                                                \
	X(CS_TYPE, "CS is not a present code segment in protected mode (APM Vol. 2 ch. 4, segment checks)")         \
	X(SS_TYPE, "SS is not a writable data segment, or not present outside 64-bit mode (APM Vol. 2 ch. 4, "      \
	  "segment checks)")                                                                                        \
	X(DATA_SEG_TYPE, "a present DS, ES, FS or GS is neither data nor readable code (APM Vol. 2 ch. 4, segment " \
	  "checks)")                                                                                                \
	X(CPL_DPL, "CPL differs from SS.DPL, or from CS.DPL for non-conforming code (APM Vol. 2 ch. 4, privilege "  \
	  "checks)")                                                                                                \
	X(TR_TYPE, "TR is not a present busy TSS (64-bit in long mode) (APM Vol. 2 ch. 12, TSS)")                   \
	X(LDTR_TYPE, "a present LDTR is not an LDT descriptor (APM Vol. 2 ch. 4, LDT)")

enum vmcb_rule {
	VMCB_OK = 0,
#define VMCB_RULE_ENUM(id, text) VMCB_##id,
	VMCB_RULES(VMCB_RULE_ENUM)
#undef VMCB_RULE_ENUM
	VMCB_NRULES
};

/*
 * 1 if VMRUN itself refuses a VMCB that breaks r (APM Vol. 2 §15.5.1, §15.20, §15.25, §15.16.1: the rules before
 * LMA_MISMATCH). The later rules describe states a processor normally holds, but VMRUN loads the segment and
 * descriptor-table state without checking it (segment bases are canonicalized, not refused), and real software does
 * reach such states — a null SS in 32-bit code entered from 64-bit mode, a TR that an emulator caches as available.
 */
static inline int vmcb_rule_refused_by_vmrun(enum vmcb_rule r) { return r != VMCB_OK && r < VMCB_LMA_MISMATCH; }

/* The first rule v breaks for a CPU with caps, or VMCB_OK. Every VMRUN-refused rule is checked before the
 * processor-state rules, so a processor-state result means no VMRUN-refused rule is broken. Reads only *v and *caps. */
enum vmcb_rule vmcb_check(const struct vmcb *v, const struct vmcb_check_caps *caps);

/* What rule r says, with its source ("" for VMCB_OK); "unknown rule" for r out of range. */
const char *vmcb_rule_text(enum vmcb_rule r);

#endif
