/* SPDX-License-Identifier: MIT */
/*
 * The part of KVM's paravirtual interface that hvmm offers to guests with kvm=on (docs/guest-abi.md "The KVM
 * paravirtual interface"): its CPUID leaves, MSRs, shared structures and hypercall results. Shared by hvmm and test
 * guests. Layouts and numbers as Linux documents them: Documentation/virt/kvm/x86/cpuid.rst (leaves, feature bits),
 * msr.rst (MSRs, struct pvclock_vcpu_time_info, pvclock_wall_clock, kvm_steal_time, the PV EOI word) and
 * hypercalls.rst (the hypercall ABI).
 */
#ifndef HVMM_KVM_H
#define HVMM_KVM_H
#include <stdint.h>

/* CPUID: hvmm's own leaves stay at 4000_0000h (abi.h); KVM's signature leaf follows at 4000_0100h, where Linux's
 * scan of the hypervisor range (4000_0000h..4000_FF00h in steps of 100h) finds it. */
#define KVM_CPUID_BASE 0x40000100u
#define KVM_CPUID_SIGNATURE (KVM_CPUID_BASE + 0) /* EAX = highest leaf, EBX:ECX:EDX = "KVMKVMKVM\0\0\0" */
#define KVM_CPUID_FEATURES (KVM_CPUID_BASE + 1) /* EAX = feature bits, EDX = hints */
#define KVM_CPUID_SIG_EBX 0x4b4d564bu /* "KVMK" */
#define KVM_CPUID_SIG_ECX 0x564b4d56u /* "VMKV" */
#define KVM_CPUID_SIG_EDX 0x0000004du /* "M\0\0\0" */

/* KVM_CPUID_FEATURES EAX bits (cpuid.rst); the ones hvmm sets are marked in docs/guest-abi.md. */
#define KVM_FEATURE_CLOCKSOURCE 0 /* the legacy MSRs 11h/12h */
#define KVM_FEATURE_NOP_IO_DELAY 1
#define KVM_FEATURE_CLOCKSOURCE2 3
#define KVM_FEATURE_ASYNC_PF 4
#define KVM_FEATURE_STEAL_TIME 5
#define KVM_FEATURE_PV_EOI 6
#define KVM_FEATURE_PV_UNHALT 7
#define KVM_FEATURE_PV_TLB_FLUSH 9
#define KVM_FEATURE_PV_SEND_IPI 11
#define KVM_FEATURE_POLL_CONTROL 12
#define KVM_FEATURE_PV_SCHED_YIELD 13
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT 24

/* MSRs (msr.rst): KVM's range is 4B564D00h..4B564DFFh. */
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u
#define MSR_KVM_ASYNC_PF_EN 0x4b564d02u
#define MSR_KVM_STEAL_TIME 0x4b564d03u
#define MSR_KVM_PV_EOI_EN 0x4b564d04u
#define MSR_KVM_RANGE_FIRST 0x4b564d00u
#define MSR_KVM_RANGE_LAST 0x4b564dffu
#define KVM_MSR_ENABLED 1ull /* bit 0 of SYSTEM_TIME_NEW, STEAL_TIME, PV_EOI_EN */

/* MSR_KVM_SYSTEM_TIME_NEW: 32 bytes at a 4-byte aligned GPA (bit 0 = enable). */
struct pvclock_vcpu_time_info {
	uint32_t version; /* odd while the hypervisor updates the structure */
	uint32_t pad0;
	uint64_t tsc_timestamp; /* TSC at the update */
	uint64_t system_time; /* ns at tsc_timestamp */
	uint32_t tsc_to_system_mul; /* ns = ((tsc - tsc_timestamp) << tsc_shift) * mul >> 32 (shift < 0: right) */
	int8_t tsc_shift;
	uint8_t flags; /* PVCLOCK_* */
	uint8_t pad[2];
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32, "pvclock_vcpu_time_info size");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_timestamp) == 8, "tsc_timestamp");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, system_time) == 16, "system_time");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul) == 24, "tsc_to_system_mul");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, tsc_shift) == 28, "tsc_shift");
_Static_assert(__builtin_offsetof(struct pvclock_vcpu_time_info, flags) == 29, "flags");
#define PVCLOCK_TSC_STABLE_BIT (1u << 0) /* readings on different vCPUs are monotonic (CPUID bit 24) */

/* MSR_KVM_WALL_CLOCK_NEW: 12 bytes at a GPA; the wall-clock time (UTC) at which system_time was 0. */
struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
} __attribute__((packed));
_Static_assert(sizeof(struct pvclock_wall_clock) == 12, "pvclock_wall_clock size");
_Static_assert(__builtin_offsetof(struct pvclock_wall_clock, sec) == 4, "sec");
_Static_assert(__builtin_offsetof(struct pvclock_wall_clock, nsec) == 8, "nsec");

/* MSR_KVM_STEAL_TIME: 64 bytes at a 64-byte aligned GPA (bit 0 = enable, bits 5:1 reserved). */
struct kvm_steal_time {
	uint64_t steal; /* ns the vCPU was runnable but not running */
	uint32_t version; /* odd while the hypervisor updates the structure */
	uint32_t flags; /* 0 */
	uint8_t preempted;
	uint8_t u8_pad[3];
	uint32_t pad[11];
};
_Static_assert(sizeof(struct kvm_steal_time) == 64, "kvm_steal_time size");
_Static_assert(__builtin_offsetof(struct kvm_steal_time, version) == 8, "version");
_Static_assert(__builtin_offsetof(struct kvm_steal_time, flags) == 12, "flags");
_Static_assert(__builtin_offsetof(struct kvm_steal_time, preempted) == 16, "preempted");
#define KVM_STEAL_RESERVED 0x3eull /* bits 5:1 of MSR_KVM_STEAL_TIME */

/* MSR_KVM_PV_EOI_EN: a 4-byte word at a 4-byte aligned GPA (bit 0 = enable, bit 1 reserved). Bit 0 of the word set
 * by the hypervisor: the guest may signal EOI by clearing it instead of writing the APIC's EOI register. */
#define KVM_PV_EOI_RESERVED 0x2ull
#define KVM_PV_EOI_BIT 1u

/* Hypercalls (hypercalls.rst): VMMCALL, RAX = number, arguments RBX, RCX, RDX, RSI, result in RAX. */
#define KVM_HC_VAPIC_POLL_IRQ 1
#define KVM_ENOSYS 1000 /* results are negative: -KVM_ENOSYS */
#define KVM_EPERM 1

#endif
