/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of lib/x86_decode.c: hand-checked lengths of the instructions hvmm intercepts, error cases, and
 * operands of the MMIO forms (MOVSXD without REX.W and segment-override orders among them); then two references,
 * Capstone (x86_ref_capstone.c) and Zydis (x86_ref_zydis.c): the same length for every encoding generated here (the
 * MMIO forms with every ModRM/SIB/displacement and prefix combination in 16-, 32- and 64-bit mode, every opcode of
 * every map, VEX/XOP/EVEX, random bytes) that a reference decodes, the same operand size, memory operand size and
 * register for the MMIO forms, and against Zydis the same memory operand with its default or override segment for
 * every encoding. Where a reference is wrong or decodes differently from AMD silicon, xref_known()
 * (x86_ref_compare.c) names the encoding class and the reason; each class is printed with its count and each such
 * encoding listed in build/tests/x86_decode_differences.txt.
 */
#define UNIT_MODULE "x86_decode"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "x86_decode.h"
#include "x86_ref.h"
#include "x86_ref_compare.h"

/* Where every known difference goes, one line per encoding with its reason (XD_DIFFERENCES overrides). */
#define DIFFERENCES "build/tests/x86_decode_differences.txt"

static const enum x86_mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
static const char *const mode_name[3] = { "16-bit", "32-bit", "64-bit" };

static void hex(const uint8_t *b, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%s%02x", i ? " " : "", b[i]);
	out[o] = 0;
}

/* ---- hand-checked cases ---- */

struct len_case {
	const char *what;
	int mode; /* 0, 1, 2 */
	const char *bytes; /* hex */
	int rc, len;
};

static size_t parse_hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		out[n++] = (uint8_t)strtoul((char[]){ s[0], s[1], 0 }, NULL, 16);
		s += 2;
	}
	return n;
}

static const struct len_case len_cases[] = {
	/* the instructions hvmm intercepts, bare and with prefixes (issue: resume point without nRIP) */
	{ "cpuid", 2, "0f a2", 0, 2 },
	{ "cs cpuid", 2, "2e 0f a2", 0, 3 },
	{ "two prefixes + cpuid", 2, "2e 3e 0f a2", 0, 4 },
	{ "rdmsr / wrmsr / rdpmc / rdtsc", 2, "66 0f 32", 0, 3 },
	{ "wrmsr", 1, "f3 0f 30", 0, 3 },
	{ "rdpmc", 2, "64 0f 33", 0, 3 },
	{ "rdtsc", 0, "0f 31", 0, 2 },
	{ "rdtscp", 2, "0f 01 f9", 0, 3 },
	{ "vmrun", 2, "0f 01 d8", 0, 3 },
	{ "rex.w vmmcall", 2, "48 0f 01 d9", 0, 4 },
	{ "ds vmmcall", 1, "3e 0f 01 d9", 0, 4 },
	{ "vmload / vmsave / stgi / clgi / skinit / invlpga", 2, "67 0f 01 df", 0, 4 },
	{ "hlt", 2, "f4", 0, 1 },
	{ "rep hlt", 2, "f3 f4", 0, 2 },
	{ "in al, imm8", 1, "e4 60", 0, 2 },
	{ "out imm8, eax", 2, "66 e7 80", 0, 3 },
	{ "in al, dx", 2, "ec", 0, 1 },
	{ "rep insb", 2, "f3 6c", 0, 2 },
	{ "rep outsw", 1, "f3 66 6f", 0, 3 },
	{ "invd", 2, "0f 08", 0, 2 },
	{ "wbinvd", 2, "26 0f 09", 0, 3 },
	{ "xsetbv", 2, "0f 01 d1", 0, 3 },
	{ "mov cr0, rax (mod 11)", 2, "0f 22 c0", 0, 3 },
	{ "mov cr3, rax encoded with mod 00: no displacement", 2, "0f 22 18", 0, 3 },
	{ "mov rax, cr2 with mod 10: still 3 bytes", 2, "0f 20 90 00 00 00 00", 0, 3 },
	{ "mov cr8, rax (rex.r)", 2, "44 0f 22 c0", 0, 4 },
	{ "mov dr7, rax with mod 01", 2, "0f 23 78 11", 0, 3 },
	{ "invlpg [rax+disp32]", 2, "0f 01 b8 00 10 00 00", 0, 7 },
	{ "invlpg [eax] with 67", 2, "67 0f 01 38", 0, 4 },
	{ "monitor", 2, "0f 01 c8", 0, 3 },
	{ "mwait", 2, "0f 01 c9", 0, 3 },
	{ "icebp", 2, "f1", 0, 1 },
	{ "pause", 2, "f3 90", 0, 2 },
	/* immediates, moffs and the odd ones */
	{ "mov eax, moffs64", 2, "a1 00 00 e0 fe 00 00 00 00", 0, 9 },
	{ "mov eax, moffs32 (67)", 2, "67 a1 b0 00 e0 fe", 0, 6 },
	{ "mov al, moffs32", 1, "a0 b0 00 e0 fe", 0, 5 },
	{ "mov al, moffs16 (67 in 32-bit)", 1, "67 a0 b0 00", 0, 4 },
	{ "mov moffs16, ax (16-bit)", 0, "a3 00 01", 0, 3 },
	{ "mov rax, imm64", 2, "48 b8 01 02 03 04 05 06 07 08", 0, 10 },
	{ "mov ax, imm16", 2, "66 b8 01 02", 0, 4 },
	{ "enter", 2, "c8 10 00 01", 0, 4 },
	{ "test byte [rax], imm8 (f6 /0)", 2, "f6 00 01", 0, 3 },
	{ "neg byte [rax] (f6 /3): no imm", 2, "f6 18", 0, 2 },
	{ "test dword [rax], imm32 (f7 /0)", 2, "f7 00 01 00 00 00", 0, 6 },
	{ "test word [rax], imm16 (66 f7 /0)", 2, "66 f7 00 01 00", 0, 5 },
	{ "rex.w test qword [rax], imm32", 2, "48 f7 00 01 00 00 00", 0, 7 },
	{ "3DNow! pfadd mm0, [rax+8]", 2, "0f 0f 40 08 9e", 0, 5 },
	{ "call rel32", 2, "e8 00 00 00 00", 0, 5 },
	{ "jmp ptr16:32", 1, "ea 00 00 00 00 08 00", 0, 7 },
	{ "jmp ptr16:16", 0, "ea 00 00 08 00", 0, 5 },
	{ "bound (32-bit, mod != 11)", 1, "62 00", 0, 2 },
	{ "les (32-bit, mod != 11)", 1, "c4 00", 0, 2 },
	{ "vzeroupper (c5, 32-bit)", 1, "c5 f8 77", 0, 3 },
	{ "vaddps ymm0, ymm1, [rax] (c5)", 2, "c5 f4 58 00", 0, 4 },
	{ "vpermq ymm0, [rax+rcx*8+disp32], imm8 (c4 map 3)", 2, "c4 e3 fd 00 84 c8 00 01 00 00 01", 0, 11 },
	{ "vaddps zmm0, zmm1, [rsp+disp8] (evex)", 2, "62 f1 74 48 58 44 24 01", 0, 8 },
	{ "evex map 3 with imm8", 2, "62 f3 7d 48 00 c0 01", 0, 7 },
	{ "rep stosb", 2, "f3 aa", 0, 2 },
	{ "rip-relative with imm32", 2, "c7 05 00 10 00 00 01 00 00 00", 0, 10 },
	{ "16-bit [bp+si+disp16]", 0, "8b 82 34 12", 0, 4 },
	{ "16-bit [disp16]", 0, "8b 06 34 12", 0, 4 },
	{ "32-bit [disp32] via sib base 101 mod 00", 1, "8b 04 25 00 00 e0 fe", 0, 7 },
	{ "rex before a legacy prefix is ignored", 2, "48 66 b8 01 00", 0, 5 },
	{ "13 prefixes + cpuid = 15 bytes", 2, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f a2", 0, 15 },
	/* errors */
	{ "14 prefixes + cpuid = 16 bytes: #GP", 2, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f a2",
	  X86_ERR_TOO_LONG, 16 },
	{ "15 prefixes: #GP before the opcode", 2, "2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 2e 0f a2",
	  X86_ERR_TOO_LONG, 0 },
	{ "5 prefixes + mov rax, imm64 = 15 bytes", 2, "66 66 66 66 66 48 b8 01 02 03 04 05 06 07 08", 0, 15 },
	{ "6 prefixes + mov rax, imm64 = 16 bytes: #GP", 2, "66 66 66 66 66 66 48 b8 01 02 03 04 05 06 07 08",
	  X86_ERR_TOO_LONG, 16 },
	{ "0f alone: truncated", 2, "0f", X86_ERR_TRUNCATED, 0 },
	{ "disp32 cut", 2, "8b 80 00 10", X86_ERR_TRUNCATED, 0 },
	{ "empty", 2, "", X86_ERR_TRUNCATED, 0 },
	{ "push es in 64-bit mode", 2, "06", X86_ERR_INVALID, 0 },
	{ "aaa in 64-bit mode", 2, "37", X86_ERR_INVALID, 0 },
	{ "jmp far ptr in 64-bit mode", 2, "ea 00 00 00 00 08 00", X86_ERR_INVALID, 0 },
	{ "0f 0b ud2 is a valid encoding", 2, "0f 0b", 0, 2 },
	{ "0f 04 undefined", 1, "0f 04", X86_ERR_INVALID, 0 },
	{ "66 before vex", 2, "66 c5 f8 77", X86_ERR_INVALID, 0 },
	{ "rex before vex", 2, "40 c5 f8 77", X86_ERR_INVALID, 0 },
	{ "vex map 0", 2, "c4 e0 78 10 00", X86_ERR_INVALID, 0 },
};

static void test_lengths(void)
{
	for (size_t i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];
		uint8_t b[32];
		size_t n = parse_hex(c->bytes, b);
		struct x86_insn in;
		int rc = x86_decode(b, n, modes[c->mode], &in);
		CHECK(rc == c->rc && in.len == c->len, "%s (%s: %s): rc %d len %u, want rc %d len %d", c->what,
		      mode_name[c->mode], c->bytes, rc, in.len, c->rc, c->len);
	}
	/* every prefix of a valid instruction is truncated, never an over-read (ASan checks the exact-size copies) */
	for (size_t i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		const struct len_case *c = &len_cases[i];
		uint8_t b[32];
		int bad = 0;
		parse_hex(c->bytes, b);
		if (c->rc)
			continue;
		for (size_t k = 0; k < (size_t)c->len; k++) {
			uint8_t *p = malloc(k ? k : 1);
			struct x86_insn in;
			memcpy(p, b, k);
			if (x86_decode(p, k, modes[c->mode], &in) != X86_ERR_TRUNCATED || in.len)
				bad++;
			free(p);
		}
		if (bad)
			CHECK(0, "%s: %d cut copies not reported truncated", c->what, bad);
	}
	CHECK(1, "cut copies of every valid case are truncated");
}

/* ---- hand-checked operands of the MMIO forms ---- */

struct opnd_case {
	const char *what;
	int mode;
	const char *bytes;
	uint8_t op, opsize, memsize, reg, flags;
	uint8_t base, index, scale, seg, addr_size;
	int64_t disp, imm;
};

#define N X86_REG_NONE
static const struct opnd_case opnd_cases[] = {
	{ "mov eax, [0xfee000b0] (32-bit moffs)", 1, "a1 b0 00 e0 fe", X86_OP_MOV, 4, 4, 0, 0, N, N, 1, X86_SEG_DS, 4,
	  0xfee000b0, 0 },
	{ "mov [rbx+rcx*4+0x10], esi", 2, "89 74 8b 10", X86_OP_MOV, 4, 4, 6, X86_F_MEM_DST, 3, 1, 4, X86_SEG_DS, 8,
	  0x10, 0 },
	{ "mov r9, [r12+r13*8-8]", 2, "4f 8b 4c ec f8", X86_OP_MOV, 8, 8, 9, 0, 12, 13, 8, X86_SEG_DS, 8, -8, 0 },
	{ "mov dword [rip+0x1000], 1", 2, "c7 05 00 10 00 00 01 00 00 00", X86_OP_MOV, 4, 4, N,
	  X86_F_MEM_DST | X86_F_SRC_IMM, X86_REG_RIP, N, 1, X86_SEG_DS, 8, 0x1000, 1 },
	{ "mov ah, [rax]", 2, "8a 20", X86_OP_MOV, 1, 1, 0, X86_F_REG_HIGH8, 0, N, 1, X86_SEG_DS, 8, 0, 0 },
	{ "mov spl, [rax] (rex)", 2, "40 8a 20", X86_OP_MOV, 1, 1, 4, 0, 0, N, 1, X86_SEG_DS, 8, 0, 0 },
	{ "movzx eax, word [rdx+0x20]", 2, "0f b7 42 20", X86_OP_MOVZX, 4, 2, 0, 0, 2, N, 1, X86_SEG_DS, 8, 0x20, 0 },
	{ "movsx rax, byte [rbp-1]", 2, "48 0f be 45 ff", X86_OP_MOVSX, 8, 1, 0, 0, 5, N, 1, X86_SEG_SS, 8, -1, 0 },
	{ "movsxd rax, dword [rsi]", 2, "48 63 06", X86_OP_MOVSXD, 8, 4, 0, 0, 6, N, 1, X86_SEG_DS, 8, 0, 0 },
	{ "or dword [rdi+0xf0], 0x100", 2, "81 8f f0 00 00 00 00 01 00 00", X86_OP_OR, 4, 4, N,
	  X86_F_MEM_DST | X86_F_SRC_IMM, 7, N, 1, X86_SEG_DS, 8, 0xf0, 0x100 },
	{ "and dword [eax], -2 (83 /4, 32-bit)", 1, "83 20 fe", X86_OP_AND, 4, 4, N, X86_F_MEM_DST | X86_F_SRC_IMM,
	  0, N, 1, X86_SEG_DS, 4, 0, -2 },
	{ "xor [ebx], cl", 1, "30 0b", X86_OP_XOR, 1, 1, 1, X86_F_MEM_DST, 3, N, 1, X86_SEG_DS, 4, 0, 0 },
	{ "cmp edx, fs:[esp+4]", 1, "64 3b 54 24 04", X86_OP_CMP, 4, 4, 2, 0, 4, N, 1, X86_SEG_FS, 4, 4, 0 },
	{ "test byte [rcx], 0x80", 2, "f6 01 80", X86_OP_TEST, 1, 1, N, X86_F_MEM_DST | X86_F_SRC_IMM, 1, N, 1,
	  X86_SEG_DS, 8, 0, -128 },
	{ "test [rcx], eax", 2, "85 01", X86_OP_TEST, 4, 4, 0, X86_F_MEM_DST, 1, N, 1, X86_SEG_DS, 8, 0, 0 },
	{ "xchg [r8], ax", 2, "66 41 87 00", X86_OP_XCHG, 2, 2, 0, X86_F_MEM_DST, 8, N, 1, X86_SEG_DS, 8, 0, 0 },
	{ "rep stosd (32-bit)", 1, "f3 ab", X86_OP_STOS, 4, 4, 0, X86_F_MEM_DST, 7, N, 1, X86_SEG_ES, 4, 0, 0 },
	{ "stosw with 67 in 64-bit", 2, "67 66 ab", X86_OP_STOS, 2, 2, 0, X86_F_MEM_DST, 7, N, 1, X86_SEG_ES, 4, 0, 0 },
	{ "16-bit mov [bp+di+2], ax", 0, "89 43 02", X86_OP_MOV, 2, 2, 0, X86_F_MEM_DST, 5, 7, 1, X86_SEG_SS, 2, 2, 0 },
	{ "32-bit 67 mov ax, [bx+si]", 1, "67 66 8b 00", X86_OP_MOV, 2, 2, 0, 0, 3, 6, 1, X86_SEG_DS, 2, 0, 0 },
	{ "bts dword [rax], 5", 2, "0f ba 28 05", X86_OP_BTS, 4, 4, N, X86_F_MEM_DST | X86_F_SRC_IMM, 0, N, 1,
	  X86_SEG_DS, 8, 0, 5 },
	{ "es override ignored in 64-bit", 2, "26 8b 00", X86_OP_MOV, 4, 4, 0, 0, 0, N, 1, X86_SEG_DS, 8, 0, 0 },
	{ "gs: mov [r13], eax (r13 base: DS default)", 2, "65 41 89 45 00", X86_OP_MOV, 4, 4, 0, X86_F_MEM_DST, 13,
	  N, 1, X86_SEG_GS, 8, 0, 0 },
	{ "sib index 100 with rex.x is r12", 2, "42 8b 04 20", X86_OP_MOV, 4, 4, 0, 0, 0, 12, 1, X86_SEG_DS, 8, 0, 0 },
	/* 64-bit mode ignores ES/CS/SS/DS overrides entirely: an FS/GS override before one stays (APM Vol. 3 §1.2.4) */
	{ "fs then es in 64-bit: fs", 2, "64 26 8b 00", X86_OP_MOV, 4, 4, 0, 0, 0, N, 1, X86_SEG_FS, 8, 0, 0 },
	{ "gs then ds in 64-bit: gs", 2, "65 3e 89 03", X86_OP_MOV, 4, 4, 0, X86_F_MEM_DST, 3, N, 1, X86_SEG_GS, 8, 0,
	  0 },
	{ "fs then es in 32-bit: the last, es", 1, "64 26 8b 00", X86_OP_MOV, 4, 4, 0, 0, 0, N, 1, X86_SEG_ES, 4, 0,
	  0 },
	/* 63 without REX.W in 64-bit mode: MOVSXD r32, r/m32, or r16, r/m16 with 66 (Intel SDM Vol. 2B MOVSX/MOVSXD) */
	{ "movsxd eax, dword [rsi] (no REX.W)", 2, "63 06", X86_OP_MOVSXD, 4, 4, 0, 0, 6, N, 1, X86_SEG_DS, 8, 0, 0 },
	{ "movsxd ax, word [rsi] (66, no REX.W)", 2, "66 63 06", X86_OP_MOVSXD, 2, 2, 0, 0, 6, N, 1, X86_SEG_DS, 8, 0,
	  0 },
	{ "movsxd r9d, dword [r8+4] (REX.R and REX.B, no W)", 2, "45 63 48 04", X86_OP_MOVSXD, 4, 4, 9, 0, 8, N, 1,
	  X86_SEG_DS, 8, 4, 0 },
	{ "movsxd rax, dword [rsi] (66 and REX.W: REX.W wins)", 2, "66 48 63 06", X86_OP_MOVSXD, 8, 4, 0, 0, 6, N, 1,
	  X86_SEG_DS, 8, 0, 0 },
};
#undef N

static void test_operands(void)
{
	for (size_t i = 0; i < sizeof(opnd_cases) / sizeof(opnd_cases[0]); i++) {
		const struct opnd_case *c = &opnd_cases[i];
		uint8_t b[32];
		size_t n = parse_hex(c->bytes, b);
		struct x86_insn in;
		int rc = x86_decode(b, n, modes[c->mode], &in);
		const struct x86_mem *m = &in.mem;
		CHECK(rc == 0 && in.len == n && in.op == c->op && in.opsize == c->opsize && in.memsize == c->memsize &&
			      in.reg == c->reg && in.flags == c->flags && in.has_mem && m->base == c->base &&
			      m->index == c->index && m->scale == c->scale && m->seg == c->seg &&
			      m->addr_size == c->addr_size && m->disp == c->disp &&
			      (!(c->flags & X86_F_SRC_IMM) || in.imm == c->imm),
		      "%s: rc %d len %u op %u opsize %u memsize %u reg %u flags %#x base %u index %u scale %u seg %u "
		      "asz %u disp %lld imm %lld",
		      c->what, rc, in.len, in.op, in.opsize, in.memsize, in.reg, in.flags, m->base, m->index, m->scale,
		      m->seg, m->addr_size, (long long)m->disp, (long long)in.imm);
	}
}

/* ---- against Capstone ---- */

/* ---- against two references: Capstone and Zydis ---- */

static const struct x86_ref *const refs[2] = { &ref_capstone, &ref_zydis };
#define NREFS 2

/* Known differences, by reason and reference: counted, each encoding written to the differences file. */
struct known {
	const char *reason;
	int ref;
	unsigned count;
};
static struct known known[64];
static FILE *diff_file;

struct tally {
	const char *what;
	unsigned long tried, neither, only_zydis;
	struct {
		unsigned long compared, agreed, known_diff, mismatches, opnd_checked;
	} r[NREFS];
};

static void note_known(const char *reason, int ref)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!known[i].reason || (known[i].reason == reason && known[i].ref == ref)) {
			known[i].reason = reason;
			known[i].ref = ref;
			known[i].count++;
			return;
		}
	}
}

static void report(FILE *f, const struct tally *t, const uint8_t *b, size_t n, int mode, int ref, const char *what,
		   int rc, const struct x86_insn *in, const struct ref_insn *r, const char *why)
{
	char h[64];

	hex(b, n < 16 ? n : 16, h, sizeof(h));
	fprintf(f, "%s%s, %s: %s: %s: ours rc %d len %u; %s len %d \"%s\"%s%s\n", f == stdout ? "  mismatch (" : "",
		t->what, mode_name[mode], h, what, rc, in->len, refs[ref]->name, r->len, r->text, why ? ": " : "",
		why ? why : "");
}

/* Decode b[0..n) with ours and both references in mode; compare length, and the operands (the MMIO forms' with
 * check_ops; every encoding's memory operand against Zydis, which names effective segments). */
static void compare(struct tally *t, const uint8_t *b, size_t n, int mode, int check_ops)
{
	struct x86_insn in;
	struct ref_insn r;
	uint8_t *copy = malloc(n);
	int rc, decoded = 0;

	memcpy(copy, b, n);
	t->tried++;
	rc = x86_decode(copy, n, modes[mode], &in);
	free(copy);
	for (int k = 0; k < NREFS; k++) {
		if (!refs[k]->decode(b, n, mode, &r)) {
			continue;
		}
		if (k == 1 && !decoded)
			t->only_zydis++;
		decoded = 1;
		t->r[k].compared++;
		unsigned what = (check_ops ? XREF_OPERANDS : 0) | (refs[k] == &ref_zydis ? XREF_MEMORY : 0);
		if (check_ops && in.op != X86_OP_OTHER && rc == 0)
			t->r[k].opnd_checked++;
		const char *d = xref_diff(mode, &in, rc, &r, what);
		if (!d) {
			t->r[k].agreed++;
			continue;
		}
		const char *why = xref_known(b, n, mode, &in, rc, refs[k], &r, d);
		if (why) {
			t->r[k].known_diff++;
			note_known(why, k);
			if (diff_file)
				report(diff_file, t, b, n, mode, k, d, rc, &in, &r, why);
			continue;
		}
		if (++t->r[k].mismatches <= (getenv("XD_VERBOSE") ? 100000u : 12u))
			report(stdout, t, b, n, mode, k, d, rc, &in, &r, NULL);
	}
	if (!decoded)
		t->neither++;
}

static void tally_done(const struct tally *t)
{
	for (int k = 0; k < NREFS; k++)
		CHECK(t->r[k].mismatches == 0 && t->r[k].compared > 0,
		      "%s against %s: %lu encodings, %lu decoded by it, %lu agree, %lu known differences, %lu mismatches; "
		      "operands of %lu MMIO forms compared",
		      t->what, refs[k]->name, t->tried, t->r[k].compared, t->r[k].agreed, t->r[k].known_diff,
		      t->r[k].mismatches, t->r[k].opnd_checked);
	printf("%s: %lu encodings Capstone declines that Zydis decodes; %lu neither decodes\n", t->what, t->only_zydis,
	       t->neither);
}

/* Fill the bytes after an opcode's ModRM with a recognisable displacement/immediate pattern. */
static const uint8_t tail[16] = { 0x78, 0x56, 0x34, 0x92, 0x11, 0x22, 0x33, 0x84,
				  0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };

static size_t build(uint8_t *buf, const uint8_t *pfx, size_t npfx, const uint8_t *op, size_t nop, int modrm, int sib)
{
	size_t n = 0;
	if (npfx)
		memcpy(buf, pfx, npfx);
	n += npfx;
	memcpy(buf + n, op, nop);
	n += nop;
	if (modrm >= 0)
		buf[n++] = (uint8_t)modrm;
	if (sib >= 0)
		buf[n++] = (uint8_t)sib;
	memcpy(buf + n, tail, sizeof(tail));
	return n + sizeof(tail);
}

/* The MMIO forms: opcode bytes and the ModRM.reg values that select them (-1: any). */
struct form {
	uint8_t op[2];
	uint8_t nop;
	int8_t ext; /* required ModRM.reg, or -1 */
	uint8_t only64; /* 63 is MOVSXD only in 64-bit mode */
};

static const struct form forms[] = {
	{ { 0x88 }, 1, -1, 0 }, { { 0x89 }, 1, -1, 0 }, { { 0x8a }, 1, -1, 0 }, { { 0x8b }, 1, -1, 0 },
	{ { 0xc6 }, 1, 0, 0 }, { { 0xc7 }, 1, 0, 0 },
	{ { 0x0f, 0xb6 }, 2, -1, 0 }, { { 0x0f, 0xb7 }, 2, -1, 0 }, { { 0x0f, 0xbe }, 2, -1, 0 },
	{ { 0x0f, 0xbf }, 2, -1, 0 }, { { 0x63 }, 1, -1, 1 },
	{ { 0x00 }, 1, -1, 0 }, { { 0x01 }, 1, -1, 0 }, { { 0x02 }, 1, -1, 0 }, { { 0x03 }, 1, -1, 0 },
	{ { 0x08 }, 1, -1, 0 }, { { 0x09 }, 1, -1, 0 }, { { 0x0a }, 1, -1, 0 }, { { 0x0b }, 1, -1, 0 },
	{ { 0x10 }, 1, -1, 0 }, { { 0x11 }, 1, -1, 0 }, { { 0x18 }, 1, -1, 0 }, { { 0x19 }, 1, -1, 0 },
	{ { 0x20 }, 1, -1, 0 }, { { 0x21 }, 1, -1, 0 }, { { 0x22 }, 1, -1, 0 }, { { 0x23 }, 1, -1, 0 },
	{ { 0x28 }, 1, -1, 0 }, { { 0x29 }, 1, -1, 0 }, { { 0x2a }, 1, -1, 0 }, { { 0x2b }, 1, -1, 0 },
	{ { 0x30 }, 1, -1, 0 }, { { 0x31 }, 1, -1, 0 }, { { 0x32 }, 1, -1, 0 }, { { 0x33 }, 1, -1, 0 },
	{ { 0x38 }, 1, -1, 0 }, { { 0x39 }, 1, -1, 0 }, { { 0x3a }, 1, -1, 0 }, { { 0x3b }, 1, -1, 0 },
	{ { 0x80 }, 1, -1, 0 }, { { 0x81 }, 1, -1, 0 }, { { 0x83 }, 1, -1, 0 },
	{ { 0x84 }, 1, -1, 0 }, { { 0x85 }, 1, -1, 0 }, { { 0xf6 }, 1, 0, 0 }, { { 0xf7 }, 1, 0, 0 },
	{ { 0x86 }, 1, -1, 0 }, { { 0x87 }, 1, -1, 0 },
	{ { 0x0f, 0xa3 }, 2, -1, 0 }, { { 0x0f, 0xab }, 2, -1, 0 }, { { 0x0f, 0xb3 }, 2, -1, 0 },
	{ { 0x0f, 0xbb }, 2, -1, 0 }, { { 0x0f, 0xba }, 2, 4, 0 }, { { 0x0f, 0xba }, 2, 5, 0 },
	{ { 0x0f, 0xba }, 2, 6, 0 }, { { 0x0f, 0xba }, 2, 7, 0 },
};

/* Prefix sets for the MMIO table. */
static const struct { uint8_t b[4]; uint8_t n; uint8_t only64; } pfxs[] = {
	{ { 0 }, 0, 0 }, { { 0x66 }, 1, 0 }, { { 0x67 }, 1, 0 }, { { 0x66, 0x67 }, 2, 0 }, { { 0x2e }, 1, 0 },
	{ { 0x36 }, 1, 0 }, { { 0x64 }, 1, 0 }, { { 0x65, 0x66 }, 2, 0 }, { { 0xf0 }, 1, 0 }, { { 0x26, 0x67 }, 2, 0 },
	{ { 0x40 }, 1, 1 }, { { 0x41 }, 1, 1 }, { { 0x42 }, 1, 1 }, { { 0x44 }, 1, 1 }, { { 0x48 }, 1, 1 },
	{ { 0x4f }, 1, 1 }, { { 0x66, 0x48 }, 2, 1 }, { { 0x66, 0x41 }, 2, 1 }, { { 0x67, 0x4b }, 2, 1 },
	{ { 0x64, 0x67, 0x4d }, 3, 1 }, { { 0x48, 0x66 }, 2, 1 },
};

static void test_mmio_forms(void)
{
	for (int mode = 0; mode < 3; mode++) {
		struct tally t = { .what = mode == 0 ? "MMIO forms 16-bit" : mode == 1 ? "MMIO forms 32-bit"
										     : "MMIO forms 64-bit" };
		uint8_t buf[48];
		for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
			if (forms[f].only64 && mode != 2)
				continue;
			for (size_t p = 0; p < sizeof(pfxs) / sizeof(pfxs[0]); p++) {
				if (pfxs[p].only64 && mode != 2)
					continue;
				for (int modrm = 0; modrm < 256; modrm++) {
					if (forms[f].ext >= 0 && ((modrm >> 3) & 7) != forms[f].ext)
						continue;
					size_t n = build(buf, pfxs[p].b, pfxs[p].n, forms[f].op, forms[f].nop, modrm, -1);
					compare(&t, buf, n, mode, 1);
				}
				/* every SIB byte under each mod (ModRM.reg fixed per form) */
				if (p % 3 != 0 && mode != 2)
					continue;
				for (int mod = 0; mod < 3; mod++) {
					int reg = forms[f].ext >= 0 ? forms[f].ext : (int)(p + mod) & 7;
					for (int sib = 0; sib < 256; sib++) {
						size_t n = build(buf, pfxs[p].b, pfxs[p].n, forms[f].op, forms[f].nop,
								 (mod << 6) | (reg << 3) | 4, sib);
						compare(&t, buf, n, mode, 1);
					}
				}
			}
		}
		/* moffs and STOS */
		static const uint8_t plain[] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xaa, 0xab };
		for (size_t o = 0; o < sizeof(plain); o++) {
			for (size_t p = 0; p < sizeof(pfxs) / sizeof(pfxs[0]); p++) {
				if (pfxs[p].only64 && mode != 2)
					continue;
				size_t n = build(buf, pfxs[p].b, pfxs[p].n, &plain[o], 1, -1, -1);
				compare(&t, buf, n, mode, 1);
				uint8_t rep[5] = { 0xf3 };
				memcpy(rep + 1, pfxs[p].b, pfxs[p].n);
				n = build(buf, rep, pfxs[p].n + 1u, &plain[o], 1, -1, -1);
				compare(&t, buf, n, mode, 1);
			}
		}
		tally_done(&t);
	}
}

/* Every opcode of every legacy map, each mode, a few ModRM/SIB shapes and prefixes: length only. */
static void test_all_opcodes(void)
{
	static const int modrms[] = { 0x00, 0x05, 0x04, 0x44, 0x84, 0x80, 0xc0, 0x18, 0x3d, 0xd9, 0xf8, 0x26, 0x4e };
	static const struct { uint8_t b[3]; uint8_t n; } legacy_pfx[] = {
		{ { 0 }, 0 }, { { 0x66 }, 1 }, { { 0x67 }, 1 }, { { 0xf3 }, 1 }, { { 0xf2 }, 1 }, { { 0x66, 0xf2 }, 2 },
		{ { 0x2e }, 1 }, { { 0x48 }, 1 }, { { 0x66, 0x48 }, 2 }, { { 0x41 }, 1 },
	};
	for (int mode = 0; mode < 3; mode++) {
		struct tally t = { .what = mode == 0 ? "all opcodes 16-bit" : mode == 1 ? "all opcodes 32-bit"
										      : "all opcodes 64-bit" };
		uint8_t buf[48];
		for (int map = 0; map < 4; map++) {
			for (int op = 0; op < 256; op++) {
				uint8_t opb[3];
				size_t nop = 0;
				if (map >= 1)
					opb[nop++] = 0x0f;
				if (map == 2)
					opb[nop++] = 0x38;
				if (map == 3)
					opb[nop++] = 0x3a;
				opb[nop++] = (uint8_t)op;
				for (size_t p = 0; p < sizeof(legacy_pfx) / sizeof(legacy_pfx[0]); p++) {
					if (legacy_pfx[p].b[legacy_pfx[p].n ? legacy_pfx[p].n - 1 : 0] >= 0x40 &&
					    legacy_pfx[p].b[legacy_pfx[p].n ? legacy_pfx[p].n - 1 : 0] <= 0x4f && mode != 2)
						continue;
					for (size_t m = 0; m < sizeof(modrms) / sizeof(modrms[0]); m++) {
						int sib = (modrms[m] & 7) == 4 && modrms[m] < 0xc0 ? 0x25 : -1;
						size_t n = build(buf, legacy_pfx[p].b, legacy_pfx[p].n, opb, nop, modrms[m],
								 sib);
						compare(&t, buf, n, mode, 0);
					}
				}
			}
		}
		tally_done(&t);
	}
}

/* VEX (C4/C5), XOP (8F) and EVEX (62): every opcode of each map with a few payloads and ModRM shapes. */
static void test_vex(void)
{
	static const int modrms[] = { 0x00, 0x05, 0x04, 0x44, 0x84, 0xc1, 0xd8 };
	for (int mode = 1; mode < 3; mode++) {
		struct tally t = { .what = mode == 1 ? "VEX/XOP/EVEX 32-bit" : "VEX/XOP/EVEX 64-bit" };
		uint8_t buf[48];
		for (int op = 0; op < 256; op++) {
			for (size_t m = 0; m < sizeof(modrms) / sizeof(modrms[0]); m++) {
				int sib = (modrms[m] & 7) == 4 && modrms[m] < 0xc0 ? 0x25 : -1;
				for (int pp = 0; pp < 4; pp++) {
					for (int l = 0; l < 2; l++) {
						uint8_t c5[3] = { 0xc5, (uint8_t)(0xf8 | (l << 2) | pp), (uint8_t)op };
						size_t n = build(buf, NULL, 0, c5, 3, modrms[m], sib);
						compare(&t, buf, n, mode, 0);
						for (int map = 1; map <= 3; map++) {
							for (int w = 0; w < 2; w++) {
								uint8_t c4[4] = { 0xc4, (uint8_t)(0xe0 | map),
										  (uint8_t)((w << 7) | 0x78 | (l << 2) | pp),
										  (uint8_t)op };
								n = build(buf, NULL, 0, c4, 4, modrms[m], sib);
								compare(&t, buf, n, mode, 0);
							}
							uint8_t e[5] = { 0x62, (uint8_t)(0xf0 | map),
									 (uint8_t)(0x7c | pp | (l << 7)),
									 (uint8_t)(0x08 | (l << 5)), (uint8_t)op };
							n = build(buf, NULL, 0, e, 5, modrms[m], sib);
							compare(&t, buf, n, mode, 0);
						}
						for (int map = 8; map <= 10; map++) {
							uint8_t x[4] = { 0x8f, (uint8_t)(0xe0 | map),
									 (uint8_t)(0x78 | (l << 2) | pp), (uint8_t)op };
							n = build(buf, NULL, 0, x, 4, modrms[m], sib);
							compare(&t, buf, n, mode, 0);
						}
					}
				}
			}
		}
		tally_done(&t);
	}
}

/* Random byte strings, biased towards prefixes and escapes; whenever Capstone decodes, the lengths must agree. */
static void test_random(void)
{
	static const uint8_t bias[] = { 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36, 0x0f, 0x0f,
					0x0f, 0x48, 0x41, 0x4c, 0xc4, 0xc5, 0x62, 0x8f, 0x38, 0x3a };
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	for (int mode = 0; mode < 3; mode++) {
		struct tally t = { .what = mode == 0 ? "random bytes 16-bit" : mode == 1 ? "random bytes 32-bit"
										       : "random bytes 64-bit" };
		for (int i = 0; i < 200000; i++) {
			uint8_t buf[16];
			for (int k = 0; k < 16; k++) {
				uint64_t v = unit_random(&rng);
				buf[k] = (k < 3 && (v >> 32) % 3 == 0) ? bias[(v >> 40) % sizeof(bias)] : (uint8_t)v;
			}
			compare(&t, buf, sizeof(buf), mode, 1);
		}
		tally_done(&t);
	}
}

/* A successful decoding depends on the instruction's own bytes only (x86_decode.h; guest/mmio.c reuses a decoding
 * while they are unchanged): the same bytes with everything after them changed, or with only len bytes available,
 * decode to the identical struct. Random strings biased towards prefixes, escapes and ModRM/SIB forms. */
static void test_own_bytes_only(void)
{
	static const uint8_t bias[] = { 0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x64, 0x65, 0x0f, 0x0f, 0x48, 0x41, 0xc4,
					0xc5, 0x62, 0x8f, 0x38, 0x3a, 0xa1, 0xc7, 0x89, 0x8b, 0xf6, 0xea, 0x9a };
	uint64_t rng = 0x2545f4914f6cdd1dull;
	unsigned decoded = 0, differ = 0;
	for (int mode = 0; mode < 3; mode++)
		for (int i = 0; i < 100000; i++) {
			uint8_t a[X86_MAX_LEN], b[X86_MAX_LEN];
			for (int k = 0; k < X86_MAX_LEN; k++) {
				uint64_t v = unit_random(&rng);
				a[k] = (k < 4 && (v >> 32) % 2 == 0) ? bias[(v >> 40) % sizeof(bias)] : (uint8_t)v;
			}
			struct x86_insn x, y, z;
			if (x86_decode(a, sizeof(a), modes[mode], &x))
				continue;
			decoded++;
			memcpy(b, a, sizeof(b));
			for (int k = x.len; k < X86_MAX_LEN; k++)
				b[k] = (uint8_t)~a[k];
			int rb = x86_decode(b, sizeof(b), modes[mode], &y), rc = x86_decode(a, x.len, modes[mode], &z);
			if (rb || rc || memcmp(&x, &y, sizeof(x)) || memcmp(&x, &z, sizeof(x))) {
				char h[64];
				hex(a, x.len, h, sizeof(h));
				if (differ++ < 5)
					printf("%s %s: the decoding changed with the bytes after the instruction\n",
					       mode_name[mode], h);
			}
		}
	CHECK(decoded > 100000 && differ == 0, "%u decodings depend on their own bytes only (%u differ)", decoded,
	      differ);
}

int main(void)
{
	const char *diff_path = getenv("XD_DIFFERENCES") ? getenv("XD_DIFFERENCES") : DIFFERENCES;

	test_lengths();
	test_operands();
	test_own_bytes_only();
	for (int k = 0; k < NREFS; k++) {
		if (refs[k]->open()) {
			CHECK(0, "%s: opening the reference failed", refs[k]->name);
			return unit_done();
		}
		printf("reference: %s\n", refs[k]->version());
	}
	diff_file = fopen(diff_path, "w");
	CHECK(diff_file != NULL, "every known difference is listed in %s", diff_path);
	test_mmio_forms();
	test_all_opcodes();
	test_vex();
	test_random();
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && known[i].reason; i++)
		printf("known difference from %s: %u encodings: %s\n", refs[known[i].ref]->name, known[i].count,
		       known[i].reason);
	if (diff_file)
		fclose(diff_file);
	return unit_done();
}
