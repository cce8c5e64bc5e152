/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for hvmm's console input in lib/: every input byte goes through conkeys_feed (the focus key), the
 * bytes it passes on through lineedit_feed (the monitor's line editor), and each ended line through moncmd_parse,
 * as hvmm/guest/input.c and monitor.c do with what is typed on the serial port. Checks the headers' contracts:
 * conkeys passes on 0..3 bytes or switches, the editor's line stays NUL-terminated inside its buffer and its echo
 * within LINEEDIT_ECHO_MAX, the parser's guest name and error are NUL-terminated, an error is one printable line,
 * and a command's op is one of the table's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conkeys.h"
#include "lineedit.h"
#include "moncmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_parse(const char *line)
{
	struct moncmd c;
	enum moncmd_op op = moncmd_parse(line, &c);
	if (op != c.op || memchr(c.guest, 0, sizeof(c.guest)) == NULL || memchr(c.error, 0, sizeof(c.error)) == NULL)
		abort();
	if (op == MONCMD_ERROR) {
		if (!c.error[0])
			abort();
		for (const char *p = c.error; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				abort(); /* one printable line */
	} else if (op != MONCMD_EMPTY) {
		int known = 0;
		for (size_t i = 0; i < moncmd_count; i++)
			known |= moncmd_table[i].op == op;
		if (!known || (op == MONCMD_SLICE && (c.us < MONCMD_SLICE_MIN_US || c.us > MONCMD_SLICE_MAX_US)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conkeys k = { 0 };
	struct lineedit e = { 0 };
	for (size_t i = 0; i < size; i++) {
		uint8_t out[CONKEYS_REPEAT];
		int n = conkeys_feed(&k, data[i], out);
		if (n != CONKEYS_SWITCH && (n < 0 || n > CONKEYS_REPEAT))
			abort();
		for (int j = 0; j < n; j++) {
			char echo[LINEEDIT_ECHO_MAX];
			size_t elen = 0;
			int ended = lineedit_feed(&e, (char)out[j], echo, &elen);
			if (elen > LINEEDIT_ECHO_MAX || e.len >= LINEEDIT_MAX || memchr(e.buf, 0, LINEEDIT_MAX) == NULL)
				abort();
			if (ended)
				check_parse(e.buf);
		}
	}
	/* the input as one line too (NUL-terminated): the parser alone, on any bytes */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	check_parse(s);
	free(s);
	return 0;
}
