/* SPDX-License-Identifier: MIT */
/* Validation of ELF64 x86-64 executables (hvmm-native guests). ELF-64 Object File Format 1.5; System V gABI. */
#ifndef HVMM_LIB_ELF64_H
#define HVMM_LIB_ELF64_H
#include <stddef.h>
#include <stdint.h>

#define ELF64_MAX_SEGMENTS 16

/* One PT_LOAD segment: copy filesz bytes from file_off to guest-physical gpa, zero up to memsz (bytes). */
struct elf64_segment {
	uint64_t gpa;
	uint64_t file_off;
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags; /* PF_X = 1, PF_W = 2, PF_R = 4 */
};

struct elf64_image {
	uint64_t entry; /* e_entry, a guest-physical address inside an executable segment */
	unsigned nseg;
	struct elf64_segment seg[ELF64_MAX_SEGMENTS];
};

/*
 * Check that img[0..len) is a little-endian ELF64 ET_EXEC for EM_X86_64 whose PT_LOAD segments (p_vaddr ==
 * p_paddr, identity-mapped guests) lie inside [lo, hi), do not overlap, do not wrap, have p_filesz <= p_memsz and
 * file data inside the image, and whose entry point lies in an executable segment. Segments with p_memsz == 0 are
 * skipped. On success fill *out and return 0; otherwise return -1 and set *why to a static, human-readable reason
 * ("not an ELF file (bad magic)", "not a 64-bit ELF", "segment beyond guest RAM", ...). Never reads outside img.
 */
int elf64_parse(const void *img, size_t len, uint64_t lo, uint64_t hi, struct elf64_image *out, const char **why);

#endif
