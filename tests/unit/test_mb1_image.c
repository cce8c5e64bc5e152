/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/mb1.c's OS-image side: finding the multiboot v1 header and working out the load (ELF32 and
 * the a.out kludge), with every rejection the loader documents. */
#define UNIT_MODULE "mb1_image"
#include <stdint.h>
#include <string.h>

#include "mb1.h"
#include "unit.h"

#define LO 0x100000u
#define HI 0x1000000u

static uint8_t img[16384];

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* A header at off with flags (checksum right). */
static void header(size_t off, uint32_t flags)
{
	put32(img + off, MB1_HEADER_MAGIC);
	put32(img + off + 4, flags);
	put32(img + off + 8, (uint32_t)-(MB1_HEADER_MAGIC + flags));
}

/* An a.out-kludge image: the header at file offset 0x40 describes a load at 0x100000. */
static void aout(uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	memset(img, 0, sizeof(img));
	header(0x40, MB1_HDR_AOUT_KLUDGE);
	put32(img + 0x4c, LO + 0x40); /* header_addr */
	put32(img + 0x50, LO); /* load_addr */
	put32(img + 0x54, load_end);
	put32(img + 0x58, bss_end);
	put32(img + 0x5c, entry);
}

/* An ELF32 image with one PT_LOAD of filesz/memsz at paddr (vaddr = paddr + vdelta), header in the segment. */
static void elf32(uint32_t paddr, uint32_t vdelta, uint32_t filesz, uint32_t memsz, uint32_t entry, uint16_t machine)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF\1\1\1", 7);
	put16(img + 16, 2);
	put16(img + 18, machine);
	put32(img + 24, entry);
	put32(img + 28, 52);
	put16(img + 42, 32);
	put16(img + 44, 1);
	uint8_t *ph = img + 52;
	put32(ph, 1);
	put32(ph + 4, 0);
	put32(ph + 8, paddr + vdelta);
	put32(ph + 12, paddr);
	put32(ph + 16, filesz);
	put32(ph + 20, memsz);
	header(0x100, MB1_HDR_MEMORY_INFO);
}

static const char *parse(size_t len, struct mb1_image *im)
{
	const char *why = NULL;
	/* hvmm's free RAM for a 16 MiB guest (loader_mb1.c): above its boot data, below the EBDA, and from 1 MiB */
	static const struct mb1_range ram[] = { { 0x4000, 0x9fc00 }, { LO, HI } };
	return mb1_image_parse(img, len, ram, 2, im, &why) == 0 ? NULL : why;
}

int main(void)
{
	struct mb1_image im;
	const char *why;

	elf32(LO, 0, 0x1000, 0x3000, LO + 0x200, 3);
	why = parse(0x1000, &im);
	CHECK(!why && im.nseg == 1 && im.entry == LO + 0x200 && im.seg[0].memsz == 0x3000 && im.end == LO + 0x3000 &&
	      !im.aout_kludge && im.header_off == 0x100, "ELF32 kernel: one segment, entry, end (%s)", why ? why : "ok");
	elf32(LO, 0xc0000000u, 0x1000, 0x1000, 0xc0000000u + LO + 0x10, 3);
	why = parse(0x1000, &im);
	CHECK(!why && im.entry == LO + 0x10, "ELF32 higher-half: e_entry translated to the physical address");
	elf32(LO, 0, 0x1000, 0x1000, LO, 62);
	CHECK(parse(0x1000, &im) != NULL, "ELF32 for another machine is rejected");
	elf32(LO, 0, 0x1000, 0x800, LO, 3);
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "more file bytes"), "p_filesz > p_memsz rejected (%s)", why ? why : "accepted");
	elf32(0x8000, 0, 0x1000, 0x1000, 0x8000, 3);
	why = parse(0x1000, &im);
	CHECK(!why && im.entry == 0x8000 && im.seg[0].pa == 0x8000, "segment in free RAM below 1 MiB loads (%s)",
	      why ? why : "ok");
	elf32(0x4000, 0, 0x1000, 0x9fc00 - 0x4000, 0x4000, 3);
	why = parse(0x1000, &im);
	CHECK(!why, "segment filling the free RAM below 1 MiB exactly loads (%s)", why ? why : "ok");
	static const uint32_t reserved[][2] = { { 0, 0x1000 }, { 0x3000, 0x1001 }, { 0x9f000, 0x1000 },
						{ 0x9fc00, 0x400 }, { 0xa0000, 0x1000 }, { 0xf0000, 0x10000 },
						{ 0x9f000, 0x62000 }, { 0xff000, 0x2000 } };
	for (unsigned i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		elf32(reserved[i][0], 0, reserved[i][1] < 0x1000 ? reserved[i][1] : 0x1000, reserved[i][1], reserved[i][0], 3);
		why = parse(0x1000, &im);
		CHECK(why && strstr(why, "not free RAM"), "segment [0x%x, +0x%x) over reserved memory rejected (%s)",
		      reserved[i][0], reserved[i][1], why ? why : "accepted");
	}
	elf32(HI - 0x1000, 0, 0x1000, 0x2000, HI - 0x1000, 3);
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "beyond guest RAM"), "segment beyond RAM rejected");
	elf32(LO, 0, 0x2000, 0x2000, LO, 3);
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "beyond the end of the file"), "segment data beyond the file rejected");
	elf32(LO, 0, 0x1000, 0x1000, LO + 0x5000, 3);
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "entry point outside"), "entry outside the image rejected");

	aout(LO + 0x800, LO + 0x2000, LO + 0x80);
	why = parse(0x1000, &im);
	CHECK(!why && im.aout_kludge && im.nseg == 1 && im.seg[0].file_off == 0 && im.seg[0].filesz == 0x800 &&
	      im.seg[0].memsz == 0x2000 && im.entry == LO + 0x80, "a.out kludge: address fields decide the load (%s)",
	      why ? why : "ok");
	aout(0, 0, LO + 0x80);
	why = parse(0x1000, &im);
	CHECK(!why && im.seg[0].filesz == 0x1000, "a.out kludge: load_end_addr 0 loads to the end of the file");
	aout(LO + 0x800, LO + 0x400, LO);
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "bss_end_addr"), "bss_end below load_end rejected");
	aout(LO + 0x800, 0, LO);
	put32(img + 0x50, LO + 0x100); /* load_addr above header_addr */
	put32(img + 0x48, (uint32_t)-(MB1_HEADER_MAGIC + MB1_HDR_AOUT_KLUDGE)); /* checksum unchanged */
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "load_addr above header_addr"), "load_addr above header_addr rejected");
	aout(LO + 0x800, 0, LO);
	put32(img + 0x4c, LO + 0x1000); /* header_addr claims 4 KiB of file before the header: only 0x40 exist */
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "before the start"), "load_addr before the file start rejected");

	memset(img, 0, sizeof(img));
	header(8192, MB1_HDR_AOUT_KLUDGE);
	CHECK(mb1_find_header(img, sizeof(img)) < 0, "a header beyond the first 8192 bytes is not found");
	header(8180, 0);
	CHECK(mb1_find_header(img, sizeof(img)) == 8180, "a header ending at byte 8192 is found");
	memset(img, 0, sizeof(img));
	header(0x10, 0);
	put32(img + 0x18, 0);
	CHECK(mb1_find_header(img, sizeof(img)) < 0, "a bad checksum is no header");
	memset(img, 0, sizeof(img));
	header(0x11 & ~3u, 0);
	CHECK(mb1_find_header(img, 3) < 0 && mb1_find_header(img, 0) < 0, "images shorter than a header have none");
	elf32(LO, 0, 0x1000, 0x1000, LO, 3);
	header(0x100, MB1_HDR_MEMORY_INFO | (1u << 3));
	why = parse(0x1000, &im);
	CHECK(why && strstr(why, "requires a feature"), "an unknown required flag (bit 3) is rejected");
	elf32(LO, 0, 0x1000, 0x1000, LO, 3);
	header(0x100, MB1_HDR_AOUT_KLUDGE);
	why = parse(0x10c, &im);
	CHECK(why && strstr(why, "cut short"), "address fields cut off by the end of the file");
	return unit_done();
}
