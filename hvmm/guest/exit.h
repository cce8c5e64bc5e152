/* SPDX-License-Identifier: MIT */
/* exit.h — #VMEXIT handling: dispatch by EXITCODE and the helpers handlers share. */
#ifndef HVMM_EXIT_H
#define HVMM_EXIT_H
#include <stdint.h>

struct cpu;
struct vcpu;

/* An exit handler. It may advance RIP, inject an event, mark the vCPU to yield, or kill its guest. */
typedef void exit_handler_t(struct cpu *c, struct vcpu *vcpu);

/* Handle vcpu's latest #VMEXIT (vcpu->vmcb holds EXITCODE/EXITINFO). Unknown exits dump the VMCB and kill its
 * guest. */
void exit_dispatch(struct cpu *c, struct vcpu *vcpu);

/* Move vcpu past the intercepted instruction, whose length without prefixes is len: nRIP when the CPU saves it
 * (APM §15.7.1), else len when the instruction starts with 0F or F4 (no prefix), else its decoded length. Kills the
 * guest if the instruction cannot be read or decoded. */
void exit_skip_insn(struct vcpu *vcpu, unsigned len);
/* The guest's intercepted instruction is done, resume at next_rip: ends an interrupt shadow, clears RFLAGS.RF, and
 * raises the single-step #DB (DR6.BS) when RFLAGS.TF is set, as the CPU would have. */
void exit_complete_insn(struct vcpu *vcpu, uint64_t next_rip);
/* Inject exception vector vec (with error code err when has_err) at the next VMRUN (APM §15.20). */
void exit_inject_exception(struct vcpu *vcpu, unsigned vec, int has_err, uint32_t err);

/* Give vcpu the debug registers DR0-DR3 of CPU c (saving the previous owner's): see handle_dr in exit.c. */
void exit_dr_claim(struct cpu *c, struct vcpu *vcpu);

exit_handler_t handle_cpuid, handle_msr, handle_ioio, handle_vmmcall, handle_exception_reflect, handle_machine_check,
	handle_vintr;

#endif
