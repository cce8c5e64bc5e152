/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/jsonw.c (the lines of hvmm's log=json): byte 0 picks the buffer size (3..258), the rest
 * is split at NUL bytes into strings written as alternating keys and string values, with a number member after
 * each. Checks jsonw.h's contract: nothing is written past the buffer (an exactly-sized heap buffer, ASan), the
 * length returned is the string's, and a written object is one line of printable ASCII that a strict reader of
 * RFC 8259 objects of strings and numbers accepts whole.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if (*p == 0 || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return NULL;
		if (*p++ != '\\')
			continue;
		if (*p == '"' || *p == '\\') {
			p++;
		} else if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdef", p[i]) || !p[i])
					return NULL;
			p += 5;
		} else {
			return NULL;
		}
	}
	return p + 1;
}

/* A strict reader of what jsonw writes: {"k":"v" or number, ...}. */
static int valid(const char *p)
{
	if (*p++ != '{')
		return 0;
	if (*p == '}')
		return p[1] == 0;
	for (;;) {
		if (!(p = string(p)) || *p++ != ':')
			return 0;
		if (*p == '"') {
			if (!(p = string(p)))
				return 0;
		} else {
			const char *q = p + (*p == '-');
			if (*q < '0' || *q > '9')
				return 0;
			while (*q >= '0' && *q <= '9')
				q++;
			p = q;
		}
		if (*p == '}')
			return p[1] == 0;
		if (*p++ != ',')
			return 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t bufsize = 3 + data[0];
	char *buf = malloc(bufsize), *text = malloc(size);
	if (!buf || !text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	struct jsonw w;
	jsonw_begin(&w, buf, bufsize);
	const char *key = NULL;
	int64_t n = 0;
	for (const char *p = text; p < text + size - 1; p += strlen(p) + 1) {
		if (!key) {
			key = p;
			continue;
		}
		jsonw_str(&w, key, p);
		jsonw_i64(&w, "n", n -= (int64_t)strlen(p) * 1000003);
		jsonw_u64(&w, "u", (uint64_t)n * 7);
		key = NULL;
	}
	size_t len = jsonw_end(&w);
	if (len != strlen(buf) || len >= bufsize || (len && !valid(buf)))
		abort();
	free(buf);
	free(text);
	return 0;
}
