/* SPDX-License-Identifier: MIT */
/*
 * gdb_break.c — the gdb stub's breakpoints and single-step (gdb_break.h, docs/running.md "Debugging a guest with
 * gdb"). Software breakpoints: the byte at the breakpoint's guest-physical address saved and replaced by INT3 (CC);
 * the guest's #BP is intercepted for this guest only (gdbstub_init) and its RIP is the INT3's own (APM Vol. 2
 * §15.12). Hardware breakpoints: the guest's own DR0-DR3 and its DR7 in the VMCB (instruction breakpoints, R/W = 00,
 * LEN = 00; APM Vol. 2 §13.1). Single-step: RFLAGS.TF and the #DB intercept every guest has (hvmm/svm/vmcb.c), with
 * an interrupt shadow so that no interrupt is injected into the stepped instruction, and the guest's view kept: its
 * own TF restored, a PUSHF's pushed TF cleared, DR6.BS and the stub's B0-B3 cleared.
 */
#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/guest/exit.h"
#include "hvmm/guest/gcpu.h"
#include "hvmm/guest/gdb_break.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/gva.h"
#include "hvmm/guest/insn.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"

#define INT3 0xcc
#define SW_MAX 64 /* software breakpoints at once */
#define EFAULT 14 /* "E0e": the address does not translate to guest RAM */
#define EINVAL 22 /* "E16": an address hvmm's own code has (hardware breakpoints) */
#define ENOSPC 28 /* "E1c": no free breakpoint */
#define DR7_SLOT(n) ((3ull << (2 * (n))) | (0xfull << (16 + 4 * (n)))) /* L/G enable, R/W and LEN of DRn */

extern char __image_start[], __image_end[]; /* linker.ld */

static struct sw_bp {
	uint64_t addr, gpa; /* linear address gdb named; where the INT3 was written */
	uint8_t orig, used;
} sw[SW_MAX];
static struct {
	uint64_t addr;
	uint8_t used;
} hw[4];
static struct {
	uint8_t active; /* a TF step of the stub is under way */
	uint8_t report; /* gdb's 's': stop after it (0: stepping over a breakpoint for 'c') */
	uint8_t guest_tf; /* the guest's own RFLAGS.TF before it */
	uint8_t insn; /* the stepped instruction: PUSHF, POPF_IRET (sets TF itself) or OTHER */
	int reinsert; /* the software breakpoint stepped over, to write again; -1: none */
} step = { .reinsert = -1 };
enum { OTHER, PUSHF, POPF_IRET };
static int armed; /* this CPU's DR7 holds the debugged vCPU's (gdb_break_switch_in) */

static uint64_t linear_rip(const struct vcpu *v)
{
	const struct vmcb_save *s = &v->vmcb->save;
	return (s->efer & EFER_LMA) ? s->rip : (uint32_t)(s->cs.base + s->rip);
}

static int find_sw(uint64_t addr)
{
	for (int i = 0; i < SW_MAX; i++)
		if (sw[i].used && sw[i].addr == addr)
			return i;
	return -1;
}

static uint8_t *sw_byte(const struct vcpu *v, const struct sw_bp *b) { return guest_ptr(v->guest, b->gpa, 1); }

/* Make DR7 (VMCB) and DR0-DR3 of v what hw[] says, on v's CPU. When v is the CPU's current vCPU, its breakpoints are
 * armed on this CPU at once (gdb_break_switch_in), else when it is next switched in (sched.c). */
static void hw_apply(struct vcpu *v)
{
	struct cpu *c = this_cpu();
	struct vmcb_save *s = &v->vmcb->save;
	int current = gcpu(c)->current == v;
	if (current && armed) {
		write_dr7(DR7_RESET); /* disarm what this CPU armed for v (as switch_state does) */
		armed = 0;
	}
	for (unsigned n = 0; n < 4; n++) {
		if (!hw[n].used)
			continue;
		s->dr7 = (s->dr7 & ~DR7_SLOT(n)) | (1ull << (2 * n)); /* L_n, R/W = 00 execute, LEN = 00 */
		v->dr[n] = hw[n].addr;
	}
	v->vmcb->control.clean &= ~VMCB_CLEAN_DRX;
	if (gcpu(c)->dr_owner == v) /* it holds this CPU's DR0-DR3 (exit.c): they take the new addresses now */
		__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
				 : : "r"(v->dr[0]), "r"(v->dr[1]), "r"(v->dr[2]), "r"(v->dr[3]));
	if (current && (s->dr7 & DR7_ENABLES)) {
		exit_dr_claim(c, v);
		gdb_break_switch_in(v);
	}
}

void gdb_break_switch_in(struct vcpu *vcpu)
{
	for (unsigned n = 0; n < 4; n++)
		if (hw[n].used) {
			/* QEMU TCG arms breakpoints only on DR7 writes, and its VMRUN loads DR7 without arming them
			 * (docs/security.md): the guest's DR7 written here arms them for the next VMRUN. The addresses are
			 * outside hvmm's image, so they never match hvmm's own instructions. */
			write_dr7(vcpu->vmcb->save.dr7);
			armed = 1;
			return;
		}
}

int gdb_break_insert(struct vcpu *vcpu, unsigned type, uint64_t addr)
{
	if (type == 1) {
		if (addr >= (uint64_t)__image_start && addr < (uint64_t)__image_end)
			return EINVAL;
		int free = -1;
		for (int n = 3; n >= 0; n--) {
			if (hw[n].used && hw[n].addr == addr)
				return 0;
			if (!hw[n].used && !(vcpu->vmcb->save.dr7 & (3ull << (2 * n)))) /* not gdb's, nor the guest's own */
				free = n;
		}
		if (free < 0)
			return ENOSPC;
		hw[free].addr = addr;
		hw[free].used = 1;
		hw_apply(vcpu);
		return 0;
	}
	if (find_sw(addr) >= 0)
		return 0;
	int i = 0;
	while (i < SW_MAX && sw[i].used)
		i++;
	if (i >= SW_MAX)
		return ENOSPC;
	struct sw_bp *b = &sw[i];
	uint8_t *p;
	if (gva_translate(vcpu->guest, &vcpu->vmcb->save, addr, &b->gpa) || !(p = guest_ptr(vcpu->guest, b->gpa, 1)))
		return EFAULT;
	b->addr = addr;
	b->orig = *p;
	b->used = 1;
	*p = INT3;
	return 0;
}

int gdb_break_remove(struct vcpu *vcpu, unsigned type, uint64_t addr)
{
	if (type == 1) {
		for (unsigned n = 0; n < 4; n++)
			if (hw[n].used && hw[n].addr == addr) {
				hw[n].used = 0;
				vcpu->vmcb->save.dr7 &= ~DR7_SLOT(n);
				hw_apply(vcpu);
			}
		return 0;
	}
	int i = find_sw(addr);
	if (i < 0)
		return 0;
	uint8_t *p = sw_byte(vcpu, &sw[i]);
	if (p && *p == INT3 && step.reinsert != i) /* the guest may have rewritten the page since */
		*p = sw[i].orig;
	if (step.reinsert == i)
		step.reinsert = -1;
	sw[i].used = 0;
	return 0;
}

void gdb_break_clear(struct vcpu *vcpu)
{
	for (int i = 0; i < SW_MAX; i++)
		if (sw[i].used)
			gdb_break_remove(vcpu, 0, sw[i].addr);
	for (unsigned n = 0; n < 4; n++)
		if (hw[n].used)
			gdb_break_remove(vcpu, 1, hw[n].addr);
}

int gdb_break_shadow_read(uint64_t addr, uint8_t *b)
{
	int i = find_sw(addr);
	if (i < 0 || step.reinsert == i)
		return 0;
	*b = sw[i].orig;
	return 1;
}

int gdb_break_shadow_write(uint64_t addr, uint8_t b)
{
	int i = find_sw(addr);
	if (i < 0 || step.reinsert == i)
		return 0;
	sw[i].orig = b;
	return 1;
}

/* What the instruction at RIP does to RFLAGS.TF on the stack or in RFLAGS (PUSHF 9C, POPF 9D, IRET CF). */
static uint8_t flags_insn(const struct vcpu *v)
{
	struct x86_insn in;
	if (insn_decode_current(v, &in) || in.map != X86_MAP_1BYTE)
		return OTHER;
	return in.opcode == 0x9c ? PUSHF : in.opcode == 0x9d || in.opcode == 0xcf ? POPF_IRET : OTHER;
}

void gdb_break_resume(struct vcpu *vcpu, int single)
{
	struct vmcb *v = vcpu->vmcb;
	uint64_t rip = linear_rip(vcpu);
	int i = find_sw(rip);
	int over = i >= 0 && sw_byte(vcpu, &sw[i]) && *sw_byte(vcpu, &sw[i]) == INT3;
	if (over) { /* the guest's own byte runs once, then the INT3 goes back (step_end) */
		*sw_byte(vcpu, &sw[i]) = sw[i].orig;
		step.reinsert = i;
	}
	for (unsigned n = 0; n < 4; n++)
		if (hw[n].used && hw[n].addr == rip)
			v->save.rflags |= RFLAGS_RF; /* the instruction breakpoint there does not fire again at once */
	if (!single && !over)
		return;
	step.active = 1;
	step.report = (uint8_t)single;
	step.guest_tf = (v->save.rflags & RFLAGS_TF) != 0;
	step.insn = flags_insn(vcpu);
	v->save.rflags |= RFLAGS_TF;
	v->control.int_state |= INT_STATE_SHADOW; /* no interrupt injected before the stepped instruction (platform.c) */
}

/* The stub's step ended (its #DB, or hvmm completed the instruction): the guest's view back; gdb's step stops. */
static enum gdb_stop step_end(struct vcpu *vcpu)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	step.active = 0;
	if (step.insn != POPF_IRET)
		s->rflags = (s->rflags & ~RFLAGS_TF) | (step.guest_tf ? RFLAGS_TF : 0);
	if (step.insn == PUSHF && !step.guest_tf) { /* TF is bit 8: bit 0 of the pushed image's second byte */
		uint64_t sp = (s->efer & EFER_LMA) ? s->rsp : (uint32_t)(s->ss.base + s->rsp);
		uint8_t b;
		if (gva_read(vcpu->guest, s, sp + 1, &b, 1) == 1) {
			b &= (uint8_t)~1;
			gva_write(vcpu->guest, s, sp + 1, &b, 1);
		}
	}
	if (step.reinsert >= 0) {
		uint8_t *p = sw_byte(vcpu, &sw[step.reinsert]);
		if (p)
			*p = INT3;
		step.reinsert = -1;
	}
	return step.report ? GDB_STOP_TRAP : GDB_STOP_NONE;
}

int gdb_break_step_done(struct vcpu *vcpu, enum gdb_stop *stop)
{
	if (!step.active)
		return 0;
	*stop = step_end(vcpu);
	return 1;
}

int gdb_break_exception(struct vcpu *vcpu, unsigned vec, enum gdb_stop *stop)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	if (vec == VEC_BP) {
		int i = find_sw(linear_rip(vcpu));
		if (i < 0 || sw[i].orig == INT3)
			return 0; /* the guest's own INT3 */
		*stop = GDB_STOP_SWBREAK;
		return 1;
	}
	uint64_t mine = 0;
	for (unsigned n = 0; n < 4; n++)
		if (hw[n].used && (s->dr6 & (1ull << n)))
			mine |= 1ull << n;
	int stepped = step.active && (s->dr6 & DR6_BS);
	if (!mine && !stepped)
		return 0;
	s->dr6 &= ~(mine | (stepped ? DR6_BS : 0));
	vcpu->vmcb->control.clean &= ~VMCB_CLEAN_DRX;
	*stop = stepped ? step_end(vcpu) : GDB_STOP_NONE;
	if (mine)
		*stop = GDB_STOP_HWBREAK; /* the breakpoint's stop stands for a step that ends there too */
	return 1;
}
