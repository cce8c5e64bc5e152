/* SPDX-License-Identifier: MIT */
/* Linux x86 boot protocol: validate a bzImage's setup header, choose its load address, fill the zero page. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bzimage.h"

#define SECTOR 512
#define PAGE 4096ull

/* Little-endian loads from a byte array of any alignment (the caller has checked the bounds). */
static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Does [addr, addr + size) lie inside [lo, hi) without wrapping? */
static int fits(uint64_t addr, uint64_t size, uint64_t lo, uint64_t hi)
{
	return addr >= lo && addr <= hi && size <= hi - addr;
}

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return -1;
}

int bzimage_parse(const void *img, size_t len, uint64_t lo, uint64_t hi, struct bzimage_info *out, const char **why)
{
	const uint8_t *b = img;
	struct setup_header h;

	memset(out, 0, sizeof(*out));
	if (len < 0x206 || ld32(b + 0x202) != BZ_HDRS_MAGIC)
		return fail(why, "not a bzImage (no HdrS magic at 0x202)");
	if (ld16(b + 0x1fe) != BZ_BOOT_FLAG)
		return fail(why, "bzImage boot_flag is not 0xAA55");
	/* boot.rst: the header ends at 0x202 + the jump's offset byte at 0x201 */
	uint64_t hdr_end = 0x202u + b[0x201];
	if (hdr_end > len)
		return fail(why, "bzImage setup header runs past the end of the file");
	if (hdr_end < 0x208) /* the version field (0x206) is the header's own */
		return fail(why, "bzImage setup header ends before its version field");
	if (ld16(b + 0x206) < BZ_MIN_VERSION)
		return fail(why, "boot protocol older than 2.12 (no 64-bit entry)");
	if (hdr_end < BZ_HDR_OFFSET + offsetof(struct setup_header, handover_offset))
		return fail(why, "bzImage setup header too short for its protocol version");
	memset(&h, 0, sizeof(h));
	memcpy(&h, b + BZ_HDR_OFFSET, hdr_end - BZ_HDR_OFFSET < sizeof(h) ? hdr_end - BZ_HDR_OFFSET : sizeof(h));
	out->hdr_len = hdr_end - BZ_HDR_OFFSET < sizeof(h) ? hdr_end - BZ_HDR_OFFSET : sizeof(h);
	out->version = h.version;
	if (!(h.xloadflags & BZ_XLF_KERNEL_64))
		return fail(why, "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)");
	if (!(h.loadflags & BZ_LOADED_HIGH))
		return fail(why, "not a bzImage (zImage: LOADED_HIGH clear)");

	out->setup_size = ((uint64_t)(h.setup_sects ? h.setup_sects : 4) + 1) * SECTOR;
	if (out->setup_size >= len)
		return fail(why, "setup_sects puts the kernel past the end of the file");
	out->kernel_off = out->setup_size;
	out->kernel_size = len - out->setup_size;
	/* syssize counts 16-byte paragraphs (boot.rst), rounded up: the file may end up to 15 bytes before
	 * syssize * 16 (memtest86+'s ends 8 bytes before), as GRUB and QEMU accept */
	if (h.syssize == 0 || (uint64_t)h.syssize * 16 >= out->kernel_size + 16)
		return fail(why, "syssize does not match the file (truncated image?)");
	if (h.init_size < out->kernel_size)
		return fail(why, "init_size is smaller than the kernel");
	out->init_size = h.init_size;
	out->cmdline_size = h.cmdline_size;
	out->initrd_addr_max = h.initrd_addr_max;

	uint64_t align = h.kernel_alignment;
	if (h.relocatable_kernel && (align < PAGE || (align & (align - 1))))
		return fail(why, "kernel_alignment is not a power of two of at least 4 KiB");
	uint64_t pref = h.pref_address;
	if (fits(pref, out->init_size, lo, hi) && (!h.relocatable_kernel || pref % align == 0)) {
		out->load_addr = pref;
	} else if (h.relocatable_kernel) {
		uint64_t a = (lo + align - 1) & ~(align - 1);
		if (a < lo || !fits(a, out->init_size, lo, hi))
			return fail(why, "kernel (init_size) does not fit in guest RAM");
		out->load_addr = a;
	} else {
		return fail(why, "non-relocatable kernel's pref_address (with init_size) is outside guest RAM");
	}
	out->entry64 = out->load_addr + BZ_ENTRY64_OFFSET;
	return 0;
}

void bzimage_boot_params(struct boot_params *bp, const void *img, const struct bzimage_info *info,
			 uint32_t cmd_line_ptr)
{
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, (const uint8_t *)img + BZ_HDR_OFFSET, info->hdr_len);
	bp->hdr.type_of_loader = BZ_LOADER_UNDEFINED;
	bp->hdr.loadflags = (uint8_t)((bp->hdr.loadflags | BZ_LOADED_HIGH) & ~BZ_CAN_USE_HEAP);
	bp->hdr.cmd_line_ptr = cmd_line_ptr;
	bp->hdr.code32_start = (uint32_t)info->load_addr;
	bp->hdr.ramdisk_image = 0;
	bp->hdr.ramdisk_size = 0;
}

int bzimage_add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	if (size == 0 || bp->e820_entries >= BZ_E820_MAX)
		return -1;
	struct boot_e820_entry *e = &bp->e820_table[bp->e820_entries++];
	e->addr = addr;
	e->size = size;
	e->type = type;
	return 0;
}

uint64_t bzimage_place_initrd(const struct bzimage_info *info, uint64_t size, uint64_t lo, uint64_t hi,
			      const char **why)
{
	uint64_t top = hi;

	if (size == 0) {
		*why = "empty initrd";
		return 0;
	}
	if (top > info->initrd_addr_max + 1)
		top = info->initrd_addr_max + 1;
	if (size > top) {
		*why = "initrd does not fit below initrd_addr_max";
		return 0;
	}
	uint64_t addr = (top - size) & ~(PAGE - 1);
	uint64_t kend = info->load_addr + info->init_size;
	if (addr < kend && addr + size > info->load_addr) /* overlaps the kernel: try below it */
		addr = info->load_addr >= size ? (info->load_addr - size) & ~(PAGE - 1) : 0;
	if (addr < lo || !fits(addr, size, lo, top) || (addr < kend && addr + size > info->load_addr)) {
		*why = "initrd does not fit in guest RAM beside the kernel";
		return 0;
	}
	return addr;
}

void bzimage_set_initrd(struct boot_params *bp, uint64_t addr, uint64_t size)
{
	bp->hdr.ramdisk_image = (uint32_t)addr;
	bp->hdr.ramdisk_size = (uint32_t)size;
	bp->ext_ramdisk_image = (uint32_t)(addr >> 32);
	bp->ext_ramdisk_size = (uint32_t)(size >> 32);
}
