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

void pcbios_build(uint8_t *low, uint32_t ebda, int com1)
{
	for (unsigned v = 0; v < 256; v++) {
		st16(low + PCBIOS_IVT + 4 * v, PCBIOS_IRET_OFF);
		st16(low + PCBIOS_IVT + 4 * v + 2, PCBIOS_IRET_SEG);
	}
	low[((uint32_t)PCBIOS_IRET_SEG << 4) + PCBIOS_IRET_OFF] = 0xcf; /* IRET */
	uint8_t *bda = low + PCBIOS_BDA;
	st16(bda + PCBIOS_BDA_COM, com1 ? COM1_PORT : 0);
	st16(bda + PCBIOS_BDA_EBDA_SEG, (uint16_t)(ebda >> 4));
	st16(bda + PCBIOS_BDA_EQUIPMENT, (uint16_t)(EQUIP_X87 | (com1 ? 1u << EQUIP_SERIAL_SHIFT : 0)));
	st16(bda + PCBIOS_BDA_BASE_KIB, (uint16_t)(ebda >> 10));
	low[ebda] = (uint8_t)((CONV_END - ebda) >> 10);
}
