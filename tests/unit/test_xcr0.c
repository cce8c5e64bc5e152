/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/xcr0.c: the XCR0 values XSETBV accepts. */
#define UNIT_MODULE "xcr0"
#include "xcr0.h"
#include "unit.h"

int main(void)
{
	const uint64_t zen4 = XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512 | XCR0_PKRU; /* 0x2e7 */
	const uint64_t zen2 = XCR0_X87 | XCR0_SSE | XCR0_AVX; /* 0x7 */

	CHECK(xcr0_valid(zen2, 1), "x87 alone");
	CHECK(xcr0_valid(zen2, 3), "x87 | SSE");
	CHECK(xcr0_valid(zen2, 7), "x87 | SSE | AVX");
	CHECK(xcr0_valid(zen4, zen4), "everything a Zen 4 supports");
	CHECK(xcr0_valid(zen4, 7 | XCR0_PKRU), "PKRU without AVX-512");
	CHECK(!xcr0_valid(zen2, 0), "0: x87 clear");
	CHECK(!xcr0_valid(zen2, 2), "SSE without x87");
	CHECK(!xcr0_valid(zen2, 5), "AVX without SSE");
	CHECK(!xcr0_valid(zen2, 7 | XCR0_PKRU), "PKRU on a CPU without it");
	CHECK(!xcr0_valid(zen2, 1ull << 63), "bit 63");
	CHECK(!xcr0_valid(zen4, 7 | XCR0_OPMASK), "only one AVX-512 bit");
	CHECK(!xcr0_valid(zen4, 7 | XCR0_OPMASK | XCR0_ZMM_HI256), "two of the three AVX-512 bits");
	CHECK(!xcr0_valid(zen4, 3 | XCR0_AVX512), "AVX-512 without AVX");
	CHECK(!xcr0_valid(~0ull, 7 | XCR0_BNDREGS), "one MPX bit");
	CHECK(xcr0_valid(~0ull, 7 | XCR0_BNDREGS | XCR0_BNDCSR), "both MPX bits");
	CHECK(!xcr0_valid(~0ull, 7 | XCR0_AVX512 | XCR0_TILEDATA), "one AMX bit");
	CHECK(xcr0_valid(~0ull, 7 | XCR0_AVX512 | XCR0_TILECFG | XCR0_TILEDATA), "both AMX bits");

	/* Exhaustive over the low 10 bits against the rules written out once more. */
	unsigned bad = 0;
	for (uint64_t v = 0; v < 1024; v++) {
		int ok = (v & 1) && !(v & ~zen4) && (!(v & 4) || (v & 2)) && ((v & 0xe0) == 0 || (v & 0xe0) == 0xe0) &&
			 (!(v & 0xe0) || (v & 4));
		bad += ok != xcr0_valid(zen4, v);
	}
	CHECK(bad == 0, "all 1024 values of bits 0-9 on a Zen 4 (%u differ)", bad);
	return unit_done();
}
