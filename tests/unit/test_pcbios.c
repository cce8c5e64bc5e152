/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/pcbios.c: the IVT, BIOS data area and EBDA a PC guest finds in its low memory. */
#define UNIT_MODULE "pcbios"
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcbios.h"
#include "unit.h"
#include "x86_decode.h"

#define FILL 0xa5

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The handler of vector v a BIOS leaves: the 8259A's IRQs at vector bases 08h and 70h, every other vector an IRET. */
static uint16_t want_handler(unsigned v)
{
	return v == 8 ? 0xfea5 : v >= 9 && v <= 0xf ? 0xfe00 : v >= 0x70 && v <= 0x77 ? 0xfe10 : 0xff53;
}

/* Decode 16-bit code from F000:off (x86_decode) until an IRET: its length, with the bytes of every instruction
 * marked in own[], or 0 when something does not decode or no IRET comes within 32 bytes. *out_ports: the OUT
 * immediates (ports) in order, *nports of them. */
static unsigned walk16(const uint8_t *low, uint16_t off, uint8_t *own, uint8_t *ports, unsigned *nports)
{
	uint32_t a = 0xf0000u + off, start = a;
	*nports = 0;
	while (a - start < 32) {
		struct x86_insn in;
		if (x86_decode(low + a, 16, X86_MODE_16, &in) != 0)
			return 0;
		memset(own + a, 1, in.len);
		if (low[a] == 0xe6 && *nports < 4) /* OUT imm8, AL */
			ports[(*nports)++] = low[a + 1];
		a += in.len;
		if (low[a - 1] == 0xcf && in.len == 1)
			return a - start;
	}
	return 0;
}

/* Bytes of low[0 .. 1 MiB) that differ from FILL and are not in own[]. */
static unsigned stray(const uint8_t *low, const uint8_t *own)
{
	unsigned n = 0;
	for (uint32_t a = 0; a < PCBIOS_LOW_BYTES; a++)
		if (!own[a] && low[a] != FILL)
			n++;
	return n;
}

static void check_build(uint32_t ebda, int com1)
{
	uint8_t *low = malloc(PCBIOS_LOW_BYTES), *own = calloc(PCBIOS_LOW_BYTES, 1);
	memset(low, FILL, PCBIOS_LOW_BYTES);
	pcbios_build(low, ebda, com1);
	int ivt_ok = 1;
	for (unsigned v = 0; v < 256; v++)
		ivt_ok &= ld16(low + 4 * v) == want_handler(v) && ld16(low + 4 * v + 2) == 0xf000;
	CHECK(ivt_ok, "ebda=0x%x: IVT: 08h F000:FEA5, 09h-0Fh F000:FE00, 70h-77h F000:FE10, the rest F000:FF53", ebda);
	memset(own, 1, 0x400);
	uint8_t ports[4];
	unsigned np;
	unsigned n = walk16(low, 0xff53, own, ports, &np);
	CHECK(n == 1 && low[0xfff53] == 0xcf, "F000:FF53 is an IRET (%u bytes)", n);
	n = walk16(low, 0xfea5, own, ports, &np);
	CHECK(n > 0 && np == 1 && ports[0] == 0x20, "INT 08h decodes to its IRET with one OUT to port 20h (%u bytes, %u "
	      "OUTs)", n, np);
	CHECK(memmem(low + 0xffea5, n, "\x66\xff\x06\x6c\x04", 5) != NULL, "INT 08h increments the dword at 40:6Ch");
	n = walk16(low, 0xfe00, own, ports, &np);
	CHECK(n > 0 && np == 1 && ports[0] == 0x20, "IRQ 1-7 handler: EOI to port 20h, IRET (%u bytes)", n);
	n = walk16(low, 0xfe10, own, ports, &np);
	CHECK(n > 0 && np == 2 && ports[0] == 0xa0 && ports[1] == 0x20, "IRQ 8-15 handler: EOI to A0h, then 20h, IRET "
	      "(%u bytes)", n);
	CHECK(ld16(low + 0x40e) == ebda >> 4, "ebda=0x%x: 40:0Eh holds the EBDA segment 0x%x (0x%x)", ebda, ebda >> 4,
	      ld16(low + 0x40e));
	CHECK(ld16(low + 0x413) == ebda / 1024, "ebda=0x%x: 40:13h holds base memory %u KiB (%u)", ebda, ebda / 1024,
	      ld16(low + 0x413));
	CHECK(low[ebda] == (0xa0000 - ebda) / 1024, "ebda=0x%x: the EBDA's first byte is its size in KiB (%u)", ebda,
	      low[ebda]);
	CHECK(ld16(low + 0x400) == (com1 ? 0x3f8 : 0), "com1=%d: 40:00h COM1 base 0x%x", com1, ld16(low + 0x400));
	CHECK(ld16(low + 0x410) == (com1 ? 0x202 : 0x002), "com1=%d: equipment word 0x%x (x87, serial ports)", com1,
	      ld16(low + 0x410));
	CHECK(low[0x402] == FILL && low[0x40c] == FILL && low[0x46c] == FILL,
	      "com1=%d: COM2-COM4, LPT words and the tick count untouched", com1);
	for (uint32_t a = 0x400; a < 0x402; a++)
		own[a] = 1;
	for (uint32_t a = 0x40e; a < 0x412; a++)
		own[a] = 1;
	own[0x413] = own[0x414] = own[ebda] = 1;
	unsigned bad = stray(low, own);
	CHECK(bad == 0, "ebda=0x%x: nothing written outside the IVT, the BDA fields, the EBDA size and the handlers (%u "
	      "stray bytes)", ebda, bad);
	free(low);
	free(own);
}

int main(void)
{
	check_build(0x9fc00, 1); /* hvmm's guests: 639 KiB, a 1 KiB EBDA */
	check_build(0x9fc00, 0);
	check_build(0x9f000, 1); /* a 4 KiB EBDA */
	check_build(0x80000, 0);
	return unit_done();
}
