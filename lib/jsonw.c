/* SPDX-License-Identifier: MIT */
/* jsonw.c — one JSON object into a buffer (jsonw.h; RFC 8259 §4 objects, §6 numbers, §7 strings). */
#include "jsonw.h"

#include "fmt.h"

static void put(struct jsonw *w, char c)
{
	if (w->len + 1 < w->size)
		w->buf[w->len++] = c;
	else
		w->overflow = 1;
}

static void puts_raw(struct jsonw *w, const char *s)
{
	while (*s)
		put(w, *s++);
}

/* A string with its quotes, escaped (RFC 8259 §7). */
static void quoted(struct jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	put(w, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			put(w, '\\');
			put(w, (char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			puts_raw(w, "\\u00");
			put(w, hex[c >> 4]);
			put(w, hex[c & 15]);
		} else {
			put(w, (char)c);
		}
	}
	put(w, '"');
}

static void key(struct jsonw *w, const char *k)
{
	if (w->members++)
		put(w, ',');
	quoted(w, k);
	put(w, ':');
}

void jsonw_begin(struct jsonw *w, char *buf, size_t size)
{
	*w = (struct jsonw){ .buf = buf, .size = size };
	put(w, '{');
}

void jsonw_str(struct jsonw *w, const char *k, const char *val)
{
	key(w, k);
	quoted(w, val);
}

void jsonw_u64(struct jsonw *w, const char *k, uint64_t val)
{
	char num[24];
	key(w, k);
	fmt_snprintf(num, sizeof(num), "%lu", (unsigned long)val);
	puts_raw(w, num);
}

void jsonw_i64(struct jsonw *w, const char *k, int64_t val)
{
	char num[24];
	key(w, k);
	fmt_snprintf(num, sizeof(num), "%ld", (long)val);
	puts_raw(w, num);
}

size_t jsonw_end(struct jsonw *w)
{
	put(w, '}');
	if (w->overflow) {
		w->buf[0] = 0;
		return 0;
	}
	w->buf[w->len] = 0;
	return w->len;
}
