/* SPDX-License-Identifier: MIT */
/*
 * console.h — hvmm's console: COM1 16550 (115200 8N1), VGA text mode, or the framebuffer console (fbcon.h) when the
 * boot loader set a graphics mode; every hvmm line starts with "hvmm: ".
 */
#ifndef HVMM_CONSOLE_H
#define HVMM_CONSOLE_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "mb2.h"

#include "hvmm/core/percpu.h"

#define HLOG_PREFIX "hvmm: "
#define CON_LINE_MAX 512 /* bytes per formatted line; longer lines are truncated */

/* Probe COM1 (scratch register) and program it; enable VGA text output. Safe to call more than once. */
void con_init(void);
/* One byte received on COM1 (LSR.DR, then RBR; PC16550D), or -1 when none is waiting or there is no serial port.
 * Polled (guest/input.c): hvmm enables no UART interrupt. */
int con_getc(void);
/* There is a serial port to read (con_getc can return bytes). */
int con_can_read(void);
/* Stop drawing on VGA text memory (the boot loader set a graphics mode). */
void con_disable_vga(void);
/*
 * Choose the screen once the MBI is copied: fb is the boot loader's framebuffer (multiboot2 tag 8), or NULL. EGA text
 * keeps VGA text output; a linear RGB framebuffer gets the framebuffer console, which first shows what was printed
 * so far (up to 4 KiB); any other mode stops screen output with a warning.
 */
void con_framebuffer(const struct mb2_framebuffer *fb);
/* Fills line (size bytes) with the framebuffer status line's text (NUL-terminated). */
typedef void (*con_status_fn)(char *line, size_t size);
/* Take the status line's text from fn from now on (called after every console write while a framebuffer is shown). */
void con_set_status_source(con_status_fn fn);
/* Lines written so far (newlines counted by con_write). */
uint64_t con_lines(void);
/* Write n raw bytes to every console ("\n" becomes "\r\n" on serial); synchronous output holds the console lock,
 * so the bytes of one call never mix with another CPU's. */
void con_write(const char *s, size_t n);
/* Write the bytes of an input line being typed (the monitor's prompt, echoed keys) now, after what is queued; until
 * a newline ends it, the line is open. Any other output ends an open line first (a newline), so lines never run
 * into the prompt; the next con_input then writes redraw first (the prompt and what was typed so far). */
void con_input(const char *s, size_t n, const char *redraw, size_t redraw_len);
/* log=json: the first members of every JSON line (docs/running.md "The JSON log"): the log's name and schema version,
 * then the object's type. */
#define CON_JSON_SCHEMA 1
struct jsonw;
/* Start a JSON line of the given type in buf (size bytes): {"log":"hvmm","schema":1,"type":"<type>" */
void con_json_begin(struct jsonw *w, char *buf, size_t size, const char *type);
/* End it and write it as one line (a line that did not fit is reported instead, as a JSON line of type "error"). */
void con_json_end(struct jsonw *w);
/* Print one line "hvmm: <formatted>\n"; fmt has no trailing newline. */
void hlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vhlog(const char *fmt, va_list ap);
/*
 * As hlog(fmt, a0, a1, a2), but while guests run the line is formatted only when the console drain reaches it, so
 * the caller pays a few stores instead of the formatting (used on the switch path: a guest's exit line). The
 * arguments are 64-bit (integers, or pointers to strings that stay valid until the run ends); fmt takes %s, %lu,
 * %ld, %lx only. Order with other lines is kept.
 */
void hlog_deferred(const char *fmt, uint64_t a0, uint64_t a1, uint64_t a2);
/*
 * Print one guest console line "[<name>] <text>\n" ("[<name>]+ <text>\n" when it continues the previous one) in a
 * single write, so lines never mix. Returns 0, or -1 when the ring (con_async) has less than CON_HVMM_RESERVE bytes
 * left after the line: nothing was written, the caller throttles the guest and tries again later.
 */
int con_guest_line(const char *name, const char *text, size_t n, int continued);

/*
 * The console ring (per CPU). With con_async(1) — while guests run — every console write is queued on this CPU's
 * ring of CON_RING_SIZE bytes instead of waiting for the devices; con_poll() sends what the UART takes without
 * waiting (a transmit-FIFO load of 16 bytes each time LSR.THRE is set, up to CON_POLL_LOADS; nothing when it is not;
 * all of it when there is no serial port). It runs at each guest console write (guest/hypercall.c) and at drain
 * ticks the run loop arms inside a slice while bytes are queued (guest/sched.c), never between two guests. When the
 * ring is full:
 *  - a guest line is refused while fewer than CON_HVMM_RESERVE bytes would stay free (the guest's write is retried
 *    in its own time: the guest is throttled to the UART's speed), counted in refused;
 *  - hvmm's own lines never wait for a guest: con_write drains the ring synchronously first, counted in waits.
 * Order is kept: the ring is FIFO, and synchronous output (con_async(0), con_panic) flushes it first.
 */
#define CON_RING_SIZE 32768u /* bytes, a power of two */
#define CON_HVMM_RESERVE 4096u /* bytes kept free for hvmm's own lines */
#define CON_POLL_LOADS 4 /* FIFO loads one con_poll sends at most, each only if LSR.THRE is set again */

/* A line queued by hlog_deferred: "hvmm: " fmt with its arguments, formatted when the drain reaches it. In the ring
 * it is CON_DEFERRED and one byte, its slot; no other byte is CON_DEFERRED (hvmm's lines are printable text, guest
 * lines are made printable by guest/guest_console.c). */
#define CON_DEFERRED '\x01'
#define CON_DEFERRED_MAX 32
struct con_deferred {
	const char *fmt;
	uint64_t arg[3];
};

/* One CPU's ring. Indices run free: bytes queued = head - tail; a byte's place is its index % CON_RING_SIZE. */
struct con_ring {
	char buf[CON_RING_SIZE];
	uint32_t head; /* next byte to store */
	uint32_t tail; /* next byte to send */
	struct con_deferred deferred[CON_DEFERRED_MAX]; /* used in ring order */
	uint32_t next_deferred, ndeferred; /* next slot (mod CON_DEFERRED_MAX), slots in use */
};
extern struct con_ring con_rings[MAX_CPUS];

/* This CPU's ring. While MAX_CPUS is 1 the index folds to a constant. */
static inline struct con_ring *con_ring(void) { return &con_rings[MAX_CPUS == 1 ? 0 : this_cpu()->id]; }
/* 1 when this CPU's ring holds bytes not yet sent (inline: the run loop asks on every re-entry). */
static inline int con_pending(void)
{
	const struct con_ring *r = con_ring();
	return r->head != r->tail;
}

struct con_counters {
	uint64_t queued; /* bytes queued on a ring */
	uint64_t refused; /* guest lines refused because the ring was full (each retried later) */
	uint64_t waits; /* synchronous drains because hvmm's own line did not fit */
	uint64_t polls; /* con_poll calls that found bytes queued */
	uint32_t max_used; /* the most bytes queued at once */
};

/* Queue (1) or write synchronously (0; flushes the ring first). Off until the run loop starts. */
void con_async(int on);
/* Before a second CPU runs guests: flush, and from now on every CPU writes synchronously under the console lock
 * (con_async no longer turns the rings on), so lines never mix. */
void con_smp(void);
/* Send what the UART takes now from this CPU's ring without waiting for it (policy above). */
void con_poll(void);
/* Send everything queued on this CPU's ring, waiting for the UART. */
void con_flush(void);
/* For panic, once every other CPU is stopped: free the console lock whoever holds it, synchronous from now on,
 * after flushing what is queued (so the panic lines come last, in order), and end a line a stopped CPU left
 * unfinished. */
void con_panic(void);
/* The ring counters, for the summary. */
const struct con_counters *con_counters(void);

#endif
