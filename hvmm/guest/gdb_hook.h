/* SPDX-License-Identifier: MIT */
/*
 * gdb_hook.h — where the exit path hands the gdb stub (gdbstub.h) the events of the one guest it debugs: that
 * guest's #BP and #DB exits (exception.c) and the end of a single step over an instruction hvmm emulated
 * (exit_retire.c); and where the input ticks poll it (input.c). gdbstub_init fills it; without gdb= it stays empty
 * and those paths compare one pointer.
 */
#ifndef HVMM_GDB_HOOK_H
#define HVMM_GDB_HOOK_H

#include <stdint.h>

#include "hvmm/guest/vcpu.h"

struct cpu;

struct gdb_hook {
	struct vcpu *vcpu; /* the vCPU gdb= debugs, or NULL */
	/* A #BP (vec 3) or #DB (vec 1) exit of vcpu: 1 when it was the stub's breakpoint or single step (the guest sees
	 * nothing), 0 when it is the guest's own. */
	int (*exception)(struct vcpu *vcpu, unsigned vec);
	/* hvmm completed an instruction of vcpu with RFLAGS.TF set: 1 when the TF was the stub's single step (it ends
	 * here, no #DB for the guest), 0 when it is the guest's own. */
	int (*step_done)(struct vcpu *vcpu);
	/* An input tick of CPU c at TSC now (input.c): the stub's poll of COM2 (gdbstub_tick). */
	void (*tick)(struct cpu *c, uint64_t now);
};

extern struct gdb_hook gdb_hook; /* gdbstub.c */

#endif
