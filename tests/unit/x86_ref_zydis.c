/* SPDX-License-Identifier: MIT */
/*
 * The second reference decoder of test_x86_decode.c and fuzz_x86_decode.c: Zydis (Debian's libzydis-dev), behind
 * the plain interface of x86_ref.h. Decoded as AMD parts do: ZYDIS_DECODER_MODE_AMD_BRANCHES (66 on a near branch
 * in 64-bit mode takes a 16-bit displacement), and without Intel's CET indirect-branch tracking (3E before an
 * indirect CALL/JMP is a DS override, not NOTRACK). Zydis names the effective segment of every memory operand (the
 * override, or the default: SS for rBP/rSP bases, DS otherwise, ES for string destinations).
 */
#include <Zydis/Zydis.h>
#include <stdio.h>
#include <string.h>

#include "x86_ref.h"

static ZydisDecoder dec[3];
static ZydisFormatter fmt;

/* Zydis register -> (GPR number 0-15, 16 = RIP/EIP/IP, REF_REG_NONE, REF_REG_OTHER) and whether it is AH-BH. */
static int gpr(ZydisRegister r, int *high8)
{
	*high8 = 0;
	if (r == ZYDIS_REGISTER_NONE)
		return REF_REG_NONE;
	if (r == ZYDIS_REGISTER_RIP || r == ZYDIS_REGISTER_EIP || r == ZYDIS_REGISTER_IP)
		return 16;
	if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH) {
		*high8 = 1;
		return r - ZYDIS_REGISTER_AH;
	}
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
		return r - ZYDIS_REGISTER_AL;
	if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B)
		return 4 + (r - ZYDIS_REGISTER_SPL);
	switch (ZydisRegisterGetClass(r)) {
	case ZYDIS_REGCLASS_GPR16:
	case ZYDIS_REGCLASS_GPR32:
	case ZYDIS_REGCLASS_GPR64:
		return ZydisRegisterGetId(r);
	default:
		return REF_REG_OTHER;
	}
}

static int sreg(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ES: return 0;
	case ZYDIS_REGISTER_CS: return 1;
	case ZYDIS_REGISTER_SS: return 2;
	case ZYDIS_REGISTER_DS: return 3;
	case ZYDIS_REGISTER_FS: return 4;
	case ZYDIS_REGISTER_GS: return 5;
	default: return REF_REG_NONE;
	}
}

static int zydis_open(void)
{
	static const struct { ZydisMachineMode m; ZydisStackWidth w; } modes[3] = {
		{ ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16 },
		{ ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32 },
		{ ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64 },
	};

	for (int i = 0; i < 3; i++) {
		if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec[i], modes[i].m, modes[i].w)) ||
		    !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec[i], ZYDIS_DECODER_MODE_AMD_BRANCHES, ZYAN_TRUE)) ||
		    !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec[i], ZYDIS_DECODER_MODE_CET, ZYAN_FALSE)))
			return -1;
	}
	return ZYAN_SUCCESS(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL)) ? 0 : -1;
}

static const char *zydis_version(void)
{
	static char v[32];
	ZyanU64 n = ZydisGetVersion();

	snprintf(v, sizeof(v), "Zydis %u.%u.%u", (unsigned)ZYDIS_VERSION_MAJOR(n), (unsigned)ZYDIS_VERSION_MINOR(n),
		 (unsigned)ZYDIS_VERSION_PATCH(n));
	return v;
}

static int zydis_decode(const uint8_t *bytes, size_t n, int mode, struct ref_insn *out)
{
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

	memset(out, 0, sizeof(*out));
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec[mode], bytes, n, &in, ops)))
		return 0;
	out->len = in.length;
	out->opsize = in.operand_width / 8;
	out->addr_size = in.address_width / 8;
	out->seg_effective = 1;
	if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&fmt, &in, ops, in.operand_count_visible, out->text,
							  sizeof(out->text), 0x1000, NULL)))
		snprintf(out->text, sizeof(out->text), "%s", ZydisMnemonicGetString(in.mnemonic));
	for (int i = 0; i < in.operand_count && out->nops < REF_MAX_OPS; i++) {
		const ZydisDecodedOperand *o = &ops[i];
		struct ref_op *r = &out->op[out->nops];
		/* hidden operands (flags, the stack, string registers) are left out, but for memory: STOS's ES:[rDI] */
		if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN && o->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		r->hidden = o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN;
		out->nops++;
		r->size = o->size / 8;
		switch (o->type) {
		case ZYDIS_OPERAND_TYPE_REGISTER:
			r->kind = REF_OP_REG;
			r->reg = gpr(o->reg.value, &r->high8);
			break;
		case ZYDIS_OPERAND_TYPE_IMMEDIATE:
			r->kind = REF_OP_IMM;
			r->imm = o->imm.is_signed ? o->imm.value.s : (int64_t)o->imm.value.u;
			break;
		case ZYDIS_OPERAND_TYPE_MEMORY: {
			int h8;
			ref_op_mem(r, gpr(o->mem.base, &h8), gpr(o->mem.index, &h8), o->mem.scale, o->mem.disp.value,
				   sreg(o->mem.segment), o->mem.type != ZYDIS_MEMOP_TYPE_MEM /* LEA, MIB, VSIB */);
			break;
		}
		default:
			r->kind = REF_OP_OTHER;
			break;
		}
	}
	return 1;
}

const struct x86_ref ref_zydis = { "zydis", zydis_open, zydis_version, zydis_decode };
