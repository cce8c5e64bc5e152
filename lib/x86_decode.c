/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction decoder: instruction length for every encoding (legacy, 0F/0F 38/0F 3A, 3DNow!, VEX, XOP, EVEX)
 * and the operands of the forms MMIO emulation handles. Sources: AMD APM Vol. 3 §1 (instruction encoding), Appendix A
 * (opcode maps); Intel SDM Vol. 2 §2 and Appendix A for EVEX. See x86_decode.h for the contract.
 */
#include <stddef.h>
#include <stdint.h>

#include "x86_decode.h"

/* Opcode attributes: what follows the opcode byte. */
#define A_M 0x001 /* a ModRM byte (and SIB/displacement as it says) */
#define A_I8 0x002 /* imm8 (or rel8) */
#define A_I16 0x004 /* imm16 */
#define A_IZ 0x008 /* imm16/imm32 by operand size (also near-branch rel16/rel32: AMD honours 66 in 64-bit mode) */
#define A_IV 0x010 /* imm16/32/64 by operand size (B8-BF) */
#define A_I32 0x020 /* imm32 whatever the operand size (XOP map 10) */
#define A_MOFFS 0x040 /* an offset of the address size (A0-A3) */
#define A_FAR 0x080 /* ptr16:16 / ptr16:32 by operand size (9A, EA) */
#define A_GRP3 0x100 /* F6/F7: immediate only for /0 and /1 (TEST) */
#define A_CR 0x200 /* MOV to/from CR/DR: ModRM.mod is ignored and read as 11 (APM Vol. 3 "MOV CRn") */
#define A_SSE4A 0x400 /* 0F 78: with 66 (EXTRQ) or F2 (INSERTQ) two imm8 follow the ModRM */
#define A_NO64 0x800 /* #UD in 64-bit mode */
#define A_INV 0x1000 /* undefined opcode */

#define ALU_ROW(x) [(x)...(x) + 3] = A_M, [(x) + 4] = A_I8, [(x) + 5] = A_IZ

/* One-byte opcode map (APM Vol. 3 Table ). Prefix bytes and 0F are handled before the lookup. */
static const uint16_t map_1byte[256] = {
	ALU_ROW(0x00), [0x06] = A_NO64, [0x07] = A_NO64, ALU_ROW(0x08), [0x0e] = A_NO64,
	ALU_ROW(0x10), [0x16] = A_NO64, [0x17] = A_NO64, ALU_ROW(0x18), [0x1e] = A_NO64, [0x1f] = A_NO64,
	ALU_ROW(0x20), [0x27] = A_NO64, ALU_ROW(0x28), [0x2f] = A_NO64,
	ALU_ROW(0x30), [0x37] = A_NO64, ALU_ROW(0x38), [0x3f] = A_NO64,
	[0x60] = A_NO64, [0x61] = A_NO64, [0x62] = A_M | A_NO64, [0x63] = A_M,
	[0x68] = A_IZ, [0x69] = A_M | A_IZ, [0x6a] = A_I8, [0x6b] = A_M | A_I8,
	[0x70 ... 0x7f] = A_I8,
	[0x80] = A_M | A_I8, [0x81] = A_M | A_IZ, [0x82] = A_M | A_I8 | A_NO64, [0x83] = A_M | A_I8,
	[0x84 ... 0x8f] = A_M,
	[0x9a] = A_FAR | A_NO64,
	[0xa0 ... 0xa3] = A_MOFFS, [0xa8] = A_I8, [0xa9] = A_IZ,
	[0xb0 ... 0xb7] = A_I8, [0xb8 ... 0xbf] = A_IV,
	[0xc0] = A_M | A_I8, [0xc1] = A_M | A_I8, [0xc2] = A_I16, [0xc4] = A_M | A_NO64, [0xc5] = A_M | A_NO64,
	[0xc6] = A_M | A_I8, [0xc7] = A_M | A_IZ, [0xc8] = A_I16 | A_I8, [0xca] = A_I16, [0xcd] = A_I8,
	[0xce] = A_NO64,
	[0xd0 ... 0xd3] = A_M, [0xd4] = A_I8 | A_NO64, [0xd5] = A_I8 | A_NO64, [0xd6] = A_NO64, [0xd8 ... 0xdf] = A_M,
	[0xe0 ... 0xe7] = A_I8, [0xe8] = A_IZ, [0xe9] = A_IZ, [0xea] = A_FAR | A_NO64, [0xeb] = A_I8,
	[0xf6] = A_M | A_GRP3, [0xf7] = A_M | A_GRP3, [0xfe] = A_M, [0xff] = A_M,
};

/* Two-byte opcode map, 0F xx (APM Vol. 3 Table ). 0F 38 and 0F 3A are escapes handled in code. */
static const uint16_t map_0f[256] = {
	[0x00 ... 0x03] = A_M, [0x04] = A_INV, [0x0a] = A_INV, [0x0c] = A_INV, [0x0d] = A_M, [0x0f] = A_M | A_I8,
	[0x10 ... 0x1f] = A_M, [0x20 ... 0x23] = A_M | A_CR, [0x24 ... 0x27] = A_INV, [0x28 ... 0x2f] = A_M,
	[0x36] = A_INV, [0x39] = A_INV, [0x3b ... 0x3f] = A_INV,
	[0x40 ... 0x6f] = A_M, [0x70 ... 0x73] = A_M | A_I8, [0x74 ... 0x76] = A_M, [0x78] = A_M | A_SSE4A,
	[0x79] = A_M, [0x7a] = A_INV, [0x7b] = A_INV, [0x7c ... 0x7f] = A_M,
	[0x80 ... 0x8f] = A_IZ, [0x90 ... 0x9f] = A_M,
	[0xa3] = A_M, [0xa4] = A_M | A_I8, [0xa5] = A_M, [0xa6] = A_INV, [0xa7] = A_INV, [0xab] = A_M,
	[0xac] = A_M | A_I8, [0xad ... 0xaf] = A_M,
	[0xb0 ... 0xb9] = A_M, [0xba] = A_M | A_I8, [0xbb ... 0xbf] = A_M,
	[0xc0 ... 0xc1] = A_M, [0xc2] = A_M | A_I8, [0xc3] = A_M, [0xc4 ... 0xc6] = A_M | A_I8, [0xc7] = A_M,
	[0xd0 ... 0xff] = A_M,
};

/* Decoder state: the bytes, how far we read, and what the prefixes said. */
struct dec {
	const uint8_t *b;
	size_t avail, pos;
	enum x86_mode mode;
	uint8_t rex_w, rex_r, rex_x, rex_b; /* REX (or VEX/XOP/EVEX) W, R, X, B as 0/1 */
};

/* Why the bytes ran out: past 15 bytes the CPU raises #GP whatever follows, before that we need more bytes. */
static int ran_out(const struct dec *d, struct x86_insn *out)
{
	out->len = 0;
	return d->pos >= X86_MAX_LEN ? X86_ERR_TOO_LONG : X86_ERR_TRUNCATED;
}

#define NEXT(d, v)                                                                                                     \
	do {                                                                                                           \
		if ((d)->pos >= (d)->avail)                                                                            \
			return ran_out((d), out);                                                                      \
		(v) = (d)->b[(d)->pos++];                                                                              \
	} while (0)

/* Read n (1, 2, 4 or 8) little-endian bytes, sign-extended; 0 on success, -1 when they run past avail. */
static int fetch_imm(struct dec *d, unsigned n, int64_t *v)
{
	uint64_t x = 0;

	if (d->avail - d->pos < n)
		return -1;
	for (unsigned i = 0; i < n; i++)
		x |= (uint64_t)d->b[d->pos + i] << (8 * i);
	d->pos += n;
	if (n < 8 && (x >> (8 * n - 1)) & 1)
		x |= ~0ull << (8 * n);
	*v = (int64_t)x;
	return 0;
}

#define FETCH(d, n, v)                                                                                                 \
	do {                                                                                                           \
		if (fetch_imm((d), (n), (v))) {                                                                        \
			(d)->pos = (d)->avail;                                                                         \
			return ran_out((d), out);                                                                      \
		}                                                                                                      \
	} while (0)

/* 16-bit addressing (APM Vol. 3 Table 1-12): base and index of ModRM.rm 0-7. */
static const uint8_t rm16_base[8] = { X86_REG_RBX, X86_REG_RBX, X86_REG_RBP, X86_REG_RBP,
				      X86_REG_RSI, X86_REG_RDI, X86_REG_RBP, X86_REG_RBX };
static const uint8_t rm16_index[8] = { X86_REG_RSI, X86_REG_RDI, X86_REG_RSI, X86_REG_RDI,
				       X86_REG_NONE, X86_REG_NONE, X86_REG_NONE, X86_REG_NONE };

/* The memory operand of a ModRM with mod != 11: SIB and displacement (APM Vol. 3 §1.4, Tables 1-12 to 1-16). */
static int decode_modrm_mem(struct dec *d, struct x86_insn *out)
{
	struct x86_mem *m = &out->mem;
	unsigned mod = out->modrm >> 6, rm = out->modrm & 7, disp_size = 0;

	m->base = m->index = X86_REG_NONE;
	m->scale = 1;
	if (m->addr_size == 2) {
		if (mod == 0 && rm == 6) {
			disp_size = 2;
		} else {
			m->base = rm16_base[rm];
			m->index = rm16_index[rm];
			disp_size = mod == 1 ? 1 : mod == 2 ? 2 : 0;
		}
	} else {
		if (rm == 4) {
			NEXT(d, out->sib);
			out->has_sib = true;
			unsigned idx = ((out->sib >> 3) & 7) | (d->rex_x << 3), base = out->sib & 7;
			if (idx != 4) {
				m->index = (uint8_t)idx;
				m->scale = (uint8_t)(1u << (out->sib >> 6));
			}
			if (base == 5 && mod == 0)
				disp_size = 4;
			else
				m->base = (uint8_t)(base | (d->rex_b << 3));
		} else if (rm == 5 && mod == 0) {
			disp_size = 4;
			if (d->mode == X86_MODE_64)
				m->base = X86_REG_RIP;
		} else {
			m->base = (uint8_t)(rm | (d->rex_b << 3));
		}
		if (mod == 1)
			disp_size = 1;
		else if (mod == 2)
			disp_size = 4;
	}
	if (disp_size)
		FETCH(d, disp_size, &m->disp);
	m->seg = (m->base == X86_REG_RBP || m->base == X86_REG_RSP) ? X86_SEG_SS : X86_SEG_DS;
	if (out->prefixes & X86_PFX_SEG) {
		/* APM Vol. 3 §1.2.4: in 64-bit mode only FS and GS overrides take effect */
		if (d->mode != X86_MODE_64 || out->seg_override >= X86_SEG_FS)
			m->seg = out->seg_override;
	}
	out->has_mem = true;
	return 0;
}

/* Is this a byte-operand form of the one-byte map (operand size 8)? */
static bool byte_form(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) == 0 || (op & 7) == 2 || (op & 7) == 4;
	switch (op) {
	case 0x80: case 0x82: case 0x84: case 0x86: case 0x88: case 0x8a: case 0xa0: case 0xa2: case 0xa4: case 0xa6:
	case 0xa8: case 0xaa: case 0xac: case 0xae: case 0xc0: case 0xc6: case 0xd0: case 0xd2: case 0xf6: case 0xfe:
		return true;
	default:
		return op >= 0xb0 && op <= 0xb7;
	}
}

/* Without any REX prefix, byte registers 4-7 are AH, CH, DH, BH (bits 15:8 of registers 0-3). */
static uint8_t byte_reg(const struct x86_insn *in, uint8_t r, uint8_t flag, uint8_t *flags)
{
	if (!(in->prefixes & X86_PFX_REX) && r >= 4 && r < 8) {
		*flags |= flag;
		return (uint8_t)(r - 4);
	}
	return r;
}

/* Fill op, flags, reg/rm_reg byte naming and memsize for the MMIO-relevant legacy forms. */
static void classify(struct dec *d, struct x86_insn *in)
{
	static const uint8_t alu[8] = { X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
					X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP };
	static const uint8_t bt[4] = { X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC };
	uint8_t op = in->opcode, ext = (in->modrm >> 3) & 7;
	bool reg_is_byte = false, rm_is_byte = false;

	if (in->map == X86_MAP_1BYTE) {
		if (byte_form(op))
			in->opsize = 1;
		if (op < 0x40 && (op & 7) < 4) {
			in->op = alu[op >> 3];
			in->flags = (op & 2) ? 0 : X86_F_MEM_DST;
			reg_is_byte = rm_is_byte = !(op & 1);
		} else if (op >= 0x80 && op <= 0x83) {
			in->op = alu[ext];
			in->flags = X86_F_MEM_DST | X86_F_SRC_IMM;
			rm_is_byte = op == 0x80 || op == 0x82;
		} else if (op >= 0x84 && op <= 0x8b) {
			static const uint8_t k[8] = { X86_OP_TEST, X86_OP_TEST, X86_OP_XCHG, X86_OP_XCHG,
						      X86_OP_MOV, X86_OP_MOV, X86_OP_MOV, X86_OP_MOV };
			in->op = k[op - 0x84];
			in->flags = op >= 0x8a ? 0 : X86_F_MEM_DST;
			reg_is_byte = rm_is_byte = !(op & 1);
		} else if ((op == 0xc6 || op == 0xc7) && ext == 0) {
			in->op = X86_OP_MOV;
			in->flags = X86_F_MEM_DST | X86_F_SRC_IMM;
			rm_is_byte = op == 0xc6;
		} else if ((op == 0xf6 || op == 0xf7) && ext <= 1) {
			in->op = X86_OP_TEST;
			in->flags = X86_F_MEM_DST | X86_F_SRC_IMM;
			rm_is_byte = op == 0xf6;
		} else if (op >= 0xa0 && op <= 0xa3) {
			in->op = X86_OP_MOV;
			in->flags = op >= 0xa2 ? X86_F_MEM_DST : 0;
		} else if (op == 0xaa || op == 0xab) {
			in->op = X86_OP_STOS;
			in->flags = X86_F_MEM_DST;
		} else if (op == 0x63 && d->mode == X86_MODE_64) {
			in->op = X86_OP_MOVSXD;
			in->memsize = in->opsize == 8 ? 4 : in->opsize;
		}
	} else if (in->map == X86_MAP_0F) {
		if (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf) {
			in->op = op < 0xb8 ? X86_OP_MOVZX : X86_OP_MOVSX;
			in->memsize = (op & 1) ? 2 : 1;
			rm_is_byte = !(op & 1);
		} else if (op == 0xa3 || op == 0xab || op == 0xb3 || op == 0xbb) {
			in->op = bt[(op >> 3) & 3];
			in->flags = X86_F_MEM_DST;
		} else if (op == 0xba && ext >= 4) {
			in->op = bt[ext - 4];
			in->flags = X86_F_MEM_DST | X86_F_SRC_IMM;
		}
	}
	if (in->op == X86_OP_OTHER)
		return;
	if (!in->memsize)
		in->memsize = rm_is_byte ? 1 : in->opsize;
	if (reg_is_byte && in->reg != X86_REG_NONE)
		in->reg = byte_reg(in, in->reg, X86_F_REG_HIGH8, &in->flags);
	if (rm_is_byte && in->rm_reg != X86_REG_NONE)
		in->rm_reg = byte_reg(in, in->rm_reg, X86_F_RM_HIGH8, &in->flags);
	if (in->flags & X86_F_SRC_IMM)
		in->reg = X86_REG_NONE;
}

/* ModRM.reg is an opcode extension, not a register, for these legacy opcodes (APM Vol. 3 Table A-6 groups). */
static bool reg_is_extension(const struct x86_insn *in)
{
	uint8_t op = in->opcode;

	if (in->encoding != X86_ENC_LEGACY)
		return false;
	if (in->map == X86_MAP_1BYTE)
		return (op >= 0x80 && op <= 0x83) || op == 0x8f || op == 0xc0 || op == 0xc1 || op == 0xc6 ||
		       op == 0xc7 || (op >= 0xd0 && op <= 0xd3) || (op >= 0xd8 && op <= 0xdf) || op == 0xf6 ||
		       op == 0xf7 || op == 0xfe || op == 0xff;
	if (in->map == X86_MAP_0F)
		return op <= 0x01 || op == 0x0d || op == 0x18 || (op >= 0x71 && op <= 0x73) || op == 0xae ||
		       op == 0xba || op == 0xc7 || op == 0xb9;
	return false;
}

/* VEX (C4/C5), XOP (8F) or EVEX (62): read the payload and the opcode; return the opcode's attributes or -1. */
static int decode_vex(struct dec *d, uint8_t first, struct x86_insn *out, uint16_t *attr)
{
	uint8_t p0, p1 = 0, p2;

	/* APM Vol. 3 §1.9: a VEX/XOP prefix after LOCK, 66, F2, F3 or REX raises #UD */
	if ((out->prefixes & (X86_PFX_LOCK | X86_PFX_REPNE | X86_PFX_REP | X86_PFX_OPSIZE)) || out->rex)
		return X86_ERR_INVALID;
	NEXT(d, p0);
	if (first == 0xc5) {
		out->encoding = X86_ENC_VEX;
		out->map = X86_MAP_0F;
		d->rex_r = !(p0 >> 7);
	} else {
		NEXT(d, p1);
		d->rex_r = !(p0 & 0x80);
		d->rex_x = !(p0 & 0x40);
		d->rex_b = !(p0 & 0x20);
		d->rex_w = p1 >> 7;
		if (first == 0x62) {
			NEXT(d, p2);
			(void)p2;
			/* EVEX P0[3:2] = 0 and P1[2] = 1 (Intel SDM Vol. 2 §2.7.1) */
			if ((p0 & 0x0c) || !(p1 & 0x04) || !(p0 & 3))
				return X86_ERR_INVALID;
			out->encoding = X86_ENC_EVEX;
			out->map = p0 & 3;
		} else {
			out->encoding = first == 0xc4 ? X86_ENC_VEX : X86_ENC_XOP;
			out->map = p0 & 0x1f;
			if (first == 0xc4 ? (out->map < 1 || out->map > 3) : (out->map < 8 || out->map > 10))
				return X86_ERR_INVALID;
		}
	}
	if (d->mode != X86_MODE_64)
		d->rex_r = d->rex_x = d->rex_b = d->rex_w = 0;
	NEXT(d, out->opcode);
	switch (out->map) {
	case X86_MAP_0F:
		if (out->opcode == 0x77 && out->encoding == X86_ENC_VEX) {
			*attr = 0; /* VZEROUPPER/VZEROALL: no ModRM */
			return 0;
		}
		*attr = A_M | (map_0f[out->opcode] & A_I8);
		return 0;
	case X86_MAP_0F38: *attr = A_M; return 0;
	case X86_MAP_0F3A: *attr = A_M | A_I8; return 0;
	case 8: *attr = A_M | A_I8; return 0;
	case 9: *attr = A_M; return 0;
	default: *attr = A_M | A_I32; return 0;
	}
}

int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
	struct dec dd = { .b = bytes, .avail = avail, .mode = mode }, *d = &dd;
	uint16_t attr;
	uint8_t b;
	int rc;

	*out = (struct x86_insn){ .reg = X86_REG_NONE, .rm_reg = X86_REG_NONE };
	/* Legacy prefixes in any order, then REX (64-bit mode) directly before the opcode (APM Vol. 3 §1.2, §1.2.7) */
	for (;;) {
		if (d->pos >= X86_MAX_LEN) /* 15 prefix bytes: #GP whatever follows */
			return ran_out(d, out);
		NEXT(d, b);
		switch (b) {
		case 0xf0: out->prefixes |= X86_PFX_LOCK; break;
		case 0xf2: out->prefixes = (out->prefixes & ~X86_PFX_REP) | X86_PFX_REPNE; break;
		case 0xf3: out->prefixes = (out->prefixes & ~X86_PFX_REPNE) | X86_PFX_REP; break;
		case 0x66: out->prefixes |= X86_PFX_OPSIZE; break;
		case 0x67: out->prefixes |= X86_PFX_ADSIZE; break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			/* 64-bit mode ignores ES/CS/SS/DS overrides (APM Vol. 3 §1.2.4): an FS/GS one before stays */
			if (mode != X86_MODE_64 || !(out->prefixes & X86_PFX_SEG) || out->seg_override < X86_SEG_FS)
				out->seg_override = (b >> 3) & 3;
			out->prefixes |= X86_PFX_SEG;
			break;
		case 0x64: case 0x65:
			out->prefixes |= X86_PFX_SEG;
			out->seg_override = b - 0x64 + X86_SEG_FS;
			break;
		case 0x40 ... 0x4f:
			if (mode == X86_MODE_64) {
				out->rex = b;
				continue;
			}
			goto opcode;
		default:
			goto opcode;
		}
		out->rex = 0; /* a REX followed by a legacy prefix is ignored */
	}
opcode:
	out->npfx = (uint8_t)(d->pos - 1);
	if (out->rex) {
		out->prefixes |= X86_PFX_REX;
		d->rex_w = (out->rex >> 3) & 1;
		d->rex_r = (out->rex >> 2) & 1;
		d->rex_x = (out->rex >> 1) & 1;
		d->rex_b = out->rex & 1;
	}
	out->mem.addr_size = mode == X86_MODE_64 ? 8 : mode == X86_MODE_32 ? 4 : 2;
	if (out->prefixes & X86_PFX_ADSIZE)
		out->mem.addr_size = mode == X86_MODE_32 ? 2 : 4;

	out->opcode = b;
	if (b == 0x0f) {
		NEXT(d, b);
		out->map = X86_MAP_0F;
		out->opcode = b;
		if (b == 0x38 || b == 0x3a) {
			out->map = b == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
			NEXT(d, out->opcode);
			attr = b == 0x38 ? A_M : A_M | A_I8;
		} else {
			attr = map_0f[b];
			if (b == 0x0f)
				out->encoding = X86_ENC_3DNOW; /* 0F 0F ModRM ... imm8 opcode suffix */
			/* 0F B8 without F3 is JMPE (IA-64 only): #UD on AMD and on current Intel parts */
			if (b == 0xb8 && !(out->prefixes & X86_PFX_REP))
				attr = A_INV;
		}
	} else if ((b == 0xc4 || b == 0xc5 || b == 0x62 || b == 0x8f)) {
		uint8_t next;
		NEXT(d, next);
		d->pos--;
		bool is_vex;
		if (b == 0x8f)
			is_vex = (next & 0x1f) >= 8; /* XOP: POP r/m has ModRM.reg 0, so map >= 8 cannot be a POP */
		else
			is_vex = mode == X86_MODE_64 || (next >> 6) == 3; /* else LES/LDS/BOUND with a memory operand */
		if (is_vex) {
			rc = decode_vex(d, b, out, &attr);
			if (rc)
				return rc;
		} else {
			attr = map_1byte[b];
		}
	} else {
		attr = map_1byte[b];
	}
	if ((attr & A_INV) || ((attr & A_NO64) && mode == X86_MODE_64)) {
		out->len = 0;
		return X86_ERR_INVALID;
	}

	/* Operand size: 66 and REX.W (APM Vol. 3 §1.2.2, Table 1-3); VEX/EVEX W does not change it here */
	if (mode == X86_MODE_16)
		out->opsize = (out->prefixes & X86_PFX_OPSIZE) ? 4 : 2;
	else
		out->opsize = (out->prefixes & X86_PFX_OPSIZE) ? 2 : 4;
	if (mode == X86_MODE_64 && out->encoding == X86_ENC_LEGACY && d->rex_w)
		out->opsize = 8;

	unsigned imm = 0, imm2 = 0;
	if (attr & A_M) {
		NEXT(d, out->modrm);
		out->has_modrm = true;
		unsigned mod = out->modrm >> 6, ext = (out->modrm >> 3) & 7;
		out->reg = (uint8_t)(ext | (d->rex_r << 3));
		if (mod == 3 || (attr & A_CR)) {
			out->rm_reg = (uint8_t)((out->modrm & 7) | (d->rex_b << 3));
		} else {
			rc = decode_modrm_mem(d, out);
			if (rc)
				return rc;
		}
		if (attr & A_GRP3)
			imm = ext <= 1 ? (b == 0xf6 ? 1 : (out->opsize == 2 ? 2 : 4)) : 0;
		if ((attr & A_SSE4A) && (out->prefixes & (X86_PFX_OPSIZE | X86_PFX_REPNE)) &&
		    !(out->prefixes & X86_PFX_REP))
			imm = 1, imm2 = 1;
		if (reg_is_extension(out))
			out->reg = X86_REG_NONE;
	}
	if (attr & A_I16)
		imm = 2, imm2 = (attr & A_I8) ? 1 : 0; /* ENTER iw, ib */
	else if (attr & A_I8)
		imm = 1;
	else if (attr & A_IZ)
		imm = out->opsize == 2 ? 2 : 4;
	else if (attr & A_IV)
		imm = out->opsize;
	else if (attr & A_I32)
		imm = 4;
	else if (attr & A_FAR)
		imm = out->opsize == 2 ? 4 : 6;
	if (attr & A_MOFFS) {
		int64_t off;
		FETCH(d, out->mem.addr_size, &off);
		if (out->mem.addr_size < 8)
			off &= (int64_t)((1ull << (8 * out->mem.addr_size)) - 1);
		out->has_mem = true;
		out->mem.base = out->mem.index = X86_REG_NONE;
		out->mem.scale = 1;
		out->mem.disp = off;
		out->mem.seg = X86_SEG_DS;
		if ((out->prefixes & X86_PFX_SEG) && (mode != X86_MODE_64 || out->seg_override >= X86_SEG_FS))
			out->mem.seg = out->seg_override;
		out->reg = X86_REG_RAX;
	}
	if (imm == 6) { /* far pointer: offset then selector; keep the offset */
		FETCH(d, 4, &out->imm);
		d->pos += 2;
		if (d->pos > d->avail) {
			d->pos = d->avail;
			return ran_out(d, out);
		}
		out->imm_size = 4;
	} else if (imm) {
		FETCH(d, imm, &out->imm);
		out->imm_size = (uint8_t)imm;
	}
	if (imm2) {
		int64_t unused;
		FETCH(d, imm2, &unused);
	}
	if (out->encoding == X86_ENC_LEGACY && out->map == X86_MAP_1BYTE && (b == 0xaa || b == 0xab)) {
		out->has_mem = true;
		out->mem.base = X86_REG_RDI;
		out->mem.index = X86_REG_NONE;
		out->mem.scale = 1;
		out->mem.seg = X86_SEG_ES; /* STOS writes ES:[rDI]; no override applies (APM Vol. 3 "STOS") */
		out->reg = X86_REG_RAX;
	}
	if (out->encoding == X86_ENC_LEGACY)
		classify(d, out);
	out->len = (uint8_t)d->pos; /* at most 14 prefixes + 4 VEX/opcode + 1 + 1 + 8 + 8 bytes */
	if (d->pos > X86_MAX_LEN)
		return X86_ERR_TOO_LONG;
	return 0;
}
