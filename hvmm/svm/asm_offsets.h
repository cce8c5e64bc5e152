/* SPDX-License-Identifier: MIT */
/*
 * asm_offsets.h — the structure offsets that assembly (vmrun.S, isr.S) uses, defined once here and checked against
 * the C structures by static asserts in hvmm/svm/asm_offsets.c.
 */
#ifndef HVMM_ASM_OFFSETS_H
#define HVMM_ASM_OFFSETS_H

/* struct vmcb (APM Vol. 2 Appendix B). */
#define VMCB_TLB_CONTROL 0x05c
#define VMCB_INT_STATE 0x068
#define VMCB_EXITCODE 0x070
#define VMCB_EVENTINJ 0x0a8
#define VMCB_NRIP 0x0c8
#define VMCB_HOST_FAST_EXITS 0x3e0 /* u64 in the area reserved for host software (3E0h-3FFh) */
#define VMCB_CPL 0x4cb
#define VMCB_CR4 0x548
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RAX 0x5f8

/* Constants vmrun.S shares with C. */
#define ASM_VMEXIT_CPUID 0x072 /* = VMEXIT_CPUID (vmcb.h) */
#define ASM_VMEXIT_VMMCALL 0x081 /* = VMEXIT_VMMCALL (vmcb.h) */
#define VMMCALL_LEN 3 /* 0F 01 D9 */
#define RFLAGS_TF_BIT 0x100 /* = RFLAGS_TF (core/arch.h) */

#endif
