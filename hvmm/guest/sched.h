/* SPDX-License-Identifier: MIT */
/* sched.h — the per-CPU run loop: round-robin over runnable guests, preempted by the local APIC timer. */
#ifndef HVMM_SCHED_H
#define HVMM_SCHED_H

struct cpu;

/* Give every loaded guest its CPU for the whole run: cpu=<n> pins it to CPU n (if n < ncpus; else a warning and
 * the next rule), the others go round-robin over CPUs 0..ncpus-1 in module order. With ncpus > 1 it prints one
 * "hvmm: cpu <n> runs <k> guests: <names>" line per CPU. On the BSP, after the guests are loaded and before the APs
 * are released. */
void sched_assign(void);
/* Run c's guests until none is runnable (docs/design.md, "The life of an exit"). */
void sched_run(struct cpu *c);
/* Before sched_run: while no vCPU of c can run because they are held (the gdb stub holds its guest at its first
 * instruction until gdb continues it, gdbstub.h), wait as the run loop waits for held and halted vCPUs, polling the
 * input; returns once one is runnable, or none can become so. */
void sched_wait_start(struct cpu *c);

#endif
