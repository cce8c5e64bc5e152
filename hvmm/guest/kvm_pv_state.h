/* SPDX-License-Identifier: MIT */
/* kvm_pv_state.h — a vCPU's state of KVM's paravirtual interface (struct vcpu embeds it; kvm_pv.c keeps it). */
#ifndef HVMM_KVM_PV_STATE_H
#define HVMM_KVM_PV_STATE_H
#include <stdint.h>

#include "hvmm/kvm.h"

/* One virtual CPU's KVM state (guests have one vCPU). Host pointers into guest RAM are NULL while disabled. */
struct kvm_pv {
	uint8_t on; /* kvm=on: the interface is offered and VMMCALL speaks KVM's ABI */
	uint8_t refusal_logged; /* the first refused MSR write was reported */
	uint8_t eoi_armed; /* hvmm set the guest's PV EOI bit when it injected the interrupt in service */
	uint64_t clock_base; /* TSC at which the guest's kvmclock reads 0 (its creation) */
	uint64_t msr_wall_clock, msr_system_time, msr_steal_time, msr_pv_eoi; /* as last written */
	struct pvclock_vcpu_time_info *time;
	struct kvm_steal_time *steal;
	volatile uint32_t *eoi_word;
	uint32_t time_version, steal_version, wall_version;
	uint64_t steal_base; /* vcpu->waited when steal time was enabled: the guest sees what came after */
	uint64_t pv_eois; /* EOIs the guest signalled by clearing its PV EOI bit (no exit) */
	uint64_t hypercalls; /* KVM hypercalls, every number */
};

#endif
