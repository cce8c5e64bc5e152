/* SPDX-License-Identifier: MIT */
/*
 * pcregs.h — registers and constants of the PC's standard devices, named once for both sides: hvmm's drivers of the
 * physical ones (core/console.c, x86/) and the virtual devices it gives guests (vdev/).
 */
#ifndef HVMM_PCREGS_H
#define HVMM_PCREGS_H

/* 8254 PIT (Intel 82C54 datasheet). */
#define PIT_HZ 1193182 /* input clock of every channel (IBM PC: 14.31818 MHz / 12) */
#define PIT_PORT 0x40 /* channel 0; channel n at PIT_PORT + n */
#define PIT_CONTROL 0x43 /* control word */
/* PC port 61h (system control port B). */
#define PORT61 0x61
#define PORT61_GATE2 0x01 /* channel 2 gate */
#define PORT61_SPEAKER 0x02
#define PORT61_REFRESH 0x10 /* toggles with the memory refresh */
#define PORT61_OUT2 0x20 /* channel 2 OUT */

/* MC146818 RTC / CMOS (Motorola MC146818A datasheet; the century byte is the PC's convention, which the ACPI FADT
 * may move). */
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_CENTURY 0x32

/* 16550A UART register offsets from its base port (TI PC16550D datasheet, Table 2). */
#define UART_RBR 0 /* read, DLAB = 0; THR on write; DLL with DLAB = 1 */
#define UART_THR 0
#define UART_IER 1 /* DLM with DLAB = 1 */
#define UART_IIR 2 /* read; FCR on write */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define UART_LSR_THRE 0x20 /* transmitter holding register (with FIFOs: the transmit FIFO) empty */

/* Local APIC (Intel SDM Vol. 3A §11.5.1 LVT, §11.9 spurious-interrupt vector register). */
#define LVT_MASKED (1u << 16)
#define SVR_ENABLE (1u << 8) /* APIC software enable */

#endif
