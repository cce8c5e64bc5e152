/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/mb1.c's image side: mb1_image_parse over arbitrary bytes with hvmm's free RAM of a 16 MiB
 * guest, [0x4000, 0x9FC00) and [1 MiB, 16 MiB).
 * The input is copied into a buffer of exactly its length, so AddressSanitizer catches any read past it. An accepted
 * image must keep mb1.h's contract: segments each inside one range and not overlapping, file data inside the image,
 * filesz <= memsz, the entry inside a segment, the header inside the first 8192 bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mb1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LO 0x100000u
#define HI 0x1000000u
#define LOW_LO 0x4000u /* the free RAM below 1 MiB of a multiboot v1 guest (loader_mb1.c) */
#define LOW_HI 0x9fc00u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *img = malloc(size ? size : 1);
	struct mb1_image im;
	const char *why;
	memcpy(img, data, size);
	static const struct mb1_range ram[] = { { LOW_LO, LOW_HI }, { LO, HI } };
	if (mb1_image_parse(img, size, ram, 2, &im, &why) == 0) {
		int entry_ok = 0;
		if (im.nseg == 0 || im.nseg > MB1_IMAGE_MAX_SEGMENTS || im.header_off + 12 > 8192 || im.header_off + 12 > size)
			abort();
		for (unsigned i = 0; i < im.nseg; i++) {
			const struct mb1_segment *s = &im.seg[i];
			int in_low = s->pa >= LOW_LO && s->pa + s->memsz <= LOW_HI;
			int in_high = s->pa >= LO && s->pa + s->memsz <= HI;
			if (s->filesz > s->memsz || !(in_low || in_high) || s->file_off + s->filesz > size)
				abort();
			for (unsigned k = 0; k < i; k++)
				if (s->pa < im.seg[k].pa + im.seg[k].memsz && im.seg[k].pa < s->pa + s->memsz)
					abort();
			entry_ok |= im.entry >= s->pa && im.entry < s->pa + s->memsz;
		}
		if (!entry_ok)
			abort();
	} else if (!why || !*why) {
		abort();
	}
	free(img);
	return 0;
}
