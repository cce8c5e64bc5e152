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
#define VMCB_HOST_KVM_ABI 0x3e8 /* u8 there: 1 = VMMCALL speaks KVM's ABI (kvm=on), no null-hypercall fast path */
#define VMCB_CS_ATTRIB 0x412
#define VMCB_CPL 0x4cb
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RAX 0x5f8

/* struct gva_cache (hvmm/guest/gva_cache.h): the translation of the page at CS:RIP, kept right after the vCPU's CPUID
 * cache (REGS_FETCH_CACHE bytes after its struct gpregs in struct vcpu; asserted in hvmm/guest/gva.c). */
#define REGS_FETCH_CACHE 0x490 /* GPREGS_SIZE + sizeof(struct cpuid_cache) */
#define GVA_CACHE_KEY64 0x08 /* la | 0xfff of the cached page if walked in long mode; else 0 */
#define GVA_CACHE_DELTA 0x10 /* host address minus linear address */
#define GVA_CACHE_CR0 0x18
#define GVA_CACHE_CR3 0x20
#define GVA_CACHE_CR4 0x28
#define GVA_CACHE_EFER 0x30
#define GVA_CACHE_N 0x38 /* u32 */
#define GVA_CACHE_ENTRY 0x40 /* 5 pointers */
#define GVA_CACHE_VAL 0x68 /* 5 values */

/* Constants vmrun.S shares with C. */
#define ASM_VMEXIT_CPUID 0x072 /* = VMEXIT_CPUID (vmcb.h) */
#define ASM_VMEXIT_VMMCALL 0x081 /* = VMEXIT_VMMCALL (vmcb.h) */
#define VMMCALL_LEN 3 /* 0F 01 D9 */
#define RFLAGS_TF_BIT 0x100 /* = RFLAGS_TF (core/arch.h) */
#define RFLAGS_RF_BIT 0x10000 /* = RFLAGS_RF (core/arch.h) */
#define EFER_LMA_BYTE1 0x04 /* EFER.LMA (bit 10) in EFER's second byte */
#define SEG_ATTR_L_BYTE1 0x02 /* CS.L (VMCB attribute bit 9) in the attribute's second byte */
#define CPUID_LEN 2 /* 0F A2 */

#endif
