/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/pcbios.c: the IVT, BIOS data area and EBDA a PC guest finds in its low memory. */
#define UNIT_MODULE "pcbios"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcbios.h"
#include "unit.h"

#define FILL 0xa5

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Bytes of low[0 .. 1 MiB) that differ from FILL outside the ranges pcbios_build may write. */
static unsigned stray(const uint8_t *low, uint32_t ebda)
{
	unsigned n = 0;
	for (uint32_t a = 0; a < PCBIOS_LOW_BYTES; a++) {
		int own = a < 0x400 || a == 0x400 || a == 0x401 || (a >= 0x40e && a <= 0x411) || a == 0x413 ||
			  a == 0x414 || a == ebda || a == 0xfff53;
		if (!own && low[a] != FILL)
			n++;
	}
	return n;
}

static void check_build(uint32_t ebda, int com1)
{
	uint8_t *low = malloc(PCBIOS_LOW_BYTES);
	memset(low, FILL, PCBIOS_LOW_BYTES);
	pcbios_build(low, ebda, com1);
	int ivt_ok = 1;
	for (unsigned v = 0; v < 256; v++)
		ivt_ok &= ld16(low + 4 * v) == 0xff53 && ld16(low + 4 * v + 2) == 0xf000;
	CHECK(ivt_ok, "ebda=0x%x: every IVT vector is F000:FF53", ebda);
	CHECK(low[0xfff53] == 0xcf, "ebda=0x%x: F000:FF53 holds IRET (0xCF)", ebda);
	CHECK(ld16(low + 0x40e) == ebda >> 4, "ebda=0x%x: 40:0Eh holds the EBDA segment 0x%x (0x%x)", ebda, ebda >> 4,
	      ld16(low + 0x40e));
	CHECK(ld16(low + 0x413) == ebda / 1024, "ebda=0x%x: 40:13h holds base memory %u KiB (%u)", ebda, ebda / 1024,
	      ld16(low + 0x413));
	CHECK(low[ebda] == (0xa0000 - ebda) / 1024, "ebda=0x%x: the EBDA's first byte is its size in KiB (%u)", ebda,
	      low[ebda]);
	CHECK(ld16(low + 0x400) == (com1 ? 0x3f8 : 0), "com1=%d: 40:00h COM1 base 0x%x", com1, ld16(low + 0x400));
	CHECK(ld16(low + 0x410) == (com1 ? 0x202 : 0x002), "com1=%d: equipment word 0x%x (x87, serial ports)", com1,
	      ld16(low + 0x410));
	CHECK(low[0x402] == FILL && low[0x40c] == FILL, "com1=%d: COM2-COM4 and LPT words untouched", com1);
	CHECK(stray(low, ebda) == 0, "ebda=0x%x: nothing written outside the IVT, the BDA fields, the EBDA size and the "
	      "IRET (%u stray bytes)", ebda, stray(low, ebda));
	free(low);
}

int main(void)
{
	check_build(0x9fc00, 1); /* hvmm's guests: 639 KiB, a 1 KiB EBDA */
	check_build(0x9fc00, 0);
	check_build(0x9f000, 1); /* a 4 KiB EBDA */
	check_build(0x80000, 0);
	return unit_done();
}
