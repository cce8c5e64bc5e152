/* SPDX-License-Identifier: MIT */
/*
 * serial.h — a PC 16550 UART at an I/O port base, polled (no interrupts): COM1 for hvmm's console (console.c), COM2
 * for the gdb stub (hvmm/guest/gdbstub.c). Registers per the PC16550D data sheet (pcregs.h).
 */
#ifndef HVMM_SERIAL_H
#define HVMM_SERIAL_H
#include <stdint.h>

#define COM1_PORT 0x3f8
#define COM2_PORT 0x2f8

/* Probe the UART at port (a missing one cannot hold a value in its scratch register) and set it up: 115200 baud,
 * 8N1, FIFOs on, DTR and RTS, no interrupts. Returns 0 when there is none, else the bytes its transmitter takes once
 * THRE is set (16 with FIFOs, 1 for a 16450). */
unsigned serial_init(uint16_t port);
/* A received byte, or -1 when none is waiting. */
int serial_getc(uint16_t port);
/* Is the transmitter ready for the next byte (THRE)? */
int serial_can_put(uint16_t port);
/* Write byte c to the transmitter without waiting (the caller checked serial_can_put or knows the FIFO has room). */
void serial_put(uint16_t port, uint8_t c);

#endif
