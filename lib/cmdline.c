/* SPDX-License-Identifier: MIT */
/* Command-line tokenising (key=value tokens) and parsing of numbers, sizes and durations. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmdline.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Lower-case an ASCII letter; leave anything else alone. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Copy s[0..n) into dst[0..size) as a NUL-terminated string, truncated if need be; return 0 if it fitted, else -1. */
static int copy_field(char *dst, size_t size, const char *s, size_t n)
{
	if (size == 0 || !dst)
		return -1;
	size_t k = n < size - 1 ? n : size - 1;
	memcpy(dst, s, k);
	dst[k] = 0;
	return k == n ? 0 : -1;
}

void cmdline_init(struct cmdline_iter *it, const char *s)
{
	it->p = s;
}

int cmdline_next(struct cmdline_iter *it, char *key, size_t keysz, char *val, size_t valsz)
{
	const char *p = it->p;

	if (!p)
		return 0;
	while (is_space(*p))
		p++;
	if (*p == 0) {
		it->p = p;
		return 0;
	}
	const char *tok = p, *eq = NULL;
	while (*p && !is_space(*p)) {
		if (*p == '=' && !eq)
			eq = p;
		p++;
	}
	it->p = p;

	const char *kend = eq ? eq : p;
	const char *v = eq ? eq + 1 : p; /* no '=': an empty value */
	int rk = copy_field(key, keysz, tok, (size_t)(kend - tok));
	int rv = copy_field(val, valsz, v, (size_t)(p - v));
	return rk == 0 && rv == 0 ? 1 : -1;
}

/* An output string being built: buf[0..size), n bytes used, ok = 0 once something did not fit. */
struct out {
	char *buf;
	size_t size, n;
	int ok;
};

/* Append s[0..len) to o, after one space if o is not empty (sep); keep it NUL-terminated. */
static void out_add(struct out *o, const char *s, size_t len, int sep)
{
	if (o->size == 0) {
		o->ok = 0;
		return;
	}
	if (sep && o->n) {
		if (o->n + 1 >= o->size) {
			o->ok = 0;
			return;
		}
		o->buf[o->n++] = ' ';
	}
	size_t room = o->size - 1 - o->n, k = len < room ? len : room;
	memcpy(o->buf + o->n, s, k);
	o->n += k;
	o->buf[o->n] = 0;
	if (k < len)
		o->ok = 0;
}

/* Is the key of word w[0..len) (the text before its first '=') one of keys[]? */
static int key_listed(const char *w, size_t len, const char *const *keys)
{
	size_t klen = 0;
	while (klen < len && w[klen] != '=')
		klen++;
	for (; keys && *keys; keys++)
		if (strlen(*keys) == klen && !memcmp(*keys, w, klen))
			return 1;
	return 0;
}

int cmdline_split(const char *line, const char *const *keys, char *hv, size_t hvsz, char *guest, size_t guestsz)
{
	struct out h = { hv, hvsz, 0, 1 }, g = { guest, guestsz, 0, 1 };
	const char *p = line ? line : "";

	out_add(&h, "", 0, 0);
	out_add(&g, "", 0, 0);
	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && !is_space(*p))
			p++;
		size_t len = (size_t)(p - w);
		if (len == 2 && w[0] == '-' && w[1] == '-') {
			while (is_space(*p))
				p++;
			out_add(&g, p, strlen(p), 1);
			break;
		}
		out_add(key_listed(w, len, keys) ? &h : &g, w, len, 1);
	}
	return h.ok && g.ok ? 0 : -1;
}

/* The value of digit c in base (10 or 16), or -1 if c is not such a digit. */
static int digit_value(char c, unsigned base)
{
	unsigned d;

	if (c >= '0' && c <= '9')
		d = (unsigned)(c - '0');
	else if (lower(c) >= 'a' && lower(c) <= 'f')
		d = (unsigned)(lower(c) - 'a' + 10);
	else
		return -1;
	return d < base ? (int)d : -1;
}

/*
 * Parse the unsigned number (decimal, or hexadecimal after "0x"/"0X") at the start of s into *v and return a pointer
 * just past its last digit, or NULL if there is no digit or the value overflows 64 bits.
 */
static const char *parse_number(const char *s, uint64_t *v)
{
	unsigned base = 10;
	uint64_t n = 0;
	const char *p = s;

	if (!s)
		return NULL;
	if (p[0] == '0' && lower(p[1]) == 'x') {
		base = 16;
		p += 2;
	}
	const char *digits = p;
	for (int d; (d = digit_value(*p, base)) >= 0; p++) {
		if (n > (UINT64_MAX - (unsigned)d) / base)
			return NULL;
		n = n * base + (unsigned)d;
	}
	if (p == digits)
		return NULL;
	*v = n;
	return p;
}

int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v;
	const char *end = parse_number(s, &v);

	if (!end || *end != 0)
		return -1;
	*out = v;
	return 0;
}

/* Multiply v by mul into *out; return 0, or -1 if the product does not fit in 64 bits. */
static int scale(uint64_t v, uint64_t mul, uint64_t *out)
{
	if (v != 0 && mul > UINT64_MAX / v)
		return -1;
	*out = v * mul;
	return 0;
}

int parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v, mul = 1;
	const char *p = parse_number(s, &v);

	if (!p)
		return -1;
	switch (lower(*p)) {
	case 'k': mul = 1ull << 10; p++; break;
	case 'm': mul = 1ull << 20; p++; break;
	case 'g': mul = 1ull << 30; p++; break;
	case 't': mul = 1ull << 40; p++; break;
	default: break;
	}
	/* optional unit: "iB" after a multiplier ("16MiB"), or "B" ("16MB", also a bare "4096B") */
	if (mul != 1 && lower(p[0]) == 'i' && lower(p[1]) == 'b')
		p += 2;
	else if (lower(p[0]) == 'b')
		p++;
	if (*p != 0)
		return -1;
	return scale(v, mul, bytes);
}

int parse_time_us(const char *s, uint64_t *us)
{
	uint64_t v, mul;
	const char *p = parse_number(s, &v);

	if (!p)
		return -1;
	if (p[0] == 0 || (p[0] == 'u' && p[1] == 's' && p[2] == 0))
		mul = 1;
	else if (p[0] == 'm' && p[1] == 's' && p[2] == 0)
		mul = 1000;
	else if (p[0] == 's' && p[1] == 0)
		mul = 1000000;
	else
		return -1;
	return scale(v, mul, us);
}
