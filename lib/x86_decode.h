/* SPDX-License-Identifier: MIT */
/* x86 instruction decoder: length of any instruction and the operands of the forms MMIO emulation needs. */
#ifndef HVMM_LIB_X86_DECODE_H
#define HVMM_LIB_X86_DECODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * API summary
 *   int x86_decode(bytes, avail, mode, &insn)
 *     Decodes the one instruction at bytes[0..avail) as a CPU in `mode` would (the caller picks the mode from the
 *     code segment: CS.L = 1 -> X86_MODE_64, else CS.D = 1 -> X86_MODE_32, else X86_MODE_16; real and virtual-8086
 *     mode are X86_MODE_16). Freestanding: no allocation, no global state, reads nothing outside bytes[0..avail).
 *     Returns 0 and fills *insn, or one of
 *       X86_ERR_TRUNCATED  the instruction needs more than avail bytes (fetch more, or the fetch faulted: #PF);
 *       X86_ERR_INVALID    an undefined encoding in this mode (#UD on the CPU);
 *       X86_ERR_TOO_LONG   longer than 15 bytes (#GP on the CPU, APM Vol. 3 §1.1); insn->len holds the real
 *                          length when avail covered all of it and the prefixes alone were under 15 bytes, else 0.
 *     On every error but X86_ERR_TOO_LONG, insn->len is 0.
 *   Length: every opcode of the one-byte, 0F, 0F 38 and 0F 3A maps, 3DNow! (0F 0F), VEX (C4/C5), XOP (8F) and EVEX
 *     (62), with all legacy prefixes and REX (64-bit mode only; a REX not directly before the opcode is ignored, as the
 *     CPU does). Near branches with 66 in 64-bit mode take a 16-bit displacement as on AMD (Intel ignores the 66).
 *   Operands (legacy and VEX encodings): insn->mem (base, index, scale, displacement, RIP-relative, segment, address
 *     size) when has_mem; insn->reg, the register operand; opsize and memsize; the immediate; and insn->op, the kind
 *     of MMIO-relevant instruction (MOV, MOVZX/MOVSX/MOVSXD, ALU ops, TEST, XCHG, STOS, BT*), X86_OP_OTHER for the
 *     rest. The caller computes the effective address from the guest's registers:
 *       ea = (base ? reg[base] : 0) + (index ? reg[index] * scale : 0) + disp (+ RIP of the next instruction when
 *       base == X86_REG_RIP), truncated to addr_size bytes, in segment mem.seg.
 */

enum x86_mode { X86_MODE_16, X86_MODE_32, X86_MODE_64 };

#define X86_ERR_TRUNCATED (-1)
#define X86_ERR_INVALID (-2)
#define X86_ERR_TOO_LONG (-3)
#define X86_MAX_LEN 15 /* APM Vol. 3 §1.1: longer instructions raise #GP */

/* General-purpose registers by their encoding number (ModRM.reg/rm, SIB, with REX.R/X/B as bit 3). */
enum x86_reg {
	X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP, X86_REG_RSI, X86_REG_RDI,
	X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15,
	X86_REG_RIP = 16, /* only as mem.base: RIP-relative (64-bit mode, ModRM mod 00 rm 101) */
	X86_REG_NONE = 0xff,
};

/* Segment registers by their encoding number (Sreg). */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS };

/* Prefixes seen (insn->prefixes). */
#define X86_PFX_LOCK 0x01 /* F0 */
#define X86_PFX_REPNE 0x02 /* F2 (the last of F2/F3 counts) */
#define X86_PFX_REP 0x04 /* F3 */
#define X86_PFX_OPSIZE 0x08 /* 66 */
#define X86_PFX_ADSIZE 0x10 /* 67 */
#define X86_PFX_SEG 0x20 /* a segment override (insn->seg_override holds the last one; in 64-bit mode an FS/GS one
			   * is not replaced by a later ES/CS/SS/DS one, which that mode ignores) */
#define X86_PFX_REX 0x40 /* a REX prefix directly before the opcode (insn->rex) */

/* Instruction encodings (insn->encoding). */
enum x86_encoding { X86_ENC_LEGACY, X86_ENC_VEX, X86_ENC_XOP, X86_ENC_EVEX, X86_ENC_3DNOW };

/* Opcode maps (insn->map): legacy one-byte, 0F, 0F 38, 0F 3A; VEX/EVEX use 1-3 the same way; XOP 8-10. */
enum x86_map { X86_MAP_1BYTE = 0, X86_MAP_0F = 1, X86_MAP_0F38 = 2, X86_MAP_0F3A = 3 };

/* The MMIO-relevant instruction kinds (insn->op). */
enum x86_op {
	X86_OP_OTHER, /* anything else: not emulated for MMIO */
	X86_OP_MOV, /* 88/89 (store reg), 8A/8B (load reg), C6/C7 (store imm), A0-A3 (moffs) */
	X86_OP_MOVZX, /* 0F B6/B7: load memsize bytes, zero-extend to opsize */
	X86_OP_MOVSX, /* 0F BE/BF: load memsize bytes, sign-extend to opsize */
	X86_OP_MOVSXD, /* 63 in 64-bit mode: load memsize (4, or 2 with 66) bytes, sign-extend to opsize */
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP, /* 00-3F, 80-83 */
	X86_OP_TEST, /* 84/85, F6/F7 /0 (and the /1 alias) */
	X86_OP_XCHG, /* 86/87 (locked on the CPU whether or not F0 is given) */
	X86_OP_STOS, /* AA/AB: store AL/AX/EAX/RAX to ES:[rDI]; with X86_PFX_REP repeated rCX times */
	X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC, /* 0F A3/AB/B3/BB (bit offset in reg), 0F BA /4-7 (imm8) */
};

/* insn->flags for the MMIO kinds. */
#define X86_F_MEM_DST 0x01 /* the r/m operand is the destination (written back unless CMP/TEST/BT) */
#define X86_F_SRC_IMM 0x02 /* the source is insn->imm (else it is insn->reg or, for loads, the r/m operand) */
#define X86_F_REG_HIGH8 0x04 /* insn->reg names AH/CH/DH/BH: bits 15:8 of RAX/RCX/RDX/RBX (reg = 0-3) */
#define X86_F_RM_HIGH8 0x08 /* the r/m operand is a register (mod 11) and names AH/CH/DH/BH (rm_reg = 0-3) */

struct x86_mem {
	uint8_t base; /* enum x86_reg: a GPR, X86_REG_RIP, or X86_REG_NONE */
	uint8_t index; /* a GPR or X86_REG_NONE (SIB index 100 without REX.X is "none") */
	uint8_t scale; /* 1, 2, 4 or 8 */
	uint8_t seg; /* enum x86_seg: the override, else SS for rBP/rSP bases, else DS (ES for STOS, never overridden) */
	uint8_t addr_size; /* bytes: 2, 4 or 8 (mode and 67) */
	int64_t disp; /* sign-extended displacement; moffs (A0-A3): the offset zero-extended; EVEX: the raw disp8 */
};

struct x86_insn {
	uint8_t len; /* bytes, prefixes included (1-15) */
	uint8_t encoding; /* enum x86_encoding */
	uint8_t map; /* enum x86_map (XOP: 8-10) */
	uint8_t opcode; /* the opcode byte in its map */
	uint8_t prefixes; /* X86_PFX_* */
	uint8_t seg_override; /* enum x86_seg, when X86_PFX_SEG */
	uint8_t rex; /* the REX byte (0x40-0x4f) when X86_PFX_REX, else 0 */
	uint8_t npfx; /* bytes of legacy and REX prefixes before the opcode (VEX/XOP/EVEX bytes not counted) */
	bool has_modrm, has_sib;
	uint8_t modrm, sib;
	uint8_t opsize; /* operand size in bytes: 1 for byte forms, else 2/4/8 from mode, 66 and REX.W */
	uint8_t memsize; /* bytes the memory operand is accessed with (MMIO kinds); 0 when unknown */
	uint8_t reg; /* ModRM.reg (+REX.R) as enum x86_reg; AL/eAX = 0 for A0-A3, AA/AB; X86_REG_NONE if none */
	uint8_t rm_reg; /* ModRM.rm (+REX.B) when mod == 11, else X86_REG_NONE */
	bool has_mem; /* ModRM names memory (mod != 11), or A0-A3, or STOS */
	struct x86_mem mem;
	uint8_t imm_size; /* bytes of the (first) immediate: 0, 1, 2, 4 or 8 */
	int64_t imm; /* the immediate, sign-extended from imm_size bytes (ENTER: the 16-bit size; zero-extend yourself) */
	uint8_t op; /* enum x86_op */
	uint8_t flags; /* X86_F_* */
};

/* Decode one instruction; see the summary above. out is always written. The decoder reads no byte past the
 * instruction it returns: a successful result depends only on its len bytes and mode, whatever follows them (hvmm's
 * MMIO path reuses a decoding while those bytes are unchanged; test_x86_decode checks it). */
int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out);

#endif
