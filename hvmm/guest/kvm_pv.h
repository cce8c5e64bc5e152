/* SPDX-License-Identifier: MIT */
/*
 * kvm_pv.h — KVM's paravirtual interface for guests with kvm=on (include/hvmm/kvm.h, docs/guest-abi.md "The KVM
 * paravirtual interface"): CPUID 4000_0100h, kvmclock, steal time, PV EOI and KVM's hypercall ABI.
 */
#ifndef HVMM_KVM_PV_H
#define HVMM_KVM_PV_H
#include <stdint.h>

#include "hvmm/guest/kvm_pv_state.h"
#include "hvmm/svm/cpuid_cache.h"

struct guest;
struct vcpu;
struct cpuid_regs;


/* kvm=on|off on the module line; the default is on for Linux guests (off with platform=none) and off for ELF64 and
 * multiboot v1 guests. kvm=on needs the virtual PC. Call after platform_create. 0, or -1 with *why. */
int kvm_pv_create(struct guest *g, const char *cmdline, const char **why);
/* CPUID leaf of KVM's range (4000_0100h..4000_01FFh) for g: fills *r and returns 1; 0 for other leaves. */
int kvm_pv_cpuid(const struct vcpu *vcpu, uint32_t leaf, struct cpuid_regs *r);
/* RDMSR/WRMSR of one of KVM's MSRs (4B564D00h..4B564DFFh; lib/msr_policy.c) by a kvm=on guest: 0, or -1 for #GP. */
int kvm_pv_rdmsr(struct vcpu *vcpu, uint32_t msr, uint64_t *val);
int kvm_pv_wrmsr(struct vcpu *vcpu, uint32_t msr, uint64_t val);
/* VMMCALL of a kvm=on guest (KVM's hypercall ABI). */
void kvm_pv_hypercall(struct vcpu *vcpu);
/* g is about to run again after another guest ran: publish its steal time (constant cost). */
void kvm_pv_switch_in(struct vcpu *vcpu);
/* Before each VMRUN of a kvm=on guest, ahead of interrupt injection: if the guest cleared its PV EOI bit since hvmm
 * set it, do the EOI it signalled; if another interrupt waits meanwhile, take the bit back (the guest then writes
 * the EOI register, and that exit delivers it). */
int kvm_pv_eoi_sync(struct vcpu *vcpu); /* 1: it did an EOI */
/* The local APIC interrupt just injected may be ended through memory: set the guest's PV EOI bit when it is the only
 * one in service and none waits (KVM's rule). */
void kvm_pv_eoi_arm(struct vcpu *vcpu, unsigned vector);

#endif
