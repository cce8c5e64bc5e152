/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/mb2.c: mb2_parse over arbitrary bytes, copied to an 8-byte-aligned buffer of exactly the
 * input's length (avail = that length, so ASan sees any read past it); a copy 4 bytes off alignment must be refused.
 * When the MBI is accepted, every pointer it returns is used the way hvmm's bootinfo.c uses it: each string is read
 * to its NUL, every memory-map entry is fetched with mb2_mmap_get (and one past the end must come back empty), every
 * module is visited, and the RSDP copies are read whole.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mb2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

/* Read s to its NUL (and abort if it escapes the MBI). */
static void read_string(const char *s, const uint8_t *mbi, size_t total)
{
	if (!s)
		return;
	if ((const uint8_t *)s < mbi || (const uint8_t *)s >= mbi + total)
		abort();
	sink += strlen(s);
}

static void read_bytes(const void *p, size_t n)
{
	const volatile uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		sink += b[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info info;
	const char *why = NULL;
	/* malloc returns memory aligned for max_align_t (16 bytes on x86-64): the MBI's 8-byte alignment holds. */
	uint8_t *mbi = malloc(size ? size : 1);

	if (!mbi)
		return 0;
	memcpy(mbi, data, size);
	/* the same bytes 4 bytes off alignment are always refused (the spec's MBI is 8-byte aligned) */
	uint8_t *odd = malloc(size + 4);
	if (odd) {
		memcpy(odd + 4, data, size);
		if (size >= 8 && (mb2_parse(odd + 4, size, &info, &why) == 0 || strcmp(why, "MBI is not 8-byte aligned")))
			abort();
		free(odd);
	}
	if (mb2_parse(mbi, size, &info, &why) != 0) {
		if (!why || !why[0])
			abort();
		free(mbi);
		return 0;
	}
	if (info.total_size > size || info.nmod > MB2_MAX_MODULES)
		abort();
	read_string(info.cmdline, mbi, info.total_size);
	read_string(info.loader_name, mbi, info.total_size);
	for (uint32_t i = 0; i < info.nmod; i++) {
		if (info.mod[i].mod_start > info.mod[i].mod_end)
			abort();
		read_string(info.mod[i].cmdline, mbi, info.total_size);
	}
	if (info.mmap && (info.mmap_entry_size < sizeof(struct mb2_mmap_entry) || info.mmap_entry_size % 8))
		abort();
	for (uint32_t i = 0; i < info.mmap_count; i++) {
		struct mb2_mmap_entry e;
		mb2_mmap_get(&info, i, &e);
		sink += e.base_addr + e.length + e.type + e.reserved;
	}
	/* one past the end is outside the contract; the implementation gives an empty entry rather than read */
	struct mb2_mmap_entry past;
	mb2_mmap_get(&info, info.mmap_count, &past);
	if (past.base_addr || past.length || past.type || past.reserved)
		abort();
	if (info.rsdp_v1)
		read_bytes(info.rsdp_v1, info.rsdp_v1_len);
	if (info.rsdp_v2)
		read_bytes(info.rsdp_v2, info.rsdp_v2_len);
	free(mbi);
	return 0;
}
