/* SPDX-License-Identifier: MIT */
/*
 * xstate.h — each guest's extended state: x87, SSE, AVX, AVX-512 and every other component XCR0 can enable on this
 * CPU, PKRU, and XCR0 itself. None of it is in the VMCB (APM Vol. 2 §15.5.1); hvmm switches it with XSAVE/XRSTOR
 * when the guest on the CPU changes (FXSAVE/FXRSTOR on a CPU without XSAVE).
 */
#ifndef HVMM_XSTATE_H
#define HVMM_XSTATE_H
#include <stdint.h>

struct cpu;
struct vcpu;

/* What the CPU offers; filled by xstate_init. */
struct xstate_caps {
	int xsave; /* CPUID 1 ECX[26]: XSAVE, XRSTOR, XGETBV, XSETBV */
	int xsaveopt; /* CPUID 0Dh.1 EAX[0] */
	int fxsave_leak; /* pre-Zen AMD: FXSAVE/XSAVE skip FIP/FDP/FOP unless an exception is pending (CPUID 8000_0008h
			    EBX[2] clear; CVE-2006-1056) */
	uint64_t xcr0_all; /* every component XCR0 can enable (CPUID 0Dh.0 EDX:EAX); hvmm's own XCR0 */
	uint32_t area_bytes; /* XSAVE area size for xcr0_all (512 without XSAVE) */
};
extern struct xstate_caps xstate_caps;

/* Boot: set CR4.OSXSAVE and XCR0 = xcr0_all (a known value, whatever firmware left), find the area size; log it. */
void xstate_init(void);

/* On an AP, after xstate_init ran on the BSP: the same CR4.OSXSAVE and XCR0 on this CPU, silently. */
void xstate_init_ap(void);

/* Give vcpu its reset state (x87 FCW 0x37F, MXCSR 0x1F80, everything else in its initial configuration, XCR0 = 1) in
 * area, which holds xstate_caps.area_bytes bytes and is 64-byte aligned. */
void xstate_guest_init(struct vcpu *vcpu, uint8_t *area);

/* Save the state of from (NULL: none) and load to's: on the CPU, only to's values remain. */
void xstate_switch(struct vcpu *from, struct vcpu *to);

#endif
