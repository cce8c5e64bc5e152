/* SPDX-License-Identifier: MIT */
/* exit.h — #VMEXIT dispatch by EXITCODE to the exit handlers (exit_handlers.h), and the debug-register hand-over. */
#ifndef HVMM_EXIT_H
#define HVMM_EXIT_H
#include <stdint.h>

struct cpu;
struct vcpu;

/* Handle vcpu's latest #VMEXIT (vcpu->vmcb holds EXITCODE/EXITINFO). Unknown exits dump the VMCB and kill its
 * guest. */
void exit_dispatch(struct cpu *c, struct vcpu *vcpu);

/* Give vcpu the debug registers DR0-DR3 of CPU c (saving the previous owner's): see handle_dr in exit.c. */
void exit_dr_claim(struct cpu *c, struct vcpu *vcpu);

#endif
