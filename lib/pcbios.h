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
#define PCBIOS_BDA_TICKS 0x6cu /* u32: timer ticks (INT 08h, 18.2 Hz) */
#define PCBIOS_SEG 0xf000u /* the BIOS's code segment */
#define PCBIOS_IRET_OFF 0xff53u /* IRET for every vector but the 8259A's: where the IBM PC BIOS has its dummy IRET */
#define PCBIOS_INT08_OFF 0xfea5u /* IRQ 0 (INT 08h): count the tick at 40:6Ch, EOI; where the IBM PC BIOS has it */
#define PCBIOS_IRQ_MASTER_OFF 0xfe00u /* IRQ 1-7 (INT 09h-0Fh): EOI to the master 8259A */
#define PCBIOS_IRQ_SLAVE_OFF 0xfe10u /* IRQ 8-15 (INT 70h-77h): EOI to the slave, then the master */
#define PCBIOS_LOW_BYTES 0x100000u /* the buffer pcbios_build writes into: guest-physical [0, 1 MiB) */

/*
 * Write into low (guest-physical [0, 1 MiB)) the IVT and the code it points to in segment F000h: vectors 08h-0Fh
 * (IRQ 0-7 of the 8259A at its BIOS vector base) and 70h-77h (IRQ 8-15) to handlers that acknowledge the interrupt
 * with a non-specific EOI (OCW2 0x20), the one for IRQ 0 also counting 40:6Ch as a BIOS's INT 08h does; every other
 * vector to an IRET (0xCF) at F000:FF53. And the BDA (COM1 at 0x3F8 when com1 is set, the EBDA segment ebda >> 4,
 * base memory ebda / 1024 KiB, the equipment word: x87, and one serial port when com1) and the EBDA's first byte
 * (its size in KiB: (640 KiB - ebda) / 1024). ebda: a multiple of 1 KiB below 640 KiB. Nothing else is written: the
 * rest of the BDA and of the EBDA stays as it was (zero in a fresh guest).
 */
void pcbios_build(uint8_t *low, uint32_t ebda, int com1);

#endif
