/* SPDX-License-Identifier: MIT */
/*
 * xstate.c — switch each guest's extended state (x87/SSE/AVX/AVX-512/..., PKRU, XCR0) with XSAVE/XRSTOR when the
 * guest on the CPU changes, and emulate XSETBV (APM Vol. 2 §11.5, §15.5.1; Vol. 3 XSAVE, XRSTOR, XSETBV).
 *
 * Between two guest switches the CPU holds the current guest's state — hvmm itself uses no x87/SIMD register
 * (-mgeneral-regs-only) — so an exit costs nothing here. At a switch, with XCR0 = every component the CPU has:
 *   XGETBV (the outgoing guest's XCR0: under QEMU TCG it writes XCR0 itself, XSETBV is never intercepted there),
 *   XSAVEOPT of everything into its area, XRSTOR of everything from the incoming guest's area, XSETBV of its XCR0.
 * Saving and restoring every component — not only those the guest's XCR0 enables — means a component a guest
 * turned off keeps its values for it and never shows another guest's. PKRU is component 9: XSAVE manages it whether
 * or not the guest's CR4.PKE or XCR0[9] is set (XSA-220 describes the leak when it is not switched). CR4 is the
 * guest's own (VMRUN switches it), so the guest's CR4.OSXSAVE/PKE do not matter to hvmm.
 * XSAVEOPT skips components still in their initial configuration or not modified since the XRSTOR that loaded
 * them, so a guest that uses only SSE costs about an FXSAVE.
 */
#include "hvmm/guest/xstate.h"

#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/exit_handlers.h"
#include "hvmm/guest/exit_retire.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/desc.h"
#include "xcr0.h"

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID_D1_EAX_XSAVEOPT (1u << 0)
#define CPUID_80000008_EBX_XSAVEERPTR (1u << 2) /* FXSAVE/XSAVE always save FIP/FDP/FOP */
#define FXSAVE_BYTES 512
#define XSAVE_FCW 0 /* legacy region (APM Vol. 5 FXSAVE): x87 control word */
#define XSAVE_MXCSR 24
#define XSAVE_XSTATE_BV 512 /* XSAVE header: which components the area holds */
#define XSETBV_LEN 3 /* 0F 01 D1 */

struct xstate_caps xstate_caps;

void xstate_init(void)
{
	struct xstate_caps *x = &xstate_caps;
	x->area_bytes = FXSAVE_BYTES;
	x->fxsave_leak = cpuid(0x80000000, 0).eax < 0x80000008 ||
			 !(cpuid(0x80000008, 0).ebx & CPUID_80000008_EBX_XSAVEERPTR);
	x->xsave = !!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) && cpuid(0, 0).eax >= 0xd;
	if (x->xsave) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		struct cpuid_regs r = cpuid(0xd, 0);
		x->xcr0_all = r.eax | ((uint64_t)r.edx << 32);
		xsetbv0(x->xcr0_all);
		x->area_bytes = cpuid(0xd, 0).ebx; /* for the XCR0 now set */
		x->xsaveopt = !!(cpuid(0xd, 1).eax & CPUID_D1_EAX_XSAVEOPT);
	}
	x->common = x->xsave && x->xsaveopt;
	hlog("xstate: %s xcr0=0x%lx area=%u bytes%s%s", x->xsave ? "xsave" : "fxsave only", x->xcr0_all,
	     x->area_bytes, x->xsaveopt ? " xsaveopt" : "", x->fxsave_leak ? " fip/fdp/fop-clear" : "");
}

void xstate_init_ap(void)
{
	if (xstate_caps.xsave) { /* the BSP's choice, for this CPU's own CR4 and XCR0 */
		write_cr4(read_cr4() | CR4_OSXSAVE);
		xsetbv0(xstate_caps.xcr0_all);
	}
}

void xstate_guest_init(struct vcpu *vcpu, uint8_t *area)
{
	memset(area, 0, xstate_caps.area_bytes);
	*(uint16_t *)(area + XSAVE_FCW) = 0x037f; /* x87 and SSE exceptions masked: the reset state */
	*(uint32_t *)(area + XSAVE_MXCSR) = 0x1f80;
	if (xstate_caps.xsave) /* x87 and SSE from the image above; every other component in its initial state */
		*(uint64_t *)(area + XSAVE_XSTATE_BV) = XCR0_X87 | XCR0_SSE;
	vcpu->xsave = area;
	vcpu->xcr0 = XCR0_X87;
}

void xstate_switch_any(struct vcpu *from, struct vcpu *to)
{
	if (!xstate_caps.xsave) {
		if (from)
			__asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FXSAVE_BYTES])from->xsave));
		xstate_fxsave_leak_clear();
		__asm__ volatile("fxrstor64 %0" : : "m"(*(const uint8_t(*)[FXSAVE_BYTES])to->xsave));
		return;
	}
	const uint64_t all = xstate_caps.xcr0_all;
	if (from) {
		xstate_xcr0_out(from, all);
		if (xstate_caps.xsaveopt)
			__asm__ volatile("xsaveopt64 (%0)" : : "r"(from->xsave), "a"(~0u), "d"(~0u) : "memory");
		else
			__asm__ volatile("xsave64 (%0)" : : "r"(from->xsave), "a"(~0u), "d"(~0u) : "memory");
	} else if (xgetbv0() != all) {
		xsetbv0(all);
	}
	xstate_fxsave_leak_clear();
	__asm__ volatile("xrstor64 (%0)" : : "r"(to->xsave), "a"(~0u), "d"(~0u) : "memory");
	xstate_xcr0_in(to, all);
}

/*
 * XSETBV: CPL > 0 is #GP before the intercept (exit.c checks it for every such exit); CR4.OSXSAVE clear is #UD;
 * ECX other than 0 or a value xcr0_valid refuses is #GP(0). The guest is on the CPU, so XCR0 is set right away.
 */
void handle_xsetbv(struct cpu *c, struct vcpu *vcpu)
{
	(void)c;
	struct vmcb *v = vcpu->vmcb;
	uint64_t val = (v->save.rax & 0xffffffffu) | (vcpu->regs.rdx << 32);
	if (!(v->save.cr4 & CR4_OSXSAVE)) {
		exit_inject_exception(vcpu, VEC_UD, 0, 0);
		return;
	}
	if ((uint32_t)vcpu->regs.rcx != 0 || !xcr0_valid(xstate_caps.xcr0_all, val)) {
		exit_inject_exception(vcpu, VEC_GP, 1, 0);
		return;
	}
	xsetbv0(val);
	vcpu->xcr0 = val;
	exit_skip_insn(vcpu, XSETBV_LEN);
}
