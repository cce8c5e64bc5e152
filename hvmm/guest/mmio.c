/* SPDX-License-Identifier: MIT */
/*
 * mmio.c — emulation of guest accesses to device pages that nested paging leaves unmapped (the xAPIC page at
 * 0xFEE00000, the I/O APIC's at 0xFEC00000, the HPET's, the virtio devices' BAR 0: hvmm/vdev/pc.c dispatches). The faulting instruction is taken from the decode-assist bytes when the CPU saved
 * them (APM Vol. 2 §15.33), else fetched at CS:RIP through the guest's own page tables (insn.c, gva.c), decoded by
 * lib/x86_decode, and carried out here: MOV (loads, stores of a register or an immediate), MOVZX, MOVSX, MOVSXD, the
 * ALU forms ADD/OR/ADC/SBB/AND/SUB/XOR/CMP in both directions, TEST, XCHG and STOS without REP, in 16-, 32- and
 * 64-bit code, with RFLAGS computed as the CPU would. Anything else stops the guest with the instruction's bytes.
 */
#include "hvmm/guest/platform.h"

#include <stddef.h>

#include "fmt.h"
#include "hvmm/core/arch.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/gva.h"
#include "hvmm/guest/insn.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/pc.h"
#include "x86_decode.h"

#define FLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

uint64_t platform_mmio_count;

static uint64_t mask(unsigned size) { return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1; }
static uint64_t sign_bit(unsigned size) { return 1ull << (8 * size - 1); }
static uint64_t sext(uint64_t v, unsigned size) { v &= mask(size); return (v & sign_bit(size)) ? v | ~mask(size) : v; }

/* The register operand's value (AH-BH: bits 15:8). */
static uint64_t reg_get(const struct vcpu *vcpu, unsigned reg, int high8)
{
	uint64_t v = insn_gpr_get(vcpu, reg);
	return high8 ? v >> 8 : v;
}

/* Write size bytes into a register as the CPU does: 8 and 16 bits merge, 32 bits zero-extend, 64 bits replace. */
static void reg_set(struct vcpu *vcpu, unsigned reg, int high8, unsigned size, uint64_t val)
{
	if (high8)
		val = (insn_gpr_get(vcpu, reg) & ~0xff00ull) | ((val & 0xff) << 8);
	else if (size < 4)
		val = (insn_gpr_get(vcpu, reg) & ~mask(size)) | (val & mask(size));
	else
		val &= mask(size); /* the old value does not matter: no read */
	insn_gpr_set(vcpu, reg, val);
}

static void set_flags(struct vcpu *vcpu, uint64_t flags)
{
	struct vmcb_save *s = &vcpu->vmcb->save;
	s->rflags = (s->rflags & ~FLAGS_ARITH) | flags;
}

/* SF, ZF, PF of a result of size bytes. */
static uint64_t szp(uint64_t r, unsigned size)
{
	uint64_t f = 0;
	r &= mask(size);
	if (!r)
		f |= RFLAGS_ZF;
	if (r & sign_bit(size))
		f |= RFLAGS_SF;
	if (!(__builtin_popcount((unsigned)(r & 0xff)) & 1))
		f |= RFLAGS_PF;
	return f;
}

/* dst op src on size bytes; RFLAGS as the ALU sets them (AF: carry out of bit 3). Returns the result. */
static uint64_t alu(struct vcpu *vcpu, unsigned op, uint64_t dst, uint64_t src, unsigned size)
{
	uint64_t m = mask(size), s = sign_bit(size), cf_in = (vcpu->vmcb->save.rflags & RFLAGS_CF) ? 1 : 0, r, f;
	dst &= m, src &= m;
	switch (op) {
	case X86_OP_ADD:
	case X86_OP_ADC: {
		uint64_t c = op == X86_OP_ADC ? cf_in : 0;
		r = (dst + src + c) & m;
		f = szp(r, size);
		if (r < dst || (c && r == dst))
			f |= RFLAGS_CF;
		if (~(dst ^ src) & (dst ^ r) & s)
			f |= RFLAGS_OF;
		break;
	}
	case X86_OP_SUB:
	case X86_OP_SBB:
	case X86_OP_CMP: {
		uint64_t b = op == X86_OP_SBB ? cf_in : 0;
		r = (dst - src - b) & m;
		f = szp(r, size);
		if (dst < src || (b && dst == src))
			f |= RFLAGS_CF;
		if ((dst ^ src) & (dst ^ r) & s)
			f |= RFLAGS_OF;
		break;
	}
	case X86_OP_OR:
		r = dst | src;
		f = szp(r, size);
		break;
	case X86_OP_XOR:
		r = dst ^ src;
		f = szp(r, size);
		break;
	default: /* AND, TEST */
		r = dst & src;
		f = szp(r, size);
		break;
	}
	if (op != X86_OP_OR && op != X86_OP_XOR && op != X86_OP_AND && op != X86_OP_TEST && ((dst ^ src ^ r) & 0x10))
		f |= RFLAGS_AF;
	set_flags(vcpu, f);
	return r;
}

static void dev_access(struct vcpu *vcpu, enum vdev_dir dir, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct vdev_lapic *a = &vcpu->vctx.pc->lapic;
	uint32_t tpr = a->tpr;
	vdev_pc_mmio(vcpu->vctx.pc, &vcpu->vctx, dir, gpa, size, val);
	if (dir == VDEV_OUT && a->tpr != tpr) /* CR8 and the TPR register are one: V_TPR = TPR[7:4] */
		vcpu->vmcb->control.int_ctl = (vcpu->vmcb->control.int_ctl & ~INT_CTL_V_TPR) | ((a->tpr >> 4) & INT_CTL_V_TPR);
}

/* The page offset of insn's memory operand: the effective address from the guest's registers (truncated to the
 * address size; rIP-relative from the next instruction) plus the segment base — only FS and GS have one in 64-bit
 * mode (APM Vol. 2 §4.5.3) — in linear space, whose 4-KiB pages map whole guest-physical pages. */
static unsigned operand_page_offset(const struct vcpu *vcpu, const struct x86_insn *in, uint64_t next_rip)
{
	const struct vmcb_save *s = &vcpu->vmcb->save;
	const struct x86_mem *m = &in->mem;
	uint64_t ea = (uint64_t)m->disp;
	if (m->base == X86_REG_RIP)
		ea += next_rip;
	else if (m->base != X86_REG_NONE)
		ea += insn_gpr_get(vcpu, m->base);
	if (m->index != X86_REG_NONE)
		ea += insn_gpr_get(vcpu, m->index) * m->scale;
	ea &= mask(m->addr_size);
	static const size_t seg_off[] = {
		[X86_SEG_ES] = offsetof(struct vmcb_save, es), [X86_SEG_CS] = offsetof(struct vmcb_save, cs),
		[X86_SEG_SS] = offsetof(struct vmcb_save, ss), [X86_SEG_DS] = offsetof(struct vmcb_save, ds),
		[X86_SEG_FS] = offsetof(struct vmcb_save, fs), [X86_SEG_GS] = offsetof(struct vmcb_save, gs),
	};
	const struct vmcb_seg *seg = (const struct vmcb_seg *)((const char *)s + seg_off[m->seg % 6]);
	if (insn_mode(vcpu) != X86_MODE_64 || m->seg == X86_SEG_FS || m->seg == X86_SEG_GS)
		ea += seg->base;
	return (unsigned)(ea & (LAPIC_SIZE - 1));
}

/* Carry out insn's memory access at gpa. Returns NULL, or why it cannot. */
static const char *emulate(struct vcpu *vcpu, const struct x86_insn *in, uint64_t gpa)
{
	unsigned size = in->memsize ? in->memsize : in->opsize;
	int high8 = (in->flags & X86_F_REG_HIGH8) != 0;
	uint64_t m, r;

	if (!in->has_mem || size == 0 || size > 8)
		return "no memory operand";
	switch (in->op) {
	case X86_OP_MOV:
		if (in->flags & X86_F_MEM_DST) {
			m = (in->flags & X86_F_SRC_IMM) ? (uint64_t)in->imm : reg_get(vcpu, in->reg, high8);
			m &= mask(size);
			dev_access(vcpu, VDEV_OUT, gpa, size, &m);
		} else {
			dev_access(vcpu, VDEV_IN, gpa, size, &m);
			reg_set(vcpu, in->reg, high8, size, m);
		}
		return NULL;
	case X86_OP_MOVZX:
	case X86_OP_MOVSX:
	case X86_OP_MOVSXD:
		dev_access(vcpu, VDEV_IN, gpa, size, &m);
		reg_set(vcpu, in->reg, 0, in->opsize, in->op == X86_OP_MOVZX ? m & mask(size) : sext(m, size));
		return NULL;
	case X86_OP_ADD:
	case X86_OP_OR:
	case X86_OP_ADC:
	case X86_OP_SBB:
	case X86_OP_AND:
	case X86_OP_SUB:
	case X86_OP_XOR:
	case X86_OP_CMP:
	case X86_OP_TEST: {
		uint64_t src = (in->flags & X86_F_SRC_IMM) ? (uint64_t)in->imm : reg_get(vcpu, in->reg, high8);
		dev_access(vcpu, VDEV_IN, gpa, size, &m);
		if ((in->flags & X86_F_MEM_DST) || in->op == X86_OP_TEST) {
			r = alu(vcpu, in->op, m, src, size);
			if (in->op != X86_OP_CMP && in->op != X86_OP_TEST)
				dev_access(vcpu, VDEV_OUT, gpa, size, &r);
		} else { /* register destination, memory source */
			r = alu(vcpu, in->op, reg_get(vcpu, in->reg, high8), m, size);
			if (in->op != X86_OP_CMP)
				reg_set(vcpu, in->reg, high8, size, r);
		}
		return NULL;
	}
	case X86_OP_XCHG:
		dev_access(vcpu, VDEV_IN, gpa, size, &m);
		r = reg_get(vcpu, in->reg, high8) & mask(size);
		dev_access(vcpu, VDEV_OUT, gpa, size, &r);
		reg_set(vcpu, in->reg, high8, size, m);
		return NULL;
	case X86_OP_STOS: {
		if (in->prefixes & (X86_PFX_REP | X86_PFX_REPNE))
			return "REP STOS to a device page";
		m = insn_gpr_get(vcpu, X86_REG_RAX) & mask(size);
		dev_access(vcpu, VDEV_OUT, gpa, size, &m);
		/* rDI += or -= size, negated in 64 bits; written at the address size as a register of that width is:
		 * DI merges, EDI zero-extends into RDI, RDI is replaced (APM Vol. 3 "STOS"; Vol. 1 §3.1.2) */
		uint64_t step = (vcpu->vmcb->save.rflags & RFLAGS_DF) ? -(uint64_t)size : size;
		reg_set(vcpu, X86_REG_RDI, 0, in->mem.addr_size, insn_gpr_get(vcpu, X86_REG_RDI) + step);
		return NULL;
	}
	default:
		return "not an emulated MMIO instruction";
	}
}

/* EXITINTINFO's event type, as the delivery it names (APM §15.20). */
static const char *event_type_name(uint64_t info)
{
	switch (info & EVENT_TYPE_MASK) {
	case EVENT_TYPE_INTR: return "external interrupt";
	case EVENT_TYPE_NMI: return "NMI";
	case EVENT_TYPE_EXCEPTION: return "exception";
	case EVENT_TYPE_SOFT: return "software interrupt";
	default: return "event";
	}
}

/* Decode vcpu's instruction at CS:RIP in mode, its page's translation remembered in vcpu->fetch_cache (gva.h): a
 * guest touching its APIC in a loop pays for the page walk once. The decoded instruction is remembered with its bytes
 * and the mode, all its decoding depends on (x86_decode.h): bytes read now through the translation that equal those
 * give the same instruction, so code rewritten in place or remapped is decoded afresh, never taken from the cache.
 * Page-crossing instructions take the uncached path (into *tmp). *r: 0 or the decoder's error. */
static const struct x86_insn *decode_at_rip(struct vcpu *vcpu, enum x86_mode mode, struct x86_insn *tmp, int *r)
{
	const struct vmcb_save *s = &vcpu->vmcb->save;
	uint64_t la = mode == X86_MODE_64 ? s->rip : (uint32_t)(s->cs.base + s->rip);
	const uint8_t *p = (s->cr0 & CR0_PG) ? gva_cache_lookup(&vcpu->fetch_cache, s, la) : NULL;
	if (!p)
		p = gva_ptr_cached(vcpu->guest, &vcpu->vmcb->save, &vcpu->fetch_cache, la);
	if (p && (la & 0xfff) <= 0x1000 - X86_MAX_LEN) {
		__typeof__(vcpu->mmio_decode) *d = &vcpu->mmio_decode;
		uint64_t b0, b1;
		__builtin_memcpy(&b0, p, 8);
		__builtin_memcpy(&b1, p + X86_MAX_LEN - 8, 8);
		if ((b0 & d->m0) == d->b0 && (b1 & d->m1) == d->b1 && d->mode == mode && d->valid) {
			*r = 0;
			return &d->in;
		}
		uint8_t bytes[X86_MAX_LEN]; /* decoded from the copy the key is taken from */
		__builtin_memcpy(bytes, p, X86_MAX_LEN);
		__builtin_memcpy(&b0, bytes, 8);
		__builtin_memcpy(&b1, bytes + X86_MAX_LEN - 8, 8);
		*r = x86_decode(bytes, X86_MAX_LEN, mode, &d->in);
		unsigned len = *r ? 0 : d->in.len; /* 1-15; b1 holds bytes 7-14 */
		d->valid = len != 0;
		d->m0 = len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
		d->m1 = len > 8 ? (~0ull >> (8 * (X86_MAX_LEN - len))) & ~0xffull : 0;
		d->b0 = b0 & d->m0;
		d->b1 = b1 & d->m1;
		d->mode = (uint8_t)mode;
		return &d->in;
	}
	*r = insn_decode_current(vcpu, tmp);
	return tmp;
}

/* RIP + len, wrapped to the instruction pointer's width (IP, EIP or RIP) in mode m as the CPU advances it. */
static uint64_t next_rip(const struct vcpu *vcpu, enum x86_mode m, unsigned len)
{
	uint64_t rip = vcpu->vmcb->save.rip + len;
	return m == X86_MODE_64 ? rip : m == X86_MODE_32 ? (uint32_t)rip : (uint16_t)rip;
}

/* The device whose page holds gpa (vdev_pc_is_mmio), for messages. */
static const char *page_name(uint64_t gpa)
{
	return gpa - LAPIC_BASE < LAPIC_SIZE ? "local APIC" : gpa - IOAPIC_BASE < IOAPIC_SIZE ? "I/O APIC" :
	       gpa - HPET_BASE < HPET_SIZE ? "HPET" : "virtio";
}

/* Stop vcpu for an MMIO access at gpa hvmm does not emulate (why), naming the instruction's bytes: the decode
 * assists' ones, else len bytes read at CS:RIP in mode (len 0: as many as an instruction may have). Out of line:
 * platform_mmio's common path does not carry its buffers. */
static __attribute__((noinline, cold)) void refuse(struct vcpu *vcpu, uint64_t gpa, enum x86_mode mode, unsigned len,
						   const char *why)
{
	const struct vmcb *v = vcpu->vmcb;
	unsigned n = v->control.insn_len & 0xf;
	uint8_t b[X86_MAX_LEN];
	char hex[3 * X86_MAX_LEN + 1] = "";
	uint64_t la = mode == X86_MODE_64 ? v->save.rip : (uint32_t)(v->save.cs.base + v->save.rip);
	size_t got = n ? n : gva_read(vcpu->guest, &vcpu->vmcb->save, la, b, len ? len : sizeof(b));
	for (size_t i = 0; i < got; i++)
		fmt_snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", n ? v->control.insn_bytes[i] : b[i]);
	if (got)
		hex[3 * got - 1] = 0;
	guest_kill(vcpu, "MMIO at gpa=0x%lx (%s): %s, bytes %s", gpa, page_name(gpa), why, got ? hex : "(none)");
}

int platform_mmio(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	uint64_t gpa = v->control.exitinfo2, info = v->control.exitinfo1;
	struct x86_insn tmp;
	const struct x86_insn *in = &tmp;
	const char *why;
	int r;

	if (!vcpu->vctx.pc || !vdev_pc_is_mmio(vcpu->vctx.pc, gpa))
		return 0;
	if (info & (NPF_INFO_FETCH | NPF_INFO_GUEST_WALK)) {
		guest_kill(vcpu, "%s the %s page gpa=0x%lx", (info & NPF_INFO_FETCH) ? "executed code in" :
			   "page tables in", page_name(gpa), gpa);
		return 1;
	}
	if (v->control.exitintinfo & EVENT_VALID) { /* the CPU's own access while delivering an event (APM §15.7.2) */
		guest_kill(vcpu, "nested page fault on the %s page gpa=0x%lx while delivering %s vector %lu (IDT "
			   "gate, descriptor or frame on the device page: not emulated)", page_name(gpa), gpa,
			   event_type_name(v->control.exitintinfo), v->control.exitintinfo & 0xff);
		return 1;
	}
	unsigned n = v->control.insn_len & 0xf; /* decode assists (APM §15.33): the bytes the CPU fetched */
	enum x86_mode mode = insn_mode(vcpu);
	char crossing[80];
	if (n)
		r = x86_decode(v->control.insn_bytes, n, mode, &tmp);
	else
		in = decode_at_rip(vcpu, mode, &tmp, &r);
	why = r == X86_ERR_TRUNCATED ? "instruction bytes unreadable" : r ? "undecodable instruction" : NULL;
	if (!why && in->has_mem) { /* refused, not split: hvmm emulates no access that is partly RAM or past the page */
		/* Past offset 0 the access starts at gpa; at offset 0 it may have begun on the page before. */
		unsigned size = in->memsize ? in->memsize : in->opsize, off = (unsigned)(gpa & (LAPIC_SIZE - 1));
		if (off == 0)
			off = operand_page_offset(vcpu, in, next_rip(vcpu, mode, in->len));
		if (off + size > LAPIC_SIZE) {
			fmt_snprintf(crossing, sizeof(crossing), "%u bytes at page offset 0x%x cross a page boundary", size,
				     off);
			why = crossing;
		}
	}
	if (!why)
		why = emulate(vcpu, in, gpa);
	if (why) {
		refuse(vcpu, gpa, mode, r == 0 ? in->len : 0, why);
		return 1;
	}
	platform_mmio_count++;
	exit_complete_insn(vcpu, (svm_has(SVM_FEAT_NRIPS) && v->control.nrip) ? v->control.nrip : next_rip(vcpu, mode, in->len));
	return 1;
}
