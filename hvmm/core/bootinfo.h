/* SPDX-License-Identifier: MIT */
/* bootinfo.h — what hvmm keeps from the multiboot2 or multiboot v1 boot information, copied out before anything is
 * allocated. */
#ifndef HVMM_BOOTINFO_H
#define HVMM_BOOTINFO_H
#include <stdint.h>

#include "mb1.h"
#include "mb2.h"

#define BOOT_MMAP_MAX 128
#define BOOT_CMDLINE_MAX 256
#define BOOT_MODULE_CMDLINE_MAX 4096 /* bytes of one module's command line, NUL included (docs/cmdline.md) */

struct boot_module {
	uint64_t start, end; /* physical bytes [start, end) */
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
	int cmdline_truncated;
};

struct bootinfo {
	char cmdline[BOOT_CMDLINE_MAX]; /* hvmm's command line */
	int cmdline_truncated; /* it was longer than BOOT_CMDLINE_MAX - 1 bytes */
	char loader[64];
	uint64_t mbi_start, mbi_end; /* the MBI itself, reserved until guests are loaded */
	unsigned nmmap;
	struct mb2_mmap_entry mmap[BOOT_MMAP_MAX];
	unsigned nmod, nmod_dropped;
	struct boot_module mod[MB2_MAX_MODULES];
	int has_fb;
	struct mb2_framebuffer fb;
	/* ACPI RSDP copied from multiboot2 tag 15 (ACPI 2.0+, preferred) or 14 (ACPI 1.0); rsdp_len = 0 if absent. */
	uint8_t rsdp[64];
	uint32_t rsdp_len; /* bytes valid in rsdp[] */
	int rsdp_v2; /* 1 if copied from tag 15 */
	const char *rsdp_from; /* where the RSDP came from: "multiboot2 tag 15", ..., "BIOS area" */
	int multiboot_v1; /* booted through the multiboot v1 header (QEMU -kernel) */
};

extern struct bootinfo bootinfo;

/*
 * Check the loader magic (multiboot2 or multiboot v1) and copy the boot information at mbi_pa into bootinfo. Under
 * multiboot v1 the first word of hvmm's and of each module's command line (the file name, as QEMU and GRUB put it) is
 * dropped, and the RSDP is searched for in the BIOS area. Returns 0, or -1 with the reason printed.
 */
int bootinfo_copy(uint32_t magic, uint64_t mbi_pa);

#endif
