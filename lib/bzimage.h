/* SPDX-License-Identifier: MIT */
/* Linux x86 boot protocol: bzImage setup header validation and the zero page (Documentation/arch/x86/boot.rst). */
#ifndef HVMM_LIB_BZIMAGE_H
#define HVMM_LIB_BZIMAGE_H
#include <stddef.h>
#include <stdint.h>

/*
 * The setup header, at offset 0x1f1 of both the bzImage file and struct boot_params (boot.rst "The real-mode kernel
 * header"; field names as in arch/x86/include/uapi/asm/bootparam.h). Offsets in the comments are from the start of
 * the image / zero page.
 */
struct setup_header {
	uint8_t setup_sects; /* 0x1f1: 512-byte sectors of setup code after the boot sector; 0 means 4 */
	uint16_t root_flags; /* 0x1f2 */
	uint32_t syssize; /* 0x1f4: size of the protected-mode code in 16-byte paragraphs */
	uint16_t ram_size; /* 0x1f8: obsolete */
	uint16_t vid_mode; /* 0x1fa */
	uint16_t root_dev; /* 0x1fc */
	uint16_t boot_flag; /* 0x1fe: 0xAA55 */
	uint16_t jump; /* 0x200: a short jump; its offset byte (0x201) + 0x202 is the end of this header */
	uint32_t header; /* 0x202: "HdrS" */
	uint16_t version; /* 0x206: boot protocol, major << 8 | minor */
	uint32_t realmode_swtch; /* 0x208 */
	uint16_t start_sys_seg; /* 0x20c */
	uint16_t kernel_version; /* 0x20e */
	uint8_t type_of_loader; /* 0x210: written by the loader */
	uint8_t loadflags; /* 0x211: BZ_LOADED_HIGH, ... */
	uint16_t setup_move_size; /* 0x212 */
	uint32_t code32_start; /* 0x214 */
	uint32_t ramdisk_image; /* 0x218: initrd address, written by the loader */
	uint32_t ramdisk_size; /* 0x21c: initrd bytes, written by the loader */
	uint32_t bootsect_kludge; /* 0x220 */
	uint16_t heap_end_ptr; /* 0x224 */
	uint8_t ext_loader_ver; /* 0x226 */
	uint8_t ext_loader_type; /* 0x227 */
	uint32_t cmd_line_ptr; /* 0x228: command line address, written by the loader */
	uint32_t initrd_addr_max; /* 0x22c: highest address the initrd may occupy (inclusive) */
	uint32_t kernel_alignment; /* 0x230: physical alignment a relocatable kernel needs */
	uint8_t relocatable_kernel; /* 0x234 */
	uint8_t min_alignment; /* 0x235: log2 */
	uint16_t xloadflags; /* 0x236: BZ_XLF_KERNEL_64, ... */
	uint32_t cmdline_size; /* 0x238: longest command line, without the NUL */
	uint32_t hardware_subarch; /* 0x23c */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset; /* 0x248 */
	uint32_t payload_length; /* 0x24c */
	uint64_t setup_data; /* 0x250 */
	uint64_t pref_address; /* 0x258: preferred load address */
	uint32_t init_size; /* 0x260: bytes the kernel needs from its load address while it decompresses */
	uint32_t handover_offset; /* 0x264 */
	uint32_t kernel_info_offset; /* 0x268 */
} __attribute__((packed));

#define BZ_HDR_OFFSET 0x1f1
_Static_assert(sizeof(struct setup_header) == 0x26c - BZ_HDR_OFFSET, "setup_header is 0x1f1..0x26c");
_Static_assert(offsetof(struct setup_header, boot_flag) == 0x1fe - BZ_HDR_OFFSET, "boot_flag");
_Static_assert(offsetof(struct setup_header, header) == 0x202 - BZ_HDR_OFFSET, "header");
_Static_assert(offsetof(struct setup_header, type_of_loader) == 0x210 - BZ_HDR_OFFSET, "type_of_loader");
_Static_assert(offsetof(struct setup_header, ramdisk_image) == 0x218 - BZ_HDR_OFFSET, "ramdisk_image");
_Static_assert(offsetof(struct setup_header, cmd_line_ptr) == 0x228 - BZ_HDR_OFFSET, "cmd_line_ptr");
_Static_assert(offsetof(struct setup_header, kernel_alignment) == 0x230 - BZ_HDR_OFFSET, "alignment");
_Static_assert(offsetof(struct setup_header, xloadflags) == 0x236 - BZ_HDR_OFFSET, "xloadflags");
_Static_assert(offsetof(struct setup_header, cmdline_size) == 0x238 - BZ_HDR_OFFSET, "cmdline_size");
_Static_assert(offsetof(struct setup_header, pref_address) == 0x258 - BZ_HDR_OFFSET, "pref_address");
_Static_assert(offsetof(struct setup_header, init_size) == 0x260 - BZ_HDR_OFFSET, "init_size");

#define BZ_HDRS_MAGIC 0x53726448u /* "HdrS" */
#define BZ_BOOT_FLAG 0xaa55
#define BZ_MIN_VERSION 0x020c /* 2.12: XLF_KERNEL_64 and the 64-bit entry (boot.rst "64-bit BOOT PROTOCOL") */
#define BZ_LOADED_HIGH 0x01 /* loadflags: protected-mode code at 0x100000 or above (a bzImage) */
#define BZ_CAN_USE_HEAP 0x80
#define BZ_XLF_KERNEL_64 0x0001 /* xloadflags: has the 64-bit entry point at load address + 0x200 */
#define BZ_XLF_CAN_BE_LOADED_ABOVE_4G 0x0002
#define BZ_ENTRY64_OFFSET 0x200
#define BZ_LOADER_UNDEFINED 0xff /* type_of_loader for a loader without an assigned ID (boot.rst) */

/* One e820 entry of the zero page (boot_e820_entry): 20 bytes, packed. */
struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* BZ_E820_RAM, BZ_E820_RESERVED, ... */
} __attribute__((packed));
_Static_assert(sizeof(struct boot_e820_entry) == 20, "boot_e820_entry is 20 bytes");

#define BZ_E820_RAM 1
#define BZ_E820_RESERVED 2
#define BZ_E820_MAX 128

/* The zero page (boot.rst, zero-page.rst), 4096 bytes. Only the fields a 64-bit loader fills are named. */
struct boot_params {
	uint8_t screen_info[0x40]; /* 0x000 */
	uint8_t apm_bios_info[0x14]; /* 0x040 */
	uint8_t pad_0x054[4];
	uint64_t tboot_addr; /* 0x058 */
	uint8_t ist_info[0x10]; /* 0x060 */
	uint64_t acpi_rsdp_addr; /* 0x070 */
	uint8_t pad_0x078[8];
	uint8_t hd0_info[16]; /* 0x080 */
	uint8_t hd1_info[16]; /* 0x090 */
	uint8_t sys_desc_table[16]; /* 0x0a0 */
	uint8_t olpc_ofw_header[16]; /* 0x0b0 */
	uint32_t ext_ramdisk_image; /* 0x0c0 */
	uint32_t ext_ramdisk_size; /* 0x0c4 */
	uint32_t ext_cmd_line_ptr; /* 0x0c8 */
	uint8_t pad_0x0cc[0x13c - 0xcc];
	uint32_t cc_blob_address; /* 0x13c */
	uint8_t edid_info[0x80]; /* 0x140 */
	uint8_t efi_info[0x20]; /* 0x1c0 */
	uint32_t alt_mem_k; /* 0x1e0 */
	uint32_t scratch; /* 0x1e4 */
	uint8_t e820_entries; /* 0x1e8 */
	uint8_t eddbuf_entries; /* 0x1e9 */
	uint8_t edd_mbr_sig_buf_entries; /* 0x1ea */
	uint8_t kbd_status; /* 0x1eb */
	uint8_t secure_boot; /* 0x1ec */
	uint8_t pad_0x1ed[2];
	uint8_t sentinel; /* 0x1ef: 0 from a loader that fills the zero page field by field */
	uint8_t pad_0x1f0[1];
	struct setup_header hdr; /* 0x1f1 */
	uint8_t pad_0x26c[0x290 - 0x26c];
	uint32_t edd_mbr_sig_buffer[16]; /* 0x290 */
	struct boot_e820_entry e820_table[BZ_E820_MAX]; /* 0x2d0 */
	uint8_t pad_0xcd0[0xd00 - 0xcd0];
	uint8_t eddbuf[0x1ec]; /* 0xd00 */
	uint8_t pad_0xeec[0x1000 - 0xeec];
} __attribute__((packed));
_Static_assert(sizeof(struct boot_params) == 4096, "boot_params is one page");
_Static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
_Static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == 0x0c8, "ext_cmd_line_ptr");
_Static_assert(offsetof(struct boot_params, cc_blob_address) == 0x13c, "cc_blob_address");
_Static_assert(offsetof(struct boot_params, alt_mem_k) == 0x1e0, "alt_mem_k");
_Static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "e820_entries");
_Static_assert(offsetof(struct boot_params, sentinel) == 0x1ef, "sentinel");
_Static_assert(offsetof(struct boot_params, hdr) == BZ_HDR_OFFSET, "hdr");
_Static_assert(offsetof(struct boot_params, edd_mbr_sig_buffer) == 0x290, "edd_mbr_sig_buffer");
_Static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820_table");
_Static_assert(offsetof(struct boot_params, eddbuf) == 0xd00, "eddbuf");

/* What bzimage_parse found and chose. Addresses are guest-physical, sizes in bytes. */
struct bzimage_info {
	uint16_t version; /* boot protocol version (>= BZ_MIN_VERSION) */
	uint64_t setup_size; /* (setup_sects or 4, + 1) * 512: the real-mode part, not loaded for a 64-bit entry */
	uint64_t kernel_off, kernel_size; /* the protected-mode kernel in the file: [kernel_off, kernel_off + size) */
	uint64_t load_addr; /* where it goes: pref_address, or the lowest kernel_alignment multiple that fits */
	uint64_t entry64; /* load_addr + BZ_ENTRY64_OFFSET */
	uint64_t init_size; /* the kernel occupies [load_addr, load_addr + init_size) while it decompresses */
	uint32_t cmdline_size; /* longest command line the kernel takes (without the NUL) */
	uint64_t initrd_addr_max; /* highest byte an initrd may occupy (inclusive) */
	uint64_t hdr_len; /* bytes of setup header the image has from 0x1f1 (copied into the zero page) */
};

/*
 * Validate the bzImage img[0..len) for the 64-bit boot protocol and choose its load address inside guest RAM
 * [lo, hi): the boot flag and "HdrS" magic, protocol >= 2.12, XLF_KERNEL_64, LOADED_HIGH (a bzImage), setup_sects
 * and syssize inside the file (16 * syssize may end up to 15 bytes past it: syssize rounds up to a paragraph),
 * init_size >= the kernel, a power-of-two kernel_alignment when relocatable. The kernel goes at pref_address when [pref_address, + init_size) lies in [lo, hi) (and pref_address is aligned for a
 * relocatable kernel); otherwise a relocatable kernel goes at the lowest kernel_alignment multiple >= lo that fits,
 * and a non-relocatable one is rejected. Returns 0 and fills *out, or -1 with a static reason in *why
 * ("not a bzImage (no HdrS magic)", "boot protocol 2.11 is older than 2.12", ...). Reads only img[0..len).
 */
int bzimage_parse(const void *img, size_t len, uint64_t lo, uint64_t hi, struct bzimage_info *out, const char **why);

/*
 * Start the zero page for the image bzimage_parse accepted: all zeros, then the image's setup header (info->hdr_len
 * bytes from 0x1f1), type_of_loader = BZ_LOADER_UNDEFINED, loadflags with LOADED_HIGH kept and CAN_USE_HEAP cleared
 * (no real-mode heap), cmd_line_ptr, and no initrd and no e820 entries.
 */
void bzimage_boot_params(struct boot_params *bp, const void *img, const struct bzimage_info *info,
			 uint32_t cmd_line_ptr);

/* Append an e820 entry [addr, addr + size) of type to bp. Returns 0, or -1 when the table is full or size is 0. */
int bzimage_add_e820(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type);

/*
 * Place an initrd of size bytes for the kernel bzimage_parse accepted, in guest RAM [lo, hi): as high as possible,
 * page-aligned, at or below initrd_addr_max, clear of the kernel's [load_addr, load_addr + init_size). Returns its
 * address, or 0 when it does not fit (*why says so).
 */
uint64_t bzimage_place_initrd(const struct bzimage_info *info, uint64_t size, uint64_t lo, uint64_t hi,
			      const char **why);

/* Record the initrd at addr (size bytes) in bp (ramdisk_image/size; the ext_ fields for the upper halves). */
void bzimage_set_initrd(struct boot_params *bp, uint64_t addr, uint64_t size);

#endif
