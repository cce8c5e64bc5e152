/* SPDX-License-Identifier: MIT */
/* loader.h — guest image formats. Each format recognises images by content and loads them into guest RAM. */
#ifndef HVMM_LOADER_H
#define HVMM_LOADER_H
#include <stdint.h>

struct guest;

struct image_format {
	const char *name;
	/* Does image[0..len) look like this format (magic only; full validation is check's job)? */
	int (*probe)(const void *image, uint64_t len);
	/* Validate the image for a guest of ram_size bytes without touching guest RAM. 0, or -1 with *why. */
	int (*check)(const void *image, uint64_t len, uint64_t ram_size, const char **why);
	/* Copy a checked image into g's RAM and set its boot vCPU's (g->vcpu[0]) entry state. 0, or -1 with *why. */
	int (*load)(struct guest *g, const void *image, uint64_t len, const char **why);
	/* Attach a for=<name> module to a guest of this format before it runs (NULL: the format takes none). 0, or -1
	 * with *why. */
	int (*attach)(struct guest *g, const void *data, uint64_t len, const char *cmdline, const char **why);
	/* A PC kernel: its low memory gets the IVT, BIOS data area, EBDA and MP table (pclowmem.h), and its devices the
	 * state the boot path leaves (PC_LOWMEM_*); 0 for others. */
	int pc_lowmem;
	/* 1: a PC kernel, which gets the virtual PC unless its module line says platform=none (docs/guest-abi.md
	 * "Module arguments"); 0: no devices unless it says platform=pc. */
	int pc_default;
};

/* Find the format of image[0..len) (into g->format) and validate it for a guest of g->ram_size bytes, before any RAM
 * is allocated. Returns 0, or -1 with a static reason in *why. */
int loader_check(struct guest *g, const void *image, uint64_t len, const char **why);

/* Load an image loader_check accepted into g. Returns 0, or -1 with a static reason in *why. */
int loader_load(struct guest *g, const void *image, uint64_t len, const char **why);

extern const struct image_format image_format_elf64, image_format_mb1, image_format_linux;

/* Attach data[0..len) to multiboot v1 guest g as its next module with command line cmdline (page-aligned above the
 * kernel and the modules before it). Returns 0, or -1 with a static reason in *why. */
int loader_mb1_attach(struct guest *g, const void *data, uint64_t len, const char *cmdline, const char **why);
/* Attach data[0..len) to Linux guest g as its initrd (placed high in its RAM, clear of the kernel; recorded in its
 * zero page). cmdline is unused. Returns 0, or -1 with a static reason in *why (a second initrd is refused). */
int loader_linux_attach(struct guest *g, const void *data, uint64_t len, const char *cmdline, const char **why);

#endif
