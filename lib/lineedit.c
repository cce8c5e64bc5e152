/* SPDX-License-Identifier: MIT */
/* lineedit.c — the monitor's line editor (lineedit.h). */
#include "lineedit.h"

static void erase(struct lineedit *e, char *echo, size_t *n)
{
	e->buf[--e->len] = 0;
	echo[(*n)++] = '\b';
	echo[(*n)++] = ' ';
	echo[(*n)++] = '\b';
}

int lineedit_feed(struct lineedit *e, char ch, char *echo, size_t *echo_len)
{
	size_t n = 0;
	int lf_after_cr = ch == '\n' && e->after_cr;
	*echo_len = 0;
	e->after_cr = ch == '\r';
	if (e->ended) { /* the previous call ended a line: start a new one */
		e->ended = 0;
		e->len = 0;
		e->buf[0] = 0;
	}
	if (lf_after_cr)
		return 0;
	if (ch == '\r' || ch == '\n') {
		echo[n++] = '\n';
		*echo_len = n;
		e->ended = 1;
		return 1;
	}
	if (ch == '\b' || ch == 0x7f) {
		if (e->len)
			erase(e, echo, &n);
	} else if (ch == 0x15) {
		while (e->len)
			erase(e, echo, &n);
	} else if (ch >= 0x20 && ch < 0x7f) {
		if (e->len + 1 < LINEEDIT_MAX) {
			e->buf[e->len++] = ch;
			e->buf[e->len] = 0;
			echo[n++] = ch;
		} else {
			echo[n++] = '\a';
		}
	}
	*echo_len = n;
	return 0;
}
