/* SPDX-License-Identifier: MIT */
/*
 * gdb_regs.c — the gdb stub's register layouts (gdb_regs.h): the 'g' packet's registers in the order GDB's amd64
 * and i386 architectures number them without a target description (GDB's features/i386/64bit-core.xml and
 * 32bit-core.xml: general registers, the instruction pointer, eflags and the six segment selectors), little-endian,
 * read from the vCPU's saved registers and its VMCB save area (RAX, RSP, RIP, RFLAGS, segments).
 */
#include <string.h>

#include "gdbrsp.h"
#include "hvmm/core/arch.h"
#include "hvmm/guest/gdb_regs.h"
#include "hvmm/svm/vmcb.h"

enum reg { RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15, RIP, EFLAGS,
	   CS, SS, DS, ES, FS, GS, NREGS };

static const uint8_t order64[] = { RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15, RIP,
				   EFLAGS, CS, SS, DS, ES, FS, GS };
static const uint8_t order32[] = { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, RIP, EFLAGS, CS, SS, DS, ES, FS, GS };

/* The slot in the saved general registers of register r, or NULL for RAX, RSP, RIP and RFLAGS (in the VMCB, whose
 * packed save area gives no aligned pointers) and the segments. */
static uint64_t *gpr(struct vcpu *v, enum reg r)
{
	struct gpregs *g = &v->regs;
	uint64_t *const slots[] = { [RBX] = &g->rbx, [RCX] = &g->rcx, [RDX] = &g->rdx, [RSI] = &g->rsi,
				    [RDI] = &g->rdi, [RBP] = &g->rbp, [R8] = &g->r8, [R9] = &g->r9, [R10] = &g->r10,
				    [R11] = &g->r11, [R12] = &g->r12, [R13] = &g->r13, [R14] = &g->r14, [R15] = &g->r15,
				    [RIP] = NULL, [EFLAGS] = NULL };
	return r <= EFLAGS ? slots[r] : NULL;
}

static uint64_t get(struct vcpu *v, enum reg r)
{
	struct vmcb_save *s = &v->vmcb->save;
	switch (r) {
	case RAX: return s->rax;
	case RSP: return s->rsp;
	case RIP: return s->rip;
	case EFLAGS: return s->rflags;
	default: return gpr(v, r) ? *gpr(v, r) : 0;
	}
}

static void set(struct vcpu *v, enum reg r, uint64_t val)
{
	struct vmcb_save *s = &v->vmcb->save;
	switch (r) {
	case RAX: s->rax = val; break;
	case RSP: s->rsp = val; break;
	case RIP: s->rip = val; break;
	case EFLAGS: s->rflags = val; break;
	default:
		if (gpr(v, r))
			*gpr(v, r) = val;
		break;
	}
}

static const struct vmcb_seg *seg(const struct vcpu *v, enum reg r)
{
	const struct vmcb_save *s = &v->vmcb->save;
	const struct vmcb_seg *const segs[] = { &s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs };
	return segs[r - CS];
}

static int long_mode(const struct vcpu *v) { return (v->vmcb->save.efer & EFER_LMA) != 0; }

/* The bytes of register r in the layout: 8 for the 64-bit general registers and RIP, else 4. */
static unsigned width(int lm, enum reg r) { return lm && r <= RIP ? 8 : 4; }

size_t gdb_regs_read(const struct vcpu *vcpu, char *out)
{
	struct vcpu *v = (struct vcpu *)vcpu; /* get() reads only */
	int lm = long_mode(v);
	const uint8_t *order = lm ? order64 : order32;
	size_t n = lm ? sizeof(order64) : sizeof(order32), len = 0;
	for (size_t i = 0; i < n; i++) {
		enum reg r = (enum reg)order[i];
		uint64_t val = r >= CS ? seg(v, r)->selector : get(v, r);
		uint8_t b[8];
		memcpy(b, &val, sizeof(b)); /* x86: little-endian, as the RSP sends target registers */
		len += rsp_hex_encode(out + len, b, width(lm, r));
	}
	return len;
}

#define RFLAGS_FIXED (1ull << 1) /* reads as 1 (APM Vol. 2 §3.1.6) */
#define RFLAGS_WRITABLE 0x3f7fd5ull /* CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID */

int gdb_regs_write(struct vcpu *vcpu, const uint8_t *bytes, size_t nbytes)
{
	int lm = long_mode(vcpu);
	const uint8_t *order = lm ? order64 : order32;
	size_t n = lm ? sizeof(order64) : sizeof(order32), off = 0;
	for (size_t i = 0; i < n && off < nbytes; i++) {
		enum reg r = (enum reg)order[i];
		unsigned w = width(lm, r);
		if (off + w > nbytes)
			return -1; /* a register cut in two */
		uint64_t val = 0;
		memcpy(&val, bytes + off, w);
		off += w;
		if (r >= CS)
			continue;
		if (r == EFLAGS)
			val = (val & RFLAGS_WRITABLE) | RFLAGS_FIXED;
		set(vcpu, r, val);
	}
	return off == nbytes ? 0 : -1;
}
