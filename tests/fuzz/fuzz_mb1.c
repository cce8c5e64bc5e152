/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/mb1.c: mb1_parse over arbitrary bytes that stand for physical memory [0x10000, +size),
 * copied to a buffer of exactly the input's length (so ASan sees any read past the window), with the boot information
 * at the window's start. When it is accepted, every string and record is used the way hvmm's bootinfo.c uses them:
 * each string (and mb1_cmdline_args of it) is read to its NUL inside the window, every memory-map record is fetched
 * (one past the end must come back empty), every module is visited.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mb1.h"

#define WIN_PA 0x10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

/* Read s to its NUL (and abort if it escapes the window). */
static void read_string(const char *s, const uint8_t *win, size_t size)
{
	if (!s)
		return;
	if (!*s) /* "" may be a static string (a module without one) */
		return;
	if ((const uint8_t *)s < win || (const uint8_t *)s >= win + size)
		abort();
	sink += strlen(s) + strlen(mb1_cmdline_args(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb1_info info;
	const char *why = NULL;
	uint8_t *win = malloc(size ? size : 1);

	if (!win)
		return 0;
	memcpy(win, data, size);
	struct mb1_window w = {.base = win, .pa = WIN_PA, .len = size};
	if (mb1_parse(&w, WIN_PA, &info, &why) != 0) {
		if (!why || !why[0])
			abort();
		free(win);
		return 0;
	}
	if (size < sizeof(struct mb1_info_raw) || info.nmod > MB1_MAX_MODULES)
		abort();
	read_string(info.cmdline, win, size);
	read_string(info.loader_name, win, size);
	for (uint32_t i = 0; i < info.nmod; i++) {
		if (info.mod[i].mod_start > info.mod[i].mod_end || !info.mod[i].cmdline)
			abort();
		read_string(info.mod[i].cmdline, win, size);
	}
	if (info.mmap && (info.mmap < win || info.mmap > win + size))
		abort();
	uint64_t base, len;
	uint32_t type;
	for (uint32_t i = 0; i < info.mmap_count; i++) {
		mb1_mmap_get(&info, i, &base, &len, &type);
		sink += base + len + type;
	}
	mb1_mmap_get(&info, info.mmap_count, &base, &len, &type);
	if (base || len || type)
		abort();
	free(win);
	return 0;
}
