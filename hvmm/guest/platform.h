/* SPDX-License-Identifier: MIT */
/*
 * platform.h — a guest's virtual devices: the services guest/ lends them (vdev.h), the module arguments that choose
 * them (platform=, debug_exit=), interrupt injection before VMRUN, HLT, and the timer that wakes a guest for its
 * device deadlines.
 */
#ifndef HVMM_PLATFORM_H
#define HVMM_PLATFORM_H
#include <stdint.h>

#include "hvmm/core/arch.h"
#include "hvmm/core/percpu.h"
#include "hvmm/guest/gcpu.h"
#include "hvmm/guest/vcpu.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/pc.h"

struct cpu;
struct guest;
struct vcpu;

/* Give g its device context and an empty port table (every guest has one; unclaimed ports read all ones). */
void platform_attach(struct guest *g);
/* Read platform=pc|none and debug_exit=<port> from g's module line (hvmm's keys; pc: the image format's default when
 * it has no platform=) and check that the devices asked for fit g->ram_size: before g's RAM is allocated. Returns 0,
 * or -1 with a static reason in *why. */
int platform_check(struct guest *g, int pc, const char *cmdline, const char **why);
/* Create the devices platform_check accepted. Returns 0, or -1 with a static reason in *why. */
int platform_create(struct guest *g, const char **why);
/* Release what platform_create allocated. */
void platform_free(struct guest *g);

/* Bring vcpu's timers up to date, inject the highest pending interrupt if the guest can take it or open an interrupt
 * window (V_IRQ + VINTR intercept) if not, and arm the LAPIC timer for the guest's next device deadline if it comes
 * before the slice ends (platform_before_vmrun). */
void platform_update(struct cpu *c, struct vcpu *vcpu);
/* Before each VMRUN of a vCPU whose guest has devices (guest->pc): platform_update, unless the previous one left
 * nothing pending and since then no device state changed (vdev_pc's gen: line changes, vdev_changed, interrupt
 * controller and timer registers, every exit but IOIO, NPF, INTR and CPUID), no device deadline passed, the scheduler's
 * timer was not re-armed, the guest's CR8 (V_TPR) is unchanged and no event is to be re-injected (EVENTINJ, exit.c:
 * platform_update sends the kick such a VMRUN needs): then it would do nothing. */
static inline void platform_before_vmrun(struct cpu *c, struct vcpu *vcpu)
{
	const struct vdev_pc *pc = vcpu->vctx.pc;
	const struct vmcb_control *ctl = &vcpu->vmcb->control;
	if (pc->gen != vcpu->plat.gen || gcpu(c)->timer_due_tsc != vcpu->plat.due || rdtsc() >= vcpu->plat.quiet_until ||
	    (((pc->lapic.tpr >> 4) ^ ctl->int_ctl) & INT_CTL_V_TPR) || (ctl->eventinj & EVENT_VALID))
		platform_update(c, vcpu);
}
/* After each exit of such a vCPU: count an exit that may have changed device state (platform_before_vmrun); a timer
 * interrupt that was only the device deadline does not end the slice. */
void platform_after_exit(struct cpu *c, struct vcpu *vcpu);
/* After an MMIO write that sent the guest an INIT IPI (its APIC's init_pending): stop it. */
void platform_init_ipi(struct vcpu *vcpu);
/* The monitor's nmi (input.c), on vcpu's CPU between two VMRUNs: a PC's NMI button. With the virtual PC its local
 * APIC's LINT1 is asserted (vlapic_lint1: an NMI, a fixed interrupt or nothing, as LVT LINT1 says), delivered by the
 * next VMRUN, waking the vCPU from HLT; without it an NMI goes to the CPU directly. Returns what happened (for the log
 * line), or NULL when that direct NMI cannot be injected yet (an NMI handler still runs, another event is being
 * injected, an interrupt shadow): press again later, as the CPU keeps one NMI pending. */
const char *platform_nmi_button(struct vcpu *vcpu);
/* IRET exit: the end of an NMI handler (the intercept is set while an injected NMI blocks the next one). */
void handle_iret(struct cpu *c, struct vcpu *vcpu);
/* A #DB exit: was it hvmm's single step over that IRET (then the guest sees nothing: returns 1)? */
int platform_nmi_step(struct vcpu *vcpu);
/* HLT of a vCPU whose guest has devices: with IF = 1 it waits (VCPU_HALTED) for an interrupt; with IF = 0 it could
 * never wake and its guest is stopped. */
void platform_hlt(struct cpu *c, struct vcpu *vcpu);

/* A nested page fault of a vCPU whose guest has devices: if it hit a device page (the xAPIC), emulate the access
 * (mmio.c) and return 1; else 0 (the caller reports a fault outside RAM). */
int platform_mmio(struct cpu *c, struct vcpu *vcpu);
extern uint64_t platform_mmio_count; /* MMIO accesses emulated */

extern unsigned platform_halted[MAX_CPUS]; /* per CPU: its vCPUs in VCPU_HALTED */
/* Per CPU: set (before an IPI to it) by another CPU that left work for it (net.c): ends its idle wait, and the
 * #VMEXIT(INTR) of that IPI calls platform_kick_work(c) with the flag cleared. */
extern volatile uint8_t platform_kicked[MAX_CPUS];
extern void (*platform_kick_work)(struct cpu *c);
/* Make runnable every halted vCPU of c that has an interrupt pending. */
void platform_wake(struct cpu *c);
/* No vCPU of c is runnable; some are halted, or paused from the monitor. Wait (host HLT) until the earliest device
 * deadline of c's halted vCPUs or the TSC until (the next console-input poll; UINT64_MAX: there is no console
 * input), and wake those with an interrupt pending. Halted vCPUs that nothing can wake — no timer of theirs runs and
 * no console input can raise their UART's interrupt (vdev_pc_input_wakes) — are stopped. Returns 0 when there is
 * nothing to wait for, else 1 (look for a runnable vCPU again). */
int platform_idle(struct cpu *c, uint64_t until);

#endif
