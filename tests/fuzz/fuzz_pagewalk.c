/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/pagewalk.c: pw_translate over page tables a guest controls. Input: bytes 0-39 are CR0,
 * CR3, CR4, EFER and the linear address (little-endian u64 each); the rest stands for physical memory [0, size), copied
 * to a buffer of exactly that length (ASan sees any read past it), and the reader refuses anything outside. Checks: a
 * known result code; at most 5 entries read (one per level); with paging on, a translation keeps the address's offset
 * within a 4 KiB page; the same input gives the same answer again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pagewalk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t size;
	unsigned reads;
};

static int reader(void *ctx, uint64_t pa, unsigned bytes, uint64_t *val)
{
	struct mem *m = ctx;
	m->reads++;
	if (bytes != 4 && bytes != 8)
		abort();
	if (pa > m->size || bytes > m->size - pa)
		return -1;
	*val = 0;
	memcpy(val, m->p + pa, bytes);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t w[5] = { 0 };
	memcpy(w, data, size < sizeof(w) ? size : sizeof(w));
	size_t n = size > sizeof(w) ? size - sizeof(w) : 0;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + (size - n), n);
	struct pw_regs r = { w[0], w[1], w[2], w[3] };
	struct mem m = { buf, n, 0 };
	uint64_t pa = 0, pa2 = 0;
	int e = pw_translate(&r, w[4], reader, &m, &pa);
	if (e != PW_OK && e != PW_NOT_PRESENT && e != PW_UNREADABLE)
		abort();
	if (m.reads > 5)
		abort();
	if (e == PW_OK && (r.cr0 & (1ull << 31)) && (pa & 0xfff) != (w[4] & 0xfff))
		abort();
	m.reads = 0;
	if (pw_translate(&r, w[4], reader, &m, &pa2) != e || (e == PW_OK && pa2 != pa))
		abort();
	free(buf);
	return 0;
}
