/* loader.c — dispatch a boot module to the image format that recognises it (design.md §4, §8). */
#include "hvmm/guest/loader.h"

#include <stddef.h>

/* In order of preference; later formats (multiboot v1, Linux bzImage) are added here. */
static const struct image_format *const formats[] = {
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
		if (formats[i]->probe(image, len))
			return formats[i]->load(g, image, len, why);
	*why = "unknown image format (not an ELF64 x86-64 executable)";
	return -1;
}
