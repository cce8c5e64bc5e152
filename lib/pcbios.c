/* SPDX-License-Identifier: MIT */
/* The PC's real-mode interrupt vector table, BIOS data area and EBDA (pcbios.h). */
#include <stdint.h>

#include "pcbios.h"

#define CONV_END 0xa0000u /* 640 KiB: the end of conventional memory */
#define COM1_PORT 0x3f8u
#define EQUIP_X87 (1u << 1)
#define EQUIP_SERIAL_SHIFT 9

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* 16-bit handlers (their bytes; each ends with IRET). */
static const uint8_t int08[] = {
	0x1e, /* push ds */
	0x50, /* push ax */
	0x31, 0xc0, /* xor ax, ax */
	0x8e, 0xd8, /* mov ds, ax */
	0x66, 0xff, 0x06, 0x6c, 0x04, /* inc dword [0x46c] */
	0xb0, 0x20, /* mov al, 0x20 (OCW2: non-specific EOI) */
	0xe6, 0x20, /* out 0x20, al */
	0x58, /* pop ax */
	0x1f, /* pop ds */
	0xcf, /* iret */
};
static const uint8_t irq_master[] = { 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf }; /* push ax; EOI to 20h; pop; iret */
static const uint8_t irq_slave[] = { 0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf }; /* EOI to A0h, 20h */
_Static_assert(PCBIOS_IRQ_MASTER_OFF + sizeof(irq_master) <= PCBIOS_IRQ_SLAVE_OFF &&
	       PCBIOS_IRQ_SLAVE_OFF + sizeof(irq_slave) <= PCBIOS_INT08_OFF &&
	       PCBIOS_INT08_OFF + sizeof(int08) <= PCBIOS_IRET_OFF, "the handlers do not overlap");

static void put(uint8_t *low, uint16_t off, const uint8_t *code, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		low[((uint32_t)PCBIOS_SEG << 4) + off + i] = code[i];
}

/* The handler of vector v: the 8259A's IRQs at the BIOS's vector bases 08h and 70h, else the IRET. */
static uint16_t handler(unsigned v)
{
	if (v == 0x08)
		return PCBIOS_INT08_OFF;
	if (v > 0x08 && v <= 0x0f)
		return PCBIOS_IRQ_MASTER_OFF;
	if (v >= 0x70 && v <= 0x77)
		return PCBIOS_IRQ_SLAVE_OFF;
	return PCBIOS_IRET_OFF;
}

void pcbios_build(uint8_t *low, uint32_t ebda, int com1)
{
	static const uint8_t iret = 0xcf;
	for (unsigned v = 0; v < 256; v++) {
		st16(low + PCBIOS_IVT + 4 * v, handler(v));
		st16(low + PCBIOS_IVT + 4 * v + 2, PCBIOS_SEG);
	}
	put(low, PCBIOS_IRET_OFF, &iret, 1);
	put(low, PCBIOS_INT08_OFF, int08, sizeof(int08));
	put(low, PCBIOS_IRQ_MASTER_OFF, irq_master, sizeof(irq_master));
	put(low, PCBIOS_IRQ_SLAVE_OFF, irq_slave, sizeof(irq_slave));
	uint8_t *bda = low + PCBIOS_BDA;
	st16(bda + PCBIOS_BDA_COM, com1 ? COM1_PORT : 0);
	st16(bda + PCBIOS_BDA_EBDA_SEG, (uint16_t)(ebda >> 4));
	st16(bda + PCBIOS_BDA_EQUIPMENT, (uint16_t)(EQUIP_X87 | (com1 ? 1u << EQUIP_SERIAL_SHIFT : 0)));
	st16(bda + PCBIOS_BDA_BASE_KIB, (uint16_t)(ebda >> 10));
	low[ebda] = (uint8_t)((CONV_END - ebda) >> 10);
}
