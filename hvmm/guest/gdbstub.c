/* SPDX-License-Identifier: MIT */
/*
 * gdbstub.c — the gdb stub's session (gdbstub.h, docs/running.md "Debugging a guest with gdb"): COM2 polled at the
 * debugged guest's CPU's input ticks, its bytes cut into packets by lib/gdbrsp.c, each answered (GDB manual, appendix
 * "GDB Remote Serial Protocol"); replies queue and leave one transmit-FIFO load at a time, never waiting for the
 * UART. Only the CPU that runs the debugged vCPU touches COM2, the session and that vCPU, between two of its VMRUNs.
 */
#include "hvmm/guest/gdbstub.h"

#include <string.h>

#include "fmt.h"
#include "gdbrsp.h"
#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/core/serial.h"
#include "hvmm/guest/gdb_break.h"
#include "hvmm/guest/gdb_hook.h"
#include "hvmm/guest/gdb_regs.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/gva.h"
#include "hvmm/guest/input.h"
#include "hvmm/guest/platform.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/tsc.h"

#define FAST_POLL_US 200 /* input ticks of the guest's CPU while a debugger talks to the stub */
#define EFAULT 14 /* "E0e": memory that does not translate to guest RAM */
#define EMALFORMED 1 /* "E01": a command with bad arguments */

struct gdb_hook gdb_hook;

static struct {
	unsigned fifo; /* bytes COM2's transmitter takes once THRE is set */
	struct rsp_rx rx;
	char last[RSP_FRAME_MAX]; /* the last packet sent: sent again on '-' */
	size_t last_len;
	char tx[2 * RSP_FRAME_MAX]; /* queued output [tx_head, tx_len) */
	size_t tx_head, tx_len;
	int tx_full; /* output was dropped since the queue last had room (a debugger that stopped reading) */
	int stopped; /* the stub holds the vCPU (input_hold) */
	int talking; /* a packet came since the start or the last detach */
	int ended; /* the guest's end was reported */
} s;

int gdbstub_holds(void) { return s.stopped && gdb_hook.vcpu && gdb_hook.vcpu->guest->state == GUEST_RUNNING; }

static void queue(const char *p, size_t n)
{
	if (s.tx_head == s.tx_len)
		s.tx_head = s.tx_len = 0;
	if (s.tx_len + n > sizeof(s.tx) && s.tx_head) { /* move the unsent part to the front */
		memmove(s.tx, s.tx + s.tx_head, s.tx_len - s.tx_head);
		s.tx_len -= s.tx_head;
		s.tx_head = 0;
	}
	if (s.tx_len + n > sizeof(s.tx)) {
		if (!s.tx_full)
			hlog("gdb: COM2 output queue full, replies dropped (the debugger does not read)");
		s.tx_full = 1;
		return;
	}
	s.tx_full = 0;
	memcpy(s.tx + s.tx_len, p, n);
	s.tx_len += n;
}

static void reply(const char *p, size_t n)
{
	s.last_len = rsp_frame(s.last, p, n);
	queue(s.last, s.last_len);
}

static void reply_str(const char *p) { reply(p, strlen(p)); }

static void reply_err(int code)
{
	char e[4];
	fmt_snprintf(e, sizeof(e), "E%02x", code & 0xff);
	reply_str(e);
}

/* Send queued output while the transmitter has room (one FIFO load each time THRE is set). */
static void flush(void)
{
	while (s.tx_head < s.tx_len && serial_can_put(COM2_PORT))
		for (unsigned k = 0; k < s.fifo && s.tx_head < s.tx_len; k++)
			serial_put(COM2_PORT, (uint8_t)s.tx[s.tx_head++]);
}

static const char *const stop_what[] = { [GDB_STOP_NONE] = "", [GDB_STOP_TRAP] = "single step", [GDB_STOP_SWBREAK] = "breakpoint",
					 [GDB_STOP_HWBREAK] = "hardware breakpoint", [GDB_STOP_INTERRUPT] = "Ctrl-C" };
static const char *const stop_reply[] = { [GDB_STOP_NONE] = "", [GDB_STOP_TRAP] = "S05", [GDB_STOP_SWBREAK] = "T05swbreak:;",
					  [GDB_STOP_HWBREAK] = "T05hwbreak:;", [GDB_STOP_INTERRUPT] = "S02" };

/* Hold the debugged vCPU and queue the stop reply for reason. */
static void stopped(struct vcpu *vcpu, enum gdb_stop reason)
{
	if (!s.stopped) {
		if (vcpu->state != VCPU_PAUSED) /* (paused by the monitor: gdb's stop takes that over) */
			input_hold(vcpu);
		s.stopped = 1;
	}
	hlog("gdb: guest %s stopped (%s) at rip=0x%lx", vcpu->guest->name, stop_what[reason], vcpu->vmcb->save.rip);
	reply_str(stop_reply[reason]);
	input_next_tsc[vcpu->cpu] = 0; /* the stop reply leaves at the CPU's next chance */
}

static void resume(struct vcpu *v, const struct rsp_cmd *c)
{
	if (!s.stopped)
		return; /* gdb resumes only a stopped target; a stray 's'/'c' changes nothing */
	if (c->has_addr)
		v->vmcb->save.rip = c->addr;
	gdb_break_resume(v, c->op == RSP_STEP);
	s.stopped = 0;
	if (v->state == VCPU_PAUSED)
		input_release(v);
}

/* The reply to any packet once the guest has ended: "W<status>" (it exited) or "X09" (hvmm or the monitor killed it:
 * SIGKILL). */
static void reply_end(const struct guest *g)
{
	char w[8];
	if (g->state == GUEST_EXITED)
		fmt_snprintf(w, sizeof(w), "W%02x", (unsigned)(g->exit_status & 0xff));
	else
		fmt_snprintf(w, sizeof(w), "X09");
	reply_str(w);
}

static void read_mem(struct vcpu *v, const struct rsp_cmd *c)
{
	uint8_t buf[RSP_MEM_MAX];
	char hex[2 * RSP_MEM_MAX];
	size_t n = gva_read(v->guest, &v->vmcb->save, c->addr, buf, c->len);
	if (!n && c->len) {
		reply_err(EFAULT);
		return;
	}
	for (size_t i = 0; i < n; i++)
		gdb_break_shadow_read(c->addr + i, &buf[i]); /* the guest's bytes, not the stub's INT3s */
	reply(hex, rsp_hex_encode(hex, buf, n));
}

static void write_mem(struct vcpu *v, const struct rsp_cmd *c)
{
	uint8_t buf[RSP_MEM_MAX];
	if (rsp_hex_decode(c->data, buf, c->len)) {
		reply_err(EMALFORMED);
		return;
	}
	for (size_t i = 0; i < c->len; i++)
		if (!gdb_break_shadow_write(c->addr + i, buf[i]) &&
		    gva_write(v->guest, &v->vmcb->save, c->addr + i, &buf[i], 1) != 1) {
			reply_err(EFAULT);
			return;
		}
	reply_str("OK");
}

static void write_regs(struct vcpu *v, const struct rsp_cmd *c)
{
	uint8_t buf[GDB_REGS_HEX_MAX / 2];
	size_t n = c->data_len / 2;
	if (n > sizeof(buf) || rsp_hex_decode(c->data, buf, n) || gdb_regs_write(v, buf, n))
		reply_err(EMALFORMED);
	else
		reply_str("OK");
}

static void detach(struct vcpu *v, const char *why)
{
	gdb_break_clear(v);
	s.talking = 0;
	hlog("gdb: %s; guest %s %s", why, v->guest->name, s.stopped ? "resumes" : "runs on");
	if (s.stopped) {
		s.stopped = 0;
		if (v->state == VCPU_PAUSED)
			input_release(v);
	}
}

static void packet(struct vcpu *v, const char *p, size_t n)
{
	struct rsp_cmd c;
	char buf[GDB_REGS_HEX_MAX + 1];
	enum rsp_op op = rsp_parse(p, n, &c);
	if (!s.talking)
		hlog("gdb: a debugger talks to the stub of guest %s", v->guest->name);
	s.talking = 1;
	if (v->guest->state != GUEST_RUNNING && op != RSP_QSUPPORTED) {
		reply_end(v->guest);
		return;
	}
	switch (op) {
	case RSP_UNSUPPORTED: reply("", 0); break;
	case RSP_MALFORMED: reply_err(EMALFORMED); break;
	case RSP_QSUPPORTED:
		fmt_snprintf(buf, sizeof(buf), "PacketSize=%x;swbreak+;hwbreak+", RSP_PACKET_MAX);
		reply_str(buf);
		break;
	case RSP_ATTACHED: reply_str("1"); break; /* gdb detaches at its end instead of killing the guest */
	case RSP_SET_THREAD: reply_str("OK"); break;
	case RSP_HALT_REASON:
		if (!s.stopped)
			stopped(v, GDB_STOP_INTERRUPT);
		else
			reply_str("S05");
		break;
	case RSP_READ_REGS: reply(buf, gdb_regs_read(v, buf)); break;
	case RSP_WRITE_REGS: write_regs(v, &c); break;
	case RSP_READ_MEM: read_mem(v, &c); break;
	case RSP_WRITE_MEM: write_mem(v, &c); break;
	case RSP_INSERT:
	case RSP_REMOVE: {
		if (c.type > 1) { /* watchpoints: not offered (gdb falls back to its own) */
			reply("", 0);
			break;
		}
		int e = op == RSP_INSERT ? gdb_break_insert(v, c.type, c.addr) : gdb_break_remove(v, c.type, c.addr);
		if (e)
			reply_err(e);
		else
			reply_str("OK");
		break;
	}
	case RSP_STEP:
	case RSP_CONTINUE: resume(v, &c); break;
	case RSP_DETACH:
		reply_str("OK");
		detach(v, "detached");
		break;
	case RSP_KILL:
		detach(v, "k (kill) packet");
		if (v->state == VCPU_HALTED)
			platform_halted[v->cpu]--; /* as the monitor's kill (input.c) */
		guest_kill(v, "killed from gdb (k packet)");
		break;
	}
}

void gdbstub_tick(struct cpu *c, uint64_t now)
{
	struct vcpu *v = gdb_hook.vcpu;
	if (!v || v->cpu != c->id)
		return;
	for (int n = 0; n < 256; n++) { /* at most this many bytes a tick: other guests wait meanwhile */
		int ch = serial_getc(COM2_PORT);
		if (ch < 0)
			break;
		switch (rsp_rx_feed(&s.rx, (uint8_t)ch)) {
		case RSP_EV_PACKET:
			queue("+", 1);
			packet(v, s.rx.buf, s.rx.len);
			break;
		case RSP_EV_BAD: queue("-", 1); break;
		case RSP_EV_NAK: queue(s.last, s.last_len); break;
		case RSP_EV_INTERRUPT:
			if (!s.stopped && v->guest->state == GUEST_RUNNING)
				stopped(v, GDB_STOP_INTERRUPT);
			break;
		default: break;
		}
	}
	if (v->guest->state != GUEST_RUNNING && !s.ended) {
		s.ended = 1;
		if (s.talking)
			reply_end(v->guest);
		hlog("gdb: guest %s has ended; the stub answers %s", v->guest->name,
		     v->guest->state == GUEST_EXITED ? "W (exited)" : "X09 (killed)");
	}
	flush();
	if ((s.talking || s.stopped || s.tx_head < s.tx_len) && !s.ended) {
		uint64_t fast = now + tsc_khz * FAST_POLL_US / 1000;
		if (fast < input_next_tsc[c->id])
			input_next_tsc[c->id] = fast;
	}
}

static int on_exception(struct vcpu *vcpu, unsigned vec)
{
	enum gdb_stop stop = GDB_STOP_NONE;
	if (!gdb_break_exception(vcpu, vec, &stop))
		return 0;
	if (stop != GDB_STOP_NONE)
		stopped(vcpu, stop);
	return 1;
}

static int on_step_done(struct vcpu *vcpu)
{
	enum gdb_stop stop = GDB_STOP_NONE;
	if (!gdb_break_step_done(vcpu, &stop))
		return 0;
	if (stop != GDB_STOP_NONE)
		stopped(vcpu, stop);
	return 1;
}

void gdbstub_init(void)
{
	if (!config.gdb[0])
		return;
	struct guest *g = NULL;
	for (unsigned i = 0; i < nguests; i++)
		if (!strcmp(guests[i]->name, config.gdb))
			g = guests[i];
	if (!g) {
		hlog("warning: gdb=%s: no guest has that name; no gdb stub", config.gdb);
		return;
	}
	s.fifo = serial_init(COM2_PORT);
	if (!s.fifo) {
		hlog("warning: gdb=%s: no UART at COM2 (0x%x); no gdb stub", config.gdb, COM2_PORT);
		return;
	}
	struct vcpu *v = g->vcpu[0];
	v->vmcb->control.intercept_exceptions |= INTERCEPT_EXC_BP;
	vmcb_set_intercept1(v->vmcb, INTERCEPT1_INTN); /* QEMU TCG: INT3 exits as INTn, not #BP (exception.c) */
	v->vmcb->control.clean &= ~VMCB_CLEAN_I;
	gdb_hook.exception = on_exception;
	gdb_hook.step_done = on_step_done;
	gdb_hook.tick = gdbstub_tick;
	gdb_hook.vcpu = v;
	input_hold(v);
	s.stopped = 1;
	if (input_next_tsc[v->cpu] == UINT64_MAX)
		input_next_tsc[v->cpu] = 0; /* no console input: ticks for the stub all the same */
	hlog("gdb: stub for guest %s (vCPU 0 of %u) on COM2 (0x%x); the guest waits at rip=0x%lx until gdb continues it",
	     g->name, g->nvcpus, COM2_PORT, v->vmcb->save.rip);
}
