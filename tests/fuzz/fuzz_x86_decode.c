/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/x86_decode.c: byte 0 picks the mode (16/32/64-bit: value % 3), the rest are instruction
 * bytes, copied to a heap buffer of exactly their size. Beyond "no sanitizer report": the result is one of the
 * documented codes; on success 1 <= len <= 15 and len <= avail, the operand fields are in range, decoding the same
 * bytes again gives the same answer, decoding exactly len bytes gives the same answer, and len - 1 bytes are
 * "truncated"; X86_ERR_TOO_LONG reports a length of 0 or over 15. And against a second decoder, Zydis
 * (tests/unit/x86_ref_zydis.c): whenever it decodes the bytes, ours gives the same length, and the same memory operand
 * (base, index, scale, displacement, default or override segment) and MMIO operands, unless the difference is one
 * of the known classes of tests/unit/x86_ref_compare.c (where Zydis is wrong for AMD silicon).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x86_decode.h"
#include "x86_ref.h"
#include "x86_ref_compare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fields a caller uses; abort when two decodes of the same bytes differ. */
static void same(const struct x86_insn *a, const struct x86_insn *b)
{
	if (a->len != b->len || a->encoding != b->encoding || a->map != b->map || a->opcode != b->opcode ||
	    a->prefixes != b->prefixes || a->rex != b->rex || a->modrm != b->modrm || a->sib != b->sib ||
	    a->opsize != b->opsize || a->memsize != b->memsize || a->reg != b->reg || a->rm_reg != b->rm_reg ||
	    a->has_mem != b->has_mem || a->imm_size != b->imm_size || a->imm != b->imm || a->op != b->op ||
	    a->flags != b->flags)
		abort();
	if (a->has_mem && (a->mem.base != b->mem.base || a->mem.index != b->mem.index ||
			   a->mem.scale != b->mem.scale || a->mem.seg != b->mem.seg || a->mem.disp != b->mem.disp ||
			   a->mem.addr_size != b->mem.addr_size))
		abort();
}

static int decode_copy(const uint8_t *src, size_t n, enum x86_mode mode, struct x86_insn *out)
{
	uint8_t *p = malloc(n ? n : 1);
	int rc;

	if (!p)
		abort();
	memcpy(p, src, n);
	rc = x86_decode(p, n, mode, out);
	free(p);
	return rc;
}

/* Zydis decodes the bytes too: abort on a difference that is not a known one. */
static void against_reference(const uint8_t *bytes, size_t n, int mode, const struct x86_insn *in, int rc)
{
	static int opened;
	struct ref_insn r;

	if (!opened) {
		if (ref_zydis.open())
			abort();
		opened = 1;
	}
	if (!ref_zydis.decode(bytes, n, mode, &r))
		return;
	const char *what = xref_diff(mode, in, rc, &r, XREF_OPERANDS | XREF_MEMORY);
	if (what && !xref_known(bytes, n, mode, in, rc, &ref_zydis, &r, what)) {
		fprintf(stderr, "fuzz_x86_decode: %s differs from %s \"%s\" (ours rc %d len %u, its len %d)\n", what,
			ref_zydis.name, r.text, rc, in->len, r.len);
		abort();
	}
}

static int gpr_or(uint8_t r, uint8_t extra)
{
	return r < 16 || r == X86_REG_NONE || r == extra;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum x86_mode modes[3] = { X86_MODE_16, X86_MODE_32, X86_MODE_64 };
	struct x86_insn a, b;

	if (size < 1)
		return 0;
	enum x86_mode mode = modes[data[0] % 3];
	const uint8_t *bytes = data + 1;
	size_t n = size - 1;
	if (n > 64)
		n = 64; /* nothing past 15 bytes matters; keep runs fast */

	int rc = decode_copy(bytes, n, mode, &a);
	if (decode_copy(bytes, n, mode, &b) != rc)
		abort();
	same(&a, &b);
	against_reference(bytes, n, data[0] % 3, &a, rc);
	switch (rc) {
	case 0:
		break;
	case X86_ERR_TRUNCATED:
	case X86_ERR_INVALID:
		if (a.len)
			abort();
		return 0;
	case X86_ERR_TOO_LONG:
		if (a.len && (a.len <= X86_MAX_LEN || a.len > n))
			abort();
		return 0;
	default:
		abort();
	}
	if (a.len < 1 || a.len > X86_MAX_LEN || a.len > n || a.npfx >= a.len)
		abort();
	if (a.opsize != 1 && a.opsize != 2 && a.opsize != 4 && a.opsize != 8)
		abort();
	if (a.imm_size != 0 && a.imm_size != 1 && a.imm_size != 2 && a.imm_size != 4 && a.imm_size != 8)
		abort();
	if (!gpr_or(a.reg, X86_REG_NONE) || !gpr_or(a.rm_reg, X86_REG_NONE))
		abort();
	if (a.has_mem) {
		const struct x86_mem *m = &a.mem;
		if (!gpr_or(m->base, X86_REG_RIP) || !gpr_or(m->index, X86_REG_NONE) || m->seg > X86_SEG_GS)
			abort();
		if (m->scale != 1 && m->scale != 2 && m->scale != 4 && m->scale != 8)
			abort();
		if (m->addr_size != 2 && m->addr_size != 4 && m->addr_size != 8)
			abort();
		if (m->base == X86_REG_RIP && mode != X86_MODE_64)
			abort();
	}
	if (a.op != X86_OP_OTHER && (a.memsize < 1 || a.memsize > 8 || a.encoding != X86_ENC_LEGACY))
		abort();
	/* exactly len bytes decode the same; one fewer is truncated */
	if (decode_copy(bytes, a.len, mode, &b) != 0)
		abort();
	same(&a, &b);
	if (decode_copy(bytes, a.len - 1u, mode, &b) != X86_ERR_TRUNCATED || b.len)
		abort();
	return 0;
}
