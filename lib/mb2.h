/* SPDX-License-Identifier: MIT */
/* Parsing of the multiboot2 boot information (MBI). Multiboot2 specification 1.0, section 3.6. */
#ifndef HVMM_LIB_MB2_H
#define HVMM_LIB_MB2_H
#include <stddef.h>
#include <stdint.h>

#include "mbmodule.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* EAX at entry (spec 3.3) */
#define MB2_MAX_MODULES 64

/* Memory map entry as laid out by the boot loader (spec 3.6.8). type 1 = available RAM, 3 = ACPI, 4 = NVS, 5 = bad. */
struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry is 24 bytes");


struct mb2_framebuffer {
	uint64_t addr;
	uint32_t pitch; /* bytes per line */
	uint32_t width, height; /* pixels (or characters for type 2) */
	uint8_t bpp, type; /* type 0 indexed, 1 RGB, 2 EGA text */
};

/* What hvmm needs from the MBI. Pointers point into the MBI itself; copy what must outlive it. */
struct mb2_info {
	uint32_t total_size; /* bytes */
	const char *cmdline; /* tag 1, or NULL */
	const char *loader_name; /* tag 2, or NULL */
	const uint8_t *mmap; /* tag 6 entries, or NULL; use mb2_mmap_get() */
	uint32_t mmap_entry_size; /* bytes, >= 24 */
	uint32_t mmap_count;
	uint32_t nmod; /* modules kept in mod[] */
	uint32_t nmod_dropped; /* modules beyond MB2_MAX_MODULES */
	struct mb_module mod[MB2_MAX_MODULES]; /* cmdline points into the MBI */
	const void *rsdp_v1; /* tag 14 (ACPI 1.0 RSDP copy), or NULL */
	uint32_t rsdp_v1_len;
	const void *rsdp_v2; /* tag 15 (ACPI 2.0+ RSDP copy), or NULL */
	uint32_t rsdp_v2_len;
	int has_fb; /* tag 8 present */
	struct mb2_framebuffer fb;
};

/*
 * Parse the MBI at mbi, of which at most avail bytes may be read. Checks total_size (>= 16, <= avail), that every tag
 * is 8-byte aligned, at least 8 bytes and inside total_size, that strings are NUL-terminated inside their tag, that
 * mmap entry_size is >= 24 and a multiple of 8, that modules have mod_start <= mod_end, and that an end tag (type 0)
 * closes the list. Unknown tags are skipped. On success fill *out and return 0; otherwise return -1 with a static
 * reason in *why. Never reads outside mbi[0..avail).
 */
int mb2_parse(const void *mbi, size_t avail, struct mb2_info *out, const char **why);

/* Copy memory map entry i (< info->mmap_count) into *e. */
void mb2_mmap_get(const struct mb2_info *info, uint32_t i, struct mb2_mmap_entry *e);

#endif
