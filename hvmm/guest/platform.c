/* SPDX-License-Identifier: MIT */
/*
 * platform.c — the guest side of a guest's virtual devices (hvmm/vdev/): the services a device may use (guest
 * memory, the guest's line console, the TSC, stopping the guest), lent through struct vdev_host so vdev/ never
 * includes guest/; the module arguments that choose the devices; and interrupt delivery (APM Vol. 2 §15.20-15.21):
 *
 *  - Before each VMRUN the timers are brought up to date. If the PIC signals INTR, EVENTINJ is free and the guest
 *    can take an interrupt (RFLAGS.IF = 1, no interrupt shadow), the interrupt is acknowledged (INTA: IRR -> ISR) and
 *    injected as an external interrupt (EVENTINJ TYPE 0). Otherwise an interrupt window is opened: V_IRQ = 1 with
 *    V_IGN_TPR and the VINTR intercept, so the CPU exits as soon as the guest could take it (§15.21.4), and the
 *    injection happens before the following VMRUN. The window closes when nothing is pending.
 *  - An injected interrupt whose delivery an exit interrupted comes back in EXITINTINFO and is re-injected as is
 *    (exit.c) — it was acknowledged once, so it is neither lost nor delivered twice; a new interrupt waits behind it.
 *  - QEMU 7.2 TCG's VMRUN leaves the vector of an injected external interrupt pending as an exception after it
 *    delivered it, and delivers it again — whatever RFLAGS.IF — unless an exit comes first (docs/qemu-tcg.md).
 *    So on a CPU without NRIPS (TCG never has it; the AMD CPUs that run hvmm do) every VMRUN that injects one is
 *    preceded by an IPI to this CPU itself (VEC_KICK): the guest exits right after the delivery. It costs one
 *    #VMEXIT(INTR) per injected interrupt there, nothing where NRIPS is present.
 *  - A device deadline (PIT channel 0 edge, RTC event, APIC timer) before the scheduler's own timer (the slice's end
 *    or a console drain tick) arms the LAPIC timer for it, so the interrupt is injected on the VMRUN that follows its
 *    expiry; that timer interrupt is not the scheduler's, which is re-armed for the time it was due.
 */
#include "hvmm/guest/platform.h"

#include <string.h>

#include "cmdline.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/guest_console.h"
#include "hvmm/guest/kvm_pv.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/debugexit.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/x86/cmos.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/lapic.h"
#include "hvmm/x86/tsc.h"

unsigned platform_halted[MAX_CPUS];
volatile uint8_t platform_kicked[MAX_CPUS];
void (*platform_kick_work)(struct cpu *c);

static void *host_mem(void *guest, uint64_t gpa, uint64_t len) { return guest_ptr(guest, gpa, len); }

static void host_putc(void *guest, char ch)
{
	struct guest *g = guest;
	guest_console_putc(&g->console, g->name, ch);
}

/* TSC_OFFSET is 0: the guest's TSC is the host's. The devices' time never runs backwards, even where the TSC seen
 * by a virtual CPU does (an emulator's host thread moving between unsynchronised host CPUs). */
static uint64_t host_now(void *guest)
{
	static uint64_t last_of[MAX_CPUS]; /* per CPU: a guest's devices are used only by the CPU that runs it */
	uint64_t *last = &last_of[this_cpu()->id];
	(void)guest;
	uint64_t t = rdtsc();
	if (t < *last)
		t = *last;
	*last = t;
	return t;
}

static void host_stop(void *guest, int64_t status)
{
	struct guest *g = guest;
	guest_console_flush(&g->console, g->name);
	g->exit_status = status;
	guest_stop(g, GUEST_EXITED);
	hlog("guest %s exited status=%ld", g->name, g->exit_status);
}

/* ACPI S5 or a reset (FADT reset register, CF9h, 64h <- FEh): the guest ends; hvmm restarts nothing. */
static void host_power(void *guest, enum vdev_power what)
{
	struct guest *g = guest;
	guest_console_flush(&g->console, g->name);
	g->exit_status = 0;
	g->end = what == VDEV_POWER_OFF ? GUEST_END_POWEROFF : GUEST_END_REBOOT;
	guest_stop(g, GUEST_EXITED);
	hlog("guest %s %s", g->name, what == VDEV_POWER_OFF ? "powered off (ACPI S5)" : "reset its platform (not restarted)");
}

static const struct vdev_host host_ops = {
	.mem = host_mem,
	.putc = host_putc,
	.now = host_now,
	.stop = host_stop,
	.power = host_power,
};

void platform_attach(struct guest *g)
{
	for (unsigned k = 0; k < g->nvcpus; k++)
		g->vcpu[k]->vctx = (struct vdev_ctx){ .host = &host_ops, .guest = g, .bus = &g->bus, .tsc_khz = tsc_khz };
}

/* Wall-clock time for the guests' RTCs: the real RTC, read once, and the TSC at that moment. */
static uint64_t boot_unix, boot_tsc;

int platform_check(struct guest *g, int pc, const char *cmdline, const char **why)
{
	struct cmdline_iter it;
	char key[32], val[32];
	int r;
	uint64_t debug_exit = 0;

	cmdline_init(&it, cmdline);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0) {
		if (!strcmp(key, "platform")) {
			if (r < 0 || (strcmp(val, "pc") && strcmp(val, "none"))) {
				*why = "platform= must be pc or none";
				return -1;
			}
			pc = !strcmp(val, "pc");
		} else if (!strcmp(key, "debug_exit")) {
			if (r < 0 || parse_u64(val, &debug_exit) || debug_exit == 0 ||
			    debug_exit > 0x10000 - DEBUGEXIT_PORTS) {
				*why = "debug_exit= must be an I/O port number (e.g. 0xf4)";
				return -1;
			}
		}
	}
	if (pc && g->ram_size > LAPIC_BASE) {
		*why = "platform=pc: mem= must leave the local APIC page at 0xFEE00000 outside RAM (at most 4064M)";
		return -1;
	}
	g->pc_wanted = (uint8_t)pc;
	g->debug_exit = (uint16_t)debug_exit;
	return 0;
}

int platform_create(struct guest *g, const char **why)
{
	if (g->debug_exit && debugexit_init(&g->bus, g->debug_exit)) {
		*why = "debug_exit= port table full";
		return -1;
	}
	if (!g->pc_wanted)
		return 0;
	if (!boot_tsc) {
		boot_unix = cmos_read_unix();
		boot_tsc = rdtsc();
	}
	g->pc = pmm_alloc(sizeof(struct vdev_pc), PAGE_SIZE);
	if (!g->pc) {
		*why = "not enough free memory for its devices";
		return -1;
	}
	for (unsigned k = 0; k < g->nvcpus; k++)
		g->vcpu[k]->vctx.pc = g->pc;
	uint64_t now = host_now(g);
	struct vdev_pc_config cfg = { .ram_bytes = g->ram_size, .ncpus = (uint16_t)g->nvcpus,
				      .unix_time = boot_unix + (now - boot_tsc) / (tsc_khz ? tsc_khz * 1000 : 1),
				      .tsc = now };
	return vdev_pc_init(g->pc, &g->bus, tsc_khz, &cfg, why);
}

void platform_free(struct guest *g)
{
	if (g->pc)
		pmm_free(g->pc, sizeof(struct vdev_pc));
	g->pc = NULL;
}

/* Open (on = 1) or close the interrupt window: V_IRQ with V_IGN_TPR and the VINTR intercept (APM §15.21.4). */
static void window(struct vmcb *v, int on)
{
	uint32_t want = on ? INT_CTL_V_IRQ | INT_CTL_V_IGN_TPR : 0;
	if ((v->control.int_ctl & (INT_CTL_V_IRQ | INT_CTL_V_IGN_TPR)) == want)
		return;
	v->control.int_ctl = (v->control.int_ctl & ~(INT_CTL_V_IRQ | INT_CTL_V_IGN_TPR)) | want;
	v->control.int_vector = 0;
	if (on)
		vmcb_set_intercept1(v, INTERCEPT1_VINTR);
	else
		vmcb_clear_intercept1(v, INTERCEPT1_VINTR);
	v->control.clean &= ~(VMCB_CLEAN_I | VMCB_CLEAN_TPR);
}

/* LAPIC timer ticks in cycles TSC cycles, at least 1. */
static uint32_t lapic_ticks(const struct cpu *c, uint64_t cycles)
{
	uint64_t t = (uint64_t)(((unsigned __int128)cycles * c->lapic_per_tsc) >> 32);
	return t == 0 ? 1 : t > 0xffffffffu ? 0xffffffffu : (uint32_t)t;
}

/*
 * An NMI for the guest: injected through EVENTINJ (type NMI) unless an NMI handler is still running — the CPU blocks
 * NMIs from the delivery of one until the next IRET completes (APM Vol. 2 §8.2.3, §15.21) — or another event is being
 * (re)injected, or an interrupt shadow holds; returns 1 if injected. The IRET intercept tells hvmm when the handler
 * returns (handle_iret).
 */
static int nmi_deliver(struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	if (vcpu->nmi_blocked || (v->control.eventinj & EVENT_VALID) || (v->control.int_state & INT_STATE_SHADOW))
		return 0;
	vcpu->nmi_blocked = 1;
	vcpu->nmis_injected++;
	v->control.eventinj = VEC_NMI | EVENT_TYPE_NMI | EVENT_VALID;
	vmcb_set_intercept1(v, INTERCEPT1_IRET);
	v->control.clean &= ~VMCB_CLEAN_I;
	return 1;
}

/* The NMI the guest's local APIC latched (an NMI IPI, LINT1), delivered when it can be (nmi_deliver). */
static void nmi_inject(struct vcpu *vcpu)
{
	if (nmi_deliver(vcpu))
		vcpu->vctx.pc->lapic.nmi_pending = 0;
}

const char *platform_nmi_button(struct vcpu *vcpu)
{
	static const char *const what[] = {
		[VLAPIC_LINT1_NMI] = "LINT1 delivers an NMI",
		[VLAPIC_LINT1_FIXED] = "LINT1 delivers a fixed interrupt (LVT LINT1's vector)",
		[VLAPIC_LINT1_MASKED] = "LINT1 masked: nothing delivered",
		[VLAPIC_LINT1_OTHER] = "LINT1 in SMI, INIT or ExtINT mode: nothing delivered",
	};
	struct vdev_pc *pc = vcpu->vctx.pc;
	if (!pc)
		return nmi_deliver(vcpu) ? "an NMI (no local APIC: straight to the CPU)" : NULL;
	enum vlapic_lint1 r = vlapic_lint1(&pc->lapic);
	pc->gen++; /* platform_before_vmrun delivers it; a halted vCPU wakes at the next scheduling decision (wake) */
	return what[r];
}

/*
 * IRET while an NMI is blocked (the intercept is set only then; the exit comes before the IRET runs). With no NMI
 * waiting, NMIs are unblocked now: only the guest's own ICR writes raise one, and none can run before the IRET.
 * With one waiting, it must be taken at the instruction the IRET returns to, not inside the handler: hvmm sets
 * RFLAGS.TF, and the single-step #DB after the IRET (TF is sampled before the instruction, whatever the IRET pops)
 * ends the blocking (platform_nmi_step).
 */
void handle_iret(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	vmcb_clear_intercept1(v, INTERCEPT1_IRET);
	v->control.clean &= ~VMCB_CLEAN_I;
	if (!vcpu->vctx.pc || !vcpu->vctx.pc->lapic.nmi_pending) {
		vcpu->nmi_blocked = 0;
		return;
	}
	vcpu->nmi_step = (v->save.rflags & RFLAGS_TF) ? 3 : 1;
	v->save.rflags |= RFLAGS_TF;
}

int platform_nmi_step(struct vcpu *vcpu)
{
	if (!vcpu->nmi_step)
		return 0;
	int guests_own = vcpu->nmi_step == 3;
	vcpu->nmi_step = 0;
	vcpu->nmi_blocked = 0;
	if (guests_own)
		return 0;
	vcpu->vmcb->save.dr6 &= ~DR6_BS; /* hvmm's step: the guest sees no #DB */
	return 1;
}

/* A processor INIT of the BSP restarts it at the reset vector (APM Vol. 2 §14.1), in firmware a guest does not
 * have: the guest ends here, as after a shutdown. */
void platform_init_ipi(struct vcpu *vcpu)
{
	vcpu->vctx.pc->lapic.init_pending = 0;
	guest_kill(vcpu, "INIT IPI to itself (a processor reset; the guest has no firmware at the reset vector)");
}

/* The VMRUN about to run injects an external interrupt: without NRIPS (QEMU TCG), make the guest exit right after its
 * delivery with an IPI to this CPU itself (see the comment at the top). */
static void inject_kick(void)
{
	if (__builtin_expect(!svm_has(SVM_FEAT_NRIPS), 0))
		lapic_send_ipi(0, ICR_SHORTHAND_SELF | ICR_VECTOR(VEC_KICK));
}

void platform_update(struct cpu *c, struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	uint64_t now = host_now(vcpu->vctx.guest);
	struct vdev_lapic *a = &vcpu->vctx.pc->lapic;
	a->tpr = (a->tpr & 0x0f) | ((v->control.int_ctl & INT_CTL_V_TPR) << 4); /* a MOV to CR8 changed V_TPR (APM §15.21.2) */
	int pending = vdev_pc_poll(vcpu->vctx.pc, &vcpu->vctx, now);
	if (vcpu->kvm.eoi_armed && kvm_pv_eoi_sync(vcpu)) /* the guest ended an interrupt through KVM's PV EOI */
		pending = vdev_pc_pending(vcpu->vctx.pc);
	if (__builtin_expect(a->nmi_pending, 0))
		nmi_inject(vcpu);

	if (v->control.eventinj & EVENT_VALID) { /* a re-injection (exit.c) or the NMI: the new interrupt waits */
		if ((v->control.eventinj & EVENT_TYPE_MASK) == EVENT_TYPE_INTR)
			inject_kick();
	} else if (pending && (v->save.rflags & RFLAGS_IF) && !(v->control.int_state & INT_STATE_SHADOW)) {
		uint8_t vector = vdev_pc_ack(vcpu->vctx.pc);
		v->control.eventinj = vector | EVENT_TYPE_INTR | EVENT_VALID;
		if (vcpu->kvm.eoi_word)
			kvm_pv_eoi_arm(vcpu, vector);
		vcpu->irqs_injected++;
		inject_kick();
		pending = vdev_pc_pending(vcpu->vctx.pc); /* another one: exit when the guest can take it */
	}
	window(v, pending);

	uint64_t deadline = vdev_pc_next_event(vcpu->vctx.pc); /* as the polls above left it */
	if (deadline < gcpu(c)->timer_due_tsc) {
		lapic_timer_oneshot(lapic_ticks(c, deadline > now ? deadline - now : 0));
		gcpu(c)->timer_early = 1;
	} else if (gcpu(c)->timer_early) { /* back to the end of the slice */
		lapic_timer_oneshot(lapic_ticks(c, gcpu(c)->timer_due_tsc > now ? gcpu(c)->timer_due_tsc - now : 0));
		gcpu(c)->timer_early = 0;
	}
	/* Until deadline, with nothing pending, this work would do nothing again unless a device changes (platform.h) */
	vcpu->plat.gen = vcpu->vctx.pc->gen;
	vcpu->plat.due = gcpu(c)->timer_due_tsc;
	vcpu->plat.quiet_until = pending || a->nmi_pending || vcpu->kvm.eoi_armed || vcpu->vctx.pc->irq0_backlog ? 0
													   : deadline;
}

void platform_after_exit(struct cpu *c, struct vcpu *vcpu)
{
	uint64_t code = vcpu->vmcb->control.exitcode;
	/* A port access changes device state only through the devices' own notifications (vdev.h vdev_changed), an
	 * MMIO access only by a write (vdev_pc_mmio; reads have no side effects); the timer's interrupt and CPUID
	 * change none; any other exit may (MSRs, HLT, VINTR, IRET, hypercalls, ...). */
	if (code != VMEXIT_IOIO && code != VMEXIT_NPF && code != VMEXIT_INTR && code != VMEXIT_CPUID)
		vcpu->vctx.pc->gen++;
	else if (code == VMEXIT_INTR && __builtin_expect(platform_kicked[c->id], 0)) { /* another CPU's IPI */
		platform_kicked[c->id] = 0;
		platform_kick_work(c);
	}
	if (c->timer_fired && gcpu(c)->timer_early && rdtsc() < gcpu(c)->timer_due_tsc)
		c->timer_fired = 0; /* a device deadline, not the end of the slice: platform_before_vmrun re-arms */
}

/* VINTR: the window opened — the guest can take an interrupt now. Close it; the next VMRUN injects. */
void handle_vintr(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	window(vcpu->vmcb, 0);
}

void platform_hlt(struct cpu *c, struct vcpu *vcpu)
{
	struct guest *g = vcpu->guest;
	exit_skip_insn(vcpu, 1);
	if (!(vcpu->vmcb->save.rflags & RFLAGS_IF) && !(g->pc->lapic.nmi_pending && !vcpu->nmi_blocked)) {
		guest_kill(vcpu, "HLT with interrupts disabled (nothing can wake it)");
		return;
	}
	if (vcpu->kvm.eoi_armed)
		kvm_pv_eoi_sync(vcpu); /* an interrupt it ended through PV EOI no longer blocks the next */
	if (vdev_pc_poll(g->pc, &vcpu->vctx, host_now(g)) || g->pc->lapic.nmi_pending)
		return; /* already pending: injected at once */
	vcpu->state = VCPU_HALTED;
	platform_halted[c->id]++;
}

/* c's vCPU number i of the vCPUs of every guest, or NULL: it is another CPU's, or not halted. */
static struct vcpu *halted_vcpu(const struct cpu *c, unsigned i)
{
	unsigned gi = i / GUEST_VCPUS_MAX;
	struct vcpu *vcpu = gi < nguests ? guests[gi]->vcpu[i % GUEST_VCPUS_MAX] : NULL;
	return vcpu && vcpu->cpu == c->id && vcpu->state == VCPU_HALTED ? vcpu : NULL;
}

/* Wake c's halted vCPUs with an interrupt pending (only c's: another CPU's vCPUs and devices are that CPU's);
 * returns how many woke. */
static unsigned wake(struct cpu *c)
{
	unsigned woke = 0;
	uint64_t now = host_now(NULL);
	for (unsigned i = 0; i < nguests * GUEST_VCPUS_MAX && platform_halted[c->id]; i++) {
		struct vcpu *vcpu = halted_vcpu(c, i);
		if (vcpu && (vdev_pc_poll(vcpu->vctx.pc, &vcpu->vctx, now) ||
			     (vcpu->vctx.pc->lapic.nmi_pending && !vcpu->nmi_blocked))) { /* an NMI ends HLT whatever IF is */
			vcpu->state = VCPU_RUNNABLE;
			vcpu->ready_tsc = now; /* waits for the CPU from now (sched.c: steal time) */
			platform_halted[c->id]--;
			woke++;
		}
	}
	return woke;
}

void platform_wake(struct cpu *c) { wake(c); }

int platform_idle(struct cpu *c, uint64_t until)
{
	if (wake(c))
		return 1;
	uint64_t first = UINT64_MAX, now = host_now(NULL);
	int input = 0; /* a halted vCPU waits for console input, which can still come */
	for (unsigned i = 0; i < nguests * GUEST_VCPUS_MAX; i++) {
		struct vcpu *vcpu = halted_vcpu(c, i);
		uint64_t d = vcpu ? vdev_pc_deadline(vcpu->vctx.pc) : UINT64_MAX;
		first = d < first ? d : first;
		input |= vcpu && until != UINT64_MAX && vdev_pc_input_wakes(vcpu->vctx.pc);
	}
	if (platform_halted[c->id] && first == UINT64_MAX && !input) { /* nothing can wake them */
		for (unsigned i = 0; i < nguests * GUEST_VCPUS_MAX; i++) {
			struct vcpu *vcpu = halted_vcpu(c, i);
			if (vcpu) {
				vcpu->state = VCPU_RUNNABLE;
				guest_kill(vcpu, "HLT with no interrupt source left (nothing can wake it)");
			}
		}
		platform_halted[c->id] = 0;
		return 1;
	}
	first = first < until ? first : until;
	if (first == UINT64_MAX)
		return 0;
	c->timer_fired = 0;
	lapic_timer_oneshot(lapic_ticks(c, first > now ? first - now : 0));
	while (!c->timer_fired && !platform_kicked[c->id])
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	platform_kicked[c->id] = 0;
	wake(c);
	return 1;
}
