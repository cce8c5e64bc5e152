/* SPDX-License-Identifier: MIT */
/* svm.h — detect, enable and describe AMD SVM on this CPU (APM Vol. 2 §15.4, §15.30). */
#ifndef HVMM_SVM_H
#define HVMM_SVM_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/svm/vmcb_check.h"

/* CPUID 8000_000Ah EDX feature bits (APM Vol. 3 Appendix E, CPUID Fn8000_000A_EDX). */
#define SVM_FEAT_NP (1u << 0)
#define SVM_FEAT_LBRV (1u << 1)
#define SVM_FEAT_SVML (1u << 2)
#define SVM_FEAT_NRIPS (1u << 3)
#define SVM_FEAT_VMCB_CLEAN (1u << 5)
#define SVM_FEAT_FLUSH_BY_ASID (1u << 6)
#define SVM_FEAT_DECODE_ASSISTS (1u << 7)
#define SVM_FEAT_VGIF (1u << 16)

struct svm_caps {
	uint32_t revision; /* CPUID 8000_000Ah EAX[7:0] */
	uint32_t nasid; /* CPUID 8000_000Ah EBX: ASIDs including the host's ASID 0 */
	uint32_t features; /* CPUID 8000_000Ah EDX */
	uint32_t maxphyaddr; /* CPUID 8000_0008h EAX[7:0], bits */
	int nx; /* CPUID 8000_0001h EDX bit 20 */
};

extern struct svm_caps svm_caps;
extern struct vmcb_check_caps svm_check_caps; /* for vmcb_check(): filled in by svm_init */

struct cpu;

/*
 * Check for SVM in the APM's order (vendor, CPUID SVM bit, VM_CR.SVMDIS/LOCK, nested paging), print one clear
 * "hvmm: error: ..." line for the first thing missing and return -1; otherwise set EFER.SVME, give c its VM_HSAVE_PA
 * page and host-state VMCB, print the "hvmm: svm ..." capability line and return 0.
 */
int svm_init(struct cpu *c);
/* The same on an AP, after svm_init ran on the BSP, silently: 0 with the AP's ASID count (CPUID 8000_000Ah EBX) in
 * *nasid, or -1 with the reason in why[0..n) (also when the AP lacks an SVM feature the BSP has: guests are set up
 * for the BSP's features). */
int svm_init_ap(struct cpu *c, uint32_t *nasid, char *why, size_t n);

static inline int svm_has(uint32_t feature) { return (svm_caps.features & feature) != 0; }

#endif
