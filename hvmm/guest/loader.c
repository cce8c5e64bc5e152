/* SPDX-License-Identifier: MIT */
/* loader.c — dispatch a boot module to the image format that recognises it (docs/guest-abi.md "Image format"; docs/design.md "Adding an image format"). */
#include "hvmm/guest/loader.h"

#include <stddef.h>

#include "hvmm/guest/guest.h"

/* In order of preference. */
static const struct image_format *const formats[] = {
	&image_format_mb1, /* first: a multiboot v1 kernel may be an ELF (ELF32) too */
	&image_format_elf64,
	&image_format_linux,
};

/* The format that recognises image[0..len), or NULL with *why. */
static const struct image_format *format_of(const void *image, uint64_t len, const char **why)
{
	if (len == 0) {
		*why = "empty module";
		return NULL;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i]->probe(image, len))
			return formats[i];
	*why = "unknown image format (not an ELF64 x86-64 executable, a multiboot v1 kernel or a Linux bzImage)";
	return NULL;
}

int loader_check(struct guest *g, const void *image, uint64_t len, const char **why)
{
	const struct image_format *f = format_of(image, len, why);
	g->format = f;
	return f ? f->check(image, len, g->ram_size, why) : -1;
}

int loader_load(struct guest *g, const void *image, uint64_t len, const char **why)
{
	const struct image_format *f = format_of(image, len, why);
	if (!f)
		return -1;
	g->format = f;
	return f->load(g, image, len, why);
}
