/* SPDX-License-Identifier: MIT */
/*
 * pcbios.h — the PC's low memory as a BIOS leaves it for an operating system: the real-mode interrupt vector table,
 * the BIOS data area (BDA) and the extended BIOS data area (EBDA). Layout per the IBM PC/AT Technical Reference
 * ("BIOS data area", segment 40h) and the MP specification 1.4 §4 (the EBDA segment word at 40:0Eh).
 */
#ifndef HVMM_LIB_PCBIOS_H
#define HVMM_LIB_PCBIOS_H
#include <stdint.h>

#define PCBIOS_IVT 0x0u /* 256 far pointers (offset, segment), 1 KiB */
#define PCBIOS_BDA 0x400u /* segment 40h, 256 bytes */
#define PCBIOS_BDA_COM 0x00u /* u16[4]: I/O base of COM1..COM4, 0 = absent */
#define PCBIOS_BDA_EBDA_SEG 0x0eu /* u16: segment of the EBDA */
#define PCBIOS_BDA_EQUIPMENT 0x10u /* u16: equipment list (INT 11h): bit 1 x87, bits 11:9 serial ports */
#define PCBIOS_BDA_BASE_KIB 0x13u /* u16: conventional memory below the EBDA, KiB (INT 12h) */
#define PCBIOS_IRET_SEG 0xf000u /* every vector points at one IRET: F000:FF53, where the IBM PC BIOS has its own */
#define PCBIOS_IRET_OFF 0xff53u
#define PCBIOS_LOW_BYTES 0x100000u /* the buffer pcbios_build writes into: guest-physical [0, 1 MiB) */

/*
 * Write into low (guest-physical [0, 1 MiB)) the IVT (every vector F000:FF53), the IRET instruction (0xCF) at
 * 0xFFF53, the BDA (COM1 at 0x3F8 when com1 is set, the EBDA segment ebda >> 4, base memory ebda / 1024 KiB, the
 * equipment word: x87, and one serial port when com1) and the EBDA's first byte (its size in KiB: (640 KiB - ebda)
 * / 1024). ebda: a multiple of 1 KiB below 640 KiB. Nothing else is written: the rest of the BDA and of the EBDA
 * stays as it was (zero in a fresh guest).
 */
void pcbios_build(uint8_t *low, uint32_t ebda, int com1);

#endif
