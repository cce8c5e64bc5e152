/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of lib/bzimage.c: a synthetic bzImage accepted with the expected load address, entry and sizes;
 * every rejection (magic, boot flag, protocol, XLF_KERNEL_64, LOADED_HIGH, setup_sects, syssize, init_size,
 * alignment, RAM) with its reason; load-address choice (pref_address, relocation, non-relocatable); the zero page
 * (header copy, loader fields, e820, initrd placement); and Debian's kernel when the Linux scenario downloaded it.
 */
#define UNIT_MODULE "bzimage"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bzimage.h"
#include "unit.h"

#define MIB (1ull << 20)

static uint8_t img[64 * 1024];

static void st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* A bzImage laid out like Debian's: 2 setup sectors + boot sector, then `kernel` bytes of protected-mode code. */
static size_t make_image(unsigned kernel)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = 2;
	st32(img + 0x1f4, kernel / 16);
	st16(img + 0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a; /* header ends at 0x26c */
	st32(img + 0x202, BZ_HDRS_MAGIC);
	st16(img + 0x206, 0x020f);
	img[0x211] = BZ_LOADED_HIGH | BZ_CAN_USE_HEAP;
	st32(img + 0x214, 0x100000);
	st32(img + 0x22c, 0x7fffffff);
	st32(img + 0x230, 0x200000);
	img[0x234] = 1;
	img[0x235] = 21;
	st16(img + 0x236, 0x7f);
	st32(img + 0x238, 2047);
	st64(img + 0x258, 0x1000000);
	st32(img + 0x260, 4 * MIB);
	for (unsigned i = 0; i < kernel; i++)
		img[3 * 512 + i] = (uint8_t)(i * 7);
	return 3 * 512 + kernel;
}

static void expect_reject(size_t len, uint64_t lo, uint64_t hi, const char *want, const char *what)
{
	struct bzimage_info info;
	const char *why = NULL;
	int rc = bzimage_parse(img, len, lo, hi, &info, &why);
	CHECK(rc == -1 && why && !strcmp(why, want), "%s: rejected with \"%s\" (rc %d, why \"%s\")", what, want, rc,
	      why ? why : "(none)");
}

static void test_accept(void)
{
	struct bzimage_info info;
	const char *why = NULL;
	size_t len = make_image(8192);

	int rc = bzimage_parse(img, len, MIB, 256 * MIB, &info, &why);
	CHECK(rc == 0, "synthetic bzImage accepted (%s)", rc ? why : "ok");
	CHECK(info.version == 0x020f && info.setup_size == 1536 && info.kernel_off == 1536 && info.kernel_size == 8192,
	      "version, setup and kernel sizes: %#x %llu %llu %llu", info.version, (unsigned long long)info.setup_size,
	      (unsigned long long)info.kernel_off, (unsigned long long)info.kernel_size);
	CHECK(info.load_addr == 0x1000000 && info.entry64 == 0x1000200 && info.init_size == 4 * MIB,
	      "loaded at pref_address 16 MiB, entry at +0x200, init_size 4 MiB");
	CHECK(info.cmdline_size == 2047 && info.initrd_addr_max == 0x7fffffff && info.hdr_len == 0x26c - 0x1f1,
	      "cmdline_size, initrd_addr_max, header length");

	img[0x1f1] = 0; /* setup_sects 0 means 4 */
	st32(img + 0x1f4, 4096 / 16);
	rc = bzimage_parse(img, len, MIB, 256 * MIB, &info, &why);
	CHECK(rc == 0 && info.setup_size == 5 * 512 && info.kernel_size == len - 5 * 512,
	      "setup_sects 0 means 4 (setup 2560 bytes)");
	make_image(8192);

	/* pref_address outside RAM: a relocatable kernel moves to the lowest aligned address >= lo */
	rc = bzimage_parse(img, len, 3 * MIB, 18 * MIB, &info, &why);
	CHECK(rc == 0 && info.load_addr == 4 * MIB && info.entry64 == 4 * MIB + 0x200,
	      "relocated to 4 MiB when 16 MiB + init_size does not fit in [3, 18) MiB (got %#llx)",
	      (unsigned long long)info.load_addr);
	st64(img + 0x258, 0x1100000); /* misaligned pref_address: relocate */
	rc = bzimage_parse(img, len, MIB, 256 * MIB, &info, &why);
	CHECK(rc == 0 && info.load_addr == 2 * MIB, "misaligned pref_address relocated to the first 2 MiB multiple");
	img[0x234] = 0; /* not relocatable: must go at pref_address */
	st64(img + 0x258, 0x1000000);
	rc = bzimage_parse(img, len, MIB, 256 * MIB, &info, &why);
	CHECK(rc == 0 && info.load_addr == 0x1000000, "non-relocatable kernel at pref_address");
	expect_reject(len, MIB, 18 * MIB, "non-relocatable kernel's pref_address (with init_size) is outside guest RAM",
		      "non-relocatable kernel beyond RAM");
}

static void test_reject(void)
{
	size_t len = make_image(8192);

	expect_reject(0x100, MIB, 256 * MIB, "not a bzImage (no HdrS magic at 0x202)", "256-byte file");
	img[0x203] ^= 1;
	expect_reject(len, MIB, 256 * MIB, "not a bzImage (no HdrS magic at 0x202)", "bad magic");
	make_image(8192);
	st16(img + 0x1fe, 0);
	expect_reject(len, MIB, 256 * MIB, "bzImage boot_flag is not 0xAA55", "boot flag");
	make_image(8192);
	img[0x201] = 0xff;
	expect_reject(0x280, MIB, 256 * MIB, "bzImage setup header runs past the end of the file", "header past end");
	make_image(8192);
	st16(img + 0x206, 0x020b);
	expect_reject(len, MIB, 256 * MIB, "boot protocol older than 2.12 (no 64-bit entry)", "protocol 2.11");
	make_image(8192);
	img[0x201] = 0x40;
	expect_reject(len, MIB, 256 * MIB, "bzImage setup header too short for its protocol version", "short header");
	/* found by fuzz_bzimage: a file of 0x206 bytes whose header ends there had its version read past the end */
	make_image(8192);
	img[0x201] = 4;
	uint8_t *cut = malloc(0x206);
	memcpy(cut, img, 0x206);
	struct bzimage_info ci;
	const char *cwhy = NULL;
	int crc = bzimage_parse(cut, 0x206, MIB, 256 * MIB, &ci, &cwhy);
	CHECK(crc == -1 && cwhy && !strcmp(cwhy, "bzImage setup header ends before its version field"),
	      "a 0x206-byte file whose header ends at 0x206: rejected, nothing read past it (rc %d, why \"%s\")", crc,
	      cwhy ? cwhy : "");
	free(cut);
	make_image(8192);
	st16(img + 0x236, 0x7e);
	expect_reject(len, MIB, 256 * MIB, "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)", "no XLF_KERNEL_64");
	make_image(8192);
	img[0x211] = 0;
	expect_reject(len, MIB, 256 * MIB, "not a bzImage (zImage: LOADED_HIGH clear)", "zImage");
	make_image(8192);
	img[0x1f1] = 200;
	expect_reject(len, MIB, 256 * MIB, "setup_sects puts the kernel past the end of the file", "setup_sects");
	make_image(8192);
	expect_reject(len - 16, MIB, 256 * MIB, "syssize does not match the file (truncated image?)", "truncated");
	/* syssize rounds the kernel up to a 16-byte paragraph (memtest86+ 6.10: 8 bytes past its file) */
	for (unsigned short_by = 1; short_by <= 16; short_by++) {
		struct bzimage_info info;
		const char *why = NULL;
		int rc = bzimage_parse(img, len - short_by, MIB, 256 * MIB, &info, &why);
		CHECK(short_by < 16 ? rc == 0 && info.kernel_size == 8192 - short_by : rc == -1,
		      "file %u bytes short of syssize * 16: %s (rc %d, %s)", short_by,
		      short_by < 16 ? "accepted (rounded up to a paragraph)" : "rejected", rc, why ? why : "ok");
	}
	st32(img + 0x1f4, 0);
	expect_reject(len, MIB, 256 * MIB, "syssize does not match the file (truncated image?)", "syssize 0");
	make_image(8192);
	st32(img + 0x260, 4096);
	expect_reject(len, MIB, 256 * MIB, "init_size is smaller than the kernel", "init_size");
	make_image(8192);
	st32(img + 0x230, 0x3000);
	expect_reject(len, MIB, 256 * MIB, "kernel_alignment is not a power of two of at least 4 KiB", "alignment");
	make_image(8192);
	expect_reject(len, MIB, 4 * MIB, "kernel (init_size) does not fit in guest RAM", "RAM too small");
	expect_reject(len, 0xffffffffffe00001ull, ~0ull, "kernel (init_size) does not fit in guest RAM",
		      "alignment wraps at the top of the address space");
}

static void test_boot_params(void)
{
	static struct boot_params bp;
	struct bzimage_info info;
	const char *why = NULL;
	size_t len = make_image(8192);

	bzimage_parse(img, len, MIB, 256 * MIB, &info, &why);
	memset(&bp, 0xcc, sizeof(bp));
	bzimage_boot_params(&bp, img, &info, 0x21000);
	CHECK(bp.hdr.header == BZ_HDRS_MAGIC && bp.hdr.version == 0x020f && bp.hdr.pref_address == 0x1000000 &&
		      bp.hdr.init_size == 4 * MIB && bp.hdr.setup_sects == 2,
	      "setup header copied into the zero page");
	CHECK(bp.hdr.type_of_loader == 0xff && bp.hdr.loadflags == BZ_LOADED_HIGH && bp.hdr.cmd_line_ptr == 0x21000,
	      "type_of_loader 0xff, loadflags LOADED_HIGH without CAN_USE_HEAP, cmd_line_ptr");
	CHECK(bp.e820_entries == 0 && bp.sentinel == 0 && bp.ext_cmd_line_ptr == 0 && bp.acpi_rsdp_addr == 0 &&
		      bp.hdr.ramdisk_image == 0 && bp.hdr.ramdisk_size == 0,
	      "everything else zero");
	CHECK(bzimage_add_e820(&bp, 0, 0x9fc00, BZ_E820_RAM) == 0 &&
		      bzimage_add_e820(&bp, MIB, 255 * MIB, BZ_E820_RAM) == 0 && bp.e820_entries == 2 &&
		      bp.e820_table[1].addr == MIB && bp.e820_table[1].size == 255 * MIB && bp.e820_table[1].type == 1,
	      "e820 entries appended");
	CHECK(bzimage_add_e820(&bp, MIB, 0, BZ_E820_RAM) == -1, "empty e820 entry refused");
	int full = 0;
	while (bzimage_add_e820(&bp, 0, 1, BZ_E820_RESERVED) == 0)
		full++;
	CHECK(bp.e820_entries == BZ_E820_MAX && full == BZ_E820_MAX - 2, "e820 table stops at 128 entries");

	uint64_t a = bzimage_place_initrd(&info, 3 * MIB + 5, MIB, 256 * MIB, &why);
	CHECK(a == ((256 * MIB - (3 * MIB + 5)) & ~4095ull) && a % 4096 == 0, "initrd at the top of RAM, page-aligned");
	a = bzimage_place_initrd(&info, 240 * MIB, MIB, 256 * MIB, &why);
	CHECK(a == 0 && !strcmp(why, "initrd does not fit in guest RAM beside the kernel"),
	      "initrd overlapping the kernel refused (%s)", why);
	a = bzimage_place_initrd(&info, 10 * MIB, MIB, 24 * MIB, &why);
	CHECK(a != 0 && a + 10 * MIB <= info.load_addr && a >= MIB, "initrd below the kernel when above is too small");
	info.initrd_addr_max = 64 * MIB - 1;
	a = bzimage_place_initrd(&info, MIB, MIB, 256 * MIB, &why);
	CHECK(a == 63 * MIB, "initrd_addr_max honoured");
	a = bzimage_place_initrd(&info, 0, MIB, 256 * MIB, &why);
	CHECK(a == 0 && !strcmp(why, "empty initrd"), "empty initrd refused");
	bzimage_set_initrd(&bp, 0x123456000ull, 0x200000001ull);
	CHECK(bp.hdr.ramdisk_image == 0x23456000 && bp.ext_ramdisk_image == 1 && bp.hdr.ramdisk_size == 1 &&
		      bp.ext_ramdisk_size == 2,
	      "initrd address and size split into the header and ext_ fields");
}

/* Every cut of a valid image is rejected, never read past (the copy is exactly len bytes: ASan checks). */
static void test_cuts(void)
{
	size_t len = make_image(4096);
	int bad = 0;
	for (size_t n = 0; n < len; n += (n < 0x300 ? 1 : 61)) {
		uint8_t *p = malloc(n ? n : 1);
		struct bzimage_info info;
		const char *why = NULL;
		memcpy(p, img, n);
		if (bzimage_parse(p, n, MIB, 256 * MIB, &info, &why) != -1 || !why)
			bad++;
		free(p);
	}
	CHECK(bad == 0, "every truncation of the image is rejected with a reason (%d accepted)", bad);
}

/* Debian's kernel, when the Linux scenario has extracted it (tests/linux/prepare.py) */
static void test_debian(void)
{
	const char *path = "build/linux/vmlinuz";
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("SKIP: bzimage: %s not present (the Linux scenario downloads it)\n", path);
		return;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n);
	size_t got = fread(b, 1, (size_t)n, f);
	fclose(f);
	struct bzimage_info info;
	const char *why = NULL;
	int rc = got == (size_t)n ? bzimage_parse(b, (size_t)n, MIB, 256 * MIB, &info, &why) : -1;
	CHECK(rc == 0 && info.load_addr == 0x1000000 && info.version >= 0x020c && info.kernel_off % 512 == 0,
	      "Debian kernel %s accepted: protocol %#x, load at %#llx, init_size %llu (%s)", path, info.version,
	      (unsigned long long)info.load_addr, (unsigned long long)info.init_size, rc ? why : "ok");
	free(b);
}

int main(void)
{
	test_accept();
	test_reject();
	test_boot_params();
	test_cuts();
	test_debian();
	return unit_done();
}
