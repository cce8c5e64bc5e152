/* SPDX-License-Identifier: MIT */
/* uart.h — the virtual 16550A UART at 0x3f8 (COM1) on IRQ 4; transmitted bytes go to the guest's line console. */
#ifndef HVMM_VDEV_UART_H
#define HVMM_VDEV_UART_H
#include <stdint.h>

#include "hvmm/vdev/inq.h"
#include "hvmm/vdev/vdev.h"

#define UART_FIFO 16

/* Registers as the 16550A datasheet (TI SLLS177) names them. */
struct vdev_uart {
	uint16_t base;
	uint8_t irq;
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm;
	uint8_t fcr; /* FIFO enable (bit 0) and receive trigger level (bits 7:6) as written */
	uint8_t thre_pending; /* the THR-empty interrupt is pending (cleared by reading IIR or writing THR) */
	uint8_t rx[UART_FIFO]; /* receive FIFO: console input (uart_input_put), or the transmitter in loopback mode */
	uint8_t rx_head, rx_len;
	uint8_t line; /* level driven on the interrupt line */
	struct vdev_inq in; /* hvmm's console input for this guest (guest/input.c), taken into the receive FIFO */
};

/* Reset (DLL = 1, 115200 baud; THR empty) and claim ports base..base+7 for interrupt line irq. */
int uart_init(struct vdev_uart *u, struct vdev_bus *bus, uint16_t base, uint8_t irq);

/* The received-data interrupt can reach the interrupt line: IER bit 0 set, MCR.OUT2 set, loopback off. */
int uart_rx_irq_enabled(const struct vdev_uart *u);
/* Queue one byte of console input (any CPU; one CPU at a time). Returns 0, or -1 when the queue is full (counted). */
int uart_input_put(struct vdev_uart *u, uint8_t ch);
/* On the CPU that runs the guest: move queued input into the receive FIFO while it has room (not in loopback mode:
 * the receiver then hears only the transmitter) and update the interrupt line. Also done at every register read. */
void uart_input_pull(struct vdev_uart *u, struct vdev_ctx *ctx);

#endif
