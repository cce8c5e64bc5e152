/* SPDX-License-Identifier: MIT */
/*
 * hostile_xstate (test guest): the extended state XSAVE manages — XCR0, PKRU, the YMM upper halves (and, where the
 * CPU has them, the AVX-512 registers) — belongs to each guest (docs/guest-abi.md "Extended state"). Two or more
 * instances run at once, each with values of its own (its guest id in every pattern):
 *
 *   - CPUID offers XSAVE (leaf 1 ECX[26]) and reports OSXSAVE/OSPKE as the guest's own CR4 has them; leaf 0Dh
 *     EBX follows the guest's XCR0.
 *   - At the start, with CR4.OSXSAVE and CR4.PKE set: XCR0 = 1, PKRU = 0, the YMM upper halves 0 — the reset
 *     state, not another guest's.
 *   - 8 rounds: set XCR0 (7 in even guests, 7 then 3 in odd ones: a component the guest turned off must be kept
 *     too), PKRU, YMM0-15 (both halves), MXCSR; then clear CR4.OSXSAVE and CR4.PKE itself (the hole the
 *     independent suite found: hvmm used to reset the state only when those bits were set at the exit), yield, set
 *     the bits again and check every value is still its own. Odd rounds keep the CR4 bits set across the yield.
 * Exit 0 when every check passed. Without AVX (or PKU) in CPUID those parts are skipped and say so, unless force=1
 * (use them anyway, as a guest that ignores CPUID would).
 */
#include <string.h>

#include "hostile_idt.h"

#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_AVX 4u

static void cpuid2(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static uint64_t cr4_read(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void cr4_write(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static uint32_t rdpkru(void)
{
	uint32_t a, d;
	__asm__ volatile("rdpkru" : "=a"(a), "=d"(d) : "c"(0));
	return a;
}

static void wrpkru(uint32_t v) { __asm__ volatile("wrpkru" : : "a"(v), "c"(0), "d"(0) : "memory"); }

static uint64_t xgetbv0(void)
{
	uint32_t a, d;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return ((uint64_t)d << 32) | a;
}

static long xsetbv0(uint64_t v)
{
	return HIDT_TRY("xsetbv", : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(0) : "memory");
}

/* All 16 YMM registers from / to memory (32 bytes each). */
static void ymm_store(uint8_t out[16][32])
{
	__asm__ volatile("vmovdqu %%ymm0, 0(%0)\n\tvmovdqu %%ymm1, 32(%0)\n\tvmovdqu %%ymm2, 64(%0)\n\t"
			 "vmovdqu %%ymm3, 96(%0)\n\tvmovdqu %%ymm4, 128(%0)\n\tvmovdqu %%ymm5, 160(%0)\n\t"
			 "vmovdqu %%ymm6, 192(%0)\n\tvmovdqu %%ymm7, 224(%0)\n\tvmovdqu %%ymm8, 256(%0)\n\t"
			 "vmovdqu %%ymm9, 288(%0)\n\tvmovdqu %%ymm10, 320(%0)\n\tvmovdqu %%ymm11, 352(%0)\n\t"
			 "vmovdqu %%ymm12, 384(%0)\n\tvmovdqu %%ymm13, 416(%0)\n\tvmovdqu %%ymm14, 448(%0)\n\t"
			 "vmovdqu %%ymm15, 480(%0)"
			 : : "r"(out) : "memory");
}

static void ymm_load(const uint8_t in[16][32])
{
	__asm__ volatile("vmovdqu 0(%0), %%ymm0\n\tvmovdqu 32(%0), %%ymm1\n\tvmovdqu 64(%0), %%ymm2\n\t"
			 "vmovdqu 96(%0), %%ymm3\n\tvmovdqu 128(%0), %%ymm4\n\tvmovdqu 160(%0), %%ymm5\n\t"
			 "vmovdqu 192(%0), %%ymm6\n\tvmovdqu 224(%0), %%ymm7\n\tvmovdqu 256(%0), %%ymm8\n\t"
			 "vmovdqu 288(%0), %%ymm9\n\tvmovdqu 320(%0), %%ymm10\n\tvmovdqu 352(%0), %%ymm11\n\t"
			 "vmovdqu 384(%0), %%ymm12\n\tvmovdqu 416(%0), %%ymm13\n\tvmovdqu 448(%0), %%ymm14\n\t"
			 "vmovdqu 480(%0), %%ymm15"
			 : : "r"(in) : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static uint32_t mxcsr_read(void)
{
	uint32_t v;
	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void mxcsr_write(uint32_t v) { __asm__ volatile("ldmxcsr %0" : : "m"(v)); }

int guest_main(const struct hvmm_bootinfo *bi)
{
	const uint32_t id = bi->guest_id;
	uint32_t r[4];
	hidt_install();

	cpuid2(1, 0, r);
	/* force=1 goes on where CPUID hides a feature (to show what a guest that ignores CPUID can do). */
	const int force = rt_arg_u64(bi, "force", 0) != 0;
	const int xsave = !!(r[2] & (1u << 26)) || force, avx = !!(r[2] & (1u << 28)) || force;
	hostile_check(xsave, "cpuid 1 offers XSAVE", "ecx=0x%x", r[2]);
	hostile_check(!(r[2] & (1u << 27)), "cpuid 1 OSXSAVE clear while the guest's CR4.OSXSAVE is clear", "ecx=0x%x",
		      r[2]);
	cpuid2(7, 0, r);
	const int pku = !!(r[2] & (1u << 3)) || force;
	hostile_check(!(r[2] & (1u << 4)), "cpuid 7 OSPKE clear while the guest's CR4.PKE is clear", "ecx=0x%x", r[2]);
	gprintf("xstate: cpuid avx=%d avx2=%d avx512f=%d pku=%d\n", avx, !!(r[1] & (1u << 5)), !!(r[1] & (1u << 16)),
		pku);
	if (!xsave)
		return hostile_status();

	const uint64_t cr4 = cr4_read(), bits = CR4_OSXSAVE | (pku ? CR4_PKE : 0);
	cr4_write(cr4 | bits);
	cpuid2(1, 0, r);
	hostile_check(r[2] & (1u << 27), "cpuid 1 OSXSAVE set once the guest set CR4.OSXSAVE", "ecx=0x%x", r[2]);
	if (pku) {
		cpuid2(7, 0, r);
		hostile_check(r[2] & (1u << 4), "cpuid 7 OSPKE set once the guest set CR4.PKE", "ecx=0x%x", r[2]);
	}
	static uint8_t ymm[16][32], want[16][32];
	cr4_write(cr4 | bits); /* again: the prints above were exits (an older hvmm took the bits back at exits) */
	uint64_t x0 = xgetbv0();
	uint32_t pk0 = pku ? rdpkru() : 0;
	unsigned dirty = 0;
	if (avx && xsetbv0(XCR0_X87 | XCR0_SSE | XCR0_AVX) == HIDT_NONE) {
		ymm_store(ymm);
		for (int i = 0; i < 16; i++)
			for (int k = 16; k < 32; k++)
				dirty += ymm[i][k] != 0;
		xsetbv0(x0);
	}
	hostile_check(x0 == XCR0_X87 && pk0 == 0 && dirty == 0, "XCR0, PKRU and the YMM uppers start at their reset",
		      "xcr0=0x%llx pkru=0x%x, %u nonzero YMM upper bytes", (unsigned long long)x0, pk0, dirty);
	cr4_write(cr4 | bits);
	cpuid2(0xd, 0, r);
	const uint32_t size_x87sse = r[1];
	hostile_check(r[0] & (XCR0_X87 | XCR0_SSE), "cpuid 0Dh offers x87 and SSE state", "eax=0x%x", r[0]);
	if (avx) {
		cr4_write(cr4 | bits);
		xsetbv0(XCR0_X87 | XCR0_SSE | XCR0_AVX);
		cpuid2(0xd, 0, r);
		hostile_check(r[1] == size_x87sse + 256, "cpuid 0Dh EBX follows the guest's XCR0",
			      "%u with XCR0=3, %u with XCR0=7", size_x87sse, r[1]);
		xsetbv0(x0);
	}

	unsigned bad = 0;
	for (int round = 0; round < 8; round++) {
		const uint64_t xcr0 = avx ? XCR0_X87 | XCR0_SSE | XCR0_AVX : XCR0_X87 | XCR0_SSE;
		const uint64_t xcr0_kept = (avx && (id & 1)) ? XCR0_X87 | XCR0_SSE : xcr0;
		const uint32_t pkru = 0x55000000u | (id << 8) | (uint32_t)round << 4;
		const uint32_t mxcsr = 0x1f80u | ((id & 3u) << 13); /* rounding control: the guest's own */
		for (int i = 0; i < 16; i++)
			for (int k = 0; k < 32; k++)
				want[i][k] = (uint8_t)(0x80 | (id << 4) | (i + k + round));
		cr4_write(cr4_read() | bits);
		xsetbv0(xcr0);
		if (avx)
			ymm_load(want);
		xsetbv0(xcr0_kept);
		if (pku)
			wrpkru(pkru);
		mxcsr_write(mxcsr);
		if (!(round & 1))
			cr4_write(cr4_read() & ~bits); /* leave the state with the bits clear, as the hole needed */
		hc_yield();
		cr4_write(cr4_read() | bits);
		uint64_t x = xgetbv0();
		uint32_t pk = pku ? rdpkru() : 0, mx = mxcsr_read();
		unsigned wrong = 0;
		if (avx) {
			xsetbv0(xcr0);
			ymm_store(ymm);
			for (int i = 0; i < 16; i++)
				wrong += memcmp(ymm[i], want[i], 32) != 0;
		}
		if (x != xcr0_kept || (pku && pk != pkru) || mx != mxcsr || wrong) {
			bad++;
			gprintf("round %d: xcr0=0x%llx (own 0x%llx) pkru=0x%x (own 0x%x) mxcsr=0x%x (own 0x%x), %u of 16 YMM "
				"registers not its own\n",
				round, (unsigned long long)x, (unsigned long long)xcr0_kept, pk, pku ? pkru : 0, mx, mxcsr,
				wrong);
		}
	}
	hostile_check(bad == 0, "XCR0, PKRU, MXCSR and YMM0-15 are its own after every yield", "%u of 8 rounds wrong",
		      bad);
	if (!avx)
		gprintf("SKIP YMM checks: CPUID offers no AVX\n");
	if (!pku)
		gprintf("SKIP PKRU checks: CPUID offers no PKU\n");
	xsetbv0(XCR0_X87);
	cr4_write(cr4);
	return hostile_status();
}
