/* SPDX-License-Identifier: MIT */
/* Multiboot v1 (specification 0.6.96) structures: the OS image header (§3.1), the boot information (§3.3) and its
 * module and memory-map entries, and a parser of the boot information. */
#ifndef HVMM_LIB_MB1_H
#define HVMM_LIB_MB1_H
#include <stddef.h>
#include <stdint.h>

#include "mbmodule.h"

#define MB1_HEADER_MAGIC 0x1badb002u /* §3.1.2: magic of the OS image header */
#define MB1_BOOTLOADER_MAGIC 0x2badb002u /* §3.2: EAX at entry */
#define MB1_SEARCH 8192 /* §3.1: the header lies 4-byte aligned within the image's first 8192 bytes */
#define MB1_MAX_MODULES 64

/* OS image header flags (§3.1.2). */
#define MB1_HDR_PAGE_ALIGN (1u << 0) /* modules page (4 KiB) aligned */
#define MB1_HDR_MEMORY_INFO (1u << 1) /* mem_* and mmap_* fields wanted */
#define MB1_HDR_VIDEO_MODE (1u << 2) /* the video fields below are valid */
#define MB1_HDR_AOUT_KLUDGE (1u << 16) /* the address fields below are valid (needed for non-ELF32 images) */

/*
 * OS image header (§3.1.1), 48 bytes. All fields are u32. checksum makes magic + flags + checksum == 0 (mod 2^32).
 * The address fields (physical addresses, with MB1_HDR_AOUT_KLUDGE): the image from header_addr's file position back
 * to load_addr is loaded at load_addr up to load_end_addr (0: the end of the file), zero-filled up to bss_end_addr
 * (0: no BSS), and entered at entry_addr.
 */
struct mb1_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr; /* MB1_HDR_AOUT_KLUDGE */
	uint32_t mode_type, width, height, depth; /* MB1_HDR_VIDEO_MODE: 0 linear graphics, 1 EGA text */
};
_Static_assert(sizeof(struct mb1_header) == 48, "multiboot v1 header is 48 bytes");
_Static_assert(offsetof(struct mb1_header, header_addr) == 12, "mb1 header_addr at 12");
_Static_assert(offsetof(struct mb1_header, entry_addr) == 28, "mb1 entry_addr at 28");
_Static_assert(offsetof(struct mb1_header, mode_type) == 32, "mb1 mode_type at 32");
_Static_assert(offsetof(struct mb1_header, depth) == 44, "mb1 depth at 44");

/* Boot information flags (§3.3): which fields of struct mb1_info_raw are valid. */
#define MB1_INFO_MEMORY (1u << 0) /* mem_lower, mem_upper */
#define MB1_INFO_BOOTDEV (1u << 1)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_AOUT_SYMS (1u << 4)
#define MB1_INFO_ELF_SHDR (1u << 5)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_DRIVES (1u << 7)
#define MB1_INFO_CONFIG_TABLE (1u << 8)
#define MB1_INFO_LOADER_NAME (1u << 9)
#define MB1_INFO_APM (1u << 10)
#define MB1_INFO_VBE (1u << 11)
#define MB1_INFO_FRAMEBUFFER (1u << 12)

/*
 * The boot information as the loader lays it out (§3.3), 116 bytes; every address is physical and 32-bit. Fields are
 * valid only when their flag is set. mem_lower/mem_upper are KiB (from 0 and from 1 MiB). Naturally aligned except
 * framebuffer_addr (u64 at 88, 8-byte aligned too) — the structure is packed exactly as the specification draws it.
 */
struct __attribute__((packed)) mb1_info_raw {
	uint32_t flags; /* 0 */
	uint32_t mem_lower, mem_upper; /* 4, 8: MB1_INFO_MEMORY */
	uint32_t boot_device; /* 12 */
	uint32_t cmdline; /* 16: address of a NUL-terminated string */
	uint32_t mods_count, mods_addr; /* 20, 24: an array of struct mb1_module */
	uint32_t syms[4]; /* 28..43: a.out symbols or ELF section headers */
	uint32_t mmap_length, mmap_addr; /* 44, 48: bytes of struct mb1_mmap_entry records */
	uint32_t drives_length, drives_addr; /* 52, 56 */
	uint32_t config_table; /* 60 */
	uint32_t boot_loader_name; /* 64: address of a NUL-terminated string */
	uint32_t apm_table; /* 68 */
	uint32_t vbe_control_info, vbe_mode_info; /* 72, 76 */
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len; /* 80..87 */
	uint64_t framebuffer_addr; /* 88: MB1_INFO_FRAMEBUFFER */
	uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height; /* 96, 100, 104: bytes; pixels or chars */
	uint8_t framebuffer_bpp, framebuffer_type; /* 108, 109: type 0 indexed, 1 RGB, 2 EGA text */
	uint8_t color_info[6]; /* 110..115 */
};
_Static_assert(sizeof(struct mb1_info_raw) == 116, "multiboot v1 information is 116 bytes");
_Static_assert(offsetof(struct mb1_info_raw, cmdline) == 16, "mb1 cmdline at 16");
_Static_assert(offsetof(struct mb1_info_raw, mods_addr) == 24, "mb1 mods_addr at 24");
_Static_assert(offsetof(struct mb1_info_raw, mmap_length) == 44, "mb1 mmap_length at 44");
_Static_assert(offsetof(struct mb1_info_raw, boot_loader_name) == 64, "mb1 boot_loader_name at 64");
_Static_assert(offsetof(struct mb1_info_raw, vbe_mode) == 80, "mb1 vbe_mode at 80");
_Static_assert(offsetof(struct mb1_info_raw, framebuffer_addr) == 88, "mb1 framebuffer_addr at 88");
_Static_assert(offsetof(struct mb1_info_raw, framebuffer_bpp) == 108, "mb1 framebuffer_bpp at 108");
_Static_assert(offsetof(struct mb1_info_raw, color_info) == 110, "mb1 color_info at 110");

/* A boot module (§3.3, "mods"): physical bytes [mod_start, mod_end), its command line's address, 16 bytes. */
struct mb1_module {
	uint32_t mod_start, mod_end;
	uint32_t string; /* address of a NUL-terminated string, or 0 */
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb1_module) == 16, "multiboot v1 module is 16 bytes");

/*
 * A memory-map record (§3.3, "mmap"): size (bytes of the record after this field, at least 20), then base_addr,
 * length (bytes) and type (1 available RAM, 3 ACPI, 4 NVS, 5 bad). The next record starts size + 4 bytes after this
 * one's start (the specification draws size at offset -4 of the record it describes).
 */
struct __attribute__((packed)) mb1_mmap_entry {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type;
};
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "multiboot v1 mmap record is 24 bytes");
_Static_assert(offsetof(struct mb1_mmap_entry, base_addr) == 4, "mb1 mmap base_addr at 4");
_Static_assert(offsetof(struct mb1_mmap_entry, type) == 20, "mb1 mmap type at 20");

/*
 * Physical memory the parser may read: physical addresses [pa, pa + len) are readable at base. hvmm passes its
 * identity map (base = (void *)pa); the host tests pass a buffer that stands for a range of physical memory.
 */
struct mb1_window {
	const uint8_t *base;
	uint64_t pa, len;
};


/* What hvmm needs from the boot information; pointers point into the window. */
struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB; valid with MB1_INFO_MEMORY */
	const char *cmdline; /* MB1_INFO_CMDLINE, or NULL */
	const char *loader_name; /* MB1_INFO_LOADER_NAME, or NULL */
	const uint8_t *mmap; /* the records (MB1_INFO_MMAP), or NULL; use mb1_mmap_get() */
	uint32_t mmap_count; /* records, each checked to lie inside mmap_length */
	uint32_t nmod, nmod_dropped; /* modules kept in mod[]; modules beyond MB1_MAX_MODULES */
	struct mb_module mod[MB1_MAX_MODULES]; /* checked; cmdline points into the window */
	int has_fb; /* MB1_INFO_FRAMEBUFFER */
	uint64_t fb_addr;
	uint32_t fb_pitch, fb_width, fb_height;
	uint8_t fb_bpp, fb_type;
};

/*
 * Parse the boot information at physical address info_pa, reading only inside *w. Checks that the 116-byte structure,
 * the module array, every module's and the loader's strings (NUL-terminated) and every memory-map record (size >= 20,
 * inside mmap_length) lie inside the window, and that mod_start <= mod_end. Fields whose flag is clear are ignored;
 * an absent module string reads as "". On success fill *out and return 0; otherwise return -1 with a static reason
 * in *why.
 */
int mb1_parse(const struct mb1_window *w, uint64_t info_pa, struct mb1_info *out, const char **why);

/* Memory-map record i (< info->mmap_count): base and length in bytes, type. */
void mb1_mmap_get(const struct mb1_info *info, uint32_t i, uint64_t *base, uint64_t *length, uint32_t *type);

/* The arguments of a multiboot v1 command line: what follows its first word (the loader puts the file name there:
 * GRUB and QEMU's -kernel/-initrd do), with leading blanks skipped; "" when there are none. */
const char *mb1_cmdline_args(const char *cmdline);

/* ---- The OS image: finding and checking its header, and where its bytes go (§3.1; loaders of hvmm guests). ---- */

#define MB1_IMAGE_MAX_SEGMENTS 16

/* One piece of the image: copy filesz bytes from file_off to physical address pa, zero up to memsz (bytes). */
struct mb1_segment {
	uint64_t pa, file_off, filesz, memsz;
};

struct mb1_image {
	uint32_t header_off; /* file offset of the header */
	struct mb1_header hdr; /* as found (the video fields are zero unless MB1_HDR_VIDEO_MODE) */
	int aout_kludge; /* loaded by the header's address fields, not by ELF program headers */
	uint32_t entry; /* physical entry point, inside a loaded segment */
	uint64_t end; /* first byte above every segment */
	unsigned nseg;
	struct mb1_segment seg[MB1_IMAGE_MAX_SEGMENTS];
};

/* A range of guest-physical memory [lo, hi) a kernel's segments may occupy. */
struct mb1_range {
	uint64_t lo, hi;
};
#define MB1_MAX_RANGES 4

/* File offset of the first multiboot v1 header of img[0..len) (magic and checksum right, 4-byte aligned, within the
 * first 8192 bytes), or -1. */
long mb1_find_header(const void *img, size_t len);

/*
 * Find the multiboot v1 header of img[0..len) (magic 0x1BADB002 at a 4-byte aligned offset within the first 8192
 * bytes with magic + flags + checksum == 0) and work out the load: with MB1_HDR_AOUT_KLUDGE from the address fields
 * (load_addr <= header_addr, the file holding the bytes from load_addr's position, load_end_addr 0 = end of file,
 * bss_end_addr 0 = no BSS), else from an ELF32 little-endian EM_386 ET_EXEC's PT_LOAD segments placed at p_paddr
 * (e_entry translated from p_vaddr to p_paddr when a segment's virtual range holds it). Every segment must lie
 * entirely inside one of the nram ranges ram[] (the free RAM: "segment beyond guest RAM" when it ends above the
 * highest one, else "segment overlaps memory that is not free RAM ..."), not overlap another, and not wrap; the entry
 * must lie inside a segment. Flags bits 0-15 other than PAGE_ALIGN, MEMORY_INFO and VIDEO_MODE are requirements no
 * loader here can meet: rejected. On success fill *out and return 0; otherwise -1 with a static reason in *why.
 * Never reads outside img.
 */
int mb1_image_parse(const void *img, size_t len, const struct mb1_range *ram, unsigned nram, struct mb1_image *out,
		    const char **why);

#endif
