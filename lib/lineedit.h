/* SPDX-License-Identifier: MIT */
/*
 * lineedit.h — the line editor of hvmm's monitor (docs/running.md "The monitor"): printable ASCII is appended (up to
 * LINEEDIT_MAX - 1 bytes; more rings the bell), Backspace (08h) or Delete (7Fh) removes the last byte, Ctrl-U (15h)
 * the whole line, Enter (CR or LF; an LF right after a CR is the same Enter) ends it. Other bytes are ignored.
 * Each byte gives the bytes to echo, for a terminal that does not echo by itself.
 */
#ifndef HVMM_LIB_LINEEDIT_H
#define HVMM_LIB_LINEEDIT_H
#include <stddef.h>

#define LINEEDIT_MAX 80 /* bytes of a line, with its NUL */
#define LINEEDIT_ECHO_MAX (3 * LINEEDIT_MAX) /* the most bytes one lineedit_feed echoes (Ctrl-U on a full line) */

struct lineedit {
	char buf[LINEEDIT_MAX]; /* the line so far, NUL-terminated */
	size_t len;
	int ended; /* the latest byte ended the line */
	int after_cr; /* the previous byte was a CR */
};

/* Take one byte; store what to echo in echo (*echo_len bytes, at most LINEEDIT_ECHO_MAX). Returns 1 when the byte
 * ended the line: buf holds it until the next call, which starts a new line; else 0. */
int lineedit_feed(struct lineedit *e, char ch, char *echo, size_t *echo_len);

#endif
