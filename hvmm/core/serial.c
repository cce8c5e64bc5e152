/* SPDX-License-Identifier: MIT */
/*
 * serial.c — a polled PC 16550 UART (serial.h). Registers and bits per the PC16550D data sheet (pcregs.h).
 */
#include "hvmm/core/serial.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/pcregs.h"

#define UART_FIFO_DEPTH 16 /* PC16550D transmit FIFO: bytes that fit once THRE is set */

unsigned serial_init(uint16_t port)
{
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return 0;
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(port + 0, 0x01);
	outb(port + 1, 0x00);
	outb(port + UART_LCR, 0x03); /* 8N1 */
	outb(port + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(port + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no UART interrupts */
	return (inb(port + UART_IIR) & 0xc0) == 0xc0 ? UART_FIFO_DEPTH : 1;
}

int serial_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}

int serial_can_put(uint16_t port) { return (inb(port + UART_LSR) & UART_LSR_THRE) != 0; }

void serial_put(uint16_t port, uint8_t c) { outb(port + UART_THR, c); }
