/* SPDX-License-Identifier: MIT */
/* insn.c — fetch the guest's instruction at CS:RIP through its page tables and decode it (lib/x86_decode). */
#include "hvmm/guest/insn.h"

#include <stddef.h>

#include "hvmm/core/arch.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/gva.h"
#include "hvmm/svm/vmcb.h"

/* Where vcpu->regs keeps register number reg (RAX and RSP are in the VMCB: -1). */
static int gpregs_index(unsigned reg)
{
	static const int8_t index[16] = {
		-1, 1, 2, 0, -1, 5, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, /* struct gpregs: rbx, rcx, rdx, rsi, rdi, rbp, r8.. */
	};
	return index[reg & 15];
}

_Static_assert(offsetof(struct gpregs, rbx) == 0 && offsetof(struct gpregs, rcx) == 8 &&
		       offsetof(struct gpregs, rdx) == 16 && offsetof(struct gpregs, rsi) == 24 &&
		       offsetof(struct gpregs, rdi) == 32 && offsetof(struct gpregs, rbp) == 40 &&
		       offsetof(struct gpregs, r8) == 48 && offsetof(struct gpregs, r15) == 104,
	       "gpregs_index() follows struct gpregs");

uint64_t insn_gpr_get(const struct vcpu *vcpu, unsigned reg)
{
	int i = gpregs_index(reg);
	if (i >= 0)
		return ((const uint64_t *)&vcpu->regs)[i];
	return (reg & 15) == X86_REG_RAX ? vcpu->vmcb->save.rax : vcpu->vmcb->save.rsp;
}

void insn_gpr_set(struct vcpu *vcpu, unsigned reg, uint64_t val)
{
	int i = gpregs_index(reg);
	if (i >= 0)
		((uint64_t *)&vcpu->regs)[i] = val;
	else if ((reg & 15) == X86_REG_RAX)
		vcpu->vmcb->save.rax = val;
	else
		vcpu->vmcb->save.rsp = val;
}

/* The linear address of CS:RIP in mode. */
static uint64_t rip_linear(const struct vcpu *vcpu, enum x86_mode mode)
{
	const struct vmcb_save *s = &vcpu->vmcb->save;
	return mode == X86_MODE_64 ? s->rip : (uint32_t)(s->cs.base + s->rip);
}

int insn_decode_current(const struct vcpu *vcpu, struct x86_insn *insn)
{
	enum x86_mode mode = insn_mode(vcpu);
	uint64_t la = rip_linear(vcpu, mode);
	uint8_t bytes[X86_MAX_LEN];
	size_t n = gva_read(vcpu->guest, &vcpu->vmcb->save, la, bytes, sizeof(bytes)); /* fewer at the end of a mapping: the decoder says if too few */
	return x86_decode(bytes, n, mode, insn);
}

/* rip + len wrapped to mode's instruction-pointer width. */
static uint64_t wrap_rip(uint64_t rip, enum x86_mode mode)
{
	return mode == X86_MODE_64 ? rip : mode == X86_MODE_32 ? (uint32_t)rip : (uint16_t)rip;
}

int insn_next_rip_fetched(struct vcpu *vcpu, unsigned plain_len, uint64_t *next)
{
	enum x86_mode mode = insn_mode(vcpu);
	uint64_t la = rip_linear(vcpu, mode);
	const uint8_t *p = (vcpu->vmcb->save.cr0 & CR0_PG) ? gva_cache_lookup(&vcpu->fetch_cache, &vcpu->vmcb->save, la) : NULL;
	if (!p)
		p = gva_ptr_cached(vcpu->guest, &vcpu->vmcb->save, &vcpu->fetch_cache, la);
	unsigned len = plain_len;
	if (!p || !insn_unprefixed(*p)) {
		struct x86_insn in;
		int r = insn_decode_current(vcpu, &in);
		if (r)
			return r;
		len = in.len;
	}
	*next = wrap_rip(vcpu->vmcb->save.rip + len, mode);
	return 0;
}
