/* SPDX-License-Identifier: MIT */
/*
 * input.h — hvmm's console input (docs/running.md "Console input"): CPU 0 polls COM1 for received bytes; they go to
 * the virtual COM1 of the guest that has the input focus, or to the monitor. Ctrl-A three times (lib/conkeys.h)
 * moves the focus to the next running guest with a virtual COM1 (platform=pc), in module order, then to the monitor,
 * then round again. The monitor's pause, resume and kill are carried out by the CPU that runs the guest.
 */
#ifndef HVMM_INPUT_H
#define HVMM_INPUT_H
#include <stdint.h>

#include "hvmm/core/percpu.h"
#include "hvmm/guest/guest.h"

#define INPUT_POLL_US 5000 /* COM1 is read at most this often while guests run (and this often while all wait) */
#define INPUT_PROMPT_MS 50 /* a partial line of the focus guest left alone this long is shown (a prompt) */
#define INPUT_MONITOR (-1) /* the focus: the monitor, not a guest */
#define INPUT_PROMPT "hvmm> "

/* Requests the monitor makes of a guest's CPU. */
enum input_request {
	INPUT_REQ_NONE,
	INPUT_REQ_PAUSE,
	INPUT_REQ_RESUME,
	INPUT_REQ_KILL,
	INPUT_REQ_NMI, /* the NMI button (platform_nmi_button) */
	INPUT_REQ_NMI_AGAIN, /* an NMI that could not be injected yet: tried again at each input tick */
};

/* The TSC after which c next polls and delivers (input_due); UINT64_MAX: never (no serial port). */
extern uint64_t input_next_tsc[MAX_CPUS];
/* vCPUs paused on each CPU: its run loop waits for them instead of ending. */
extern unsigned input_paused[MAX_CPUS];

/* Before the guests run (they are loaded): the first focus, announced; the poll period. */
void input_init(void);
/* Time now (TSC) has reached input_next_tsc[c->id]: on CPU 0 read COM1 (at most one receive FIFO's worth and a
 * little more), and on every CPU move queued input into its guests' UARTs and carry out the monitor's requests. */
void input_tick(struct cpu *c, uint64_t now);
/* The next byte typed for the monitor (while it has the focus), or -1. */
int input_monitor_byte(void);
/* The focus now: a guest's index in guests[], or INPUT_MONITOR. */
int input_focus(void);
/* Give the focus to guest index i (it must have a virtual COM1) or to the monitor (INPUT_MONITOR), announced. */
void input_set_focus(int i);
/* Can guest index i take the focus: running (not ended) and with a virtual COM1? */
int input_can_focus(unsigned i);
/* Pause, resume, kill or NMI g: at once when this CPU runs it (returns 1), else at its CPU's next input tick (0). */
int input_request(struct guest *g, enum input_request req);
/* Hold vcpu (on the CPU that runs it, between two VMRUNs): VCPU_PAUSED until input_release, counted in
 * input_paused; a halted vCPU is halted again when released. For the monitor's pause and the gdb stub's stops. */
void input_hold(struct vcpu *vcpu);
/* Let a vCPU input_hold holds run again (its CPU, between two VMRUNs). */
void input_release(struct vcpu *vcpu);
/* Print the monitor's prompt (no newline: the line waits for input). */
void input_prompt(void);
extern int input_prompted; /* the prompt was printed once */

#endif
