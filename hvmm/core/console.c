/*
 * console.c — hvmm's console output: serial (COM1 16550), VGA text, and the framebuffer console (fbcon.c). Any of
 * them may be missing; hvmm carries on with whatever is there. 16550 registers per the PC16550D data sheet.
 */
#include "hvmm/core/console.h"

#include <stdint.h>
#include <string.h>

#include "fmt.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/fbcon.h"

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
static int fb_ok;

/* Output written before con_framebuffer() decided on the screen, replayed on the framebuffer console. */
#define EARLY_MAX 4096
static char early[EARLY_MAX];
static size_t early_len;
static int early_done;
static uint64_t lines_out;

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

static int serial_wedged; /* the UART stopped draining: serial output was given up (said on the other consoles) */

/* Send one byte; a UART that does not drain for a long time is given up, and that is announced, not silent. */
static void serial_putc(char c)
{
	for (unsigned spins = 0; !(inb(COM1 + UART_LSR) & UART_LSR_THRE); spins++)
		if (spins > 1000000) { /* a wedged UART must not hang hvmm */
			serial_ok = 0;
			serial_wedged = 1;
			return;
		}
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

static con_status_fn status_source; /* con_set_status_source; NULL: a line count only */

void con_set_status_source(con_status_fn fn) { status_source = fn; }

uint64_t con_lines(void) { return lines_out; }

/* Redraw the framebuffer console's status line from the registered source (a pull: core knows nothing above it). */
static void status_update(void)
{
	char line[160];
	if (status_source)
		status_source(line, sizeof(line));
	else
		fmt_snprintf(line, sizeof(line), " hvmm | %lu lines", lines_out);
	fbcon_status_default(line);
}

void con_framebuffer(const struct mb2_framebuffer *fb)
{
	const char *why = NULL;
	if (early_done)
		return;
	early_done = 1;
	if (!fb) {
		if (!serial_ok)
			hlog("warning: no serial port and no framebuffer from the boot loader; output goes to VGA text only");
		return;
	}
	if (fb->type == 2) /* EGA text: VGA text memory is the screen */
		return;
	vga_ok = 0; /* a graphics mode: VGA text memory is not shown */
	if (fbcon_init(fb, &why) == 0) {
		fb_ok = 1;
		fbcon_write(early, early_len);
		hlog("framebuffer console: %ux%u %u bpp at 0x%lx, %ux%u characters", fb->width, fb->height, fb->bpp,
		     fb->addr, fbcon_cols(), fbcon_rows());
		status_update();
	} else {
		hlog("warning: framebuffer %ux%u %u bpp type %u at 0x%lx not used: %s", fb->width, fb->height, fb->bpp,
		     fb->type, fb->addr, why);
		if (!serial_ok)
			hlog("warning: no serial port and no usable screen: hvmm runs blind");
	}
}

void con_write(const char *s, size_t n)
{
	if (!early_done) {
		size_t k = n < EARLY_MAX - early_len ? n : EARLY_MAX - early_len;
		memcpy(early + early_len, s, k);
		early_len += k;
	}
	if (fb_ok)
		fbcon_write(s, n);
	for (size_t i = 0; i < n; i++) {
		if (serial_ok) {
			if (s[i] == '\n')
				serial_putc('\r');
			serial_putc(s[i]);
		}
		if (vga_ok)
			vga_putc(s[i]);
		lines_out += s[i] == '\n';
	}
	if (fb_ok)
		status_update();
	if (serial_wedged) {
		serial_wedged = 0;
		hlog("warning: COM1 stopped accepting bytes; serial output stopped here (screen only from now on)");
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

void con_guest_line(const char *name, const char *text, size_t n, int continued)
{
	char line[CON_LINE_MAX];
	int pre = fmt_snprintf(line, sizeof(line), continued ? "[%s]+ " : "[%s] ", name);
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
