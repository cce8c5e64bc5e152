/* SPDX-License-Identifier: MIT */
/* loader_elf.c — the hvmm-native guest format: an ELF64 x86-64 ET_EXEC, entered in 64-bit mode (docs/guest-abi.md). */
#include <string.h>

#include "elf64.h"
#include "hvmm/abi.h"
#include "hvmm/guest/boot64.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/loader.h"

static int elf64_probe(const void *image, uint64_t len)
{
	return len >= 4 && memcmp(image, "\177ELF", 4) == 0;
}

static struct elf64_image img; /* one guest at a time, single CPU at boot */

static int elf64_check(const void *image, uint64_t len, uint64_t ram_size, const char **why)
{
	return elf64_parse(image, len, HVMM_LOAD_MIN_GPA, ram_size, &img, why);
}

static int elf64_load(struct guest *g, const void *image, uint64_t len, const char **why)
{
	if (elf64_check(image, len, g->ram_size, why))
		return -1;
	if (strlen(g->cmdline) >= sizeof(((struct hvmm_bootinfo *)0)->cmdline)) {
		*why = "the guest's command line (without hvmm's keys) is longer than the 255 bytes of an ELF64 guest's "
		       "boot information";
		return -1;
	}
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf64_segment *s = &img.seg[i];
		uint8_t *dst = guest_ptr(g, s->gpa, s->memsz);
		if (!dst) { /* elf64_parse checked the range; keep the invariant visible */
			*why = "segment outside guest RAM";
			return -1;
		}
		memcpy(dst, (const uint8_t *)image + s->file_off, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	boot64_setup(g, img.entry);
	return 0;
}

const struct image_format image_format_elf64 = {
	.name = "elf64",
	.probe = elf64_probe,
	.check = elf64_check,
	.load = elf64_load,
};
