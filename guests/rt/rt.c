/* The guest runtime's out-of-line parts: exit, printing through HVMM_HC_WRITE, and command-line lookup. */
#include <string.h>
#include "fmt.h"
#include "hvmm.h"

void hc_exit(int status)
{
	hvmm_call3(HVMM_HC_EXIT, (long)status, 0, 0);
	for (;;) /* hvmm must not return from EXIT; if it does, stop here */
		__asm__ volatile("cli; hlt");
}

void rt_exit(int status)
{
	hc_exit(status);
}

int gvprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	return (int)hc_write(buf, (unsigned long)n);
}

int gprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = gvprintf(fmt, ap);
	va_end(ap);
	return n;
}

long gputs(const char *s)
{
	return hc_write(s, strlen(s));
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int rt_arg_str(const struct hvmm_bootinfo *bi, const char *key, char *val, size_t valsz)
{
	const char *p = bi->cmdline;
	const char *end = bi->cmdline + strnlen(bi->cmdline, sizeof(bi->cmdline));
	size_t klen = strlen(key);
	int found = 0;

	while (p < end) {
		while (p < end && is_space(*p))
			p++;
		const char *tok = p;
		while (p < end && !is_space(*p))
			p++;
		size_t tlen = (size_t)(p - tok);
		if (tlen < klen || memcmp(tok, key, klen) != 0)
			continue;
		const char *v;
		size_t vlen;
		if (tlen == klen) {
			v = tok + tlen;
			vlen = 0;
		} else if (tok[klen] == '=') {
			v = tok + klen + 1;
			vlen = tlen - klen - 1;
		} else {
			continue;
		}
		/* The last occurrence wins, like most command lines. */
		if (valsz > 0) {
			size_t n = vlen < valsz - 1 ? vlen : valsz - 1;
			memcpy(val, v, n);
			val[n] = '\0';
		}
		found = 1;
	}
	return found;
}

/* Parse an unsigned decimal or 0x-hex number with an optional K/M/G suffix; 0 on success, -1 if malformed. */
static int parse_u64_suffix(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
		digits++;
	}
	if (digits == 0)
		return -1;
	unsigned shift = 0;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	default: break;
	}
	if (*s != '\0')
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

uint64_t rt_arg_u64(const struct hvmm_bootinfo *bi, const char *key, uint64_t def)
{
	char buf[32];
	uint64_t v;
	if (!rt_arg_str(bi, key, buf, sizeof(buf)) || parse_u64_suffix(buf, &v) != 0)
		return def;
	return v;
}

int64_t rt_arg_i64(const struct hvmm_bootinfo *bi, const char *key, int64_t def)
{
	char buf[32];
	uint64_t v;
	if (!rt_arg_str(bi, key, buf, sizeof(buf)))
		return def;
	int neg = buf[0] == '-';
	if (parse_u64_suffix(buf + neg, &v) != 0 || v > (uint64_t)INT64_MAX)
		return def;
	return neg ? -(int64_t)v : (int64_t)v;
}

uint64_t rt_tsc_khz(const struct hvmm_bootinfo *bi)
{
	if (bi->tsc_khz)
		return bi->tsc_khz;
	long k = hc_tsc_khz();
	return k > 0 ? (uint64_t)k : 0;
}
