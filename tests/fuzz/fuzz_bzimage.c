/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/bzimage.c: bytes 0-7 give the guest RAM size hi (little-endian, reduced to at most
 * 16 GiB), bytes 8-11 an initrd size; the rest is the image, copied to a heap buffer of exactly its size. When the
 * image is accepted, the promises of bzimage.h must hold: the kernel's [load_addr, load_addr + init_size) inside
 * [1 MiB, hi), entry at load_addr + 0x200, the kernel part inside the file, the header copy inside the file; the zero
 * page is filled and an initrd, when placed, is page-aligned, inside RAM, below initrd_addr_max and clear of the
 * kernel. A rejection always has a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bzimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIB (1ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_params bp;
	uint64_t hi = 0;
	uint32_t initrd = 0;

	if (size < 12)
		return 0;
	for (int i = 0; i < 8; i++)
		hi |= (uint64_t)data[i] << (8 * i);
	for (int i = 0; i < 4; i++)
		initrd |= (uint32_t)data[8 + i] << (8 * i);
	hi %= 16ull << 30;
	size_t len = size - 12;
	uint8_t *img = malloc(len ? len : 1);
	if (!img)
		return 0;
	memcpy(img, data + 12, len);

	struct bzimage_info info;
	const char *why = NULL;
	if (bzimage_parse(img, len, MIB, hi, &info, &why) != 0) {
		if (!why || !why[0])
			abort();
		free(img);
		return 0;
	}
	if (info.load_addr < MIB || info.load_addr > hi || info.init_size > hi - info.load_addr ||
	    info.entry64 != info.load_addr + BZ_ENTRY64_OFFSET || info.version < BZ_MIN_VERSION)
		abort();
	if (info.kernel_off != info.setup_size || info.kernel_off + info.kernel_size != len || info.kernel_size == 0 ||
	    info.init_size < info.kernel_size)
		abort();
	if (info.hdr_len > sizeof(struct setup_header) || BZ_HDR_OFFSET + info.hdr_len > len)
		abort();
	bzimage_boot_params(&bp, img, &info, 0x21000);
	if (bp.hdr.header != BZ_HDRS_MAGIC || bp.hdr.type_of_loader != BZ_LOADER_UNDEFINED || bp.e820_entries)
		abort();
	if (initrd) {
		uint64_t a = bzimage_place_initrd(&info, initrd, MIB, hi, &why);
		if (a) {
			if (a % 4096 || a < MIB || a + initrd > hi || a + initrd - 1 > info.initrd_addr_max ||
			    (a < info.load_addr + info.init_size && a + initrd > info.load_addr))
				abort();
			bzimage_set_initrd(&bp, a, initrd);
		} else if (!why || !why[0]) {
			abort();
		}
	}
	free(img);
	return 0;
}
