/* SPDX-License-Identifier: MIT */
/* insn.h — the guest's current instruction: its bytes at CS:RIP (gva.c) and their decoding (lib/x86_decode). */
#ifndef HVMM_INSN_H
#define HVMM_INSN_H
#include <stdint.h>

#include "x86_decode.h"

#include "hvmm/core/arch.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/gva.h"
#include "hvmm/svm/vmcb.h"

/* The decoder's mode for vcpu's code segment: CS.L in long mode -> 64-bit, else CS.D -> 32-bit, else 16-bit (real and
 * virtual-8086 mode included). */
static inline enum x86_mode insn_mode(const struct vcpu *vcpu)
{
	const struct vmcb_save *s = &vcpu->vmcb->save;
	if ((s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L))
		return X86_MODE_64;
	if ((s->cs.attrib & SEG_ATTR_D) && (s->cr0 & CR0_PE) && !(s->rflags & RFLAGS_VM))
		return X86_MODE_32;
	return X86_MODE_16;
}

/* Fetch and decode the instruction at vcpu's CS:RIP. Returns 0 and fills *insn, or a negative x86_decode error
 * (X86_ERR_TRUNCATED also when the bytes could not be read: a page not present or outside guest RAM). */
int insn_decode_current(const struct vcpu *vcpu, struct x86_insn *insn);

/*
 * The RIP after vcpu's current instruction, whose length without prefixes is plain_len, read from its bytes (for a CPU
 * without nRIP): when the first byte is 0F or F4 — never a prefix, and the opcode every instruction hvmm completes
 * starts with — the length is plain_len; otherwise the decoded length. The translation of CS:RIP's page is cached in
 * vcpu->fetch_cache. 0 and *next, or a negative x86_decode error.
 */
int insn_next_rip_fetched(struct vcpu *vcpu, unsigned plain_len, uint64_t *next);

/* A first instruction byte that is never a prefix: 0F (every two-byte opcode hvmm completes) or F4 (HLT). */
static inline int insn_unprefixed(uint8_t first)
{
	return first == 0x0f || first == 0xf4;
}

/* insn_next_rip_fetched with its common case inline (it is on the exit path of every emulated instruction without
 * nRIP): 64-bit code whose page's translation vcpu->fetch_cache still holds, and no prefix. */
static inline int insn_next_rip(struct vcpu *vcpu, unsigned plain_len, uint64_t *next)
{
	const struct vmcb_save *s = &vcpu->vmcb->save;
	const uint8_t *p;
	if ((s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L) && (s->cr0 & CR0_PG) &&
	    (p = gva_cache_lookup(&vcpu->fetch_cache, s, s->rip)) && insn_unprefixed(*p)) {
		*next = s->rip + plain_len;
		return 0;
	}
	return insn_next_rip_fetched(vcpu, plain_len, next);
}

/* Read or write the guest register with encoding number reg (enum x86_reg, 0-15; all 64 bits): RAX and RSP live in
 * the VMCB, the others in vcpu->regs. */
uint64_t insn_gpr_get(const struct vcpu *vcpu, unsigned reg);
void insn_gpr_set(struct vcpu *vcpu, unsigned reg, uint64_t val);


#endif
