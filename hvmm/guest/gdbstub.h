/* SPDX-License-Identifier: MIT */
/*
 * gdbstub.h — a GDB remote-serial-protocol stub for one guest (gdb=<guest> on hvmm's command line; docs/running.md
 * "Debugging a guest with gdb"), on COM2 (0x2F8), polled. It debugs the guest's vCPU 0: registers (gdb_regs.c),
 * memory through the guest's own page tables, software breakpoints (INT3, intercepted for that guest only),
 * hardware breakpoints and single-step (gdb_break.c), continue, Ctrl-C, detach and kill. A stopped guest is held like
 * the monitor's pause (input_hold): the other guests keep running. The guest starts held at its first instruction
 * until gdb continues it.
 */
#ifndef HVMM_GDBSTUB_H
#define HVMM_GDBSTUB_H
#include <stdint.h>

#include "hvmm/core/percpu.h"

/* After the guests are loaded and placed on CPUs (sched_assign) and input_init: find config.gdb's guest, set up
 * COM2, intercept its INT3 (and INTn), fill gdb_hook and hold the guest at its first instruction. Says what it did,
 * or why there is no stub. */
void gdbstub_init(void);
/* Does the stub hold its guest stopped (the monitor's resume leaves it to gdb)? */
int gdbstub_holds(void);
/* An input tick of CPU c (input.c, through gdb_hook.tick): on the debugged guest's CPU, read COM2, answer packets, send queued output,
 * report the guest's end; asks for the next tick sooner while a debugger talks. */
void gdbstub_tick(struct cpu *c, uint64_t now);

#endif
