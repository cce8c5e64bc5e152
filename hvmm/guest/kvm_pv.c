/* SPDX-License-Identifier: MIT */
/*
 * kvm_pv.c — KVM's paravirtual interface for guests with kvm=on, so that a stock Linux kernel (CONFIG_KVM_GUEST)
 * uses it unchanged (docs/guest-abi.md "The KVM paravirtual interface"; layouts in include/hvmm/kvm.h):
 *
 *  - CPUID 4000_0100h: "KVMKVMKVM\0\0\0" and the highest leaf; 4000_0101h: the feature bits below.
 *  - kvmclock: MSR_KVM_SYSTEM_TIME_NEW registers a struct pvclock_vcpu_time_info, written once with the TSC at the
 *    write, the ns since the guest was created, and the TSC-to-ns scale. The guest's TSC is the host's (TSC_OFFSET
 *    0), constant-rate, and the guest never moves to another CPU, so that one record stays exact: nothing needs
 *    rewriting when the guest is scheduled again. MSR_KVM_WALL_CLOCK_NEW fills struct pvclock_wall_clock from the
 *    guest's own virtual RTC (vdev/rtc.c): the UTC time at which kvmclock read 0.
 *  - Steal time: MSR_KVM_STEAL_TIME registers a struct kvm_steal_time; each time the guest runs again after waiting
 *    for the CPU, steal = ns it was runnable while another guest ran (vcpu->waited, sched.c), published under the
 *    version seqlock. Constant cost: one multiply and four stores.
 *  - PV EOI: MSR_KVM_PV_EOI_EN registers a word whose bit 0 hvmm sets when it injects a local APIC interrupt that is
 *    the only one in service with none waiting; the guest then ends it by clearing the bit, without the EOI write's
 *    exit, and hvmm performs the EOI before the next VMRUN (or the guest's HLT or APIC access).
 *  - Hypercalls: VMMCALL speaks KVM's ABI (RAX = number; RBX, RCX, RDX, RSI); every number but VAPIC_POLL_IRQ
 *    returns -KVM_ENOSYS, CPL > 0 gets -KVM_EPERM. hvmm's own hypercalls (abi.h) are not available to such a guest.
 *
 * Every GPA is checked before hvmm keeps a pointer to it: aligned as msr.rst requires, inside one 4 KiB page, and
 * inside the guest's RAM; otherwise the WRMSR raises #GP and hvmm prints why (the first few times per guest).
 */
#include "hvmm/guest/kvm_pv.h"

#include <string.h>

#include "cmdline.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/insn.h"
#include "hvmm/guest/loader.h"
#include "hvmm/svm/asm_offsets.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/x86/tsc.h"

#define REFUSALS_LOGGED 8 /* per guest */
#define CPUID80000007_EDX_INVARIANT_TSC (1u << 8)
#define KVM_RANGE_LEAVES 0x100u

/* The TSC-to-ns scale of every guest's kvmclock: ns = ((cycles << shift) * mul) >> 32, shift < 0 shifting right. */
static struct {
	uint32_t mul;
	int8_t shift;
	uint8_t flags; /* PVCLOCK_TSC_STABLE_BIT where the host's TSC is invariant */
	uint32_t features; /* KVM_CPUID_FEATURES EAX */
} scale;

/* Choose mul and shift so that mul / 2^32 = 10^9 / (tsc_hz * 2^shift) lies in [1/2, 1): a 32-bit mul with its top
 * bit set, the most precise the format allows. */
static void scale_init(void)
{
	uint64_t num = 1000000000ull, den = tsc_khz ? tsc_khz * 1000 : 1000000000ull; /* uncalibrated: as 1 GHz */
	int shift = 0;
	while (num >= den) {
		den <<= 1;
		shift++;
	}
	while (num < den / 2) {
		num <<= 1;
		shift--;
	}
	uint32_t mul = 0; /* 32 bits of num / den by long division (num < den < 2^42: no overflow) */
	for (int i = 0; i < 32; i++) {
		num <<= 1;
		mul = mul << 1 | (num >= den);
		num = num >= den ? num - den : num;
	}
	scale.mul = mul;
	scale.shift = (int8_t)shift;
	scale.features = (1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_NOP_IO_DELAY) |
			 (1u << KVM_FEATURE_STEAL_TIME) | (1u << KVM_FEATURE_PV_EOI);
	if (cpuid(0x80000000u, 0).eax >= 0x80000007u && (cpuid(0x80000007u, 0).edx & CPUID80000007_EDX_INVARIANT_TSC)) {
		scale.flags = PVCLOCK_TSC_STABLE_BIT;
		scale.features |= 1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT;
	}
}

/* cycles TSC cycles in ns with the kvmclock scale (multiply and shift: no division on the switch path). */
static uint64_t scale_ns(uint64_t cycles)
{
	cycles = scale.shift >= 0 ? cycles << scale.shift : cycles >> -scale.shift;
	return (uint64_t)(((unsigned __int128)cycles * scale.mul) >> 32);
}

int kvm_pv_create(struct guest *g, const char *cmdline, const char **why)
{
	struct cmdline_iter it;
	char key[16], val[16];
	int r, on = g->format == &image_format_linux; /* Linux guests; ELF64 and multiboot v1 guests only when asked */

	cmdline_init(&it, cmdline);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0)
		if (!strcmp(key, "kvm")) {
			if (r < 0 || (strcmp(val, "on") && strcmp(val, "off"))) {
				*why = "kvm= must be on or off";
				return -1;
			}
			on = !strcmp(val, "on");
		}
	if (on && !g->pc) {
		if (g->format != &image_format_linux) {
			*why = "kvm=on needs the virtual PC (platform=pc)";
			return -1;
		}
		on = 0; /* platform=none on a Linux guest's line: no KVM interface either */
	}
	if (!scale.mul)
		scale_init();
	for (unsigned i = 0; i < g->nvcpus; i++) {
		struct vcpu *vcpu = g->vcpu[i];
		vcpu->kvm = (struct kvm_pv){ .on = (uint8_t)on, .clock_base = rdtsc() };
		*((uint8_t *)vcpu->vmcb + VMCB_HOST_KVM_ABI) = (uint8_t)on; /* vmrun.S: no null-hypercall fast path */
	}
	return 0;
}

int kvm_pv_cpuid(const struct vcpu *vcpu, uint32_t leaf, struct cpuid_regs *r)
{
	if (!vcpu->kvm.on || leaf - KVM_CPUID_BASE >= KVM_RANGE_LEAVES)
		return 0;
	*r = (struct cpuid_regs){ 0 };
	if (leaf == KVM_CPUID_SIGNATURE) {
		r->eax = KVM_CPUID_FEATURES;
		r->ebx = KVM_CPUID_SIG_EBX;
		r->ecx = KVM_CPUID_SIG_ECX;
		r->edx = KVM_CPUID_SIG_EDX;
	} else if (leaf == KVM_CPUID_FEATURES) {
		r->eax = scale.features; /* EDX: no hints (KVM_HINTS_REALTIME would promise guests are never preempted) */
	}
	return 1;
}

/* The host pointer to len bytes at gpa, aligned to align, inside one 4 KiB page and inside g's RAM; else NULL with
 * the reason in *why. */
static void *area(struct vcpu *vcpu, uint64_t gpa, uint64_t len, uint64_t align, const char **why)
{
	void *p;
	if (gpa & (align - 1))
		*why = align == 4 ? "not 4-byte aligned" : "not 64-byte aligned";
	else if ((gpa & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
		*why = "the structure crosses a 4 KiB page boundary";
	else if (!(p = guest_ptr(vcpu->guest, gpa, len)))
		*why = "the structure is not inside the guest's RAM";
	else
		return p;
	return NULL;
}

/* A refused WRMSR: #GP for the guest, and the reason in hvmm's log the first REFUSALS_LOGGED times. */
static int refuse(struct vcpu *vcpu, uint32_t msr, uint64_t val, const char *why)
{
	if (vcpu->kvm.refusal_logged < REFUSALS_LOGGED) {
		vcpu->kvm.refusal_logged++;
		hlog("guest %s: wrmsr 0x%x value=0x%lx refused (#GP): %s", vcpu->guest->name, msr, val, why);
	}
	return -1;
}

#define BARRIER() __asm__ volatile("" ::: "memory") /* the guest reads on this CPU after VMRUN: compiler order only */

static void write_system_time(struct vcpu *vcpu)
{
	struct kvm_pv *k = &vcpu->kvm;
	volatile struct pvclock_vcpu_time_info *t = k->time;
	uint64_t now = rdtsc();
	t->version = ++k->time_version; /* odd: an update in progress (msr.rst) */
	BARRIER();
	t->tsc_timestamp = now;
	t->system_time = scale_ns(now - k->clock_base);
	t->tsc_to_system_mul = scale.mul;
	t->tsc_shift = scale.shift;
	t->flags = scale.flags;
	BARRIER();
	t->version = ++k->time_version;
}

/* The UTC time, in ns since 1970, at which g's kvmclock read 0: its virtual RTC's time at clock_base. */
static uint64_t wall_at_base(const struct vcpu *vcpu)
{
	const struct vdev_rtc *rtc = &vcpu->guest->pc->rtc;
	uint64_t base = rtc->base_unix * 1000000000ull, at = vcpu->kvm.clock_base;
	return at >= rtc->base_tsc ? base + tsc_to_ns(at - rtc->base_tsc) : base - tsc_to_ns(rtc->base_tsc - at);
}

static void write_wall_clock(struct vcpu *vcpu, volatile struct pvclock_wall_clock *w)
{
	struct kvm_pv *k = &vcpu->kvm;
	uint64_t ns = wall_at_base(vcpu);
	w->version = ++k->wall_version; /* odd */
	BARRIER();
	w->sec = (uint32_t)(ns / 1000000000ull);
	w->nsec = (uint32_t)(ns % 1000000000ull);
	BARRIER();
	w->version = ++k->wall_version;
}

static void publish_steal(struct vcpu *vcpu)
{
	struct kvm_pv *k = &vcpu->kvm;
	volatile struct kvm_steal_time *st = k->steal;
	st->version = ++k->steal_version;
	BARRIER();
	st->steal = scale_ns(vcpu->waited - k->steal_base);
	st->preempted = 0; /* one vCPU: nobody can see it preempted (only other vCPUs of the guest read it) */
	BARRIER();
	st->version = ++k->steal_version;
}

void kvm_pv_switch_in(struct vcpu *vcpu)
{
	if (vcpu->kvm.steal)
		publish_steal(vcpu);
}

int kvm_pv_rdmsr(struct vcpu *vcpu, uint32_t msr, uint64_t *val)
{
	struct kvm_pv *k = &vcpu->kvm;
	switch (msr) {
	case MSR_KVM_WALL_CLOCK_NEW:
		*val = k->msr_wall_clock;
		return 0;
	case MSR_KVM_SYSTEM_TIME_NEW:
		*val = k->msr_system_time;
		return 0;
	case MSR_KVM_STEAL_TIME:
		*val = k->msr_steal_time;
		return 0;
	case MSR_KVM_PV_EOI_EN:
		*val = k->msr_pv_eoi;
		return 0;
	}
	return -1; /* async PF, poll control, migration control...: not offered (CPUID 4000_0101h) */
}

int kvm_pv_wrmsr(struct vcpu *vcpu, uint32_t msr, uint64_t val)
{
	struct kvm_pv *k = &vcpu->kvm;
	const char *why = NULL;
	void *p;

	switch (msr) {
	case MSR_KVM_WALL_CLOCK_NEW: /* the whole value is the GPA; filled once, at this write */
		if (!(p = area(vcpu, val, sizeof(struct pvclock_wall_clock), 4, &why)))
			return refuse(vcpu, msr, val, why);
		k->msr_wall_clock = val;
		write_wall_clock(vcpu, p);
		return 0;
	case MSR_KVM_SYSTEM_TIME_NEW: /* bit 0 enables; the 4-byte aligned GPA above it */
		if (val & KVM_MSR_ENABLED) {
			if (!(p = area(vcpu, val & ~KVM_MSR_ENABLED, sizeof(struct pvclock_vcpu_time_info), 4, &why)))
				return refuse(vcpu, msr, val, why);
			k->time = p;
			write_system_time(vcpu);
		} else {
			k->time = NULL;
		}
		k->msr_system_time = val;
		return 0;
	case MSR_KVM_STEAL_TIME: /* bit 0 enables, bits 5:1 reserved, the 64-byte aligned GPA above */
		if (val & KVM_STEAL_RESERVED)
			return refuse(vcpu, msr, val, "bits 5:1 are reserved (the GPA is 64-byte aligned)");
		if (val & KVM_MSR_ENABLED) {
			if (!(p = area(vcpu, val & ~KVM_MSR_ENABLED, sizeof(struct kvm_steal_time), 64, &why)))
				return refuse(vcpu, msr, val, why);
			k->steal = p;
			k->steal_base = vcpu->waited;
			k->steal_version = 0;
			publish_steal(vcpu);
		} else {
			k->steal = NULL;
		}
		k->msr_steal_time = val;
		return 0;
	case MSR_KVM_PV_EOI_EN: /* bit 0 enables, bit 1 reserved, the 4-byte aligned GPA above */
		if (val & KVM_PV_EOI_RESERVED)
			return refuse(vcpu, msr, val, "bit 1 is reserved (the GPA is 4-byte aligned)");
		if (val & KVM_MSR_ENABLED) {
			if (!(p = area(vcpu, val & ~KVM_MSR_ENABLED, sizeof(uint32_t), 4, &why)))
				return refuse(vcpu, msr, val, why);
			if (k->eoi_word && k->eoi_armed)
				kvm_pv_eoi_sync(vcpu); /* the old word's pending EOI first */
			k->eoi_word = p;
		} else {
			if (k->eoi_armed)
				kvm_pv_eoi_sync(vcpu);
			k->eoi_word = NULL;
		}
		k->eoi_armed = 0;
		k->msr_pv_eoi = val;
		return 0;
	}
	return refuse(vcpu, msr, val, "not an MSR hvmm offers (CPUID 4000_0101h)");
}

int kvm_pv_eoi_sync(struct vcpu *vcpu)
{
	struct kvm_pv *k = &vcpu->kvm;
	if (!k->eoi_armed)
		return 0;
	k->eoi_armed = 0;
	if (!(*k->eoi_word & KVM_PV_EOI_BIT)) { /* the guest ended the interrupt by clearing the bit */
		vlapic_eoi(&vcpu->guest->pc->lapic);
		vcpu->guest->pc->gen++; /* the interrupt state changed (platform_before_vmrun) */
		k->pv_eois++;
		return 1;
	}
	if (vlapic_irr_any(&vcpu->guest->pc->lapic)) {
		*k->eoi_word &= ~KVM_PV_EOI_BIT; /* another interrupt waits: the guest writes the EOI register */
		return 0;
	}
	k->eoi_armed = 1; /* still in service, nothing waiting: the bit stays */
	return 0;
}

void kvm_pv_eoi_arm(struct vcpu *vcpu, unsigned vector)
{
	struct kvm_pv *k = &vcpu->kvm;
	if (!vlapic_only_in_service(&vcpu->guest->pc->lapic, vector))
		return;
	*k->eoi_word |= KVM_PV_EOI_BIT;
	k->eoi_armed = 1;
}

void kvm_pv_hypercall(struct vcpu *vcpu)
{
	struct vmcb *v = vcpu->vmcb;
	int64_t ret;
	int wide = insn_mode(vcpu) == X86_MODE_64; /* outside 64-bit mode KVM takes and returns 32 bits */
	uint64_t nr = wide ? v->save.rax : (uint32_t)v->save.rax;

	vcpu->kvm.hypercalls++;
	if (v->save.cpl != 0)
		ret = -KVM_EPERM;
	else if (nr == KVM_HC_VAPIC_POLL_IRQ)
		ret = 0; /* only an exit: interrupts are looked at before every VMRUN anyway */
	else
		ret = -KVM_ENOSYS;
	v->save.rax = wide ? (uint64_t)ret : (uint32_t)ret;
	exit_skip_insn(vcpu, VMMCALL_LEN);
}
