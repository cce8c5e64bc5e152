/* loader.c — dispatch a boot module to the image format that recognises it (design.md §4, §8). */
#include "hvmm/guest/loader.h"

#include <stddef.h>

#include "hvmm/guest/guest.h"

/* In order of preference. */
static const struct image_format *const formats[] = {
	&image_format_mb1, /* first: a multiboot v1 kernel may be an ELF (ELF32) too */
	&image_format_elf64,
	&image_format_linux,
};

int loader_load(struct guest *g, const void *image, uint64_t len, const char **why)
{
	if (len == 0) {
		*why = "empty module";
		return -1;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i]->probe(image, len)) {
			g->format = formats[i];
			return formats[i]->load(g, image, len, why);
		}
	*why = "unknown image format (not an ELF64 x86-64 executable, a multiboot v1 kernel or a Linux bzImage)";
	return -1;
}
