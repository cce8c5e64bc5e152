/* SPDX-License-Identifier: MIT */
/*
 * msr.c — RDMSR/WRMSR exits. Every MSR is intercepted (MSRPM all ones, APM §15.11); lib/msr_policy.c's table says
 * what each MSR does for a guest (docs/guest-abi.md "MSRs"): #GP for one it does not list, a per-guest value kept
 * in struct guest's msr state, or the code below — the MSRs that are VMCB fields (EFER with SVME kept set, APM
 * §15.5.1; PAT as G_PAT; the segment-base and system-call MSRs VMLOAD/VMSAVE switch, §15.5.2), the TSC (a write sets
 * the VMCB's TSC_OFFSET, §15.30.5), the virtual xAPIC's base and TSC deadline, PRED_CMD (IBPB), TSC_AUX (the
 * vCPU's own, in the CPU's MSR while it runs: sched.c), and KVM's paravirtual MSRs of a guest with kvm=on
 * (kvm_pv.c).
 */
#include <stddef.h>
#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/core/percpu.h"
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/kvm_pv.h"
#include "hvmm/guest/msr.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/spec.h"
#include "msr_policy.h"

#define EFER_GUEST_WRITABLE (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define MSR_SYSENTER_CS 0x00000174u
#define MSR_SYSENTER_ESP 0x00000175u
#define MSR_SYSENTER_EIP 0x00000176u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_KERNEL_GS_BASE 0xc0000102u

/* The MSRs that are fields of the guest's VMCB save area: their offset in struct vmcb, or 0; *canonical: a write
 * must be a canonical address (#GP otherwise). The VMCB is packed, so fields are read and written with memcpy. */
static size_t vmcb_msr(uint32_t msr, int *canonical)
{
	*canonical = 1;
	switch (msr) {
	case MSR_FS_BASE: return offsetof(struct vmcb, save.fs.base);
	case MSR_GS_BASE: return offsetof(struct vmcb, save.gs.base);
	case MSR_KERNEL_GS_BASE: return offsetof(struct vmcb, save.kernel_gs_base);
	case MSR_LSTAR: return offsetof(struct vmcb, save.lstar);
	case MSR_CSTAR: return offsetof(struct vmcb, save.cstar);
	case MSR_SYSENTER_ESP: return offsetof(struct vmcb, save.sysenter_esp);
	case MSR_SYSENTER_EIP: return offsetof(struct vmcb, save.sysenter_eip);
	}
	*canonical = 0;
	switch (msr) {
	case MSR_STAR: return offsetof(struct vmcb, save.star);
	case MSR_SFMASK: return offsetof(struct vmcb, save.sfmask);
	case MSR_SYSENTER_CS: return offsetof(struct vmcb, save.sysenter_cs);
	}
	return 0;
}

/* Bits 63:47 all equal (48-bit virtual addresses), or bits 63:56 with 5-level paging (CR4.LA57); APM Vol. 2
 * §5.3.1. */
static int is_canonical(uint64_t a, int la57)
{
	unsigned shift = la57 ? 7 : 16;
	return (uint64_t)((int64_t)(a << shift) >> shift) == a;
}

int tsc_aux_offered;

void msr_init(void) { tsc_aux_offered = cpu_has_tsc_aux(); }

/* The guest's TSC (APM §15.30.5: host TSC + TSC_OFFSET). */
static uint64_t guest_tsc(const struct vmcb *v) { return rdtsc() + v->control.tsc_offset; }

/* Read MSR msr for vcpu into *val; 0, or -1 for #GP. */
static int msr_read(struct vcpu *vcpu, uint32_t msr, uint64_t *val)
{
	struct vmcb *v = vcpu->vmcb;
	const struct msr_rule *r = msr_rule_find(msr);
	if (!r || r->kind != MSRK_HOOK)
		return msr_policy_read(&vcpu->msr, r, msr, val);
	int canonical;
	size_t off;
	switch (r->hook) {
	case MSRH_VMCB:
		off = vmcb_msr(msr, &canonical);
		memcpy(val, (uint8_t *)v + off, sizeof(*val));
		return 0;
	case MSRH_EFER:
		*val = v->save.efer & ~EFER_SVME; /* the guest has no SVM */
		return 0;
	case MSRH_PAT:
		*val = v->save.g_pat;
		return 0;
	case MSRH_TSC:
		*val = guest_tsc(v);
		return 0;
	case MSRH_APIC_BASE:
		if (!vcpu->vctx.pc)
			return -1;
		*val = LAPIC_BASE | APIC_BASE_BSP | (vcpu->vctx.pc->lapic.hw_enabled ? APIC_BASE_EN : 0);
		return 0;
	case MSRH_KVM: /* KVM's paravirtual MSRs, only with kvm=on (kvm_pv.c) */
		return vcpu->kvm.on ? kvm_pv_rdmsr(vcpu, msr, val) : -1;
	case MSRH_TSC_AUX:
		if (!tsc_aux_offered)
			return -1;
		*val = vcpu->tsc_aux;
		return 0;
	case MSRH_TSC_DEADLINE: { /* the virtual xAPIC's TSC-deadline timer (CPUID 1 ECX[24] with platform=pc) */
		if (!vcpu->vctx.pc)
			return -1;
		vlapic_update(&vcpu->vctx.pc->lapic, vdev_now(&vcpu->vctx)); /* one that expired reads 0 */
		uint64_t d = vlapic_tsc_deadline_read(&vcpu->vctx.pc->lapic); /* host TSC: the devices' clock */
		*val = d ? d + v->control.tsc_offset : 0;
		return 0;
	}
	}
	return -1; /* MSRH_PRED_CMD: write-only */
}

/* Write val to MSR msr for vcpu; 0, or -1 for #GP. */
static int msr_write(struct vcpu *vcpu, uint32_t msr, uint64_t val)
{
	struct vmcb *v = vcpu->vmcb;
	const struct msr_rule *r = msr_rule_find(msr);
	if (!r || r->kind != MSRK_HOOK)
		return msr_policy_write(&vcpu->msr, r, msr, val, cpuid(0x80000008u, 0).eax & 0xff);
	int canonical;
	size_t off;
	switch (r->hook) {
	case MSRH_VMCB:
		off = vmcb_msr(msr, &canonical);
		if (canonical && !is_canonical(val, !!(v->save.cr4 & CR4_LA57)))
			return -1;
		memcpy((uint8_t *)v + off, &val, sizeof(val));
		return 0;
	case MSRH_EFER:
		/* APM Vol. 2 §3.1.7 (EFER), §14.6 (long mode): other bits are reserved (#GP); LME cannot change while
		 * paging is on (#GP); LMA is read-only, set by the CPU when paging turns on with LME = 1 (ignored here). */
		if (val & ~EFER_GUEST_WRITABLE)
			return -1;
		if ((v->save.cr0 & CR0_PG) && ((val ^ v->save.efer) & EFER_LME))
			return -1;
		v->save.efer = (val & ~EFER_LMA) | (v->save.efer & EFER_LMA) | EFER_SVME;
		return 0;
	case MSRH_PAT:
		if (!msr_pat_valid(val))
			return -1;
		v->save.g_pat = val;
		return 0;
	case MSRH_TSC: /* the guest's TSC from now on reads val + elapsed: a per-guest offset (APM §15.30.5) */
		v->control.tsc_offset = val - rdtsc();
		v->control.clean &= ~VMCB_CLEAN_I; /* TSC_OFFSET is cached with the intercepts (APM §15.15.3) */
		return 0;
	case MSRH_PRED_CMD: /* write-only; IBPB for the guest, where the CPU has it (CPUID 8000_0008h EBX[12] passed) */
		return spec_guest_pred_cmd(val);
	case MSRH_APIC_BASE: /* the xAPIC stays at 0xFEE00000; no x2APIC (CPUID hides it): only EN may change */
		if (!vcpu->vctx.pc || (val & ~(uint64_t)(APIC_BASE_BSP | APIC_BASE_EN)) != LAPIC_BASE)
			return -1;
		vcpu->vctx.pc->lapic.hw_enabled = (val & APIC_BASE_EN) != 0;
		return 0;
	case MSRH_KVM:
		return vcpu->kvm.on ? kvm_pv_wrmsr(vcpu, msr, val) : -1;
	case MSRH_TSC_AUX: /* bits 63:32 are ignored and read as 0, as AMD CPUs do; the CPU's MSR holds it at once */
		if (!tsc_aux_offered)
			return -1;
		vcpu->tsc_aux = (uint32_t)val;
		tsc_aux_load(this_cpu(), vcpu);
		return 0;
	case MSRH_TSC_DEADLINE: { /* a guest-TSC value; the device counts in host TSC (0 disarms) */
		if (!vcpu->vctx.pc)
			return -1;
		uint64_t host = val - v->control.tsc_offset;
		vlapic_tsc_deadline_write(&vcpu->vctx.pc->lapic, !val ? 0 : host ? host : 1, vdev_now(&vcpu->vctx));
		return 0;
	}
	}
	return -1;
}

void handle_msr(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	uint32_t msr = (uint32_t)vcpu->regs.rcx;
	int is_write = v->control.exitinfo1 == 1; /* APM §15.11: 0 = RDMSR, 1 = WRMSR */
	int fault;

	if (is_write) {
		uint64_t val = (v->save.rax & 0xffffffffu) | (vcpu->regs.rdx << 32);
		fault = msr_write(vcpu, msr, val);
	} else {
		uint64_t val = 0;
		fault = msr_read(vcpu, msr, &val);
		if (!fault) {
			v->save.rax = val & 0xffffffffu;
			vcpu->regs.rdx = val >> 32;
		}
	}
	if (fault)
		exit_inject_exception(vcpu, VEC_GP, 1, 0);
	else
		exit_skip_insn(vcpu, 2); /* 0F 32 / 0F 30 */
}
