/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/cmdline.c: tokenising key=value command lines and parsing numbers, sizes and durations. */
#define UNIT_MODULE "cmdline"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "unit.h"

/* Tokenise s with 16-byte key and value buffers and render the result as "key=val;key=val;..." ("!" for -1). */
static const char *tokens(const char *s)
{
	static char out[512];
	struct cmdline_iter it;
	char key[16], val[16];
	int r;
	size_t n = 0;

	out[0] = 0;
	cmdline_init(&it, s);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0 && n < sizeof(out) - 64) {
		if (r < 0)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "!%s;", key);
		else
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s=%s;", key, val);
	}
	return out;
}

/* s with tabs, newlines and carriage returns written as \t \n \r, so that every result stays on one line. */
static const char *esc(const char *s)
{
	static char out[256];
	size_t n = 0;

	for (s = s ? s : "(null)"; *s && n < sizeof(out) - 3; s++) {
		char c = *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : 0;
		if (c) {
			out[n++] = '\\';
			out[n++] = c;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = 0;
	return out;
}

#define TOKENS(s, expect) CHECK(strcmp(tokens(s), expect) == 0, "tokens of \"%s\" are [%s]", esc(s), expect)

static void test_tokens(void)
{
	TOKENS("", "");
	TOKENS("   \t\n ", "");
	TOKENS("a=1", "a=1;");
	TOKENS("  slice=10ms   name=counter\tmem=16M\n", "slice=10ms;name=counter;mem=16M;");
	TOKENS("quiet", "quiet=;");
	TOKENS("a= b", "a=;b=;");
	TOKENS("=v", "=v;");
	TOKENS("k=a=b", "k=a=b;");
	TOKENS("x\r\ny", "x=;y=;");
	TOKENS("exactly15chars_=v", "exactly15chars_=v;");
	TOKENS("exactly16chars__=v next=1", "!exactly16chars_;next=1;"); /* key truncated to 15 */
	TOKENS("k=0123456789abcdef next", "!k;next=;"); /* 16-byte value */
	TOKENS("k=0123456789abcde next", "k=0123456789abcde;next=;"); /* 15-byte value: fits */

	struct cmdline_iter it;
	char key[8], val[8];
	cmdline_init(&it, NULL);
	CHECK(cmdline_next(&it, key, sizeof(key), val, sizeof(val)) == 0, "NULL command line has no tokens");
	cmdline_init(&it, "a=1");
	CHECK(cmdline_next(&it, key, sizeof(key), val, sizeof(val)) == 1, "first token");
	CHECK(cmdline_next(&it, key, sizeof(key), val, sizeof(val)) == 0, "then the end");
	CHECK(cmdline_next(&it, key, sizeof(key), val, sizeof(val)) == 0, "and the end again");

	cmdline_init(&it, "flag");
	CHECK(cmdline_next(&it, key, sizeof(key), val, 0) == -1, "valsz 0 cannot hold even an empty value");
	cmdline_init(&it, "k=v");
	CHECK(cmdline_next(&it, key, 1, val, sizeof(val)) == -1 && key[0] == 0, "keysz 1: truncated to the empty key");

	/* tokens of exactly the buffer size minus one, and a token longer than both buffers */
	char big[600];
	memset(big, 'k', 300);
	big[300] = '=';
	memset(big + 301, 'v', 298);
	big[599] = 0;
	char k2[301], v2[299];
	cmdline_init(&it, big);
	CHECK(cmdline_next(&it, k2, sizeof(k2), v2, sizeof(v2)) == 1 && strlen(k2) == 300 && strlen(v2) == 298,
	      "300-byte key and 298-byte value in buffers of 301 and 299");
	cmdline_init(&it, big);
	CHECK(cmdline_next(&it, k2, 300, v2, sizeof(v2)) == -1 && strlen(k2) == 299, "300-byte key in 300 bytes: -1");
}

#define U64_OK(s, expect)                                                                            \
	do {                                                                                         \
		uint64_t v_ = 0xdead;                                                                \
		CHECK(parse_u64(s, &v_) == 0 && v_ == (expect), "parse_u64(\"%s\") = %s", s, #expect); \
	} while (0)
#define U64_BAD(s)                                                                                         \
	do {                                                                                               \
		uint64_t v_ = 0xdead;                                                                      \
		CHECK(parse_u64(s, &v_) == -1 && v_ == 0xdead, "parse_u64(\"%s\") rejected, output untouched", s); \
	} while (0)

static void test_u64(void)
{
	U64_OK("0", 0);
	U64_OK("42", 42);
	U64_OK("007", 7);
	U64_OK("0x0", 0);
	U64_OK("0x1F", 0x1f);
	U64_OK("0XfF", 0xff);
	U64_OK("18446744073709551615", UINT64_MAX);
	U64_OK("0xffffffffffffffff", UINT64_MAX);
	U64_OK("0x00000000000000000000001", 1);
	U64_BAD("");
	U64_BAD("0x");
	U64_BAD("x1");
	U64_BAD("-1");
	U64_BAD("+1");
	U64_BAD(" 1");
	U64_BAD("1 ");
	U64_BAD("12a");
	U64_BAD("0x1g");
	U64_BAD("18446744073709551616");
	U64_BAD("99999999999999999999");
	U64_BAD("0x10000000000000000");
	U64_BAD("1e3");
	uint64_t v = 5;
	CHECK(parse_u64(NULL, &v) == -1 && v == 5, "parse_u64(NULL) rejected");
}

#define SIZE_OK(s, expect)                                                                            \
	do {                                                                                          \
		uint64_t v_ = 0xdead;                                                                 \
		CHECK(parse_size(s, &v_) == 0 && v_ == (expect), "parse_size(\"%s\") = %s", s, #expect); \
	} while (0)
#define SIZE_BAD(s)                                                                                         \
	do {                                                                                                \
		uint64_t v_ = 0xdead;                                                                       \
		CHECK(parse_size(s, &v_) == -1 && v_ == 0xdead, "parse_size(\"%s\") rejected, output untouched", s); \
	} while (0)

static void test_size(void)
{
	SIZE_OK("4096", 4096);
	SIZE_OK("0", 0);
	SIZE_OK("0M", 0);
	SIZE_OK("512K", 512ull << 10);
	SIZE_OK("512k", 512ull << 10);
	SIZE_OK("16M", 16ull << 20);
	SIZE_OK("16m", 16ull << 20);
	SIZE_OK("16MiB", 16ull << 20);
	SIZE_OK("16mib", 16ull << 20);
	SIZE_OK("16MB", 16ull << 20);
	SIZE_OK("16Mb", 16ull << 20);
	SIZE_OK("1G", 1ull << 30);
	SIZE_OK("1GiB", 1ull << 30);
	SIZE_OK("2T", 2ull << 40);
	SIZE_OK("4096B", 4096);
	SIZE_OK("0x1000", 0x1000);
	SIZE_OK("0x10M", 16ull << 20);
	SIZE_OK("16777215T", 16777215ull << 40);
	SIZE_OK("17179869183G", 17179869183ull << 30);
	SIZE_OK("18446744073709551615", UINT64_MAX);
	SIZE_BAD("");
	SIZE_BAD("M");
	SIZE_BAD("K16");
	SIZE_BAD("16Q");
	SIZE_BAD("16 M");
	SIZE_BAD("16M ");
	SIZE_BAD("-1");
	SIZE_BAD("-1M");
	SIZE_BAD("16MM");
	SIZE_BAD("16MiBs");
	SIZE_BAD("16Mi");
	SIZE_BAD("16iB");
	SIZE_BAD("16BB");
	SIZE_BAD("1.5G");
	SIZE_BAD("16777216T");
	SIZE_BAD("17179869184G");
	SIZE_BAD("20000000000G");
	SIZE_BAD("99999999999999999999");
	SIZE_BAD("0x");
	uint64_t v = 5;
	CHECK(parse_size(NULL, &v) == -1 && v == 5, "parse_size(NULL) rejected");
}

#define TIME_OK(s, expect)                                                                               \
	do {                                                                                             \
		uint64_t v_ = 0xdead;                                                                    \
		CHECK(parse_time_us(s, &v_) == 0 && v_ == (expect), "parse_time_us(\"%s\") = %s", s, #expect); \
	} while (0)
#define TIME_BAD(s)                                                                                    \
	do {                                                                                           \
		uint64_t v_ = 0xdead;                                                                  \
		CHECK(parse_time_us(s, &v_) == -1 && v_ == 0xdead, "parse_time_us(\"%s\") rejected", s); \
	} while (0)

static void test_time(void)
{
	TIME_OK("750", 750);
	TIME_OK("0", 0);
	TIME_OK("500us", 500);
	TIME_OK("10ms", 10000);
	TIME_OK("2s", 2000000);
	TIME_OK("0ms", 0);
	TIME_OK("18446744073709551615us", UINT64_MAX);
	TIME_OK("18446744073709551ms", 18446744073709551000ull);
	TIME_OK("18446744073709s", 18446744073709000000ull);
	TIME_BAD("");
	TIME_BAD("ms");
	TIME_BAD("s");
	TIME_BAD("10 ms");
	TIME_BAD("10m");
	TIME_BAD("10sec");
	TIME_BAD("10ns");
	TIME_BAD("10MS");
	TIME_BAD("10mss");
	TIME_BAD("10u");
	TIME_BAD("-5ms");
	TIME_BAD("1.5s");
	TIME_BAD("18446744073709552ms");
	TIME_BAD("18446744073710s");
	TIME_BAD("99999999999999999999");
	uint64_t v = 5;
	CHECK(parse_time_us(NULL, &v) == -1 && v == 5, "parse_time_us(NULL) rejected");
}

/* cmdline_split with hvmm's module keys: hv and guest as expected, and the return value. */
static void split_is(const char *line, const char *hv, const char *guest, int ret, size_t hvsz, size_t guestsz)
{
	static const char *const keys[] = { "name", "mem", "cpu", "platform", "debug_exit", "for", NULL };
	char h[64], g[64];
	memset(h, '#', sizeof(h));
	memset(g, '#', sizeof(g));
	int r = cmdline_split(line, keys, h, hvsz, g, guestsz);
	CHECK(r == ret && !strcmp(h, hv) && !strcmp(g, guest), "split \"%s\": hv \"%s\" guest \"%s\" (%d)", esc(line),
	      h, g, r);
	CHECK((hvsz >= sizeof(h) || h[hvsz] == '#') && (guestsz >= sizeof(g) || g[guestsz] == '#'),
	      "split \"%s\" wrote nothing past the buffers' sizes", esc(line));
}

static void test_split(void)
{
	split_is("", "", "", 0, 64, 64);
	split_is(NULL, "", "", 0, 64, 64);
	split_is("name=a mem=32M count=5", "name=a mem=32M", "count=5", 0, 64, 64);
	split_is("  count=5\tname=a  quiet ", "name=a", "count=5 quiet", 0, 64, 64);
	/* a key without '=' is still hvmm's; a longer or shorter key is not */
	split_is("name names=x nam=y", "name", "names=x nam=y", 0, 64, 64);
	split_is("platform=pc debug_exit=0xf4 cpu=1 for=x", "platform=pc debug_exit=0xf4 cpu=1 for=x", "", 0, 64, 64);
	/* after "--": everything is the guest's, hvmm's keys included, spacing kept */
	split_is("name=l console=ttyS0 -- mem=64M  init=/x -- y", "name=l", "console=ttyS0 mem=64M  init=/x -- y", 0, 64,
		 64);
	split_is("-- name=x", "", "name=x", 0, 64, 64);
	split_is("name=x --", "name=x", "", 0, 64, 64);
	split_is("name=x --  ", "name=x", "", 0, 64, 64);
	split_is("a --x b", "", "a --x b", 0, 64, 64); /* only a word that is exactly "--" separates */
	split_is("--\tmem=1", "", "mem=1", 0, 64, 64);
	/* too small: cut short, NUL-terminated, -1 */
	split_is("name=abcdef count=1", "name=", "count=1", -1, 6, 64);
	split_is("name=a count=12345", "name=a", "cou", -1, 64, 4);
	split_is("name=a count=1", "", "count=1", -1, 1, 64);
	char g[8];
	CHECK(cmdline_split("a b", NULL, NULL, 0, g, sizeof(g)) == -1 && !strcmp(g, "a b"),
	      "no keys, no hv buffer: everything is the guest's, -1 for the missing buffer");
}

int main(void)
{
	test_tokens();
	test_split();
	test_u64();
	test_size();
	test_time();
	return unit_done();
}
