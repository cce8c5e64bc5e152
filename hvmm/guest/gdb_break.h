/* SPDX-License-Identifier: MIT */
/*
 * gdb_break.h — the gdb stub's breakpoints and single-step (gdb_break.c, docs/running.md "Debugging a guest with
 * gdb"): software breakpoints (INT3), hardware breakpoints (the guest's DR0-DR3/DR7), single-step (RFLAGS.TF), and
 * what the debugged guest's #BP, #DB and single-step ends mean. Runs on the CPU that runs the debugged vCPU, between
 * two of its VMRUNs.
 */
#ifndef HVMM_GDB_BREAK_H
#define HVMM_GDB_BREAK_H
#include <stdint.h>

#include "hvmm/guest/vcpu.h"

/* Why the guest stopped: the stop reply (GDB manual, "Stop Reply Packets"); NONE: it goes on (a step over a
 * breakpoint that a continue needed). */
enum gdb_stop { GDB_STOP_NONE, GDB_STOP_TRAP, GDB_STOP_SWBREAK, GDB_STOP_HWBREAK, GDB_STOP_INTERRUPT };

/* Insert or remove a breakpoint of Z/z type (0 software, 1 hardware) at linear address addr: 0, or an errno-like code
 * for the "E" reply: 14 (EFAULT) an address that does not translate to guest RAM, 22 (EINVAL) a hardware breakpoint
 * inside hvmm's image, 28 (ENOSPC) no free breakpoint. Removing one that is not there is not an error. */
int gdb_break_insert(struct vcpu *vcpu, unsigned type, uint64_t addr);
int gdb_break_remove(struct vcpu *vcpu, unsigned type, uint64_t addr);
/* Remove every breakpoint the stub set (detach). */
void gdb_break_clear(struct vcpu *vcpu);
/* Let the stopped vcpu go on: single-step one instruction (single = 1) or continue, stepping over a software
 * breakpoint at RIP first when one is inserted there. The caller then releases the vCPU. */
void gdb_break_resume(struct vcpu *vcpu, int single);
/* The byte at linear address addr as the guest wrote it: *b replaced by the saved byte when addr holds one of the
 * stub's software breakpoints (returns 1). A write there changes the saved byte instead (returns 1; 0: write it). */
int gdb_break_shadow_read(uint64_t addr, uint8_t *b);
int gdb_break_shadow_write(uint64_t addr, uint8_t b);

/* A #BP (vec 3) or #DB (vec 1) exit of the debugged vcpu: 0 when it is the guest's own; else 1 and *stop says whether
 * it stops (a breakpoint, the end of gdb's step) or goes on (GDB_STOP_NONE). The guest's view is kept: DR6.BS and the
 * stub's B0-B3 cleared, its own TF back, a stepped PUSHF's pushed TF cleared. */
int gdb_break_exception(struct vcpu *vcpu, unsigned vec, enum gdb_stop *stop);
/* hvmm completed an instruction of the debugged vcpu with RFLAGS.TF set: 1 when that TF was the stub's step (ended
 * now, *stop as above), 0 when it is the guest's own. */
int gdb_break_step_done(struct vcpu *vcpu, enum gdb_stop *stop);
/* switch_state (sched.c) switches the debugged vcpu in while its DR7 enables breakpoints: arm the stub's hardware
 * breakpoints on this CPU. */
void gdb_break_switch_in(struct vcpu *vcpu);

#endif
