/* sched.h — the per-CPU run loop: round-robin over runnable guests, preempted by the local APIC timer. */
#ifndef HVMM_SCHED_H
#define HVMM_SCHED_H

struct cpu;

/* Run guests on c until none is runnable (design.md §5). */
void sched_run(struct cpu *c);

#endif
