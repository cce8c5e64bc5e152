/* SPDX-License-Identifier: MIT */
/*
 * jsonw.h — write one JSON object (RFC 8259) into a buffer, member by member: the lines of hvmm's log=json
 * (docs/running.md "The JSON log"). Strings are escaped: '"' and '\' with a backslash, control characters and every
 * byte from 0x7f up as \u00XX, so the object is one line of ASCII whatever the string holds.
 */
#ifndef HVMM_LIB_JSONW_H
#define HVMM_LIB_JSONW_H
#include <stddef.h>
#include <stdint.h>

struct jsonw {
	char *buf;
	size_t size, len;
	int members; /* members written so far (a comma before each after the first) */
	int overflow; /* something did not fit: jsonw_end returns 0 */
};

/* Start an object in buf (size bytes, at least 3). */
void jsonw_begin(struct jsonw *w, char *buf, size_t size);
/* Members "key": value. Keys are written as given (hvmm's own, plain ASCII); values as their type asks. */
void jsonw_str(struct jsonw *w, const char *key, const char *val);
void jsonw_u64(struct jsonw *w, const char *key, uint64_t val);
void jsonw_i64(struct jsonw *w, const char *key, int64_t val);
/* Close the object and NUL-terminate it: its length, or 0 when it did not fit in size - 1 bytes (buf then holds
 * "" and nothing else). */
size_t jsonw_end(struct jsonw *w);

#endif
