/* SPDX-License-Identifier: MIT */
/* Command-line tokenising and value parsing for hvmm's and the guests' key=value options. */
#ifndef HVMM_LIB_CMDLINE_H
#define HVMM_LIB_CMDLINE_H
#include <stddef.h>
#include <stdint.h>

struct cmdline_iter {
	const char *p;
};

/* Start iterating over the whitespace-separated tokens of s (s may be NULL: no tokens). */
void cmdline_init(struct cmdline_iter *it, const char *s);

/*
 * Take the next token. "key=value" splits at the first '='; a token without '=' gives val = "".
 * Returns 1 and fills key/val (NUL-terminated) for a token; 0 at the end; -1 if the token's key or value did not fit
 * in keysz/valsz bytes (the token is consumed, key holds its truncated key so callers can name it).
 */
int cmdline_next(struct cmdline_iter *it, char *key, size_t keysz, char *val, size_t valsz);

/*
 * Separate a module command line into hvmm's part and the guest's (docs/cmdline.md, "Guests"). Words are split at
 * whitespace. Before the first word that is exactly "--", a word whose key (the text before its first '=', or the
 * whole word) is one of keys[] (a NULL-terminated list) is hvmm's: it goes to hv; every other word goes to guest.
 * The "--" word itself goes nowhere, and the text after it (from its first non-blank character, spacing kept) goes
 * to guest unchanged. Words are joined by one space. hv and guest are always NUL-terminated (when their size is
 * not 0). Returns 0, or -1 when either did not fit (cut short).
 */
int cmdline_split(const char *line, const char *const *keys, char *hv, size_t hvsz, char *guest, size_t guestsz);

/* Decimal or 0x-prefixed hexadecimal. Returns 0, or -1 for empty, trailing garbage or overflow. */
int parse_u64(const char *s, uint64_t *out);

/* A size in bytes: a number with an optional K, M, G or T suffix (binary, case-insensitive, optional "iB"/"B").
 * Returns 0, or -1 for a malformed value or overflow. */
int parse_size(const char *s, uint64_t *bytes);

/* A duration in microseconds: a number with an optional "us", "ms" or "s" suffix (no suffix = µs).
 * Returns 0, or -1 for a malformed value or overflow. */
int parse_time_us(const char *s, uint64_t *us);

#endif
