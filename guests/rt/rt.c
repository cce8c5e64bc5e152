/* SPDX-License-Identifier: MIT */
/* The guest runtime's out-of-line parts: exit, printing through HVMM_HC_WRITE, and command-line lookup. */
#include <string.h>
#include "cmdline.h"
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

int rt_arg_str(const struct hvmm_bootinfo *bi, const char *key, char *val, size_t valsz)
{
	struct cmdline_iter it;
	char k[64], v[sizeof(bi->cmdline)];
	int r, found = 0;

	cmdline_init(&it, bi->cmdline);
	while ((r = cmdline_next(&it, k, sizeof(k), v, sizeof(v))) != 0) {
		if (r < 0 || strcmp(k, key))
			continue;
		if (valsz > 0)
			strlcpy(val, v, valsz); /* the last occurrence wins, like most command lines */
		found = 1;
	}
	return found;
}

uint64_t rt_arg_u64(const struct hvmm_bootinfo *bi, const char *key, uint64_t def)
{
	char buf[32];
	uint64_t v;
	if (!rt_arg_str(bi, key, buf, sizeof(buf)) || parse_size(buf, &v) != 0)
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
	if (parse_size(buf + neg, &v) != 0 || v > (uint64_t)INT64_MAX)
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
