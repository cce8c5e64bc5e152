/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/cmdline.c: the input (up to its first NUL) becomes a NUL-terminated command line, walked
 * with cmdline_next twice -- with small buffers (4-byte key, 1-byte value: almost every token is "too long") and with
 * hvmm's own sizes (32-byte key, 64-byte value) -- and each value goes through parse_u64, parse_size and
 * parse_time_us. Checks cmdline.h's contract: key and value are always NUL-terminated inside their buffers, the
 * iterator only moves forward and stops at the end, and a parse that succeeds round-trips for plain decimals. The
 * line is also split with cmdline_split into hvmm's and the guest's parts, into exactly-sized buffers of 1, 7 and
 * len + 1 bytes: both always NUL-terminated, together never longer than the line, and with len + 1 bytes never
 * cut short.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void walk(const char *s, size_t keysz, size_t valsz)
{
	struct cmdline_iter it;
	/* exactly-sized heap buffers: a write past keysz/valsz is an ASan error */
	char *key = malloc(keysz), *val = malloc(valsz);
	size_t len = strlen(s);
	int r;

	if (!key || !val)
		abort();
	cmdline_init(&it, s);
	for (unsigned n = 0; (r = cmdline_next(&it, key, keysz, val, valsz)) != 0; n++) {
		if (r != 1 && r != -1)
			abort();
		if (memchr(key, 0, keysz) == NULL || memchr(val, 0, valsz) == NULL)
			abort();
		if (it.p < s || it.p > s + len || n > len)
			abort(); /* escaped the string, or does not make progress */
		if (r == 1) {
			uint64_t v, w;
			if (parse_u64(val, &v) == 0) {
				sink += v;
				/* a plain decimal must round-trip */
				if (val[0] >= '1' && val[0] <= '9' && strspn(val, "0123456789") == strlen(val)) {
					char buf[32];
					snprintf(buf, sizeof(buf), "%" PRIu64, v);
					if (strcmp(buf, val))
						abort();
				}
				/* a bare number is also a size in bytes and a time in microseconds */
				if (parse_size(val, &w) || w != v || parse_time_us(val, &w) || w != v)
					abort();
			}
			if (parse_size(val, &v) == 0)
				sink += v;
			if (parse_time_us(val, &v) == 0)
				sink += v;
		}
	}
	if (cmdline_next(&it, key, keysz, val, valsz) != 0)
		abort(); /* the end stays the end */
	free(key);
	free(val);
}

static void split(const char *s, size_t sz)
{
	static const char *const keys[] = { "name", "mem", "for", NULL };
	char *hv = malloc(sz), *guest = malloc(sz);
	if (!hv || !guest)
		abort();
	int r = cmdline_split(s, keys, hv, sz, guest, sz);
	if (memchr(hv, 0, sz) == NULL || memchr(guest, 0, sz) == NULL)
		abort();
	if (strlen(hv) + strlen(guest) > strlen(s))
		abort(); /* words are only moved, and joined by at most the blanks they had */
	if (sz > strlen(s) && r != 0)
		abort();
	free(hv);
	free(guest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	walk(s, 4, 1);
	walk(s, 32, 64);
	walk(s, 4096, 4096);
	split(s, 1);
	split(s, 7);
	split(s, strlen(s) + 1);
	free(s);
	/* NULL is "no tokens" */
	struct cmdline_iter it;
	char k[8], v[8];
	cmdline_init(&it, NULL);
	if (cmdline_next(&it, k, sizeof(k), v, sizeof(v)) != 0)
		abort();
	return 0;
}
