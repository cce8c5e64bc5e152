/* SPDX-License-Identifier: MIT */
/*
 * vmcb.c — a guest's VMCB control area: what it may do without hvmm (APM Vol. 2 §15.9–15.13). The policy is
 * "intercept by default": every I/O port and MSR (maps filled with ones), all SVM instructions, CPUID, HLT, RDPMC,
 * physical interrupts (INTR/NMI/SMI/INIT), #DB, #AC and #MC, RDPRU, shutdown, every MOV to DR0-DR5 and DR7,
 * and reads of DR0-DR3 until the guest owns the debug registers. RDTSC and RDTSCP run without exits (the guest's
 * TSC is the host's plus TSC_OFFSET; TSC_AUX holds the running vCPU's value: guest/msr.h). docs/guest-abi.md
 * states what each intercept does.
 */
#include <string.h>

#include "hvmm/svm/vmcb.h"

void vmcb_init_control(struct vmcb *v, void *iopm, void *msrpm, uint64_t ncr3)
{
	memset(iopm, 0xff, IOPM_BYTES);
	memset(msrpm, 0xff, MSRPM_BYTES);
	v->control.iopm_base_pa = (uint64_t)iopm;
	v->control.msrpm_base_pa = (uint64_t)msrpm;

	static const unsigned misc1[] = {
		INTERCEPT1_INTR, INTERCEPT1_NMI, INTERCEPT1_SMI, INTERCEPT1_INIT, INTERCEPT1_RDPMC, INTERCEPT1_CPUID,
		INTERCEPT1_INVD, INTERCEPT1_HLT, INTERCEPT1_INVLPGA, INTERCEPT1_IOIO_PROT, INTERCEPT1_MSR_PROT,
		INTERCEPT1_TASK_SWITCH, INTERCEPT1_FERR_FREEZE, INTERCEPT1_SHUTDOWN,
	};
	static const unsigned misc2[] = {
		INTERCEPT2_VMRUN, INTERCEPT2_VMMCALL, INTERCEPT2_VMLOAD, INTERCEPT2_VMSAVE, INTERCEPT2_STGI,
		INTERCEPT2_CLGI, INTERCEPT2_SKINIT, INTERCEPT2_ICEBP, INTERCEPT2_WBINVD, INTERCEPT2_MONITOR,
		INTERCEPT2_MWAIT, INTERCEPT2_XSETBV, INTERCEPT2_RDPRU,
	};
	for (unsigned i = 0; i < sizeof(misc1) / sizeof(misc1[0]); i++)
		vmcb_set_intercept1(v, misc1[i]);
	for (unsigned i = 0; i < sizeof(misc2) / sizeof(misc2[0]); i++)
		vmcb_set_intercept2(v, misc2[i]);

	/* #DB and #AC: a guest can make either recur during its own delivery, which the CPU then repeats without ever
	 * reaching an instruction boundary, so no interrupt ends it (CVE-2015-8104, CVE-2015-5307; KVM and Xen intercept
	 * both). Intercepted, each delivery is an exit: hvmm reflects it (exit.c). #MC: a machine check in guest mode
	 * must reach hvmm, not the guest's IDT (APM §15.12). */
	v->control.intercept_exceptions = INTERCEPT_EXC_DB | INTERCEPT_EXC_AC | INTERCEPT_EXC_MC;

	/* DR0-DR3 are not in the VMCB: hvmm hands them to one guest at a time; every MOV to DR0-DR5/DR7 is done by hvmm
	 * (exit.c, handle_dr; DR4/DR5 are DR6/DR7 while CR4.DE is clear). */
	v->control.intercept_dr_read = INTERCEPT_DR0_3;
	v->control.intercept_dr_write = INTERCEPT_DR0_3 | INTERCEPT_DR4_5 | INTERCEPT_DR7;

	/* Physical interrupts are masked by the host's IF, not the guest's (APM §15.21.1). */
	v->control.int_ctl = INT_CTL_V_INTR_MASKING;
	v->control.np_control = NP_ENABLE;
	v->control.ncr3 = ncr3;
	v->control.asid = 0; /* assigned by the scheduler before the first VMRUN (sched.c) */
	v->control.tlb_control = TLB_CONTROL_DO_NOTHING;
	v->control.clean = 0; /* nothing cached: first run (APM §15.15) */
	v->control.tsc_offset = 0;
}
