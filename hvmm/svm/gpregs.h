/* SPDX-License-Identifier: MIT */
/*
 * gpregs.h — the guest registers that VMRUN/#VMEXIT do not switch (APM Vol. 2 §15.5.1: only RAX, RSP, RIP, RFLAGS
 * and segment/control state are in the VMCB), plus the world-switch TSC stamps. vmrun.S uses the GPREGS_* offsets;
 * the static asserts tie them to the C struct.
 */
#ifndef HVMM_GPREGS_H
#define HVMM_GPREGS_H

#define GPREGS_RBX 0x00
#define GPREGS_RCX 0x08
#define GPREGS_RDX 0x10
#define GPREGS_RSI 0x18
#define GPREGS_RDI 0x20
#define GPREGS_RBP 0x28
#define GPREGS_R8 0x30
#define GPREGS_R9 0x38
#define GPREGS_R10 0x40
#define GPREGS_R11 0x48
#define GPREGS_R12 0x50
#define GPREGS_R13 0x58
#define GPREGS_R14 0x60
#define GPREGS_R15 0x68
#define GPREGS_ENTRY_TSC 0x70
#define GPREGS_EXIT_TSC 0x78
#define GPREGS_SIZE 0x80

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct gpregs {
	uint64_t rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t entry_tsc; /* TSC just before VMRUN (cycles) */
	uint64_t exit_tsc; /* TSC just after #VMEXIT (cycles) */
};

_Static_assert(offsetof(struct gpregs, rbx) == GPREGS_RBX, "gpregs.rbx");
_Static_assert(offsetof(struct gpregs, rcx) == GPREGS_RCX, "gpregs.rcx");
_Static_assert(offsetof(struct gpregs, rdx) == GPREGS_RDX, "gpregs.rdx");
_Static_assert(offsetof(struct gpregs, rsi) == GPREGS_RSI, "gpregs.rsi");
_Static_assert(offsetof(struct gpregs, rdi) == GPREGS_RDI, "gpregs.rdi");
_Static_assert(offsetof(struct gpregs, rbp) == GPREGS_RBP, "gpregs.rbp");
_Static_assert(offsetof(struct gpregs, r8) == GPREGS_R8, "gpregs.r8");
_Static_assert(offsetof(struct gpregs, r9) == GPREGS_R9, "gpregs.r9");
_Static_assert(offsetof(struct gpregs, r10) == GPREGS_R10, "gpregs.r10");
_Static_assert(offsetof(struct gpregs, r11) == GPREGS_R11, "gpregs.r11");
_Static_assert(offsetof(struct gpregs, r12) == GPREGS_R12, "gpregs.r12");
_Static_assert(offsetof(struct gpregs, r13) == GPREGS_R13, "gpregs.r13");
_Static_assert(offsetof(struct gpregs, r14) == GPREGS_R14, "gpregs.r14");
_Static_assert(offsetof(struct gpregs, r15) == GPREGS_R15, "gpregs.r15");
_Static_assert(offsetof(struct gpregs, entry_tsc) == GPREGS_ENTRY_TSC, "gpregs.entry_tsc");
_Static_assert(offsetof(struct gpregs, exit_tsc) == GPREGS_EXIT_TSC, "gpregs.exit_tsc");
_Static_assert(sizeof(struct gpregs) == GPREGS_SIZE, "gpregs size");

/*
 * Run the guest whose VMCB is at guest_vmcb_pa until its next #VMEXIT (vmrun.S). Loads regs into the GPRs, stamps
 * regs->entry_tsc, VMLOAD/VMRUN/VMSAVE on the guest VMCB, stores the guest GPRs into regs, stamps regs->exit_tsc and
 * restores the host's FS/GS/TR/LDTR/syscall state with VMLOAD of host_vmcb_pa. Called with IF = 0 and GIF = 1;
 * returns with IF = 0 and GIF = 1 (a physical interrupt that caused the exit is still pending). It returns without
 * a return-stack prediction and leaves the guest's RSB entries in place: the caller must not RET past its own frame
 * before spec_rsb_fill (hvmm/svm/spec_exit.h), and fills the RSB before another guest runs.
 */
void svm_world_switch(struct gpregs *regs, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);
/* The same for a CPU that does not save nRIP (QEMU TCG, pre-NRIPS silicon): its fast paths read the instruction's
 * first byte through the guest's cached CS:RIP translation (vmrun.S, FETCH_CHECK) to know its length. */
void svm_world_switch_fetch(struct gpregs *regs, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);
/* The same without the fast paths: every #VMEXIT returns, so the caller sees every VMRUN's VMCB first
 * (vmcb_check=1: hvmm/guest/vmcb_guard.c). */
void svm_world_switch_checked(struct gpregs *regs, uint64_t guest_vmcb_pa, uint64_t host_vmcb_pa);
#endif

#endif
