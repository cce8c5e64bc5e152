/* SPDX-License-Identifier: MIT */
/* guest_console.h — a guest's console output, printed one whole line at a time as "[<name>] <text>". */
#ifndef HVMM_GUEST_CONSOLE_H
#define HVMM_GUEST_CONSOLE_H
#include <stdint.h>

#define GUEST_LINE_MAX 200 /* console line buffer (bytes); longer lines are split */

/* One guest's line buffer (in its struct guest). Zeroed, it is empty. */
struct guest_console {
	char line[GUEST_LINE_MAX];
	uint32_t len;
	uint8_t continues; /* the buffered line continues a piece already printed */
	uint32_t seen_len; /* len at the latest input tick (input.c: a partial line left alone is shown) */
	uint64_t seen_tsc; /* when len last changed, as input ticks saw it */
};

/* Append one byte of the output of guest name to its line con; '\n' prints the line, a byte that does not fit prints
 * the buffer as a continuation piece first. '\r' is dropped, '\t' becomes a space, other control and non-ASCII
 * bytes '.'. Returns 0, or -1 when the console ring refused the line this byte had to print: the byte was not
 * taken. */
int guest_console_putc(struct guest_console *con, const char *name, char ch);
/* Print the buffered partial line now as a piece (a shell prompt waiting for input): what follows on that line is
 * printed as its continuation "[<name>]+ ". Returns 0, or -1 when the console ring refused it (nothing changed). */
int guest_console_piece(struct guest_console *con, const char *name);
/* Print the buffered partial line, if any (at exit or kill: no output is lost). */
void guest_console_flush(struct guest_console *con, const char *name);

#endif
