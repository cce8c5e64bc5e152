/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/elf64.c: elf64_parse over arbitrary bytes with a guest range [lo, hi) taken from the input.
 * Input layout: bytes 0..7 and 8..15 (when present) give lo and hi (little-endian), the rest is the image; inputs
 * shorter than 16 bytes are parsed whole with hvmm's usual range [1 MiB, 16 MiB). The image is copied into a buffer of
 * exactly its length, so AddressSanitizer catches any read past its end. On success the result is checked against
 * elf64.h's contract (segments inside [lo, hi), file data inside the image, no overlap, entry in an executable
 * segment).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PF_X 1

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Abort (a crash libFuzzer reports) when the accepted image breaks elf64_parse's contract. */
static void check_contract(const struct elf64_image *img, size_t len, uint64_t lo, uint64_t hi)
{
	int entry_ok = 0;

	if (img->nseg == 0 || img->nseg > ELF64_MAX_SEGMENTS)
		abort();
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf64_segment *s = &img->seg[i];
		if (s->memsz == 0 || s->filesz > s->memsz || s->gpa < lo || s->gpa > hi || s->memsz > hi - s->gpa)
			abort();
		if (s->filesz > 0 && (s->file_off > len || s->filesz > len - s->file_off))
			abort();
		for (unsigned j = 0; j < i; j++) {
			const struct elf64_segment *o = &img->seg[j];
			if (s->gpa < o->gpa + o->memsz && o->gpa < s->gpa + s->memsz)
				abort();
		}
		if ((s->flags & PF_X) && img->entry >= s->gpa && img->entry - s->gpa < s->memsz)
			entry_ok = 1;
	}
	if (!entry_ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t lo = 0x100000, hi = 0x1000000;
	static struct elf64_image img;
	const char *why = NULL;

	if (size >= 16) {
		lo = ld64(data);
		hi = ld64(data + 8);
		data += 16;
		size -= 16;
	}
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (elf64_parse(copy, size, lo, hi, &img, &why) == 0) {
		if (why)
			abort();
		check_contract(&img, size, lo, hi);
	} else if (!why || !why[0] || strlen(why) > 200) {
		abort(); /* every rejection carries a short, printable reason */
	}
	free(copy);
	return 0;
}
