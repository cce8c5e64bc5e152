/* SPDX-License-Identifier: MIT */
/*
 * exit.c — #VMEXIT dispatch through a table indexed by EXITCODE (APM Vol. 2 Appendix C), and the handlers that need
 * only a few lines. CPUID, MSR, IOIO and VMMCALL have files of their own.
 */
#include "hvmm/guest/exit.h"

#include <stddef.h>

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/gcpu.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/insn.h"
#include "hvmm/guest/kvm_pv.h"
#include "hvmm/guest/platform.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/x86/desc.h"

#define RDPMC_LEN 2 /* 0F 33 */
#define MSR_PERF_CTR0 0xc0010004u
#define RDPMC_MAX_COUNTER 5 /* PerfCtr0-5: the legacy four plus the core extension (APM Vol. 2 §13.2) */
#define CR4_PCE (1ull << 8) /* RDPMC allowed at any CPL */

/* Physical interrupt (the run loop takes it itself, sched.c). */
static void handle_intr(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	(void)vcpu;
	exit_take_intr();
}

/* NMI/SMI/INIT exits: the event stays pending and is taken by the host once GIF = 1; nothing to do for the guest. */
static void handle_ignore(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	(void)vcpu;
}

/* HLT: the guest has nothing to do until its next turn (docs/design.md); with devices, until an interrupt. */
static void handle_hlt(struct cpu *c, struct vcpu *vcpu)
{
	if (vcpu->vctx.pc) {
		platform_hlt(c, vcpu);
		return;
	}
	exit_skip_insn(vcpu, 1);
	vcpu->yield = 1;
}

/* INVD and WBINVD: caches are coherent; executing them for a guest would only hurt the others. */
static void handle_nop2(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	exit_skip_insn(vcpu, 2);
}

/* Instructions the guest's CPUID does not offer it (MONITOR/MWAIT, ICEBP, RDPRU): #UD, as on such a CPU. */
static void handle_ud(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	exit_inject_exception(vcpu, VEC_UD, 0, 0);
}

/*
 * RDPMC: the performance counters count for the whole machine (hvmm and the other guests), so a guest must not read
 * them. Counters 0-3 read the guest's PerfCtr0-3 (lib/msr_policy.c: stored, never counting), 4-5 read 0; any other
 * index raises #GP, as on a CPU without it.
 */
static void handle_rdpmc(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	/* CPL > 0 without CR4.PCE is #GP before the intercept (APM Vol. 3, RDPMC), whatever the emulator reported. */
	const struct vmcb_save *s = &vcpu->vmcb->save;
	if ((uint32_t)vcpu->regs.rcx > RDPMC_MAX_COUNTER || (s->cpl != 0 && !(s->cr4 & CR4_PCE))) {
		exit_inject_exception(vcpu, VEC_GP, 1, 0);
		return;
	}
	uint32_t ctr = (uint32_t)vcpu->regs.rcx, msr = MSR_PERF_CTR0 + ctr;
	uint64_t val = 0;
	if (ctr < 4)
		msr_policy_read(&vcpu->msr, msr_rule_find(msr), msr, &val);
	vcpu->vmcb->save.rax = (uint32_t)val;
	vcpu->regs.rdx = val >> 32;
	exit_skip_insn(vcpu, RDPMC_LEN);
}

/*
 * Debug registers. VMRUN and #VMEXIT switch DR6 and DR7 (VMCB save area) but not DR0-DR3, so without care every guest
 * could read the breakpoint addresses another guest wrote. hvmm lends the four registers to one guest at a time (one
 * CPU: README): a guest that is not their owner has its MOVs from DR0-DR3 intercepted; its first such MOV saves the
 * owner's values, loads its own (0 until it writes some), makes it the owner and lifts its read intercepts, and the
 * guest re-executes the MOV. A guest whose DR7 enables breakpoints claims the registers when it is switched in
 * (sched.c), so its breakpoints never compare against another guest's addresses.
 * Every MOV to DR0-DR3 and DR7 (and DR4/DR5, their aliases) is intercepted and done by hvmm (handle_dr): QEMU TCG
 * arms its breakpoints only when DR7 or DR0-DR3 are written, keeps them armed across #VMEXIT, and its VMRUN loads
 * DR7 without arming any — so a guest's own MOV would leave breakpoints that fire in hvmm (the instruction after
 * VMRUN, its exception entry) and in the next guest. Written by hvmm, with hvmm's DR7 enabling nothing, they arm
 * nothing there; on silicon VMRUN arms the guest's breakpoints from the VMCB's DR7 and #VMEXIT disables them (APM
 * Vol. 2 §15.6).
 */
void exit_dr_claim(struct cpu *c, struct vcpu *vcpu)
{
	struct vcpu *dr_owner = gcpu(c)->dr_owner;

	if (dr_owner == vcpu)
		return;
	if (dr_owner) {
		uint64_t *theirs = dr_owner->dr;
		__asm__ volatile("mov %%dr0, %0; mov %%dr1, %1; mov %%dr2, %2; mov %%dr3, %3"
				 : "=r"(theirs[0]), "=r"(theirs[1]), "=r"(theirs[2]), "=r"(theirs[3]));
		dr_owner->vmcb->control.intercept_dr_read |= INTERCEPT_DR0_3;
		dr_owner->vmcb->control.clean &= ~VMCB_CLEAN_I;
	}
	__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
			 : : "r"(vcpu->dr[0]), "r"(vcpu->dr[1]), "r"(vcpu->dr[2]), "r"(vcpu->dr[3]));
	gcpu(c)->dr_owner = vcpu;
	vcpu->vmcb->control.intercept_dr_read &= ~INTERCEPT_DR0_3;
	vcpu->vmcb->control.clean &= ~VMCB_CLEAN_I;
}

#define DR7_WRITABLE 0xffff23ffull /* L0-G3, LE, GE, GD, R/W0-LEN3; bit 10 reads 1, 11, 12, 14, 15 read 0 */
#define MOV_TO_DR 0x23 /* 0F 23 /r: MOV DRn, r (ModRM.reg = n, ModRM.rm = the GPR; mod is ignored) */

/* The value a MOV to DRn writes: the GPR EXITINFO1[3:0] names with decode assists (APM Vol. 2 §15.8.1), else
 * ModRM.rm (and REX.B) of the instruction's bytes. 0, or -1 when the instruction cannot be decoded as that MOV. */
static int mov_dr_value(struct vcpu *vcpu, uint64_t *val)
{
	unsigned reg;
	if (svm_has(SVM_FEAT_DECODE_ASSISTS)) {
		reg = vcpu->vmcb->control.exitinfo1 & 0xf;
	} else {
		struct x86_insn in;
		if (insn_decode_current(vcpu, &in) || in.map != X86_MAP_0F || in.opcode != MOV_TO_DR)
			return -1;
		reg = (in.modrm & 7) | ((in.rex & 1) << 3);
	}
	*val = insn_gpr_get(vcpu, reg);
	if (insn_mode(vcpu) != X86_MODE_64)
		*val = (uint32_t)*val;
	return 0;
}

#define CR4_DE (1ull << 3)
#define DR6_WRITABLE 0xe00full /* B0-B3, BD, BS, BT; the other bits read as DR6_RESET has them */

static void handle_dr(struct cpu *c, struct vcpu *vcpu)
{
	uint64_t code = vcpu->vmcb->control.exitcode, val;
	unsigned n = (unsigned)(code - VMEXIT_DR0_WRITE); /* for writes: 0-5, 7 */
	exit_dr_claim(c, vcpu);
	if (code <= VMEXIT_DR3_READ)
		return; /* RIP unchanged: the guest runs its MOV again, now without an exit */
	if (n == 4 || n == 5) { /* APM Vol. 2 §13.1: DR4/DR5 are DR6/DR7 unless CR4.DE, then #UD */
		if (vcpu->vmcb->save.cr4 & CR4_DE) {
			exit_inject_exception(vcpu, VEC_UD, 0, 0);
			return;
		}
		n += 2;
	}
	if (mov_dr_value(vcpu, &val)) {
		guest_kill(vcpu, "cannot decode its MOV to DR%lu", code - VMEXIT_DR0_WRITE);
		return;
	}
	if (n >= 6) {
		if (val >> 32) { /* APM Vol. 3, MOV DRn: bits 63:32 of DR6/DR7 are MBZ */
			exit_inject_exception(vcpu, VEC_GP, 1, 0);
			return;
		}
		if (n == 7)
			vcpu->vmcb->save.dr7 = (val & DR7_WRITABLE) | DR7_RESET;
		else
			vcpu->vmcb->save.dr6 = (val & DR6_WRITABLE) | DR6_RESET;
		vcpu->vmcb->control.clean &= ~VMCB_CLEAN_DRX;
	} else {
		/* Only canonical addresses reach hvmm's own DR0-DR3 (the guest gets #GP otherwise). */
		if ((uint64_t)((int64_t)(val << 16) >> 16) != val) {
			exit_inject_exception(vcpu, VEC_GP, 1, 0);
			return;
		}
		switch (n) {
		case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(val)); break;
		case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(val)); break;
		case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(val)); break;
		default: __asm__ volatile("mov %0, %%dr3" : : "r"(val)); break;
		}
	}
	exit_skip_insn(vcpu, 3);
}

static const char *const svm_insn_names[] = {
	[VMEXIT_VMRUN - VMEXIT_VMRUN] = "VMRUN", [VMEXIT_VMMCALL - VMEXIT_VMRUN] = "VMMCALL",
	[VMEXIT_VMLOAD - VMEXIT_VMRUN] = "VMLOAD", [VMEXIT_VMSAVE - VMEXIT_VMRUN] = "VMSAVE",
	[VMEXIT_STGI - VMEXIT_VMRUN] = "STGI", [VMEXIT_CLGI - VMEXIT_VMRUN] = "CLGI",
	[VMEXIT_SKINIT - VMEXIT_VMRUN] = "SKINIT",
};

/* SVM instructions are hvmm's alone (no nested virtualization): stop the guest. (At CPL > 0 they are #GP, raised by
 * exit_dispatch before any handler.) */
static void handle_svm_insn(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	uint64_t code = vcpu->vmcb->control.exitcode;
	const char *name = code == VMEXIT_INVLPGA ? "INVLPGA" : svm_insn_names[code - VMEXIT_VMRUN];
	guest_kill(vcpu, "executed %s (SVM instructions are reserved to hvmm)", name);
}

static void handle_shutdown(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	guest_kill(vcpu, "triple fault (shutdown)");
}

static void handle_task_switch(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	guest_kill(vcpu, "hardware task switch to TSS selector 0x%lx (not supported)",
		   vcpu->vmcb->control.exitinfo1 & 0xffff);
}

static void __attribute__((noinline)) handle_npf(struct cpu *c, struct vcpu *vcpu)
{
	if (vcpu->kvm.eoi_armed)
		kvm_pv_eoi_sync(vcpu); /* the APIC's ISR as the guest left it through PV EOI (kvm_pv.c) */
	if (vcpu->vctx.pc && platform_mmio(c, vcpu)) { /* a device page (local APIC) */
		if (__builtin_expect(vcpu->vctx.pc->lapic.init_pending, 0)) /* an ICR write sent INIT to itself */
			platform_init_ipi(vcpu);
		return;
	}
	uint64_t gpa = vcpu->vmcb->control.exitinfo2, info = vcpu->vmcb->control.exitinfo1;
	guest_kill(vcpu, "nested page fault: %s gpa=0x%lx outside its RAM (%luM)%s exitinfo1=0x%lx",
		   (info & NPF_INFO_FETCH) ? "fetch" : (info & NPF_INFO_WRITE) ? "write" : "read", gpa,
		   vcpu->guest->ram_size >> 20,
		   (info & NPF_INFO_GUEST_WALK) ? " in its page-table walk" : "", info);
}

static exit_handler_t *const exit_handlers[] = {
	[VMEXIT_DR0_READ... VMEXIT_DR3_READ] = handle_dr,
	[VMEXIT_DR0_WRITE... VMEXIT_DR5_WRITE] = handle_dr,
	[VMEXIT_DR7_WRITE] = handle_dr,
	[VMEXIT_EXCP_DB] = handle_exception_reflect,
	[VMEXIT_EXCP_BP] = handle_exception_reflect, /* intercepted only for gdb='s guest (gdbstub.c) */
	[VMEXIT_SWINT] = handle_swint, /* the same */
	[VMEXIT_EXCP_AC] = handle_exception_reflect,
	[VMEXIT_EXCP_MC] = handle_machine_check,
	[VMEXIT_INTR] = handle_intr,
	[VMEXIT_VINTR] = handle_vintr,
	[VMEXIT_IRET] = handle_iret,
	[VMEXIT_NMI] = handle_ignore,
	[VMEXIT_SMI] = handle_ignore,
	[VMEXIT_INIT] = handle_ignore,
	[VMEXIT_RDPMC] = handle_rdpmc,
	[VMEXIT_CPUID] = handle_cpuid,
	[VMEXIT_INVD] = handle_nop2,
	[VMEXIT_HLT] = handle_hlt,
	[VMEXIT_INVLPGA] = handle_svm_insn,
	[VMEXIT_IOIO] = handle_ioio,
	[VMEXIT_MSR] = handle_msr,
	[VMEXIT_TASK_SWITCH] = handle_task_switch,
	[VMEXIT_FERR_FREEZE] = handle_ignore,
	[VMEXIT_SHUTDOWN] = handle_shutdown,
	[VMEXIT_VMRUN] = handle_svm_insn,
	[VMEXIT_VMMCALL] = handle_vmmcall,
	[VMEXIT_VMLOAD] = handle_svm_insn,
	[VMEXIT_VMSAVE] = handle_svm_insn,
	[VMEXIT_STGI] = handle_svm_insn,
	[VMEXIT_CLGI] = handle_svm_insn,
	[VMEXIT_SKINIT] = handle_svm_insn,
	[VMEXIT_ICEBP] = handle_ud,
	[VMEXIT_WBINVD] = handle_nop2,
	[VMEXIT_MONITOR] = handle_ud,
	[VMEXIT_MWAIT] = handle_ud,
	[VMEXIT_XSETBV] = handle_xsetbv,
	[VMEXIT_RDPRU] = handle_ud, /* hvmm's APERF/MPERF are not the guest's (CPUID 8000_0008h EBX[4] cleared) */
};

/*
 * Exits of instructions that the architecture refuses at CPL > 0 with #GP(0) before it checks the intercept (APM
 * Vol. 2 §15.9 — instruction intercepts come after the simple exceptions — and each instruction's page in Vol. 3).
 * Whichever the emulator reports (QEMU TCG lets the SKINIT intercept win), the guest gets the #GP. RDPMC depends on
 * CR4.PCE and is checked in its handler; MONITOR/MWAIT are #UD at every CPL here.
 */
static const uint8_t exit_cpl0_only[] = {
	[VMEXIT_DR0_READ... VMEXIT_DR3_READ] = 1,
	[VMEXIT_DR0_WRITE... VMEXIT_DR5_WRITE] = 1,
	[VMEXIT_DR7_WRITE] = 1,
	[VMEXIT_INVD] = 1,
	[VMEXIT_HLT] = 1,
	[VMEXIT_INVLPGA] = 1,
	[VMEXIT_MSR] = 1,
	[VMEXIT_VMRUN] = 1,
	[VMEXIT_VMLOAD] = 1,
	[VMEXIT_VMSAVE] = 1,
	[VMEXIT_STGI] = 1,
	[VMEXIT_CLGI] = 1,
	[VMEXIT_SKINIT] = 1,
	[VMEXIT_WBINVD] = 1,
	[VMEXIT_XSETBV] = 1,
};

/* Print the VMCB fields that explain an exit nobody handles, then stop the guest. */
static void __attribute__((noinline, cold)) handle_unknown(struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	const char *name = vcpu->guest->name;
	hlog("guest %s: unhandled #VMEXIT exitcode=0x%lx exitinfo1=0x%lx exitinfo2=0x%lx exitintinfo=0x%lx", name,
	     v->control.exitcode, v->control.exitinfo1, v->control.exitinfo2, v->control.exitintinfo);
	hlog("guest %s: rip=0x%lx rsp=0x%lx rax=0x%lx rflags=0x%lx cr0=0x%lx cr3=0x%lx cr4=0x%lx efer=0x%lx cpl=%u",
	     name, v->save.rip, v->save.rsp, v->save.rax, v->save.rflags, v->save.cr0, v->save.cr3, v->save.cr4,
	     v->save.efer, v->save.cpl);
	guest_kill(vcpu, "unhandled exit 0x%lx", v->control.exitcode);
}

void exit_dispatch(struct cpu *c, struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	uint64_t code = v->control.exitcode;

	exit_begin(vcpu);
	switch (code) { /* the frequent exits as direct calls: no table load, no retpoline (same handlers as below) */
	case VMEXIT_INTR: /* handled by the run loop itself; here too, and its compare keeps the switch a tree */
		handle_intr(c, vcpu);
		return;
	case VMEXIT_CPUID:
		handle_cpuid(c, vcpu);
		return;
	case VMEXIT_IOIO:
		handle_ioio(c, vcpu);
		return;
	case VMEXIT_VMMCALL:
		handle_vmmcall(c, vcpu);
		return;
	}
	if ((uint32_t)code == VMEXIT_INVALID) { /* 32-bit compare: TCG writes 0x00000000FFFFFFFF (docs/qemu-tcg.md) */
		guest_kill(vcpu, "VMRUN refused its state (VMEXIT_INVALID; under QEMU TCG also a reserved CR3/CR4 bit)");
		return;
	}
	if (code == VMEXIT_NPF) {
		handle_npf(c, vcpu);
		return;
	}
	if (code < sizeof(exit_handlers) / sizeof(exit_handlers[0]) && exit_handlers[code]) {
		if (code < sizeof(exit_cpl0_only) && exit_cpl0_only[code] && v->save.cpl != 0)
			exit_inject_exception(vcpu, VEC_GP, 1, 0);
		else
			exit_handlers[code](c, vcpu);
		return;
	}
	handle_unknown(vcpu);
}
