/* SPDX-License-Identifier: MIT */
/* Formatted printing into a buffer: a freestanding, integer-only subset of C99 vsnprintf (C99 §7.19.6.1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fmt.h"

#define F_LEFT 0x01 /* '-' */
#define F_ZERO 0x02 /* '0' */
#define F_PLUS 0x04 /* '+' */
#define F_SPACE 0x08 /* ' ' */
#define F_ALT 0x10 /* '#' */

#define WIDTH_MAX (__INT_MAX__ / 2) /* widths and precisions are clamped here so that counts cannot overflow */

/* Output cursor: len counts every character produced, only those below cap - 1 are stored. */
struct out {
	char *buf;
	size_t cap;
	size_t len;
};

/* Emit one character: store it if it still fits in front of the terminating NUL; count it in any case. */
static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
}

static void pad(struct out *o, char c, size_t n)
{
	while (n-- > 0)
		put(o, c);
}

/* Parse a decimal field width or precision at *p (advancing it), clamped to WIDTH_MAX. */
static int parse_decimal(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		int d = **p - '0';
		v = v > (WIDTH_MAX - d) / 10 ? WIDTH_MAX : v * 10 + d;
		(*p)++;
	}
	return v;
}

/*
 * Emit an integer conversion: optional sign character (0 for none), prefix ("0x", "0X" or ""), the digits
 * (most significant first), zero-extended to prec digits (prec < 0: no precision), padded to width.
 * The '0' flag pads with zeros after sign and prefix unless a precision was given or '-' is set (§7.19.6.1p6).
 * With '#' and an octal conversion (alt_octal), the first digit is forced to be 0.
 */
static void emit_int(struct out *o, int flags, int width, int prec, char sign, const char *prefix,
		     const char *digits, size_t ndigits, int alt_octal)
{
	size_t plen = strlen(prefix);
	size_t head = (sign ? 1 : 0) + plen;
	size_t zeros = 0;

	if (prec >= 0 && (size_t)prec > ndigits)
		zeros = (size_t)prec - ndigits;
	else if (prec < 0 && (flags & F_ZERO) && !(flags & F_LEFT) && (size_t)width > head + ndigits)
		zeros = (size_t)width - head - ndigits;
	if (alt_octal && zeros == 0 && (ndigits == 0 || digits[0] != '0'))
		zeros = 1;

	size_t total = head + zeros + ndigits;
	size_t fill = (size_t)width > total ? (size_t)width - total : 0;

	if (!(flags & F_LEFT))
		pad(o, ' ', fill);
	if (sign)
		put(o, sign);
	put_n(o, prefix, plen);
	pad(o, '0', zeros);
	put_n(o, digits, ndigits);
	if (flags & F_LEFT)
		pad(o, ' ', fill);
}

/* Emit a string of n characters padded to width (right-aligned unless '-'). */
static void emit_str(struct out *o, int flags, int width, const char *s, size_t n)
{
	size_t fill = (size_t)width > n ? (size_t)width - n : 0;

	if (!(flags & F_LEFT))
		pad(o, ' ', fill);
	put_n(o, s, n);
	if (flags & F_LEFT)
		pad(o, ' ', fill);
}

/* Write v in base (8, 10 or 16) into the end of tmp[0..size); return the index of the first digit. v = 0 gives "0". */
static size_t to_digits(uint64_t v, unsigned base, int upper, char *tmp, size_t size)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t i = size;

	do {
		tmp[--i] = set[v % base];
		v /= base;
	} while (v != 0);
	return i;
}

enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	char tmp[24]; /* 22 octal digits hold a 64-bit value */

	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		const char *spec = fmt++; /* start of this conversion specification, for copying it literally */
		int flags = 0, width = 0, prec = -1;
		enum len_mod len = LEN_NONE;

		for (;; fmt++) {
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else if (*fmt == '#')
				flags |= F_ALT;
			else
				break;
		}
		if (*fmt == '*') { /* a negative width argument is a '-' flag and a positive width (§7.19.6.1p5) */
			int w = va_arg(ap, int);
			fmt++;
			if (w < 0) {
				flags |= F_LEFT;
				width = w < -WIDTH_MAX ? WIDTH_MAX : -w;
			} else {
				width = w > WIDTH_MAX ? WIDTH_MAX : w;
			}
		} else {
			width = parse_decimal(&fmt);
		}
		if (*fmt == '.') { /* a negative precision argument is as if the precision were omitted */
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);
				fmt++;
				prec = p < 0 ? -1 : (p > WIDTH_MAX ? WIDTH_MAX : p);
			} else {
				prec = parse_decimal(&fmt);
			}
		}
		switch (*fmt) {
		case 'h':
			len = fmt[1] == 'h' ? LEN_HH : LEN_H;
			fmt += len == LEN_HH ? 2 : 1;
			break;
		case 'l':
			len = fmt[1] == 'l' ? LEN_LL : LEN_L;
			fmt += len == LEN_LL ? 2 : 1;
			break;
		case 'z':
			len = LEN_Z;
			fmt++;
			break;
		case 't':
			len = LEN_T;
			fmt++;
			break;
		case 'j':
			len = LEN_J;
			fmt++;
			break;
		default:
			break;
		}

		char conv = *fmt;
		if (conv == 0) { /* the format ends inside a specification: copy what there is */
			put_n(&o, spec, (size_t)(fmt - spec));
			break;
		}
		fmt++;

		switch (conv) {
		case '%':
			put(&o, '%');
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			emit_str(&o, flags, width, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			/* with a precision, read at most prec bytes: the array need not be NUL-terminated (§7.19.6.1p8) */
			size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
			emit_str(&o, flags, width, s, n);
			break;
		}
		case 'd':
		case 'i': {
			int64_t v;
			switch (len) {
			case LEN_HH: v = (signed char)va_arg(ap, int); break;
			case LEN_H: v = (short)va_arg(ap, int); break;
			case LEN_L: v = va_arg(ap, long); break;
			case LEN_LL: v = va_arg(ap, long long); break;
			case LEN_Z: v = va_arg(ap, ptrdiff_t); break; /* the signed type of size_t's width */
			case LEN_T: v = va_arg(ap, ptrdiff_t); break;
			case LEN_J: v = va_arg(ap, intmax_t); break;
			default: v = va_arg(ap, int); break;
			}
			/* negate in unsigned arithmetic so that INT64_MIN has a magnitude */
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			char sign = v < 0 ? '-' : (flags & F_PLUS) ? '+' : (flags & F_SPACE) ? ' ' : 0;
			size_t first = prec == 0 && mag == 0 ? sizeof(tmp) : to_digits(mag, 10, 0, tmp, sizeof(tmp));
			emit_int(&o, flags, width, prec, sign, "", tmp + first, sizeof(tmp) - first, 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v;
			switch (len) {
			case LEN_HH: v = (unsigned char)va_arg(ap, unsigned); break;
			case LEN_H: v = (unsigned short)va_arg(ap, unsigned); break;
			case LEN_L: v = va_arg(ap, unsigned long); break;
			case LEN_LL: v = va_arg(ap, unsigned long long); break;
			case LEN_Z: v = va_arg(ap, size_t); break;
			case LEN_T: v = (uint64_t)va_arg(ap, ptrdiff_t); break;
			case LEN_J: v = va_arg(ap, uintmax_t); break;
			default: v = va_arg(ap, unsigned); break;
			}
			unsigned base = conv == 'o' ? 8 : conv == 'u' ? 10 : 16;
			const char *prefix = "";
			if ((flags & F_ALT) && v != 0 && base == 16)
				prefix = conv == 'X' ? "0X" : "0x";
			size_t first = prec == 0 && v == 0 ? sizeof(tmp) : to_digits(v, base, conv == 'X', tmp, sizeof(tmp));
			emit_int(&o, flags, width, prec, 0, prefix, tmp + first, sizeof(tmp) - first,
				 conv == 'o' && (flags & F_ALT));
			break;
		}
		case 'p': { /* always "0x" and lowercase hex, also for NULL ("0x0"); width and '-' apply */
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			size_t first = to_digits(v, 16, 0, tmp, sizeof(tmp));
			emit_int(&o, flags & F_LEFT, width, prec, 0, "0x", tmp + first, sizeof(tmp) - first, 0);
			break;
		}
		default: /* unknown conversion (including %n, which is deliberately unsupported): copy it literally */
			put_n(&o, spec, (size_t)(fmt - spec));
			break;
		}
	}

	if (size > 0)
		o.buf[o.len < size ? o.len : size - 1] = 0;
	/* C99 §7.19.6.5: a would-be length that does not fit in an int is an error (negative return) */
	return o.len > (size_t)__INT_MAX__ ? -1 : (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}
