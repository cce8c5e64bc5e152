/* SPDX-License-Identifier: MIT */
/* exit.h — #VMEXIT handling: dispatch by EXITCODE and the helpers handlers share. */
#ifndef HVMM_EXIT_H
#define HVMM_EXIT_H
#include <stdint.h>

struct cpu;
struct guest;

/* An exit handler. It may advance RIP, inject an event, mark g to yield, or kill g. */
typedef void exit_handler_t(struct cpu *c, struct guest *g);

/* Handle g's latest #VMEXIT (g->vmcb holds EXITCODE/EXITINFO). Unknown exits dump the VMCB and kill g. */
void exit_dispatch(struct cpu *c, struct guest *g);

/* Move the guest past the intercepted instruction, whose length without prefixes is len: nRIP when the CPU saves it
 * (APM §15.7.1), else len when the instruction starts with 0F or F4 (no prefix), else its decoded length. Kills g if
 * the instruction cannot be read or decoded. */
void exit_skip_insn(struct guest *g, unsigned len);
/* The guest's intercepted instruction is done, resume at next_rip: ends an interrupt shadow, clears RFLAGS.RF, and
 * raises the single-step #DB (DR6.BS) when RFLAGS.TF is set, as the CPU would have. */
void exit_complete_insn(struct guest *g, uint64_t next_rip);
/* Inject exception vector vec (with error code err when has_err) at the next VMRUN (APM §15.20). */
void exit_inject_exception(struct guest *g, unsigned vec, int has_err, uint32_t err);

/* Give g the debug registers DR0-DR3 of CPU c (saving the previous owner's): see handle_dr in exit.c. */
void exit_dr_claim(struct cpu *c, struct guest *g);

exit_handler_t handle_cpuid, handle_msr, handle_ioio, handle_vmmcall, handle_exception_reflect, handle_machine_check,
	handle_vintr;

#endif
