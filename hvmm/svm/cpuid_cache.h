/* SPDX-License-Identifier: MIT */
/*
 * cpuid_cache.h — a guest's CPUID results that do not depend on the subleaf or on its state, kept where the world
 * switch finds them (right after the guest's struct gpregs): on a CPU that saves nRIP, vmrun.S answers a CPUID exit
 * whose slot is valid without leaving assembly, as it completes the null hypercall (docs/measurement.md). The guest
 * layer's CPUID policy (hvmm/guest/cpuid.c) fills a slot the first time the guest asks for its leaf.
 *
 * Slots: leaves 0..0Dh at their number, 8000_0000h..8000_0021h at 14 + (leaf - 8000_0000h); leaf 1 as a guest with
 * CR4.OSXSAVE clear or set sees it (CPUID 1 ECX[27] mirrors that bit) at CPUID_SLOT_LEAF1 or CPUID_SLOT_LEAF1_OSXSAVE,
 * and slot 1 stays empty (vmrun.S looks at CR4 only for a leaf whose slot is empty).
 */
#ifndef HVMM_CPUID_CACHE_H
#define HVMM_CPUID_CACHE_H

#define CPUID_SLOTS_BASIC 14 /* leaves 0..0Dh */
#define CPUID_SLOTS_EXT 34 /* leaves 8000_0000h..8000_0021h */
#define CPUID_SLOT_LEAF1_OSXSAVE 48
#define CPUID_SLOT_LEAF1 49
#define CPUID_SLOTS 64 /* 50 used; a power of two, so that vmrun.S's index mask keeps even a speculative slot index
			* inside the cache (Spectre v1: a bounds check the CPU may run past) */
#define CPUID_CACHE_VALID 0x00 /* u64: bit s set = slot s holds the leaf's values */
#define CPUID_CACHE_SLOT0 0x10 /* first slot: EAX, EBX, ECX, EDX (4 bytes each) */
#define CPUID_SLOT_BYTES 16
#define CPUID_CR4_OSXSAVE_BIT 18

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct cpuid_cache {
	uint64_t valid; /* bit s: slot[s] is filled */
	uint64_t reserved;
	struct cpuid_slot {
		uint32_t eax, ebx, ecx, edx;
	} slot[CPUID_SLOTS];
};

_Static_assert(offsetof(struct cpuid_cache, valid) == CPUID_CACHE_VALID, "cpuid_cache.valid");
_Static_assert(offsetof(struct cpuid_cache, slot) == CPUID_CACHE_SLOT0, "cpuid_cache.slot");
_Static_assert(sizeof(struct cpuid_slot) == CPUID_SLOT_BYTES, "cpuid_slot size");
_Static_assert(CPUID_SLOTS == 64, "one bit per slot in valid; the index mask of vmrun.S is 63");
_Static_assert(CPUID_SLOTS_BASIC + CPUID_SLOTS_EXT <= CPUID_SLOT_LEAF1_OSXSAVE &&
		       CPUID_SLOT_LEAF1 < CPUID_SLOTS && CPUID_SLOT_LEAF1 != CPUID_SLOT_LEAF1_OSXSAVE,
	       "slot layout");

/* The slot of (leaf, CR4) or -1: a leaf outside the two ranges. */
static inline int cpuid_slot(uint32_t leaf, uint64_t cr4)
{
	if (leaf < CPUID_SLOTS_BASIC)
		return leaf != 1 ? (int)leaf : ((cr4 >> CPUID_CR4_OSXSAVE_BIT) & 1) ? CPUID_SLOT_LEAF1_OSXSAVE
											: CPUID_SLOT_LEAF1;
	if (leaf - 0x80000000u < CPUID_SLOTS_EXT)
		return CPUID_SLOTS_BASIC + (int)(leaf - 0x80000000u);
	return -1;
}
#endif

#endif
