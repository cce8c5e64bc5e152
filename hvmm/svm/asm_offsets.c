/* SPDX-License-Identifier: MIT */
/* asm_offsets.c — static asserts that tie hvmm/svm/asm_offsets.h to the C structures it describes. */
#include <stddef.h>

#include "hvmm/core/arch.h"
#include "hvmm/svm/asm_offsets.h"
#include "hvmm/svm/spec_exit.h"
#include "hvmm/svm/vmcb.h"

_Static_assert(offsetof(struct vmcb, control.tlb_control) == VMCB_TLB_CONTROL, "VMCB_TLB_CONTROL");
_Static_assert(offsetof(struct vmcb, control.int_state) == VMCB_INT_STATE, "VMCB_INT_STATE");
_Static_assert(offsetof(struct vmcb, control.exitcode) == VMCB_EXITCODE, "VMCB_EXITCODE");
_Static_assert(offsetof(struct vmcb, control.eventinj) == VMCB_EVENTINJ, "VMCB_EVENTINJ");
_Static_assert(offsetof(struct vmcb, control.nrip) == VMCB_NRIP, "VMCB_NRIP");
_Static_assert(VMCB_HOST_FAST_EXITS >= 0x3e0 && VMCB_HOST_FAST_EXITS + 8 <= 0x400, "host-software VMCB area");
_Static_assert(VMCB_HOST_KVM_ABI >= VMCB_HOST_FAST_EXITS + 8 && VMCB_HOST_KVM_ABI < 0x400, "host-software VMCB area");
_Static_assert(offsetof(struct vmcb, save.cs.attrib) == VMCB_CS_ATTRIB, "VMCB_CS_ATTRIB");
_Static_assert(offsetof(struct vmcb, save.cpl) == VMCB_CPL, "VMCB_CPL");
_Static_assert(offsetof(struct vmcb, save.efer) == VMCB_EFER, "VMCB_EFER");
_Static_assert(offsetof(struct vmcb, save.cr3) == VMCB_CR3, "VMCB_CR3");
_Static_assert(offsetof(struct vmcb, save.cr0) == VMCB_CR0, "VMCB_CR0");
_Static_assert(offsetof(struct vmcb, save.cr4) == VMCB_CR4, "VMCB_CR4");
_Static_assert(offsetof(struct vmcb, save.rflags) == VMCB_RFLAGS, "VMCB_RFLAGS");
_Static_assert(offsetof(struct vmcb, save.rip) == VMCB_RIP, "VMCB_RIP");
_Static_assert(offsetof(struct vmcb, save.rax) == VMCB_RAX, "VMCB_RAX");
_Static_assert(ASM_VMEXIT_CPUID == VMEXIT_CPUID, "ASM_VMEXIT_CPUID");
_Static_assert(ASM_VMEXIT_VMMCALL == VMEXIT_VMMCALL, "ASM_VMEXIT_VMMCALL");
_Static_assert(RFLAGS_TF_BIT == RFLAGS_TF, "RFLAGS_TF_BIT");
_Static_assert(RFLAGS_RF_BIT == RFLAGS_RF, "RFLAGS_RF_BIT");
_Static_assert((uint64_t)EFER_LMA_BYTE1 << 8 == EFER_LMA, "EFER_LMA_BYTE1");
_Static_assert((unsigned)SEG_ATTR_L_BYTE1 << 8 == SEG_ATTR_L, "SEG_ATTR_L_BYTE1");
_Static_assert(SPEC_MSR_PRED_CMD == MSR_PRED_CMD, "SPEC_MSR_PRED_CMD (hvmm/x86/spec_ret.h) is PRED_CMD");
