/* SPDX-License-Identifier: MIT */
/*
 * The reference decoder of test_x86_decode.c: Capstone (Debian's libcapstone-dev), behind a plain interface so the
 * test never includes Capstone's headers (their enum x86_reg / x86_insn tags collide with lib/x86_decode.h's).
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "x86_ref.h"

static csh handle[3];
static cs_insn *insn;

/* Capstone register -> (GPR number 0-15, 16 = RIP/EIP/IP, REF_REG_NONE, REF_REG_OTHER) and whether it is AH-BH. */
static int gpr(x86_reg r, int *high8)
{
	static const struct { x86_reg r; int n; int h; } t[] = {
		{ X86_REG_AL, 0, 0 }, { X86_REG_CL, 1, 0 }, { X86_REG_DL, 2, 0 }, { X86_REG_BL, 3, 0 },
		{ X86_REG_AH, 0, 1 }, { X86_REG_CH, 1, 1 }, { X86_REG_DH, 2, 1 }, { X86_REG_BH, 3, 1 },
		{ X86_REG_SPL, 4, 0 }, { X86_REG_BPL, 5, 0 }, { X86_REG_SIL, 6, 0 }, { X86_REG_DIL, 7, 0 },
		{ X86_REG_AX, 0, 0 }, { X86_REG_CX, 1, 0 }, { X86_REG_DX, 2, 0 }, { X86_REG_BX, 3, 0 },
		{ X86_REG_SP, 4, 0 }, { X86_REG_BP, 5, 0 }, { X86_REG_SI, 6, 0 }, { X86_REG_DI, 7, 0 },
		{ X86_REG_EAX, 0, 0 }, { X86_REG_ECX, 1, 0 }, { X86_REG_EDX, 2, 0 }, { X86_REG_EBX, 3, 0 },
		{ X86_REG_ESP, 4, 0 }, { X86_REG_EBP, 5, 0 }, { X86_REG_ESI, 6, 0 }, { X86_REG_EDI, 7, 0 },
		{ X86_REG_RAX, 0, 0 }, { X86_REG_RCX, 1, 0 }, { X86_REG_RDX, 2, 0 }, { X86_REG_RBX, 3, 0 },
		{ X86_REG_RSP, 4, 0 }, { X86_REG_RBP, 5, 0 }, { X86_REG_RSI, 6, 0 }, { X86_REG_RDI, 7, 0 },
		{ X86_REG_R8B, 8, 0 }, { X86_REG_R9B, 9, 0 }, { X86_REG_R10B, 10, 0 }, { X86_REG_R11B, 11, 0 },
		{ X86_REG_R12B, 12, 0 }, { X86_REG_R13B, 13, 0 }, { X86_REG_R14B, 14, 0 }, { X86_REG_R15B, 15, 0 },
		{ X86_REG_R8W, 8, 0 }, { X86_REG_R9W, 9, 0 }, { X86_REG_R10W, 10, 0 }, { X86_REG_R11W, 11, 0 },
		{ X86_REG_R12W, 12, 0 }, { X86_REG_R13W, 13, 0 }, { X86_REG_R14W, 14, 0 }, { X86_REG_R15W, 15, 0 },
		{ X86_REG_R8D, 8, 0 }, { X86_REG_R9D, 9, 0 }, { X86_REG_R10D, 10, 0 }, { X86_REG_R11D, 11, 0 },
		{ X86_REG_R12D, 12, 0 }, { X86_REG_R13D, 13, 0 }, { X86_REG_R14D, 14, 0 }, { X86_REG_R15D, 15, 0 },
		{ X86_REG_R8, 8, 0 }, { X86_REG_R9, 9, 0 }, { X86_REG_R10, 10, 0 }, { X86_REG_R11, 11, 0 },
		{ X86_REG_R12, 12, 0 }, { X86_REG_R13, 13, 0 }, { X86_REG_R14, 14, 0 }, { X86_REG_R15, 15, 0 },
		{ X86_REG_RIP, 16, 0 }, { X86_REG_EIP, 16, 0 }, { X86_REG_IP, 16, 0 },
	};

	*high8 = 0;
	if (r == X86_REG_INVALID)
		return REF_REG_NONE;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].r == r) {
			*high8 = t[i].h;
			return t[i].n;
		}
	}
	return REF_REG_OTHER;
}

static int sreg(x86_reg r)
{
	switch (r) {
	case X86_REG_ES: return 0;
	case X86_REG_CS: return 1;
	case X86_REG_SS: return 2;
	case X86_REG_DS: return 3;
	case X86_REG_FS: return 4;
	case X86_REG_GS: return 5;
	default: return REF_REG_NONE;
	}
}

static int capstone_open(void)
{
	static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };

	for (int i = 0; i < 3; i++) {
		if (cs_open(CS_ARCH_X86, modes[i], &handle[i]) != CS_ERR_OK)
			return -1;
		cs_option(handle[i], CS_OPT_DETAIL, CS_OPT_ON);
	}
	insn = cs_malloc(handle[0]);
	return insn ? 0 : -1;
}

static const char *capstone_version(void)
{
	static char v[32];
	int major, minor;

	cs_version(&major, &minor);
	snprintf(v, sizeof(v), "Capstone %d.%d", major, minor);
	return v;
}

static int capstone_decode(const uint8_t *bytes, size_t n, int mode, struct ref_insn *out)
{
	const uint8_t *p = bytes;
	size_t size = n;
	uint64_t addr = 0x1000;
	csh h = handle[mode];

	memset(out, 0, sizeof(*out));
	if (!cs_disasm_iter(h, &p, &size, &addr, insn))
		return 0;
	out->len = insn->size;
	snprintf(out->text, sizeof(out->text), "%s %s", insn->mnemonic, insn->op_str);
	cs_x86 *x = &insn->detail->x86;
	out->nops = x->op_count > REF_MAX_OPS ? REF_MAX_OPS : x->op_count;
	for (int i = 0; i < out->nops; i++) {
		cs_x86_op *o = &x->operands[i];
		struct ref_op *r = &out->op[i];
		r->size = o->size;
		switch (o->type) {
		case X86_OP_REG:
			r->kind = REF_OP_REG;
			r->reg = gpr(o->reg, &r->high8);
			break;
		case X86_OP_IMM:
			r->kind = REF_OP_IMM;
			r->imm = o->imm;
			break;
		case X86_OP_MEM: {
			int h8;
			ref_op_mem(r, gpr(o->mem.base, &h8), gpr(o->mem.index, &h8), o->mem.scale, o->mem.disp,
				   sreg(o->mem.segment), 0 /* Capstone does not tell address-only operands */);
			break;
		}
		default:
			r->kind = REF_OP_OTHER;
			break;
		}
	}
	return 1;
}

const struct x86_ref ref_capstone = { "capstone", capstone_open, capstone_version, capstone_decode };
