/* SPDX-License-Identifier: MIT */
/* guest_console.h — a guest's console output, printed one whole line at a time as "[<name>] <text>". */
#ifndef HVMM_GUEST_CONSOLE_H
#define HVMM_GUEST_CONSOLE_H

struct guest;

/* Append one byte of g's output to its line; '\n' prints the line, a byte that does not fit prints the buffer as a
 * continuation piece first. '\r' is dropped, '\t' becomes a space, other control and non-ASCII bytes '.'.
 * Returns 0, or -1 when the console ring refused the line this byte had to print: the byte was not taken. */
int guest_console_putc(struct guest *g, char ch);
/* Print g's buffered partial line, if any (at exit or kill: no output is lost). */
void guest_console_flush(struct guest *g);

#endif
