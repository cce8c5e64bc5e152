/*
 * msr.c — RDMSR/WRMSR exits. Every MSR is intercepted (MSRPM all ones, APM §15.11). A guest may read and write its
 * own EFER (SVME kept set: APM §15.5.1) and PAT (G_PAT), read the TSC and write PRED_CMD (IBPB); any other MSR
 * raises #GP, as a non-existent MSR does on hardware (SPEC_CTRL too: its CPUID bits are hidden).
 */
#include "hvmm/core/arch.h"
#include "hvmm/guest/exit.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/spec.h"

#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* A PAT value is valid if every byte is a defined memory type: 0, 1, 4, 5, 6 or 7 (APM Vol. 2 §7.8.1). */
static int pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));
		if (t == 2 || t == 3 || t > 7)
			return 0;
	}
	return 1;
}

/* Read MSR msr for g into *val; 0, or -1 for #GP. */
static int msr_read(struct guest *g, uint32_t msr, uint64_t *val)
{
	struct vmcb *v = g->vmcb;
	switch (msr) {
	case MSR_EFER:
		*val = v->save.efer & ~EFER_SVME; /* the guest has no SVM */
		return 0;
	case MSR_PAT:
		*val = v->save.g_pat;
		return 0;
	case MSR_TSC:
		*val = rdtsc() + v->control.tsc_offset;
		return 0;
	}
	return -1;
}

/* Write val to MSR msr for g; 0, or -1 for #GP. */
static int msr_write(struct guest *g, uint32_t msr, uint64_t val)
{
	struct vmcb *v = g->vmcb;
	switch (msr) {
	case MSR_EFER:
		/* APM Vol. 2 §3.1.7 (EFER), §14.6 (long mode): other bits are reserved (#GP); LME cannot change while
		 * paging is on (#GP); LMA is read-only, set by the CPU when paging turns on with LME = 1 (ignored here). */
		if (val & ~EFER_GUEST_WRITABLE)
			return -1;
		if ((v->save.cr0 & CR0_PG) && ((val ^ v->save.efer) & EFER_LME))
			return -1;
		v->save.efer = (val & ~EFER_LMA) | (v->save.efer & EFER_LMA) | EFER_SVME;
		return 0;
	case MSR_PAT:
		if (!pat_valid(val))
			return -1;
		v->save.g_pat = val;
		return 0;
	case MSR_PRED_CMD: /* write-only; IBPB for the guest, where the CPU has it (CPUID 8000_0008h EBX[12] passed) */
		return spec_guest_pred_cmd(val);
	}
	return -1;
}

void handle_msr(struct cpu *c, struct guest *g)
{
	(void)c;
	struct vmcb *v = g->vmcb;
	uint32_t msr = (uint32_t)g->regs.rcx;
	int is_write = v->control.exitinfo1 == 1; /* APM §15.11: 0 = RDMSR, 1 = WRMSR */
	int fault;

	if (is_write) {
		uint64_t val = (v->save.rax & 0xffffffffu) | (g->regs.rdx << 32);
		fault = msr_write(g, msr, val);
	} else {
		uint64_t val = 0;
		fault = msr_read(g, msr, &val);
		if (!fault) {
			v->save.rax = val & 0xffffffffu;
			g->regs.rdx = val >> 32;
		}
	}
	if (fault)
		exit_inject_exception(g, VEC_GP, 1, 0);
	else
		exit_skip_insn(g, 2); /* 0F 32 / 0F 30 */
}
