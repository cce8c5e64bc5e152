/* console.c — serial (COM1 16550) and VGA text console output. 16550 registers per the PC16550D data sheet. */
#include "hvmm/console.h"

#include <stdint.h>
#include <string.h>

#include "fmt.h"
#include "hvmm/x86.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB = 0) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LSR_THRE 0x20

#define VGA_TEXT ((volatile uint16_t *)0xb8000)
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700 /* light grey on black */

static int serial_ok;
static int vga_ok;
static unsigned vga_row, vga_col;

void con_init(void)
{
	/* A missing UART reads back 0xff from every register, so the scratch register cannot hold a value. */
	outb(COM1 + UART_SCR, 0x5a);
	serial_ok = inb(COM1 + UART_SCR) == 0x5a;
	if (serial_ok) {
		outb(COM1 + UART_IER, 0x00);
		outb(COM1 + UART_LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
		outb(COM1 + 0, 0x01);
		outb(COM1 + 1, 0x00);
		outb(COM1 + UART_LCR, 0x03); /* 8N1 */
		outb(COM1 + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
		outb(COM1 + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no UART interrupts */
	}
	vga_ok = 1;
}

void con_disable_vga(void) { vga_ok = 0; }

static void serial_putc(char c)
{
	for (unsigned spins = 0; !(inb(COM1 + UART_LSR) & UART_LSR_THRE); spins++)
		if (spins > 1000000) /* a wedged UART must not hang hvmm */
			return;
	outb(COM1 + UART_THR, (uint8_t)c);
}

static void vga_putc(char c)
{
	if (c == '\n') {
		vga_col = 0;
		vga_row++;
	} else {
		VGA_TEXT[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
		if (++vga_col == VGA_COLS) {
			vga_col = 0;
			vga_row++;
		}
	}
	if (vga_row == VGA_ROWS) {
		for (unsigned i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
			VGA_TEXT[i] = VGA_TEXT[i + VGA_COLS];
		for (unsigned i = 0; i < VGA_COLS; i++)
			VGA_TEXT[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
		vga_row = VGA_ROWS - 1;
	}
}

void con_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (serial_ok) {
			if (s[i] == '\n')
				serial_putc('\r');
			serial_putc(s[i]);
		}
		if (vga_ok)
			vga_putc(s[i]);
	}
}

void vhlog(const char *fmt, va_list ap)
{
	char line[CON_LINE_MAX];
	size_t pre = sizeof(HLOG_PREFIX) - 1;
	memcpy(line, HLOG_PREFIX, pre);
	int n = fmt_vsnprintf(line + pre, sizeof(line) - pre - 1, fmt, ap);
	size_t len = pre + (n < 0 ? 0 : (size_t)n);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	con_write(line, len);
}

void hlog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vhlog(fmt, ap);
	va_end(ap);
}

void con_guest_line(const char *name, const char *text, size_t n)
{
	char line[CON_LINE_MAX];
	int pre = fmt_snprintf(line, sizeof(line), "[%s] ", name);
	size_t len = pre < 0 ? 0 : (size_t)pre;
	if (len > sizeof(line) / 2)
		len = sizeof(line) / 2;
	if (n > sizeof(line) - len - 1)
		n = sizeof(line) - len - 1;
	memcpy(line + len, text, n);
	len += n;
	line[len++] = '\n';
	con_write(line, len);
}
