/* SPDX-License-Identifier: MIT */
/* uart.h — the virtual 16550A UART at 0x3f8 (COM1) on IRQ 4; transmitted bytes go to the guest's line console. */
#ifndef HVMM_VDEV_UART_H
#define HVMM_VDEV_UART_H
#include <stdint.h>

#include "hvmm/vdev/vdev.h"

#define UART_FIFO 16

/* Registers as the 16550A datasheet (TI SLLS177) names them. */
struct vdev_uart {
	uint16_t base;
	uint8_t irq;
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm;
	uint8_t fcr; /* FIFO enable (bit 0) and receive trigger level (bits 7:6) as written */
	uint8_t thre_pending; /* the THR-empty interrupt is pending (cleared by reading IIR or writing THR) */
	uint8_t rx[UART_FIFO]; /* receive FIFO (filled only in loopback mode: hvmm gives guests no input) */
	uint8_t rx_head, rx_len;
	uint8_t line; /* level driven on the interrupt line */
};

/* Reset (DLL = 1, 115200 baud; THR empty) and claim ports base..base+7 for interrupt line irq. */
int uart_init(struct vdev_uart *u, struct vdev_bus *bus, uint16_t base, uint8_t irq);

#endif
