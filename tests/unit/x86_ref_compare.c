/* SPDX-License-Identifier: MIT */
/* x86_ref_compare.c — lib/x86_decode.c against a reference decoder (x86_ref_compare.h). */
#include <string.h>

#include "x86_ref_compare.h"

/* The first memory operand the reference writes out (LEA-style address operands included), or NULL. */
static const struct ref_op *ref_mem(const struct ref_insn *r)
{
	for (int i = 0; i < r->nops; i++)
		if (r->op[i].kind == REF_OP_MEM && !r->op[i].hidden)
			return &r->op[i];
	return NULL;
}

/* The segment differs. A reference that names only overrides (seg_effective 0) is compared where it names one. In
 * 64-bit mode only FS and GS have a base (APM Vol. 2 §4.12.2): ES/CS/SS/DS, given or default, are all flat. */
static int segment_differs(int mode, int ours, const struct ref_op *m, int seg_effective)
{
	if (m->seg == REF_REG_NONE && !seg_effective)
		return 0;
	if (mode == 2)
		return (ours >= X86_SEG_FS || m->seg >= X86_SEG_FS) && ours != m->seg;
	return m->seg != ours;
}

/* Every encoding's memory operand (XREF_MEMORY): where the reference accesses memory, ours names the same base,
 * index, scale, displacement (modulo the address size) and segment. */
static const char *memory_mismatch(int mode, const struct x86_insn *in, const struct ref_insn *r)
{
	const struct ref_op *m = ref_mem(r);
	uint64_t amask = in->mem.addr_size == 8 ? ~0ull : (1ull << (8 * in->mem.addr_size)) - 1;

	if (!m)
		return NULL; /* e.g. a hint or prefetch with ModRM memory the reference does not list as an operand */
	if (!in->has_mem)
		return "memory operand";
	if (m->agen)
		return NULL; /* LEA, MIB, VSIB: the reference's operand is an address computation of its own form */
	if (m->base != in->mem.base || m->index != in->mem.index)
		return "memory base/index";
	if (in->mem.index != X86_REG_NONE && m->scale != in->mem.scale)
		return "scale";
	if (((uint64_t)m->disp - (uint64_t)in->mem.disp) & amask)
		return "displacement";
	if (segment_differs(mode, in->mem.seg, m, r->seg_effective))
		return "segment";
	return NULL;
}

/* Operand checks of an MMIO form: memory operand, register operand, sizes, immediate. */
static const char *operand_mismatch(int mode, const struct x86_insn *in, const struct ref_insn *r)
{
	const struct ref_op *mem = NULL, *reg = NULL, *imm = NULL;
	unsigned asz = in->mem.addr_size;
	uint64_t amask = asz == 8 ? ~0ull : (1ull << (8 * asz)) - 1;

	for (int i = 0; i < r->nops; i++) {
		if (r->op[i].kind == REF_OP_MEM && !mem)
			mem = &r->op[i];
		else if (r->op[i].kind == REF_OP_REG && !reg)
			reg = &r->op[i];
		else if (r->op[i].kind == REF_OP_IMM && !imm)
			imm = &r->op[i];
	}
	if (in->has_mem) {
		if (!mem)
			return "no memory operand in the reference";
		if (mem->base != in->mem.base || mem->index != in->mem.index)
			return "memory base/index";
		if (in->mem.index != X86_REG_NONE && mem->scale != in->mem.scale)
			return "scale";
		if (((uint64_t)mem->disp - (uint64_t)in->mem.disp) & amask)
			return "displacement";
		if (mem->size != in->memsize)
			return "memory operand size";
		if (segment_differs(mode, in->mem.seg, mem, r->seg_effective))
			return "segment";
	} else {
		if (mem)
			return "a memory operand in the reference";
	}
	if (r->opsize && r->opsize != in->opsize)
		return "operand size";
	if (in->reg != X86_REG_NONE && in->op != X86_OP_STOS) {
		unsigned want_size = (in->op == X86_OP_MOVZX || in->op == X86_OP_MOVSX || in->op == X86_OP_MOVSXD)
					     ? in->opsize
					     : in->memsize;
		/* with mod 11 the first register Capstone lists may be the r/m one; find ours */
		const struct ref_op *found = NULL;
		for (int i = 0; i < r->nops; i++) {
			const struct ref_op *o = &r->op[i];
			if (o->kind == REF_OP_REG && o->reg == in->reg &&
			    o->high8 == !!(in->flags & X86_F_REG_HIGH8) && o->size == (int)want_size)
				found = o;
		}
		if (!found)
			return "register operand";
	}
	if (in->flags & X86_F_SRC_IMM) {
		uint64_t omask = in->opsize == 8 ? ~0ull : (1ull << (8 * in->opsize)) - 1;
		if (!imm)
			return "no immediate in the reference";
		if (in->op >= X86_OP_BT && in->op <= X86_OP_BTC)
			omask = 0xff;
		if (((uint64_t)imm->imm ^ (uint64_t)in->imm) & omask)
			return "immediate";
	}
	return NULL;
}

/* Skip legacy prefixes (and REX in 64-bit mode): the index of the first other byte. */
static size_t skip_prefixes(const uint8_t *b, size_t n, int mode)
{
	size_t i = 0;
	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 || b[i] == 0xf2 || b[i] == 0xf3 ||
			 b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65 ||
			 (mode == 2 && (b[i] & 0xf0) == 0x40)))
		i++;
	return i;
}

/*
 * Classify a disagreement (`what` is "length" or the operand that differs). Each class is one where the reference
 * (Capstone 4.0.2, Zydis 4.0) is wrong for AMD silicon, checked against the manual cited in the reason; NULL for
 * anything else (a real mismatch).
 */
const char *xref_known(const uint8_t *b, size_t n, int mode, const struct x86_insn *in, int rc,
		       const struct x86_ref *ref, const struct ref_insn *r, const char *what)
{
	size_t i = skip_prefixes(b, n, mode);
	int is_len = !strcmp(what, "length");
	int cs = !strcmp(ref->name, "capstone"); /* the classes below are Capstone 4's */
	uint8_t o0 = i < n ? b[i] : 0, o1 = i + 1 < n ? b[i + 1] : 0, o2 = i + 2 < n ? b[i + 2] : 0;

	if (cs && rc == X86_ERR_INVALID && i > 0 && (o0 == 0xc4 || o0 == 0xc5 || o0 == 0x62 || o0 == 0x8f) &&
	    (mode == 2 || (o1 >> 6) == 3 || o0 == 0x8f)) {
		for (size_t k = 0; k < i; k++)
			if (b[k] == 0x66 || b[k] == 0xf2 || b[k] == 0xf3 || b[k] == 0xf0 ||
			    (mode == 2 && (b[k] & 0xf0) == 0x40))
				return "66/F2/F3/F0/REX before a VEX, XOP or EVEX prefix: #UD (APM Vol. 3 §1.9.1, Intel SDM "
				       "Vol. 2 §2.3.2); Capstone 4 decodes the instruction";
	}
	if (rc == X86_ERR_INVALID && o0 == 0x0f && (o1 == 0xa6 || o1 == 0xa7))
		return "0F A6/A7 (VIA PadLock: montmul, xstore, xcrypt*): #UD on AMD and Intel (APM Vol. 3 Table A-3 "
		       "leaves them undefined); Capstone 4 and Zydis 4 decode them";
	if (cs && rc == 0 && mode == 2 && !strcmp(what, "segment") && (in->prefixes & X86_PFX_SEG) &&
	    in->seg_override >= X86_SEG_FS)
		return "an FS/GS override and a later ES/CS/SS/DS one in 64-bit mode: FS/GS applies, the others are "
		       "ignored there (APM Vol. 3 §1.2.4); Capstone 4 reports the last prefix";
	if (!cs && rc == X86_ERR_INVALID && o0 == 0x62 && ((o1 & 7) == 5 || (o1 & 7) == 6))
		return "EVEX maps 5 and 6 (AVX512-FP16, Intel only): #UD on AMD parts (APM Vol. 4 lists no such map); "
		       "Zydis 4 decodes them";
	if (!cs && rc == X86_ERR_INVALID && o0 == 0x62 && !(o2 & 4))
		return "62 with bit 2 of its second payload byte clear is Knights Corner's MVEX: #UD on AMD parts (EVEX "
		       "has the bit set: Intel SDM Vol. 2 §2.7.1); Zydis 4 decodes MVEX";
	if (!cs && is_len && ((rc == 0 && in->encoding == X86_ENC_VEX && in->map == X86_MAP_0F &&
			       (in->opcode == 0x84 || in->opcode == 0x85)) ||
			      /* any other VEX bytes Zydis reads as one of them (rel8 forms, map 0, where our reading
			       * is truncated, too long or invalid): its mnemonic says so */
			      (rc != 0 && (!strncmp(r->text, "jkzd ", 5) || !strncmp(r->text, "jknzd ", 6)))))
		return "VEX 0F 84/85: no instruction on AMD or Intel (APM Vol. 4 and Intel SDM Vol. 2 opcode maps; #UD at "
		       "its first byte, whatever its length); Zydis 4 decodes Knights Corner's JKZD/JKNZD (rel32, rel8)";
	if (!cs && rc == 0 && mode == 2 && in->op == X86_OP_MOVSXD && (in->prefixes & X86_PFX_OPSIZE) &&
	    !(in->rex & 8) && !strcmp(what, "memory operand size") && r->len == in->len)
		return "66 63 in 64-bit mode is MOVSXD r16, r/m16 (Intel SDM Vol. 2B MOVSX/MOVSXD): a 16-bit source; "
		       "Zydis 4 reads a 32-bit one";
	if (!cs && rc == 0 && mode == 2 && (in->prefixes & X86_PFX_ADSIZE) && (in->rex & 1) && in->has_sib &&
	    (in->sib & 7) == 5 && (in->modrm >> 6) == 0 && in->mem.base == X86_REG_NONE &&
	    !strcmp(what, "memory base/index"))
		return "SIB base 101 with ModRM.mod 00 is no base and a disp32 whatever REX.B says (APM Vol. 3 §1.4.2, "
		       "Intel SDM Vol. 2 Table 2-5); Zydis 4 names R13D as the base when 67 is given";
	if (cs && rc == 0 && is_len && in->map == X86_MAP_0F && in->encoding == X86_ENC_LEGACY &&
	    (in->opcode == 0xb9 || in->opcode == 0xff) && in->len > r->len)
		return "0F B9 (UD1) and 0F FF (UD0) take a ModRM byte (APM Vol. 3 UD1, Intel SDM Vol. 2 UD); Capstone 4 "
		       "decodes ud2b/ud0 without one (either way the CPU raises #UD at the instruction's start)";
	if (cs && rc == 0 && is_len && in->map == X86_MAP_0F && in->encoding == X86_ENC_LEGACY && in->opcode == 0x78 &&
	    (in->prefixes & (X86_PFX_OPSIZE | X86_PFX_REPNE)) && in->len == r->len + 2)
		return "66 0F 78 / F2 0F 78 are EXTRQ / INSERTQ with two imm8 (AMD SSE4a, APM Vol. 4); Capstone 4 "
		       "decodes VMREAD (Intel VMX) without immediates";
	if (cs && rc == 0 && mode == 2 && is_len && (in->prefixes & X86_PFX_OPSIZE) && !(in->rex & 8) &&
	    ((in->map == X86_MAP_1BYTE && (in->opcode == 0xe8 || in->opcode == 0xe9)) ||
	     (in->map == X86_MAP_0F && in->opcode >= 0x80 && in->opcode <= 0x8f)) &&
	    in->len + 2 == r->len)
		return "66 on a near CALL/JMP/Jcc rel in 64-bit mode: AMD takes a 16-bit displacement (APM Vol. 3 "
		       "\"CALL (Near)\", \"JMP (Near)\", Jcc); Intel and Capstone 4 ignore the 66 (rel32)";
	if (cs && rc == 0 && (in->prefixes & X86_PFX_OPSIZE) && (in->prefixes & (X86_PFX_REP | X86_PFX_REPNE)) &&
	    in->encoding == X86_ENC_LEGACY && in->map == X86_MAP_1BYTE && !(in->rex & 8) &&
	    (is_len ? r->len == in->len + 2 : !strcmp(what, "memory operand size")))
		return "66 together with F2/F3 before a one-byte opcode: the operand size is 16 bits (APM Vol. 3 "
		       "§1.2.2; F2/F3 are ignored there); Capstone 4 drops the 66 (imm32, 32-bit memory operand)";
	if (cs && rc == 0 && mode == 2 && is_len && in->map == X86_MAP_1BYTE && (in->opcode == 0xc2 || in->opcode == 0xca) &&
	    (in->rex & 8) && r->len == in->len + 2)
		return "RET/RETF imm16 (C2/CA) with REX.W: the immediate is always 16 bits (APM Vol. 3 RET); "
		       "Capstone 4 reads 4 bytes";
	if (cs && rc == 0 && in->op == X86_OP_MOVSXD && !(in->rex & 8) &&
	    (!strcmp(what, "register operand") || !strcmp(what, "memory operand size")))
		return "63 without REX.W is MOVSXD r32, r/m32 (66: r16, r/m16; APM Vol. 3 MOVSXD); Capstone 4 reports a "
		       "64-bit destination and a 32-bit source";
	return NULL;
}

const char *xref_diff(int mode, const struct x86_insn *in, int rc, const struct ref_insn *r, unsigned what)
{
	const char *d = NULL;

	if (rc != 0 || in->len != r->len)
		return "length";
	if ((what & XREF_OPERANDS) && in->op != X86_OP_OTHER)
		d = operand_mismatch(mode, in, r);
	if (!d && (what & XREF_MEMORY) && in->encoding != X86_ENC_EVEX)
		d = memory_mismatch(mode, in, r);
	return d;
}
