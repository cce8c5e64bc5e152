/* SPDX-License-Identifier: MIT */
/*
 * console.c — hvmm's console output: serial (COM1 16550), VGA text, and the framebuffer console (fbcon.c). Any of
 * them may be missing; hvmm carries on with whatever is there. 16550 registers per the PC16550D data sheet.
 *
 * While guests run (con_async(1)) every line goes into a per-CPU ring buffer instead of the devices, and
 * con_poll() drains it — at guest console writes and drain ticks — a transmit-FIFO load at a time, never waiting
 * for the UART (policy in console.h and docs/serial-log.md). Before and after that, and in a panic, output is
 * synchronous.
 *
 * SMP: once more than one CPU runs guests (con_smp()), output stays synchronous: every write goes to the devices
 * under con_lock (a ticket lock, the innermost lock of hvmm), and every hvmm line and guest console line is one
 * write, so lines from different CPUs never mix within a line. (The per-CPU rings would drain one FIFO load at a
 * time from each CPU and so interleave pieces of lines on the one UART.)
 */
#include "hvmm/core/console.h"

#include <stdint.h>
#include <string.h>

#include "fmt.h"
#include "jsonw.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/fbcon.h"
#include "hvmm/core/pcregs.h"
#include "hvmm/core/percpu.h"
#include "hvmm/core/serial.h"
#include "hvmm/core/spinlock.h"

#define COM1 COM1_PORT

#define VGA_TEXT ((volatile uint16_t *)0xb8000)
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700 /* light grey on black */

static int serial_ok;
static unsigned serial_room = 1; /* bytes the UART takes once THRE is set: 16 with FIFOs, 1 without (16450) */
static int vga_ok;
static unsigned vga_row, vga_col;
static int fb_ok;
static struct ticket_lock con_lock = TICKET_LOCK_INIT; /* the devices and what emit() updates, in synchronous mode */
static int smp; /* con_smp(): several CPUs print; never asynchronous again */
static int mid_line; /* the last byte emitted was not a newline */

/* Output written before con_framebuffer() decided on the screen, replayed on the framebuffer console. */
#define EARLY_MAX 4096
static char early[EARLY_MAX];
static size_t early_len;
static int early_done;
static uint64_t lines_out;

void con_init(void)
{
	unsigned room = serial_init(COM1_PORT);
	serial_ok = room != 0;
	serial_room = room ? room : 1;
	vga_ok = 1;
}

void con_disable_vga(void) { vga_ok = 0; }

int con_can_read(void) { return serial_ok; }

int con_getc(void)
{
	return serial_ok ? serial_getc(COM1) : -1;
}

static int serial_wedged; /* the UART stopped draining: serial output was given up (said on the other consoles) */

/* Send one byte (wait: first until THRE; else the caller knows there is room). A UART that does not drain for a
 * long time is given up, and that is announced, not silent. */
static void serial_putc(char c, int wait)
{
	for (unsigned spins = 0; wait && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); spins++)
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

static int async; /* con_async(1): lines go to the ring */
static int status_due; /* the framebuffer got bytes from a drain: its status line is to be redrawn */

/* After a drain: redraw the framebuffer's status line if the drain wrote to the screen. */
static void drained(void)
{
	if (status_due) {
		status_due = 0;
		status_update();
	}
}

static int input_open; /* the last bytes emitted are an input line still being typed (con_input) */
static int input_cut; /* other output ended that line since the latest con_input */

static void emit_bytes(const char *s, size_t n, int wait);

/* Write n bytes to every device now; wait: for the UART as long as it takes (up to the wedge limit), else the caller
 * saw room for all of them in the transmit FIFO. Output after an open input line starts on a line of its own. */
static void emit(const char *s, size_t n, int wait)
{
	if (input_open && n) {
		input_open = 0;
		input_cut = 1;
		emit_bytes("\n", 1, 1);
	}
	emit_bytes(s, n, wait);
}

static void emit_bytes(const char *s, size_t n, int wait)
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
				serial_putc('\r', wait);
			serial_putc(s[i], wait);
		}
		if (vga_ok)
			vga_putc(s[i]);
		lines_out += s[i] == '\n';
	}
	if (n)
		mid_line = s[n - 1] != '\n';
	if (fb_ok) {
		if (async)
			status_due = 1; /* a drain: redraw once at its end (drained), not for every piece */
		else
			status_update();
	}
	if (serial_wedged) { /* straight to the screens: hlog could queue it behind what cannot be sent */
		static const char msg[] =
			HLOG_PREFIX "warning: COM1 stopped accepting bytes; serial output stopped here (screen only from now on)\n";
		serial_wedged = 0;
		emit_bytes(msg, sizeof(msg) - 1, 1);
	}
}

/* The console rings: bytes written while guests run, in order, until con_poll or con_flush sends them. One per CPU,
 * so CPUs never share a ring (each guest's lines come from the CPU that runs it, in order). */
_Static_assert((CON_RING_SIZE & (CON_RING_SIZE - 1)) == 0, "ring size is a power of two");
struct con_ring con_rings[MAX_CPUS];
static struct con_counters counters;

static size_t format_hlog(char *line, const char *fmt, va_list ap);

/* The ring byte at index i. */
static char at(const struct con_ring *r, uint32_t i) { return r->buf[i % CON_RING_SIZE]; }

/* Bytes from r's tail, at most n, that can go to emit() in one piece: contiguous and before any deferred line. */
static uint32_t piece_len(const struct con_ring *r, uint32_t n)
{
	uint32_t from = r->tail % CON_RING_SIZE;
	if (n > CON_RING_SIZE - from)
		n = CON_RING_SIZE - from;
	for (uint32_t i = 0; i < n; i++)
		if (r->buf[from + i] == CON_DEFERRED)
			return i;
	return n;
}

/* Send n bytes from r's tail (n <= piece_len) through emit(). */
static void send_piece(struct con_ring *r, uint32_t n, int wait)
{
	uint32_t from = r->tail % CON_RING_SIZE;
	r->tail += n; /* first: a nested flush (a panic while emitting) goes on after this piece */
	emit(r->buf + from, n, wait);
}

static void format_args(char *line, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*len = format_hlog(line, fmt, ap);
	va_end(ap);
}

/* While r's tail is a deferred line (hlog_deferred), format it and put the text in its place: in the free space
 * just before the tail (bytes already sent), or, when there is not that much room, straight out. */
static void expand_deferred(struct con_ring *r)
{
	while (r->head != r->tail && at(r, r->tail) == CON_DEFERRED) {
		const struct con_deferred *d = &r->deferred[(uint8_t)at(r, r->tail + 1) % CON_DEFERRED_MAX];
		char line[CON_LINE_MAX];
		size_t len;
		format_args(line, &len, d->fmt, d->arg[0], d->arg[1], d->arg[2]);
		r->tail += 2;
		r->ndeferred--;
		if (len > CON_RING_SIZE - (r->head - r->tail)) {
			emit(line, len, 1);
			continue;
		}
		r->tail -= (uint32_t)len;
		for (size_t i = 0; i < len; i++)
			r->buf[(r->tail + i) % CON_RING_SIZE] = line[i];
	}
}

/* Send everything queued on r (wait: for the UART; else only screens are written). */
static void drain_all(struct con_ring *r, int wait)
{
	while (expand_deferred(r), r->head != r->tail)
		send_piece(r, piece_len(r, r->head - r->tail), wait);
	drained();
}

void con_flush(void)
{
	ticket_lock(&con_lock);
	drain_all(con_ring(), 1);
	ticket_unlock(&con_lock);
}

/* If LSR.THRE says the transmit FIFO is empty, fill it from r without waiting; -1 when it was not empty. */
static int fifo_load(struct con_ring *r)
{
	if (!(inb(COM1 + UART_LSR) & UART_LSR_THRE))
		return -1;
	/* serial_room bytes go in without waiting ("\n" takes two: "\r\n") */
	uint32_t n = 0, most = piece_len(r, r->head - r->tail);
	for (unsigned room = serial_room; n < most; n++) {
		unsigned need = at(r, r->tail + n) == '\n' ? 2 : 1;
		if (need > room)
			break;
		room -= need;
	}
	int wait = n == 0; /* a "\n" and a 1-byte UART (16450): "\r" now, "\n" one character time later */
	send_piece(r, wait ? 1 : n, wait);
	return 0;
}

void con_poll(void)
{
	struct con_ring *r = con_ring();
	if (r->head == r->tail)
		return;
	counters.polls++;
	if (!serial_ok) { /* screens only: memory writes, no device to wait for */
		drain_all(r, 0);
		return;
	}
	for (int loads = 0; loads < CON_POLL_LOADS; loads++) {
		expand_deferred(r);
		if (r->head == r->tail || fifo_load(r) < 0)
			break;
	}
	drained();
}

void con_async(int on)
{
	if (!on)
		con_flush();
	async = on && !smp;
}

void con_smp(void)
{
	con_flush();
	smp = 1;
	async = 0;
}

void con_panic(void)
{
	async = 0;
	ticket_lock_break(&con_lock); /* every other CPU is stopped (core/panic.c); one may have held it */
	con_flush();
	if (mid_line) /* a stopped CPU was cut off within a line: the panic starts on a line of its own */
		con_write("\n", 1);
}

const struct con_counters *con_counters(void) { return &counters; }

/* Queue n bytes (n <= CON_RING_SIZE) on the ring; keep_free bytes must stay free after them, else refuse (-1). */
static int enqueue(const char *s, size_t n, size_t keep_free)
{
	struct con_ring *r = con_ring();
	if (n + keep_free > CON_RING_SIZE - (r->head - r->tail))
		return -1;
	uint32_t to = r->head % CON_RING_SIZE, first = n < CON_RING_SIZE - to ? (uint32_t)n : CON_RING_SIZE - to;
	memcpy(r->buf + to, s, first);
	memcpy(r->buf, s + first, n - first);
	r->head += (uint32_t)n;
	if (r->head - r->tail > counters.max_used)
		counters.max_used = r->head - r->tail;
	return 0;
}

void con_input(const char *s, size_t n, const char *redraw, size_t redraw_len)
{
	ticket_lock(&con_lock);
	drain_all(con_ring(), 1); /* in order: what is queued goes first */
	if (input_cut && !input_open)
		emit_bytes(redraw, redraw_len, 1);
	input_cut = 0;
	emit_bytes(s, n, 1);
	if (n)
		input_open = s[n - 1] != '\n';
	ticket_unlock(&con_lock);
}

void con_write(const char *s, size_t n)
{
	if (!async || n > CON_RING_SIZE) {
		ticket_lock(&con_lock);
		drain_all(con_ring(), 1); /* keep the order: what is queued goes first */
		emit(s, n, 1);
		ticket_unlock(&con_lock);
		return;
	}
	if (enqueue(s, n, 0) < 0) { /* full: hvmm's own output never waits for a guest, it drains the ring */
		counters.waits++;
		con_flush();
		enqueue(s, n, 0);
	}
	counters.queued += n;
}

/* Format "hvmm: <fmt>\n" into line (CON_LINE_MAX bytes); returns its length. */
static size_t format_hlog(char *line, const char *fmt, va_list ap)
{
	size_t pre = sizeof(HLOG_PREFIX) - 1;
	memcpy(line, HLOG_PREFIX, pre);
	int n = fmt_vsnprintf(line + pre, CON_LINE_MAX - pre - 1, fmt, ap);
	size_t len = pre + (n < 0 ? 0 : (size_t)n);
	if (len > CON_LINE_MAX - 2)
		len = CON_LINE_MAX - 2;
	line[len++] = '\n';
	return len;
}

void con_json_begin(struct jsonw *w, char *buf, size_t size, const char *type)
{
	jsonw_begin(w, buf, size);
	jsonw_str(w, "log", "hvmm");
	jsonw_u64(w, "schema", CON_JSON_SCHEMA);
	jsonw_str(w, "type", type);
}

void con_json_end(struct jsonw *w)
{
	char line[128];
	struct jsonw e;
	size_t n = jsonw_end(w);
	if (!n) {
		con_json_begin(&e, line, sizeof(line), "error");
		jsonw_str(&e, "what", "a JSON line longer than its buffer was left out");
		n = jsonw_end(&e);
		w = &e;
	}
	w->buf[n] = '\n'; /* jsonw_end left room for its NUL */
	con_write(w->buf, n + 1);
}

void vhlog(const char *fmt, va_list ap)
{
	char line[CON_LINE_MAX];
	con_write(line, format_hlog(line, fmt, ap));
}

void hlog_deferred(const char *fmt, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct con_ring *r = con_ring();
	if (!async || r->ndeferred == CON_DEFERRED_MAX) {
		hlog(fmt, a0, a1, a2);
		return;
	}
	uint8_t slot = (uint8_t)(r->next_deferred++ % CON_DEFERRED_MAX);
	r->deferred[slot] = (struct con_deferred){ fmt, { a0, a1, a2 } };
	const char rec[2] = { CON_DEFERRED, (char)slot };
	if (enqueue(rec, 2, 0) < 0) {
		counters.waits++;
		con_flush();
		enqueue(rec, 2, 0);
	}
	r->ndeferred++;
	counters.queued += 2;
}

void hlog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vhlog(fmt, ap);
	va_end(ap);
}

int con_guest_line(const char *name, const char *text, size_t n, int continued)
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
	if (async) {
		if (enqueue(line, len, CON_HVMM_RESERVE) < 0) {
			counters.refused++;
			return -1;
		}
		counters.queued += len;
		return 0;
	}
	con_write(line, len);
	return 0;
}
