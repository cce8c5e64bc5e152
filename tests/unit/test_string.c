/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of lib/string.c (the freestanding memory/string functions), compared with the host's libc.
 * lib/string.c is compiled into this file with every function renamed to hvmm_*, so both versions coexist.
 */
#define UNIT_MODULE "string"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

/* strlcpy is not in this glibc's <string.h>: declare it, renamed like the others, before the definitions. */
#define memcpy hvmm_memcpy
#define memmove hvmm_memmove
#define memset hvmm_memset
#define memcmp hvmm_memcmp
#define strlen hvmm_strlen
#define strnlen hvmm_strnlen
#define strcmp hvmm_strcmp
#define strncmp hvmm_strncmp
#define strchr hvmm_strchr
#define strrchr hvmm_strrchr
#define strlcpy hvmm_strlcpy
size_t strlcpy(char *dst, const char *src, size_t size);
#include "../../lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strlcpy

#define N 300

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Fill p[0..n) with a pattern that depends on seed, so that copies from different offsets differ. */
static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed * 13 + 1);
}

static void test_copy_fill(void)
{
	unsigned char a[N], b[N], ref[N];
	unsigned bad = 0;

	/* memcpy and memset for every length and alignment up to 70 bytes, checking the bytes around the target */
	for (size_t off = 0; off < 9; off++) {
		for (size_t n = 0; n <= 70; n++) {
			pattern(a, N, 1);
			pattern(b, N, 2);
			memcpy(ref, b, N);
			memcpy(ref + off, a + 3, n);
			bad += hvmm_memcpy(b + off, a + 3, n) != b + off;
			bad += memcmp(b, ref, N) != 0;

			memset(ref + off, 0xa5, n);
			bad += hvmm_memset(b + off, 0x1a5, n) != b + off; /* c is converted to unsigned char */
			bad += memcmp(b, ref, N) != 0;
		}
	}
	CHECK(bad == 0, "memcpy and memset: lengths 0..70 at 9 alignments, neighbours untouched");

	/* memset's 8-byte path (256 bytes and more): every head alignment, tails 0..8 and longer lengths */
	static unsigned char big[4096 + 32], bigref[4096 + 32];
	static const size_t lens[] = { 255, 256, 257, 263, 264, 300, 1023, 1024, 4095, 4096 };
	bad = 0;
	for (size_t off = 0; off < 9; off++)
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			pattern(big, sizeof(big), 4);
			memcpy(bigref, big, sizeof(big));
			memset(bigref + off, 0x3c, lens[i]);
			bad += hvmm_memset(big + off, 0x13c, lens[i]) != big + off;
			bad += memcmp(big, bigref, sizeof(big)) != 0;
		}
	CHECK(bad == 0, "memset: 255..4096 bytes at 9 alignments (the rep stosq path), neighbours untouched");

	/* memmove for every overlap: both directions, all distances and lengths inside a 64-byte window */
	bad = 0;
	for (size_t src = 0; src < 64; src++) {
		for (size_t dst = 0; dst < 64; dst++) {
			for (size_t n = 0; n + (src > dst ? src : dst) <= 64; n++) {
				pattern(a, 64, 3);
				memcpy(ref, a, 64);
				memmove(ref + dst, ref + src, n);
				bad += hvmm_memmove(a + dst, a + src, n) != a + dst;
				bad += memcmp(a, ref, 64) != 0;
			}
		}
	}
	CHECK(bad == 0, "memmove: every src/dst/length in a 64-byte window (forward and backward overlap)");
}

static void test_compare(void)
{
	static const char *const words[] = { "", "a", "b", "ab", "abc", "abd", "abcd", "\x80", "\x7f", "a\x80", "zz" };
	unsigned bad = 0;

	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (unsigned j = 0; j < sizeof(words) / sizeof(words[0]); j++) {
			const char *x = words[i], *y = words[j];
			bad += sign(hvmm_strcmp(x, y)) != sign(strcmp(x, y));
			for (size_t n = 0; n < 6; n++) {
				bad += sign(hvmm_strncmp(x, y, n)) != sign(strncmp(x, y, n));
				size_t m = n <= strlen(x) && n <= strlen(y) ? n : 0;
				bad += sign(hvmm_memcmp(x, y, m)) != sign(memcmp(x, y, m));
			}
		}
	}
	CHECK(bad == 0, "strcmp, strncmp, memcmp agree in sign with libc (bytes compared as unsigned)");
}

static void test_search_length(void)
{
	static const char s[] = "hello, world";
	static const char unterminated[4] = { 'a', 'b', 'c', 'd' };
	unsigned bad = 0;

	for (int c = 0; c < 256; c++) {
		bad += hvmm_strchr(s, c) != strchr(s, c);
		bad += hvmm_strrchr(s, c) != strrchr(s, c);
	}
	CHECK(bad == 0, "strchr and strrchr agree with libc for every byte value (including NUL)");
	CHECK(hvmm_strlen("") == 0 && hvmm_strlen(s) == 12, "strlen");
	CHECK(hvmm_strnlen(s, 5) == 5 && hvmm_strnlen(s, 100) == 12 && hvmm_strnlen(s, 0) == 0, "strnlen");
	CHECK(hvmm_strnlen(unterminated, 4) == 4, "strnlen reads no further than max (ASan checks)");
}

static void test_strlcpy(void)
{
	char d[8];

	memset(d, 'Z', sizeof(d));
	CHECK(hvmm_strlcpy(d, "abc", sizeof(d)) == 3 && strcmp(d, "abc") == 0, "strlcpy copies a short string");
	memset(d, 'Z', sizeof(d));
	CHECK(hvmm_strlcpy(d, "abcdefghij", 5) == 10 && strcmp(d, "abcd") == 0 && d[5] == 'Z',
	      "strlcpy truncates to size-1, terminates, returns strlen(src)");
	memset(d, 'Z', sizeof(d));
	CHECK(hvmm_strlcpy(d, "abc", 0) == 3 && d[0] == 'Z', "strlcpy with size 0 writes nothing");
	CHECK(hvmm_strlcpy(d, "", sizeof(d)) == 0 && d[0] == 0, "strlcpy of an empty string");
}

int main(void)
{
	test_copy_fill();
	test_compare();
	test_search_length();
	test_strlcpy();
	return unit_done();
}
