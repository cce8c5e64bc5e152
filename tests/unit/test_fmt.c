/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/fmt.c: fmt_snprintf against the host's snprintf, plus the cases where fmt differs on purpose. */
#define UNIT_MODULE "fmt"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "unit.h"

#define BUF 512

/* Integer test values, used through every length modifier (truncated to the modifier's type by the cast). */
static const int64_t int_values[] = {
	0, 1, -1, 7, 8, -8, 9, 10, 42, -42, 100, 127, 128, -128, -129, 255, 256, 4095, 32767, -32768, 65535, 65536,
	123456789, -123456789, INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX, 0x123456789abcdefll, -0x123456789abcdefll,
	INT64_MAX, INT64_MIN, (int64_t)0x8000000000000001ull,
};
#define NVALUES (sizeof(int_values) / sizeof(int_values[0]))

static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
#define NLENGTHS (sizeof(lengths) / sizeof(lengths[0]))

/*
 * Format v with the format f (one integer conversion with length modifier index li, conversion conv) through both
 * fmt_snprintf and the host's snprintf, passing v as the type that the length modifier names. Returns 1 if the
 * outputs and return values agree; on a mismatch prints both.
 */
static int compare_int(const char *f, unsigned li, char conv, int64_t v)
{
	char mine[BUF], host[BUF];
	int rm, rh, is_signed = conv == 'd' || conv == 'i';

#define BOTH(T)                                               \
	do {                                                  \
		rm = fmt_snprintf(mine, sizeof(mine), f, (T)v); \
		rh = snprintf(host, sizeof(host), f, (T)v);     \
	} while (0)
	switch (li) {
	case 0: if (is_signed) BOTH(int); else BOTH(unsigned); break;
	case 1: if (is_signed) BOTH(int); else BOTH(unsigned); break; /* hh: promoted to int, truncated by printf */
	case 2: if (is_signed) BOTH(int); else BOTH(unsigned); break; /* h */
	case 3: if (is_signed) BOTH(long); else BOTH(unsigned long); break;
	case 4: if (is_signed) BOTH(long long); else BOTH(unsigned long long); break;
	case 5: if (is_signed) BOTH(ptrdiff_t); else BOTH(size_t); break;
	case 6: if (is_signed) BOTH(ptrdiff_t); else BOTH(size_t); break;
	default: if (is_signed) BOTH(intmax_t); else BOTH(uintmax_t); break;
	}
#undef BOTH
	if (rm == rh && strcmp(mine, host) == 0)
		return 1;
	printf("  mismatch: format \"%s\" value %lld: fmt \"%s\" (%d), host \"%s\" (%d)\n", f, (long long)v, mine, rm,
	       host, rh);
	return 0;
}

/* Every combination of flags, width, precision and length for each integer conversion, over int_values. */
static void test_integers_against_host(void)
{
	static const char flagchars[] = "-0+ #";
	static const char *const widths[] = { "", "1", "5", "24" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".23" };
	static const char convs[] = "diuxXo";

	for (const char *c = convs; *c; c++) {
		for (unsigned li = 0; li < NLENGTHS; li++) {
			unsigned formats = 0, bad = 0;
			for (unsigned fl = 0; fl < 32; fl++) {
				/* '#' with d, i, u is undefined in C99 (§7.19.6.1p6): not compared */
				if ((fl & 16) && (*c == 'd' || *c == 'i' || *c == 'u'))
					continue;
				for (unsigned w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
					for (unsigned p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
						char f[64];
						size_t k = 0;
						f[k++] = '<';
						f[k++] = '%';
						for (unsigned b = 0; b < 5; b++) {
							if (fl & (1u << b))
								f[k++] = flagchars[b];
						}
						snprintf(f + k, sizeof(f) - k, "%s%s%s%c>", widths[w], precs[p],
							 lengths[li], *c);
						formats++;
						for (unsigned vi = 0; vi < NVALUES; vi++) {
							if (!compare_int(f, li, *c, int_values[vi]) && ++bad > 5)
								goto done;
						}
					}
				}
			}
		done:
			CHECK(bad == 0, "%%%s%c matches host snprintf for %u formats x %zu values", lengths[li], *c,
			      formats, NVALUES);
		}
	}
}

/* Compare one already-built call of both implementations. */
#define SAME(...)                                                                                          \
	do {                                                                                               \
		char m_[BUF], h_[BUF];                                                                     \
		int rm_ = fmt_snprintf(m_, sizeof(m_), __VA_ARGS__);                                       \
		int rh_ = snprintf(h_, sizeof(h_), __VA_ARGS__);                                           \
		if (!CHECK(rm_ == rh_ && memcmp(m_, h_, (size_t)rh_ + 1) == 0, "same as host: %s", #__VA_ARGS__)) \
			printf("  fmt \"%s\" (%d), host \"%s\" (%d)\n", m_, rm_, h_, rh_);                 \
	} while (0)

/* Check that fmt_snprintf with a large buffer gives exactly expect (and its length). */
#define EXPECT(expect, ...)                                                                               \
	do {                                                                                              \
		char m_[BUF];                                                                             \
		int rm_ = fmt_snprintf(m_, sizeof(m_), __VA_ARGS__);                                      \
		if (!CHECK(rm_ == (int)strlen(expect) && strcmp(m_, expect) == 0, "%s gives \"%s\"", #__VA_ARGS__, \
			   expect))                                                                       \
			printf("  got \"%s\" (%d)\n", m_, rm_);                                           \
	} while (0)

static void test_strings_chars(void)
{
	static const char unterminated[3] = { 'a', 'b', 'c' }; /* read only up to the precision (ASan checks) */

	SAME("%s", "hello");
	SAME("%s|%s", "", "x");
	SAME("%10s|", "hi");
	SAME("%-10s|", "hi");
	SAME("%.2s|", "hello");
	SAME("%.0s|", "hello");
	SAME("%8.3s|", "hello");
	SAME("%-8.3s|", "hello");
	SAME("%*s|", 6, "ab");
	SAME("%*s|", -6, "ab");
	SAME("%.*s|", 2, "abcdef");
	SAME("%.*s|", -1, "abcdef");
	SAME("%*.*s|", 7, 3, "abcdef");
	SAME("%.3s", unterminated);
	SAME("%c", 'x');
	SAME("%5c|%-5c|", 'a', 'b');
	SAME("%c%c%c", 'a', 'b', 'c');
	SAME("%%");
	SAME("100%% sure %d%%", 5);
	SAME("%s=%d, %s=%#x", "a", -3, "b", 255u);
	SAME("%-5d|%05d|%+d|% d", 42, 42, 42, 42);
	SAME("%*d|%-*d|", 5, 1, 5, 2);
	SAME("%*d|", -5, 1);
	SAME("%.*d|", 3, 7);
	SAME("%.*d|", -3, 7);
	SAME("%0*d|", 6, -7);
	SAME("%lld %llu %llx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX);
	SAME("%ld", (long)INT64_MIN);
	SAME("%jd", (intmax_t)INT64_MIN);
	SAME("%zu %zx %td", (size_t)-1, (size_t)4096, (ptrdiff_t)-5);
	SAME("%#o %#o %#.0o %#5o %#05o", 8, 0, 0, 8, 8);
	SAME("%#x %#X %#x %#08x %#-8x|", 255, 255, 0, 255, 255);
	SAME("%p", (void *)0x1234);
	SAME("%p", (void *)UINTPTR_MAX);
	SAME("%20p|%-20p|", (void *)0xdeadbeef, (void *)0xdeadbeef);
	SAME("mixed %s %c %d %u %x %o %p end", "str", 'c', -1, 1u, 0xabcu, 8u, (void *)0x10);

	const char *volatile null_str = NULL; /* volatile: keep the compiler's NULL-argument check out of this */
	EXPECT("(null)", "%s", null_str);
	EXPECT("    (null)|", "%10s|", null_str);
	EXPECT("(nu", "%.3s", null_str);
	EXPECT("0x0", "%p", (void *)NULL);
	EXPECT("     0x0|", "%8p|", (void *)NULL);
	EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	EXPECT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT("-00009223372036854775808", "%024lld", (long long)INT64_MIN);
	EXPECT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	EXPECT("1777777777777777777777", "%llo", (unsigned long long)UINT64_MAX);
}

/* Formats that are not valid C: what fmt does with them is its own contract (fmt.h), not glibc's. */
static void test_literal_copies(void)
{
	/* Built at run time so that the compiler's format checking does not reject them. */
	volatile const char *pct = "%";
	char f[64], out[64];
	int r;

#define LITERAL(spec, expect)                                                                           \
	do {                                                                                            \
		snprintf(f, sizeof(f), "%s%s", (const char *)pct, spec);                               \
		r = fmt_snprintf(out, sizeof(out), f, 12345);                                           \
		CHECK(r == (int)strlen(expect) && strcmp(out, expect) == 0, "\"%%%s\" gives \"%s\" (got \"%s\")", \
		      spec, expect, out);                                                               \
	} while (0)
	LITERAL("y", "%y");
	LITERAL("5y", "%5y");
	LITERAL("-08.3y", "%-08.3y");
	LITERAL("hhq", "%hhq");
	LITERAL("n", "%n"); /* %n is unsupported on purpose: copied, writes nothing */
	LITERAL("", "%");
	LITERAL("5", "%5");
	LITERAL("-", "%-");
	LITERAL("l", "%l");
	LITERAL("y and %d", "%y and 12345");
	LITERAL("d%", "12345%");
#undef LITERAL
	r = fmt_snprintf(out, sizeof(out), "abc%s", "%");
	CHECK(r == 4 && strcmp(out, "abc%") == 0, "a '%%' from an argument is not interpreted");
}

/* A call through fmt_vsnprintf, as a logging wrapper would make it. */
static int __attribute__((format(printf, 3, 4))) wrapped(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = fmt_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return r;
}

/* Every buffer size from 0 to past the full length: C99 §7.19.6.5 truncation and return value. */
static void test_truncation(void)
{
	static const char *const samples[] = { "", "x", "hello, world", "%d", "%d%s", "%08x|%-6s|%c" };

	for (unsigned si = 0; si < sizeof(samples) / sizeof(samples[0]); si++) {
		char full[BUF];
		int n = fmt_snprintf(full, sizeof(full), samples[si], -77, "ab", 'z');
		unsigned bad = 0;
		for (size_t size = 0; size <= (size_t)n + 2; size++) {
			char buf[BUF + 8];
			memset(buf, 'Z', sizeof(buf));
			int r = fmt_snprintf(size ? buf : NULL, size, samples[si], -77, "ab", 'z');
			size_t kept = size == 0 ? 0 : ((size_t)n < size - 1 ? (size_t)n : size - 1);
			int ok = r == n && memcmp(buf, full, kept) == 0;
			if (size > 0)
				ok = ok && buf[kept] == 0 && buf[kept + 1] == 'Z';
			else
				ok = ok && buf[0] == 'Z';
			bad += !ok;
		}
		CHECK(bad == 0, "\"%s\": every buffer size 0..%d truncates and returns %d", samples[si], n + 2, n);
	}

	char small[8];
	memset(small, 'Z', sizeof(small));
	int r = wrapped(small, 5, "%d-%s", 123456, "abc");
	CHECK(r == 10 && strcmp(small, "1234") == 0 && small[5] == 'Z', "vsnprintf via va_list truncates to 4 + NUL");
	r = wrapped(NULL, 0, "%*d", 1000, 1);
	CHECK(r == 1000, "size 0 with NULL buffer returns the would-be length (1000)");
	r = fmt_snprintf(small, 1, "abc");
	CHECK(r == 3 && small[0] == 0, "size 1 stores only the NUL");
	char zc[4] = "zzz";
	r = fmt_snprintf(zc, sizeof(zc), "%c", 0);
	CHECK(r == 1 && zc[0] == 0 && zc[1] == 0, "%%c of 0 writes a NUL character and counts it");
}

int main(void)
{
	test_integers_against_host();
	test_strings_chars();
	test_literal_copies();
	test_truncation();
	return unit_done();
}
