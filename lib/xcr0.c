/* SPDX-License-Identifier: MIT */
/* xcr0.c — the XSETBV value rules for XCR0 (AMD APM Vol. 3, XSETBV; Intel SDM Vol. 1 §13.3). */
#include "xcr0.h"

/* All of mask or none of it is set in v. */
static int together(uint64_t v, uint64_t mask) { return (v & mask) == 0 || (v & mask) == mask; }

int xcr0_valid(uint64_t supported, uint64_t value)
{
	if (!(value & XCR0_X87) || (value & ~supported))
		return 0;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return 0;
	if ((value & XCR0_AVX512) && !(value & XCR0_AVX))
		return 0;
	return together(value, XCR0_AVX512) && together(value, XCR0_BNDREGS | XCR0_BNDCSR) &&
	       together(value, XCR0_TILECFG | XCR0_TILEDATA);
}
