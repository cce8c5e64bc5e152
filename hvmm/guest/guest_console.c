/* SPDX-License-Identifier: MIT */
/*
 * guest_console.c — a guest's line-buffered console (written by HVMM_HC_WRITE, hypercall.c). Output is collected
 * per guest and printed one whole line at a time as "[<name>] <text>", so lines of different guests never mix.
 * Nothing a guest writes is dropped silently:
 *  - A line longer than GUEST_LINE_MAX (200) bytes is printed in pieces of 200 bytes; every piece after the first
 *    is marked "[<name>]+ <text>" (a continuation: join it to that guest's previous line). A line of exactly 200
 *    bytes is one line. A partial last line is printed when the guest exits or is killed.
 *  - Bytes are printed as they are, except '\r' (dropped), '\t' (a space) and other control or non-ASCII bytes
 *    ('.'): the log stays one line per line.
 *  - A partial line the guest leaves alone while it has the input focus (a shell prompt) is printed as a piece after
 *    INPUT_PROMPT_MS (guest/input.c); the rest of that line follows as a continuation "[<name>]+ <text>".
 *  - When the console ring is full (console.h), a line is not taken: the byte that would print it is refused and the
 *    guest's write resumes from it later (hypercall.c). Only at exit or kill does hvmm wait for the UART instead.
 */
#include "hvmm/guest/guest_console.h"

#include "hvmm/core/console.h"

/* Print the buffered line (a continuation piece marked "[<name>]+ ") and empty the buffer; -1, with nothing done,
 * when the console ring refused it. */
static int print_line(struct guest_console *con, const char *name)
{
	if (con_guest_line(name, con->line, con->len, con->continues) < 0)
		return -1;
	con->len = 0;
	return 0;
}

int guest_console_piece(struct guest_console *con, const char *name)
{
	if (!con->len)
		return 0;
	if (print_line(con, name) < 0)
		return -1;
	con->continues = 1;
	return 0;
}

void guest_console_flush(struct guest_console *con, const char *name)
{
	if (con->len && print_line(con, name) < 0) {
		con_flush(); /* the guest is gone: its last line goes out now, after what was queued before it */
		print_line(con, name);
	}
	con->continues = 0;
}

int guest_console_putc(struct guest_console *con, const char *name, char ch)
{
	if (ch == '\n') {
		if (print_line(con, name) < 0) /* never empty after a piece: a byte that does not fit is kept in the buffer */
			return -1;
		con->continues = 0;
		return 0;
	}
	if (ch == '\r')
		return 0;
	if (ch == '\t')
		ch = ' ';
	if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
		ch = '.';
	if (con->len == GUEST_LINE_MAX) {
		if (print_line(con, name) < 0)
			return -1;
		con->continues = 1;
	}
	con->line[con->len++] = ch;
	return 0;
}

