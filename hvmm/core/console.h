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

#define HLOG_PREFIX "hvmm: "
#define CON_LINE_MAX 512 /* bytes per formatted line; longer lines are truncated */

/* Probe COM1 (scratch register) and program it; enable VGA text output. Safe to call more than once. */
void con_init(void);
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
/* Write n raw bytes to every console ("\n" becomes "\r\n" on serial). */
void con_write(const char *s, size_t n);
/* Print one line "hvmm: <formatted>\n"; fmt has no trailing newline. */
void hlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vhlog(const char *fmt, va_list ap);
/* Print one guest console line "[<name>] <text>\n" ("[<name>]+ <text>\n" when it continues the previous one) in a
 * single write, so lines never mix. */
void con_guest_line(const char *name, const char *text, size_t n, int continued);

#endif
