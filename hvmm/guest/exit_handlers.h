/* SPDX-License-Identifier: MIT */
/* exit_handlers.h — the exit handlers that have files of their own, which exit_dispatch (exit.c) calls. */
#ifndef HVMM_EXIT_HANDLERS_H
#define HVMM_EXIT_HANDLERS_H

struct cpu;
struct vcpu;

/* An exit handler. It may advance RIP, inject an event, mark the vCPU to yield, or kill its guest. */
typedef void exit_handler_t(struct cpu *c, struct vcpu *vcpu);

/* cpuid.c, msr.c, ioio.c, hypercall.c, exception.c, platform.c (VINTR), xstate.c (XSETBV). */
exit_handler_t handle_cpuid, handle_msr, handle_ioio, handle_vmmcall, handle_exception_reflect, handle_swint, handle_machine_check,
	handle_vintr, handle_xsetbv;

#endif
