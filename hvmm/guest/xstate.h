/* SPDX-License-Identifier: MIT */
/*
 * xstate.h — each guest's extended state: x87, SSE, AVX, AVX-512 and every other component XCR0 can enable on this
 * CPU, PKRU, and XCR0 itself. None of it is in the VMCB (APM Vol. 2 §15.5.1); hvmm switches it with XSAVE/XRSTOR
 * when the guest on the CPU changes (FXSAVE/FXRSTOR on a CPU without XSAVE).
 */
#ifndef HVMM_XSTATE_H
#define HVMM_XSTATE_H
#include <stdint.h>

#include "hvmm/core/arch.h"
#include "hvmm/guest/vcpu.h"

struct cpu;

/* What the CPU offers; filled by xstate_init. */
struct xstate_caps {
	int xsave; /* CPUID 1 ECX[26]: XSAVE, XRSTOR, XGETBV, XSETBV */
	int xsaveopt; /* CPUID 0Dh.1 EAX[0] */
	int fxsave_leak; /* pre-Zen AMD: FXSAVE/XSAVE skip FIP/FDP/FOP unless an exception is pending (CPUID 8000_0008h
			    EBX[2] clear; CVE-2006-1056) */
	uint64_t xcr0_all; /* every component XCR0 can enable (CPUID 0Dh.0 EDX:EAX); hvmm's own XCR0 */
	uint32_t area_bytes; /* XSAVE area size for xcr0_all (512 without XSAVE) */
	int common; /* xsave and xsaveopt: xstate_switch's inline case */
};
extern struct xstate_caps xstate_caps;

/* Boot: set CR4.OSXSAVE and XCR0 = xcr0_all (a known value, whatever firmware left), find the area size; log it. */
void xstate_init(void);

/* On an AP, after xstate_init ran on the BSP: the same CR4.OSXSAVE and XCR0 on this CPU, silently. */
void xstate_init_ap(void);

/* Give vcpu its reset state (x87 FCW 0x37F, MXCSR 0x1F80, everything else in its initial configuration, XCR0 = 1) in
 * area, which holds xstate_caps.area_bytes bytes and is 64-byte aligned. */
void xstate_guest_init(struct vcpu *vcpu, uint8_t *area);

/* xstate_switch for any CPU and from. */
void xstate_switch_any(struct vcpu *from, struct vcpu *to);

/* XCR0 around the switch: from's, read back (under QEMU TCG the guest writes XCR0 itself, XSETBV is never
 * intercepted there), then every component for XSAVE/XRSTOR (all = xstate_caps.xcr0_all); to's after its XRSTOR.
 * XSETBV only when the value changes. */
static inline void xstate_xcr0_out(struct vcpu *from, uint64_t all)
{
	from->xcr0 = xgetbv0();
	if (from->xcr0 != all)
		xsetbv0(all);
}

static inline void xstate_xcr0_in(const struct vcpu *to, uint64_t all)
{
	if (to->xcr0 != all)
		xsetbv0(to->xcr0);
}

/*
 * Pre-Zen AMD CPUs restore FIP, FDP and FOP only when the image has an exception pending (CVE-2006-1056), so the
 * incoming guest would read the outgoing one's: clear the pending exceptions and load a value from hvmm's own
 * memory first, which sets the three to hvmm's values (Linux does the same: X86_BUG_FXSAVE_LEAK). Only where
 * xstate_caps.fxsave_leak says so.
 */
static inline void xstate_fxsave_leak_clear(void)
{
	static const uint32_t zero;
	if (xstate_caps.fxsave_leak)
		__asm__ volatile("fnclex; emms; fildl %0" : : "m"(zero));
}

/* Save the state of from (NULL: none) and load to's: on the CPU, only to's values remain. Inline for the common
 * case (XSAVEOPT, a vCPU to save): it is on every guest switch. */
static inline void xstate_switch(struct vcpu *from, struct vcpu *to)
{
	if (!xstate_caps.common || !from) {
		xstate_switch_any(from, to);
		return;
	}
	const uint64_t all = xstate_caps.xcr0_all;
	xstate_xcr0_out(from, all);
	__asm__ volatile("xsaveopt64 (%0)" : : "r"(from->xsave), "a"(~0u), "d"(~0u) : "memory");
	xstate_fxsave_leak_clear();
	__asm__ volatile("xrstor64 (%0)" : : "r"(to->xsave), "a"(~0u), "d"(~0u) : "memory");
	xstate_xcr0_in(to, all);
}

#endif
