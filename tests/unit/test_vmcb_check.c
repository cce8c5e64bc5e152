/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of hvmm/svm/vmcb_check.c: a VMCB as hvmm builds it for a 64-bit guest passes; for every rule, a
 * copy broken in exactly that way fails with that rule; states silicon accepts (paged real mode, 32-bit and
 * compatibility mode, a null SS in 64-bit mode, a valid injected #GP, ...) pass.
 */
#define UNIT_MODULE "vmcb_check"
#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/svm/vmcb_check.h"
#include "unit.h"

static struct vmcb good, v;

static const struct vmcb_check_caps caps = {
	.maxphyaddr = 40,
	.nasid = 64,
	.efer_valid = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME | (1ull << 13) | (1ull << 14),
	.cr4_valid = 0x7ff | (1ull << 16) | (1ull << 18),
	.long_mode = 1,
	.npt = 1,
};

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	*s = (struct vmcb_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

/* The state of hvmm/guest/boot64.c and hvmm/svm/vmcb.c (vmcb_init_control) with an ASID assigned. */
static void make_good(void)
{
	memset(&good, 0, sizeof(good));
	struct vmcb_control *c = &good.control;
	c->intercept_misc1 = 0xffffffffu;
	c->intercept_misc2 = (1u << INTERCEPT2_VMRUN) | (1u << INTERCEPT2_VMMCALL);
	c->iopm_base_pa = 0x3000000;
	c->msrpm_base_pa = 0x3004000;
	c->asid = 1;
	c->int_ctl = INT_CTL_V_INTR_MASKING;
	c->np_control = NP_ENABLE;
	c->ncr3 = 0x3100000;
	struct vmcb_save *s = &good.save;
	seg(&s->cs, 0x08, SEG_ATTR_CODE64, 0xffffffff, 0);
	seg(&s->ds, 0x10, SEG_ATTR_DATA, 0xffffffff, 0);
	seg(&s->es, 0x10, SEG_ATTR_DATA, 0xffffffff, 0);
	seg(&s->ss, 0x10, SEG_ATTR_DATA, 0xffffffff, 0);
	seg(&s->fs, 0x10, SEG_ATTR_DATA, 0xffffffff, 0);
	seg(&s->gs, 0x10, SEG_ATTR_DATA, 0xffffffff, 0);
	seg(&s->gdtr, 0, 0, 39, 0x1000);
	seg(&s->tr, 0x18, SEG_ATTR_TSS64_BUSY, 0x67, 0x1100);
	s->efer = EFER_LME | EFER_LMA | EFER_SVME | EFER_NXE;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = 0x2000;
	s->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = RFLAGS_RESERVED1;
	s->rip = 0x100000;
	s->rsp = 0x80000;
	s->g_pat = GUEST_PAT_DEFAULT;
}

/* 32-bit protected mode with paging off (no EFER.LME/LMA), flat 32-bit code. */
static void legacy32(struct vmcb *x)
{
	x->save.efer = EFER_SVME;
	x->save.cr0 = CR0_PE | CR0_ET;
	x->save.cr4 = 0;
	x->save.cs.attrib = 0x0c9b;
	x->save.tr.attrib = SEG_ATTR_TSS64_BUSY; /* a busy 32-bit TSS has the same type, 0xB */
}

/* One rule broken: the mutation, and the rule it must trip. */
struct breakage {
	enum vmcb_rule rule;
	const char *how;
	void (*mutate)(struct vmcb *x);
};

#define BREAK(name, body)                                                                                          \
	static void name(struct vmcb *x)                                                                           \
	{                                                                                                          \
		body;                                                                                              \
	}
BREAK(no_svme, x->save.efer &= ~EFER_SVME)
BREAK(nw_no_cd, x->save.cr0 |= CR0_NW)
BREAK(cr0_high, x->save.cr0 |= 1ull << 32)
BREAK(cr3_high, x->save.cr3 |= 1ull << 40)
BREAK(cr3_legacy_high, legacy32(x); x->save.cr3 = 1ull << 32)
BREAK(cr4_reserved, x->save.cr4 |= 1ull << 31)
BREAK(cr4_missing_feature, x->save.cr4 |= 1ull << 22) /* PKE, not in caps.cr4_valid */
BREAK(dr6_high, x->save.dr6 |= 1ull << 32)
BREAK(dr7_high, x->save.dr7 |= 1ull << 63)
BREAK(efer_reserved, x->save.efer |= 1ull << 9)
BREAK(efer_high, x->save.efer |= 1ull << 63)
BREAK(no_pae, x->save.cr4 &= ~CR4_PAE)
BREAK(no_pe, x->save.cr0 &= ~CR0_PE)
BREAK(cs_l_and_d, x->save.cs.attrib |= 1u << 10)
BREAK(no_vmrun_intercept, x->control.intercept_misc2 &= ~(1u << INTERCEPT2_VMRUN))
BREAK(msrpm_high, x->control.msrpm_base_pa = (1ull << 40) - 4096) /* 8 KiB from one page below 2^40 */
BREAK(iopm_high, x->control.iopm_base_pa = (1ull << 40) - 8192) /* 12 KiB from two pages below */
BREAK(inj_type1, x->control.eventinj = EVENT_VALID | (1ull << 8) | 0x20)
BREAK(inj_type7, x->control.eventinj = EVENT_VALID | (7ull << 8) | 0x20)
BREAK(inj_nmi_as_exception, x->control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | 2)
BREAK(inj_vector_32, x->control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | 32)
BREAK(inj_vector_15, x->control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | 15)
BREAK(inj_br_64, x->control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | 5)
BREAK(inj_reserved, x->control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | 13 | (1ull << 12))
BREAK(asid_0, x->control.asid = 0)
BREAK(asid_64, x->control.asid = 64)
static const struct vmcb_check_caps caps_no_npt = {
	.maxphyaddr = 40, .nasid = 64, .efer_valid = ~0ull, .cr4_valid = ~0ull, .long_mode = 1, .npt = 0
};
BREAK(ncr3_high, x->control.ncr3 = 1ull << 40)
BREAK(gpat_type2, x->save.g_pat = 0x0007040600070402ull)
BREAK(gpat_type8, x->save.g_pat = 0x0807040600070406ull)
BREAK(tlb_control_2, x->control.tlb_control = 2)
BREAK(lma_without_pg, legacy32(x); x->save.efer |= EFER_LMA)
BREAK(lme_pg_without_lma, x->save.efer &= ~EFER_LMA)
BREAK(rip_noncanonical, x->save.rip = 0x0000800000000000ull)
BREAK(rip_high_compat, x->save.cs.attrib = 0x0c9b; x->save.rip = 1ull << 32)
BREAK(fs_noncanonical, x->save.fs.base = 0x8000000000000000ull)
BREAK(gdtr_noncanonical, x->save.gdtr.base = 0x0001000000000000ull)
BREAK(lstar_noncanonical, x->save.lstar = 0x00ff000000000000ull)
BREAK(kgs_noncanonical, x->save.kernel_gs_base = 0x7fff000000000000ull)
BREAK(idtr_limit, x->save.idtr.limit = 0x10000)
BREAK(rflags_bit1, x->save.rflags = 0)
BREAK(rflags_bit3, x->save.rflags |= 1ull << 3)
BREAK(rflags_high, x->save.rflags |= 1ull << 40)
BREAK(cs_data, x->save.cs.attrib = SEG_ATTR_DATA)
BREAK(cs_not_present, x->save.cs.attrib &= ~0x80u)
BREAK(ss_code, x->save.ss.attrib = SEG_ATTR_CODE64)
BREAK(ss_readonly, x->save.ss.attrib = 0x0c91)
BREAK(ss_null_32, legacy32(x); x->save.ss.attrib = 0)
BREAK(ds_system, x->save.ds.attrib = 0x008b)
BREAK(gs_exec_only, x->save.gs.attrib = 0x0c99)
BREAK(cpl_3_ss_0, x->save.cpl = 3)
BREAK(cs_dpl_3, x->save.cs.attrib |= 3u << 5)
BREAK(tr_available, x->save.tr.attrib = 0x0089)
BREAK(tr_tss16_long, x->save.tr.attrib = 0x0083)
BREAK(tr_not_present, x->save.tr.attrib = 0x000b)
BREAK(ldtr_tss, x->save.ldtr.attrib = 0x008b)
#undef BREAK

static const struct breakage breaks[] = {
	{ VMCB_EFER_SVME, "EFER.SVME clear", no_svme },
	{ VMCB_CR0_NW_CD, "CR0.NW without CD", nw_no_cd },
	{ VMCB_CR0_HIGH, "CR0 bit 32", cr0_high },
	{ VMCB_CR3_MBZ, "CR3 bit 40 with MAXPHYADDR 40", cr3_high },
	{ VMCB_CR3_MBZ, "CR3 bit 32 outside long mode", cr3_legacy_high },
	{ VMCB_CR4_MBZ, "CR4 bit 31", cr4_reserved },
	{ VMCB_CR4_MBZ, "CR4.PKE on a CPU without PKU", cr4_missing_feature },
	{ VMCB_DR6_HIGH, "DR6 bit 32", dr6_high },
	{ VMCB_DR7_HIGH, "DR7 bit 63", dr7_high },
	{ VMCB_EFER_MBZ, "EFER bit 9", efer_reserved },
	{ VMCB_EFER_MBZ, "EFER bit 63", efer_high },
	{ VMCB_LME_PG_NO_PAE, "long mode without CR4.PAE", no_pae },
	{ VMCB_LME_PG_NO_PE, "long mode with CR0.PE clear", no_pe },
	{ VMCB_LONG_CS_L_D, "CS.L and CS.D both set", cs_l_and_d },
	{ VMCB_NO_VMRUN_INTERCEPT, "VMRUN intercept clear", no_vmrun_intercept },
	{ VMCB_MSRPM_ADDR, "MSRPM's second page at 2^40", msrpm_high },
	{ VMCB_IOPM_ADDR, "IOPM's third page at 2^40", iopm_high },
	{ VMCB_EVENTINJ_TYPE, "EVENTINJ TYPE 1", inj_type1 },
	{ VMCB_EVENTINJ_TYPE, "EVENTINJ TYPE 7", inj_type7 },
	{ VMCB_EVENTINJ_VECTOR, "EVENTINJ exception vector 2 (NMI)", inj_nmi_as_exception },
	{ VMCB_EVENTINJ_VECTOR, "EVENTINJ exception vector 32", inj_vector_32 },
	{ VMCB_EVENTINJ_VECTOR, "EVENTINJ exception vector 15 (reserved)", inj_vector_15 },
	{ VMCB_EVENTINJ_MODE, "EVENTINJ #BR in 64-bit mode", inj_br_64 },
	{ VMCB_EVENTINJ_RESERVED, "EVENTINJ bit 12", inj_reserved },
	{ VMCB_ASID_ZERO, "ASID 0", asid_0 },
	{ VMCB_ASID_RANGE, "ASID 64 of 64", asid_64 },
	{ VMCB_NCR3_MBZ, "N_CR3 bit 40", ncr3_high },
	{ VMCB_G_PAT, "G_PAT memory type 2", gpat_type2 },
	{ VMCB_G_PAT, "G_PAT byte 0x08", gpat_type8 },
	{ VMCB_TLB_CONTROL, "TLB_CONTROL 2", tlb_control_2 },
	{ VMCB_LMA_MISMATCH, "EFER.LMA with paging off", lma_without_pg },
	{ VMCB_LMA_MISMATCH, "EFER.LME and CR0.PG without LMA", lme_pg_without_lma },
	{ VMCB_RIP_NONCANONICAL, "RIP 0x0000800000000000 in 64-bit mode", rip_noncanonical },
	{ VMCB_RIP_NONCANONICAL, "RIP above 4 GiB in compatibility mode", rip_high_compat },
	{ VMCB_BASE_NONCANONICAL, "FS base 0x8000000000000000", fs_noncanonical },
	{ VMCB_BASE_NONCANONICAL, "GDTR base bit 48", gdtr_noncanonical },
	{ VMCB_BASE_NONCANONICAL, "LSTAR 0x00ff000000000000", lstar_noncanonical },
	{ VMCB_BASE_NONCANONICAL, "KernelGSBase 0x7fff000000000000", kgs_noncanonical },
	{ VMCB_DT_LIMIT, "IDTR limit 0x10000", idtr_limit },
	{ VMCB_RFLAGS_RESERVED, "RFLAGS bit 1 clear", rflags_bit1 },
	{ VMCB_RFLAGS_RESERVED, "RFLAGS bit 3", rflags_bit3 },
	{ VMCB_RFLAGS_RESERVED, "RFLAGS bit 40", rflags_high },
	{ VMCB_CS_TYPE, "CS a data segment", cs_data },
	{ VMCB_CS_TYPE, "CS not present", cs_not_present },
	{ VMCB_SS_TYPE, "SS a code segment", ss_code },
	{ VMCB_SS_TYPE, "SS read-only data", ss_readonly },
	{ VMCB_SS_TYPE, "SS null in 32-bit protected mode", ss_null_32 },
	{ VMCB_DATA_SEG_TYPE, "DS a TSS descriptor", ds_system },
	{ VMCB_DATA_SEG_TYPE, "GS execute-only code", gs_exec_only },
	{ VMCB_CPL_DPL, "CPL 3 with SS.DPL 0", cpl_3_ss_0 },
	{ VMCB_CPL_DPL, "non-conforming CS.DPL 3 at CPL 0", cs_dpl_3 },
	{ VMCB_TR_TYPE, "TR an available TSS", tr_available },
	{ VMCB_TR_TYPE, "TR a 16-bit TSS in long mode", tr_tss16_long },
	{ VMCB_TR_TYPE, "TR not present", tr_not_present },
	{ VMCB_LDTR_TYPE, "LDTR a TSS descriptor", ldtr_tss },
};

static void test_breakages(void)
{
	unsigned covered[VMCB_NRULES] = { 0 };
	for (unsigned i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		v = good;
		breaks[i].mutate(&v);
		enum vmcb_rule r = vmcb_check(&v, &caps);
		CHECK(r == breaks[i].rule, "%s fails \"%s\" (got \"%s\")", breaks[i].how, vmcb_rule_text(breaks[i].rule),
		      vmcb_rule_text(r));
		covered[breaks[i].rule]++;
	}
	v = good;
	CHECK(vmcb_check(&v, &caps_no_npt) == VMCB_NP_NO_NPT, "NP_ENABLE on a CPU without nested paging fails");
	covered[VMCB_NP_NO_NPT]++;
	v = good;
	struct vmcb_check_caps no_lm = caps;
	no_lm.long_mode = 0;
	CHECK(vmcb_check(&v, &no_lm) == VMCB_EFER_NO_LM, "EFER.LME on a CPU without long mode fails");
	covered[VMCB_EFER_NO_LM]++;
	unsigned missing = 0;
	for (unsigned r = 1; r < VMCB_NRULES; r++)
		if (!covered[r]) {
			missing++;
			printf("  rule without a breaking VMCB: %s\n", vmcb_rule_text(r));
		}
	CHECK(missing == 0, "every one of the %u rules has a VMCB that breaks it (%u without)", VMCB_NRULES - 1,
	      missing);
}

/* States real CPUs hold or VMRUN accepts: none may be flagged. */
static void test_accepted(void)
{
	v = good;
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "hvmm's 64-bit guest state passes (got \"%s\")",
	      vmcb_rule_text(vmcb_check(&v, &caps)));
	v = good;
	legacy32(&v);
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "32-bit protected mode, paging off, passes");
	v = good;
	legacy32(&v);
	v.save.cr0 = CR0_PG | CR0_ET; /* paged real mode (APM §15.19): not checked by VMRUN */
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "paged real mode (PG=1 PE=0 without LME) passes");
	v = good;
	v.save.cs.attrib = 0x0c9b; /* compatibility mode: CS.L=0 D=1 */
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "compatibility mode passes");
	v = good;
	v.save.ss = (struct vmcb_seg){ 0 };
	v.save.ds = v.save.es = v.save.fs = v.save.gs = (struct vmcb_seg){ 0 };
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "null SS, DS, ES, FS, GS in 64-bit mode pass");
	v = good;
	v.save.cs.attrib = 0x0a9f | (3u << 5); /* conforming code, DPL 3, at CPL 0... */
	CHECK(vmcb_check(&v, &caps) == VMCB_CPL_DPL, "conforming CS.DPL 3 at CPL 0 fails (DPL > CPL)");
	v.save.cpl = 3;
	v.save.ss.attrib |= 3u << 5;
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "conforming CS.DPL 3 at CPL 3 passes");
	v = good;
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_EXCEPTION | EVENT_EV | 13 | (0x18ull << 32);
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "an injected #GP with an error code passes");
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_INTR | 0x30;
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "an injected external interrupt 0x30 passes");
	v.control.eventinj = EVENT_VALID | EVENT_TYPE_NMI | 2;
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "an injected NMI passes");
	v.control.eventinj = (7ull << 8) | 0xff; /* not valid: ignored */
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "EVENTINJ without V is not checked");
	v = good;
	v.control.tlb_control = 3;
	v.control.asid = 63;
	v.control.msrpm_base_pa = (1ull << 40) - 8192;
	v.control.iopm_base_pa = (1ull << 40) - 12288;
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "TLB_CONTROL 3, ASID 63 and maps ending just below 2^40 pass");
	v = good;
	v.save.rip = 0xffff800000000000ull;
	v.save.fs.base = 0xffffffffffff0000ull;
	CHECK(vmcb_check(&v, &caps) == VMCB_OK, "upper-half canonical RIP and FS base pass");
	v = good;
	v.control.np_control = 0;
	v.save.g_pat = 0x0202020202020202ull;
	CHECK(vmcb_check(&v, &caps_no_npt) == VMCB_OK, "without NP_ENABLE, G_PAT and the missing NPT are not checked");
	CHECK(strcmp(vmcb_rule_text(VMCB_NRULES), "unknown rule") == 0 && vmcb_rule_text(VMCB_OK)[0] == 0,
	      "rule texts: empty for OK, 'unknown rule' out of range");
}

int main(void)
{
	make_good();
	test_accepted();
	test_breakages();
	return unit_done();
}
