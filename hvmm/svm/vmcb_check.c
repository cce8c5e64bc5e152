/* SPDX-License-Identifier: MIT */
/* vmcb_check.c — the VMCB consistency check (vmcb_check.h): one predicate per rule, checked in the rules' order. */
#include "hvmm/svm/vmcb_check.h"

#include "hvmm/core/arch.h"

/* Packed segment attributes (vmcb.h, struct vmcb_seg). */
#define ATTR_TYPE(a) ((a) & 0xfu)
#define ATTR_TYPE_CODE (1u << 3) /* type bit 3: code */
#define ATTR_TYPE_RW (1u << 1) /* type bit 1: readable code / writable data */
#define ATTR_TYPE_CONFORMING (1u << 2) /* type bit 2 of a code segment */
#define ATTR_S (1u << 4)
#define ATTR_DPL(a) (((a) >> 5) & 3u)
#define ATTR_P (1u << 7)
#define ATTR_L (1u << 9)
#define ATTR_DB (1u << 10)
#define SYS_TYPE_LDT 0x2u
#define SYS_TYPE_TSS16_BUSY 0x3u
#define SYS_TYPE_TSS_BUSY 0xbu

#define RFLAGS_FIXED1 (1ull << 1)
#define RFLAGS_MBZ ((1ull << 3) | (1ull << 5) | (1ull << 15) | ~((1ull << 22) - 1))
#define EVENT_RESERVED (((1ull << 31) - 1) & ~((1ull << 12) - 1)) /* bits 30:12 */
#define EXC_NMI 2 /* vector 2 is the NMI, not an exception */
#define EXC_BR 5

static int set(uint64_t v, uint64_t bits) { return (v & bits) == bits; }

/* v sign-extends from bit (bits - 1): the canonical form (bits = 48, or 57 with CR4.LA57). */
static int canonical(uint64_t v, unsigned bits)
{
	int64_t s = (int64_t)(v << (64 - bits)) >> (64 - bits);
	return (uint64_t)s == v;
}

/* 1 if vector is an exception a CPU can raise (APM Vol. 2 §8.2, Table 8-1): 0-8, 10-14, 16-21, 28-30. */
static int is_exception_vector(unsigned vec)
{
	return vec <= 8 || (vec >= 10 && vec <= 14) || (vec >= 16 && vec <= 21) || (vec >= 28 && vec <= 30);
}

/* 1 if a map of bytes at base (bits 11:0 ignored) reaches an address >= 2^maxphyaddr. */
static int map_too_high(uint64_t base, uint64_t bytes, unsigned maxphyaddr)
{
	uint64_t start = base & ~0xfffull;
	return maxphyaddr < 64 && (start >> maxphyaddr || ((start + bytes - 1) >> maxphyaddr) != 0);
}

/* A G_PAT byte's memory type is legal: UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7 (bits 7:3 reserved). */
static int pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (pat >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return 0;
	}
	return 1;
}

static enum vmcb_rule check_control_regs(const struct vmcb_save *s, const struct vmcb_check_caps *caps)
{
	int lme = (s->efer & EFER_LME) != 0, pg = (s->cr0 & CR0_PG) != 0;
	if (!(s->efer & EFER_SVME))
		return VMCB_EFER_SVME;
	if ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD))
		return VMCB_CR0_NW_CD;
	if (s->cr0 >> 32)
		return VMCB_CR0_HIGH;
	if (s->efer & EFER_LMA ? caps->maxphyaddr < 64 && s->cr3 >> caps->maxphyaddr : s->cr3 >> 32)
		return VMCB_CR3_MBZ;
	if (s->cr4 & ~caps->cr4_valid)
		return VMCB_CR4_MBZ;
	if (s->dr6 >> 32)
		return VMCB_DR6_HIGH;
	if (s->dr7 >> 32)
		return VMCB_DR7_HIGH;
	if (s->efer & ~caps->efer_valid)
		return VMCB_EFER_MBZ;
	if ((s->efer & (EFER_LME | EFER_LMA)) && !caps->long_mode)
		return VMCB_EFER_NO_LM;
	if (lme && pg && !(s->cr4 & CR4_PAE))
		return VMCB_LME_PG_NO_PAE;
	if (lme && pg && !(s->cr0 & CR0_PE))
		return VMCB_LME_PG_NO_PE;
	if (lme && pg && set(s->cs.attrib, ATTR_L | ATTR_DB)) /* CR4.PAE is 1 by now */
		return VMCB_LONG_CS_L_D;
	return VMCB_OK;
}

static enum vmcb_rule check_controls(const struct vmcb *v, const struct vmcb_check_caps *caps)
{
	const struct vmcb_control *c = &v->control;
	if (!(c->intercept_misc2 & (1u << INTERCEPT2_VMRUN)))
		return VMCB_NO_VMRUN_INTERCEPT;
	if (map_too_high(c->msrpm_base_pa, MSRPM_BYTES, caps->maxphyaddr))
		return VMCB_MSRPM_ADDR;
	if (map_too_high(c->iopm_base_pa, IOPM_BYTES, caps->maxphyaddr))
		return VMCB_IOPM_ADDR;
	if (c->eventinj & EVENT_VALID) {
		uint64_t type = c->eventinj & EVENT_TYPE_MASK;
		unsigned vec = c->eventinj & 0xff;
		if (type != EVENT_TYPE_INTR && type != EVENT_TYPE_NMI && type != EVENT_TYPE_EXCEPTION &&
		    type != EVENT_TYPE_SOFT)
			return VMCB_EVENTINJ_TYPE;
		if (type == EVENT_TYPE_EXCEPTION && (vec == EXC_NMI || !is_exception_vector(vec)))
			return VMCB_EVENTINJ_VECTOR;
		if (type == EVENT_TYPE_EXCEPTION && vec == EXC_BR && (v->save.efer & EFER_LMA) &&
		    (v->save.cs.attrib & ATTR_L))
			return VMCB_EVENTINJ_MODE;
		if (c->eventinj & EVENT_RESERVED)
			return VMCB_EVENTINJ_RESERVED;
	}
	if (c->asid == 0)
		return VMCB_ASID_ZERO;
	if (c->asid >= caps->nasid)
		return VMCB_ASID_RANGE;
	if (c->np_control & NP_ENABLE) {
		if (!caps->npt)
			return VMCB_NP_NO_NPT;
		if (caps->maxphyaddr < 64 && c->ncr3 >> caps->maxphyaddr)
			return VMCB_NCR3_MBZ;
		if (!pat_valid(v->save.g_pat))
			return VMCB_G_PAT;
	}
	if (c->tlb_control != 0 && c->tlb_control != 1 && c->tlb_control != 3 && c->tlb_control != 7)
		return VMCB_TLB_CONTROL;
	return VMCB_OK;
}

static enum vmcb_rule check_processor_state(const struct vmcb_save *s, const struct vmcb_check_caps *caps)
{
	int lma = (s->efer & EFER_LMA) != 0;
	int pe = (s->cr0 & CR0_PE) != 0, v86 = pe && (s->rflags & RFLAGS_VM) && !lma;
	int mode64 = lma && (s->cs.attrib & ATTR_L);
	unsigned bits = (s->cr4 & CR4_LA57) ? 57 : 48;

	if (caps->long_mode && lma != ((s->efer & EFER_LME) && (s->cr0 & CR0_PG)))
		return VMCB_LMA_MISMATCH;
	if (mode64 ? !canonical(s->rip, bits) : s->rip >> 32)
		return VMCB_RIP_NONCANONICAL;
	const uint64_t bases[] = { s->fs.base,    s->gs.base,	   s->gdtr.base, s->idtr.base, s->ldtr.base,
				   s->tr.base,	  s->kernel_gs_base, s->lstar,	   s->cstar };
	for (unsigned i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (!canonical(bases[i], bits))
			return VMCB_BASE_NONCANONICAL;
	if (s->gdtr.limit > 0xffff || s->idtr.limit > 0xffff)
		return VMCB_DT_LIMIT;
	if (!(s->rflags & RFLAGS_FIXED1) || (s->rflags & RFLAGS_MBZ))
		return VMCB_RFLAGS_RESERVED;
	if (!pe || v86)
		return VMCB_OK; /* real and virtual-8086 mode: attributes come from the selectors */

	uint16_t cs = s->cs.attrib, ss = s->ss.attrib;
	if (!(cs & ATTR_P) || !(cs & ATTR_S) || !(cs & ATTR_TYPE_CODE))
		return VMCB_CS_TYPE;
	if ((ss & ATTR_P) ? !(ss & ATTR_S) || (ss & ATTR_TYPE_CODE) || !(ss & ATTR_TYPE_RW) : !mode64)
		return VMCB_SS_TYPE;
	const struct vmcb_seg *data[] = { &s->ds, &s->es, &s->fs, &s->gs };
	for (unsigned i = 0; i < 4; i++) {
		uint16_t a = data[i]->attrib;
		if ((a & ATTR_P) && (!(a & ATTR_S) || ((a & ATTR_TYPE_CODE) && !(a & ATTR_TYPE_RW))))
			return VMCB_DATA_SEG_TYPE;
	}
	int conforming = (cs & ATTR_TYPE_CONFORMING) != 0;
	if (((ss & ATTR_P) && ATTR_DPL(ss) != s->cpl) ||
	    (conforming ? ATTR_DPL(cs) > s->cpl : ATTR_DPL(cs) != s->cpl))
		return VMCB_CPL_DPL;
	uint16_t tr = s->tr.attrib;
	if (!(tr & ATTR_P) || (tr & ATTR_S) ||
	    !(ATTR_TYPE(tr) == SYS_TYPE_TSS_BUSY || (!lma && ATTR_TYPE(tr) == SYS_TYPE_TSS16_BUSY)))
		return VMCB_TR_TYPE;
	uint16_t ldt = s->ldtr.attrib;
	if ((ldt & ATTR_P) && ((ldt & ATTR_S) || ATTR_TYPE(ldt) != SYS_TYPE_LDT))
		return VMCB_LDTR_TYPE;
	return VMCB_OK;
}

enum vmcb_rule vmcb_check(const struct vmcb *v, const struct vmcb_check_caps *caps)
{
	enum vmcb_rule r = check_control_regs(&v->save, caps);
	if (r == VMCB_OK)
		r = check_controls(v, caps);
	if (r == VMCB_OK)
		r = check_processor_state(&v->save, caps);
	return r;
}

const char *vmcb_rule_text(enum vmcb_rule r)
{
	static const char *const text[VMCB_NRULES] = {
		[VMCB_OK] = "",
#define VMCB_RULE_TEXT(id, t) [VMCB_##id] = t,
		VMCB_RULES(VMCB_RULE_TEXT)
#undef VMCB_RULE_TEXT
	};
	return (unsigned)r < VMCB_NRULES ? text[r] : "unknown rule";
}
