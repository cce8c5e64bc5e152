/* SPDX-License-Identifier: MIT */
/* xcr0.h — which XCR0 values XSETBV accepts (AMD APM Vol. 2 §11.5.2, Vol. 3 XSETBV; Intel SDM Vol. 1 §13.3). */
#ifndef HVMM_LIB_XCR0_H
#define HVMM_LIB_XCR0_H
#include <stdint.h>

/* XCR0 bits: the state components XSAVE manages (CPUID 0Dh.0 EDX:EAX says which a CPU supports). */
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2) /* YMM upper halves */
#define XCR0_BNDREGS (1ull << 3) /* MPX */
#define XCR0_BNDCSR (1ull << 4)
#define XCR0_OPMASK (1ull << 5) /* AVX-512 k0-k7 */
#define XCR0_ZMM_HI256 (1ull << 6) /* upper halves of ZMM0-15 */
#define XCR0_HI16_ZMM (1ull << 7) /* ZMM16-31 */
#define XCR0_PKRU (1ull << 9)
#define XCR0_TILECFG (1ull << 17) /* AMX */
#define XCR0_TILEDATA (1ull << 18)
#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

/*
 * 1 if XSETBV may write value to XCR0 on a CPU whose supported components are `supported`, else 0 (#GP(0)):
 * x87 set; no unsupported bit; AVX only with SSE; the three AVX-512 bits together and only with AVX; the two MPX
 * bits together; the two AMX bits together.
 */
int xcr0_valid(uint64_t supported, uint64_t value);

#endif
