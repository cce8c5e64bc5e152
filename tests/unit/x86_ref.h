/* SPDX-License-Identifier: MIT */
/* The reference x86 decoders of test_x86_decode.c and fuzz_x86_decode.c, in plain types: Capstone
 * (x86_ref_capstone.c) and Zydis (x86_ref_zydis.c). */
#ifndef HVMM_TESTS_X86_REF_H
#define HVMM_TESTS_X86_REF_H
#include <stddef.h>
#include <stdint.h>

#define REF_MAX_OPS 8
#define REF_REG_NONE 0xff /* no register (also: no segment override) */
#define REF_REG_OTHER 0xfe /* a register that is not a general-purpose one */

enum { REF_OP_REG = 1, REF_OP_IMM, REF_OP_MEM, REF_OP_OTHER };

struct ref_op {
	int kind; /* REF_OP_* */
	int size; /* bytes */
	int reg, high8; /* REF_OP_REG: GPR number 0-15 (AH-BH: 0-3 with high8), 16 = RIP, or REF_REG_* */
	int64_t imm; /* REF_OP_IMM */
	int base, index, scale, seg; /* REF_OP_MEM: GPR numbers, 16 = RIP; seg 0-5 = ES..GS or REF_REG_NONE */
	int64_t disp;
	int agen; /* REF_OP_MEM: an address only, never accessed (LEA, MIB, VSIB) */
	int hidden; /* not written in the instruction's text (the stack of PUSH, STOS's destination) */
};

struct ref_insn {
	int len;
	int opsize, addr_size; /* bytes; 0 when the reference does not say */
	int seg_effective; /* memory operands name the effective segment (default or override), not only overrides */
	int nops;
	struct ref_op op[REF_MAX_OPS];
	char text[200]; /* mnemonic and operands, for messages */
};

struct x86_ref {
	const char *name;
	int (*open)(void); /* 0 or -1 */
	const char *(*version)(void); /* name and version, for the log */
	/* Decode the first instruction of bytes[0..n) in mode 0 = 16-bit, 1 = 32-bit, 2 = 64-bit: 1 if it decodes. */
	int (*decode)(const uint8_t *bytes, size_t n, int mode, struct ref_insn *out);
};

extern const struct x86_ref ref_capstone, ref_zydis;

/* Set r to a memory operand: base and index as GPR numbers (16 = RIP) or REF_REG_*, seg 0-5 or REF_REG_NONE, agen as
 * in struct ref_op. Each reference maps its own register names first. */
static inline void ref_op_mem(struct ref_op *r, int base, int index, int scale, int64_t disp, int seg, int agen)
{
	r->kind = REF_OP_MEM;
	r->base = base;
	r->index = index;
	r->scale = scale;
	r->disp = disp;
	r->seg = seg;
	r->agen = agen;
}

#endif
