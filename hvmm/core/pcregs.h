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
/* Its registers (CMOS index) and status bits (MC146818A datasheet, "Address map" and registers A-D). */
#define RTC_SEC 0x00
#define RTC_SEC_ALARM 0x01
#define RTC_MIN 0x02
#define RTC_MIN_ALARM 0x03
#define RTC_HOUR 0x04
#define RTC_HOUR_PM 0x80 /* 12-hour mode (status B bit 1 clear): bit 7 of the hour registers */
#define RTC_HOUR_ALARM 0x05
#define RTC_WDAY 0x06
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_A_UIP 0x80
#define RTC_A_DV_MASK 0x70
#define RTC_A_DV_NORMAL 0x20 /* 32.768 kHz time base, counting */
#define RTC_A_RATE 0x0f
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H 0x02
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10
#define RTC_D_VRT 0x80

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
#define UART_LSR_DR 0x01 /* data ready: the receive buffer (with FIFOs: the receive FIFO) holds a byte */
#define UART_LSR_THRE 0x20 /* transmitter holding register (with FIFOs: the transmit FIFO) empty */

/* Local APIC (Intel SDM Vol. 3A §11.5.1 LVT, §11.9 spurious-interrupt vector register). */
#define LVT_MASKED (1u << 16)
#define SVR_ENABLE (1u << 8) /* APIC software enable */

#endif
