/* SPDX-License-Identifier: MIT */
/* The reference x86 decoder used by test_x86_decode.c (x86_ref_capstone.c), in plain types. */
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
};

struct ref_insn {
	int len;
	int nops;
	struct ref_op op[REF_MAX_OPS];
	char text[200]; /* mnemonic and operands, for messages */
};

/* Open the reference (0 or -1); its name and version for the log. */
int ref_open(void);
const char *ref_version(void);
/* Decode the first instruction of bytes[0..n) in mode 0 = 16-bit, 1 = 32-bit, 2 = 64-bit: 1 if it decodes, else 0. */
int ref_decode(const uint8_t *bytes, size_t n, int mode, struct ref_insn *out);

#endif
