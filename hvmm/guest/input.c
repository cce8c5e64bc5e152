/* SPDX-License-Identifier: MIT */
/*
 * input.c — hvmm's console input (input.h, docs/running.md "Console input"). COM1 is polled, not interrupt-driven:
 * at most every INPUT_POLL_US from the run loop's switch path and console drain ticks, and as often while every
 * guest of CPU 0 waits (platform_idle). A received byte goes through lib/conkeys.c (Ctrl-A three times: the focus
 * moves), then to the focus: a guest's virtual COM1 input queue (hvmm/vdev/uart.c), or the monitor's queue here.
 * Each CPU moves the input of its own guests into their receive FIFOs (a device is only touched by the CPU that
 * runs its guest), raising the receive interrupt, and carries out the monitor's requests for them. A guest with a
 * virtio console (hvc=on) gets each byte there too, in its receiveq's buffers.
 */
#include "hvmm/guest/input.h"

#include "conkeys.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/gdb_hook.h"
#include "hvmm/guest/platform.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/vdev/virtio_console.h"
#include "hvmm/x86/tsc.h"

#define BURST 32 /* bytes one poll reads at most: two receive FIFOs' worth */
#define MONITOR_QUEUE 64 /* bytes typed for the monitor not yet taken (a power of two) */

uint64_t input_next_tsc[MAX_CPUS];
unsigned input_paused[MAX_CPUS];
static volatile uint8_t due[MAX_CPUS]; /* input or a request waits for this CPU's guests */
static uint64_t period; /* TSC cycles between polls */
static int focus = INPUT_MONITOR;
static struct conkeys keys;
static uint8_t mon_q[MONITOR_QUEUE];
static uint32_t mon_head, mon_tail;

int input_can_focus(unsigned i) { return i < nguests && guests[i]->pc && guests[i]->state == GUEST_RUNNING; }

int input_focus(void) { return focus; }

int input_prompted;

void input_prompt(void)
{
	input_prompted = 1;
	con_input(INPUT_PROMPT, sizeof(INPUT_PROMPT) - 1, NULL, 0);
}

void input_set_focus(int i)
{
	focus = i;
	if (i == INPUT_MONITOR) {
		hlog("input: focus on the monitor (help lists its commands; Ctrl-A three times: the next guest)");
		input_prompt();
	} else {
		hlog("input: focus on guest %s (Ctrl-A three times: the next guest or the monitor)", guests[i]->name);
	}
}

/* The focus after the current one: the next guest that can take it, in module order, after the last the monitor. */
static void next_focus(void)
{
	for (unsigned i = focus == INPUT_MONITOR ? 0 : (unsigned)focus + 1; i < nguests; i++)
		if (input_can_focus(i)) {
			input_set_focus((int)i);
			return;
		}
	input_set_focus(INPUT_MONITOR);
}

void input_init(void)
{
	period = tsc_khz * INPUT_POLL_US / 1000;
	if (!con_can_read()) {
		for (unsigned c = 0; c < MAX_CPUS; c++)
			input_next_tsc[c] = UINT64_MAX;
		return;
	}
	for (unsigned i = 0; i < nguests; i++)
		if (input_can_focus(i)) {
			input_set_focus((int)i);
			return;
		}
	focus = INPUT_MONITOR; /* no guest has a serial port: typing reaches the monitor (announced when first used) */
	hlog("input: no guest has a serial port; the monitor has the input focus (type help)");
}

int input_monitor_byte(void)
{
	if (mon_head == mon_tail)
		return -1;
	return mon_q[mon_tail++ % MONITOR_QUEUE];
}

/* One byte for the focus. A guest that has ended since it got the focus passes it on first. */
static void to_focus(uint8_t ch)
{
	if (focus != INPUT_MONITOR && !input_can_focus((unsigned)focus))
		next_focus();
	if (focus == INPUT_MONITOR) {
		if (mon_head - mon_tail < MONITOR_QUEUE)
			mon_q[mon_head++ % MONITOR_QUEUE] = ch;
		return;
	}
	struct guest *g = guests[focus];
	uart_input_put(&g->pc->com1, ch);
	if (g->hvc) /* hvc=on: its virtio console's receiveq too */
		vcon_input_put(g->hvc, ch);
	due[g->vcpu[0]->cpu] = 1;
}

static void poll(void)
{
	for (int n = 0; n < BURST; n++) {
		int ch = con_getc();
		if (ch < 0)
			return;
		uint8_t out[CONKEYS_REPEAT];
		int k = conkeys_feed(&keys, (uint8_t)ch, out);
		if (k == CONKEYS_SWITCH)
			next_focus();
		for (int i = 0; i < k; i++)
			to_focus(out[i]);
	}
}

void input_hold(struct vcpu *vcpu)
{
	unsigned cpu = vcpu->cpu;
	vcpu->paused_halted = vcpu->state == VCPU_HALTED;
	platform_halted[cpu] -= vcpu->paused_halted;
	vcpu->state = VCPU_PAUSED;
	vcpu->ready_tsc = 0; /* a paused vCPU does not wait for the CPU: no steal time */
	input_paused[cpu]++;
}

void input_release(struct vcpu *vcpu)
{
	unsigned cpu = vcpu->cpu;
	input_paused[cpu]--;
	vcpu->state = vcpu->paused_halted ? VCPU_HALTED : VCPU_RUNNABLE;
	platform_halted[cpu] += vcpu->paused_halted;
	vcpu->ready_tsc = vcpu->paused_halted ? 0 : rdtsc();
}

/* Carry out the monitor's request for vcpu (on its CPU c). */
static void carry_out(struct cpu *c, struct vcpu *vcpu, enum input_request req)
{
	if (req == INPUT_REQ_PAUSE && (vcpu->state == VCPU_RUNNABLE || vcpu->state == VCPU_HALTED)) {
		input_hold(vcpu);
		hlog("guest %s paused", vcpu->guest->name);
	} else if (req == INPUT_REQ_RESUME && vcpu->state == VCPU_PAUSED) {
		input_release(vcpu);
		hlog("guest %s resumed", vcpu->guest->name);
	} else if (req == INPUT_REQ_KILL && vcpu->state != VCPU_STOPPED) {
		if (vcpu->state == VCPU_HALTED)
			platform_halted[c->id]--;
		if (vcpu->state == VCPU_PAUSED)
			input_paused[c->id]--;
		guest_kill(vcpu, "from the monitor");
	} else if ((req == INPUT_REQ_NMI || req == INPUT_REQ_NMI_AGAIN) && vcpu->state != VCPU_STOPPED) {
		const char *what = platform_nmi_button(vcpu);
		if (what || req == INPUT_REQ_NMI)
			hlog("guest %s NMI button pressed: %s", vcpu->guest->name,
			     what ? what : "the NMI waits (an NMI handler runs, or another event is being injected)");
		if (!what) { /* the one NMI a CPU keeps pending: again at the next tick, unless another request came */
			uint8_t none = INPUT_REQ_NONE;
			__atomic_compare_exchange_n(&vcpu->guest->request, &none, (uint8_t)INPUT_REQ_NMI_AGAIN, 0,
						    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
			due[c->id] = 1;
		}
	}
}

int input_request(struct guest *g, enum input_request req)
{
	struct cpu *c = this_cpu();
	if (g->vcpu[0]->cpu == c->id) { /* between two VMRUNs of this CPU: its vCPUs' states are consistent */
		carry_out(c, g->vcpu[0], req);
		return 1;
	}
	__atomic_store_n(&g->request, (uint8_t)req, __ATOMIC_RELEASE);
	due[g->vcpu[0]->cpu] = 1;
	return 0;
}

/* The focus guest's partial console line (a prompt waiting for input): printed once it has not grown for
 * INPUT_PROMPT_MS. Only on the CPU that runs the guest (its console buffer is that CPU's). */
static void show_prompt(struct cpu *c, uint64_t now)
{
	int f = focus;
	if (f == INPUT_MONITOR || (unsigned)f >= nguests || guests[f]->vcpu[0]->cpu != c->id)
		return;
	struct guest *g = guests[f];
	struct guest_console *con = &g->console;
	if (!con->len || con->len != con->seen_len) {
		con->seen_len = con->len;
		con->seen_tsc = now;
	} else if (now - con->seen_tsc >= tsc_khz * INPUT_PROMPT_MS) {
		guest_console_piece(con, g->name);
		con->seen_len = con->len;
	}
}

void input_tick(struct cpu *c, uint64_t now)
{
	input_next_tsc[c->id] = now + period;
	if (c->id == 0)
		poll();
	if (__builtin_expect(gdb_hook.tick != NULL, 0))
		gdb_hook.tick(c, now); /* gdb=: COM2 (gdbstub.h) */
	show_prompt(c, now);
	if (!due[c->id])
		return;
	due[c->id] = 0;
	for (unsigned i = 0; i < nguests; i++) {
		struct guest *g = guests[i];
		struct vcpu *v0 = g->vcpu[0];
		if (v0->cpu != c->id)
			continue;
		uint8_t req = __atomic_exchange_n(&g->request, 0, __ATOMIC_ACQ_REL);
		if (req)
			carry_out(c, v0, (enum input_request)req);
		if (g->pc && g->state == GUEST_RUNNING)
			uart_input_pull(&g->pc->com1, &v0->vctx);
		if (g->hvc && g->state == GUEST_RUNNING)
			vcon_input_pull(&v0->vctx, g->hvc);
	}
}
