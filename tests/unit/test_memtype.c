/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/memtype.c: WB/UC/mixed for QEMU's and a UEFI-like memory map, overlapping and unsorted
 * entries, holes between touching RAM entries, wrapping entries, and a brute-force byte-class reference on random
 * maps. */
#define UNIT_MODULE "memtype"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "memtype.h"
#include "unit.h"

#define M (1ull << 20)
#define G (1ull << 30)

static struct mb2_mmap_entry E(uint64_t base, uint64_t len, uint32_t type)
{
	struct mb2_mmap_entry e;
	memset(&e, 0, sizeof(e));
	e.base_addr = base;
	e.length = len;
	e.type = type;
	return e;
}

/* The reference: classify byte by byte over a small space (each "byte" is a unit of 4 KiB here). */
static enum memtype reference(const struct mb2_mmap_entry *map, unsigned n, uint64_t start, uint64_t end)
{
	int ram = 0, other = 0, hole = 0;
	for (uint64_t p = start; p < end; p += 4096) {
		int r = 0, o = 0;
		for (unsigned i = 0; i < n; i++) {
			if (!map[i].length || p < map[i].base_addr || p >= map[i].base_addr + map[i].length)
				continue;
			if (memtype_is_ram(map[i].type))
				r = 1;
			else
				o = 1;
		}
		ram |= r;
		other |= o;
		hole |= !r;
	}
	if (!ram)
		return MEMTYPE_UC;
	return other || hole ? MEMTYPE_MIXED : MEMTYPE_WB;
}

int main(void)
{
	/* QEMU -m 6G with SeaBIOS (what the mem-6g scenario sees). */
	const struct mb2_mmap_entry qemu[] = {
		E(0, 0x9fc00, 1), E(0x9fc00, 0x400, 2), E(0xf0000, 0x10000, 2), E(0x100000, 0xbfee0000, 1),
		E(0xbffe0000, 0x20000, 2), E(0xfeffc000, 0x4000, 2), E(0xfffc0000, 0x40000, 2), E(4 * G, 3 * G, 1),
	};
	unsigned nq = sizeof(qemu) / sizeof(qemu[0]);
	CHECK(memtype_classify(qemu, nq, 0, 2 * M) == MEMTYPE_MIXED, "qemu: first 2 MiB mixed (EBDA, BIOS)");
	CHECK(memtype_classify(qemu, nq, 0, 0x9f000) == MEMTYPE_WB, "qemu: low RAM WB");
	CHECK(memtype_classify(qemu, nq, 0x9f000, 0xa0000) == MEMTYPE_MIXED, "qemu: the page with the EBDA start mixed");
	CHECK(memtype_classify(qemu, nq, 0xa0000, 0xf0000) == MEMTYPE_UC, "qemu: VGA hole UC (in no entry)");
	CHECK(memtype_classify(qemu, nq, 2 * M, 3 * G - 2 * M) == MEMTYPE_WB, "qemu: RAM below 3 GiB WB");
	CHECK(memtype_classify(qemu, nq, 3 * G - 2 * M, 3 * G) == MEMTYPE_MIXED, "qemu: last 2 MiB below 3 GiB mixed");
	CHECK(memtype_classify(qemu, nq, 3 * G, 4 * G) == MEMTYPE_UC, "qemu: 3-4 GiB (MMIO) UC");
	CHECK(memtype_classify(qemu, nq, 4 * G, 7 * G) == MEMTYPE_WB, "qemu: RAM above 4 GiB WB");
	CHECK(memtype_classify(qemu, nq, 7 * G - 2 * M, 7 * G + 2 * M) == MEMTYPE_MIXED, "qemu: end of RAM mixed");
	CHECK(memtype_ram_top(qemu, nq) == 7 * G, "qemu: RAM top 7 GiB");

	/* Touching RAM entries of different RAM types are WB together; a one-page gap makes them mixed. */
	const struct mb2_mmap_entry touch[] = { E(0, 1 * M, 1), E(1 * M, 1 * M, 3), E(2 * M + 4096, 2 * M, 4) };
	CHECK(memtype_classify(touch, 3, 0, 2 * M) == MEMTYPE_WB, "types 1 and 3 touching: WB");
	CHECK(memtype_classify(touch, 3, 0, 4 * M) == MEMTYPE_MIXED, "a one-page gap: mixed");
	CHECK(memtype_classify(touch, 3, 2 * M + 4096, 4 * M) == MEMTYPE_WB, "ACPI NVS alone: WB");

	/* Overlapping and unsorted: RAM twice over the same bytes does not cover a hole; reserved inside RAM wins. */
	const struct mb2_mmap_entry ovl[] = { E(1 * M, 1 * M, 1), E(0, 1 * M + 4096, 1), E(0, 1 * M + 4096, 1) };
	CHECK(memtype_classify(ovl, 3, 0, 2 * M) == MEMTYPE_WB, "overlapping RAM entries cover [0, 2 MiB): WB");
	const struct mb2_mmap_entry dup[] = { E(0, 1 * M, 1), E(0, 1 * M, 1) };
	CHECK(memtype_classify(dup, 2, 0, 2 * M) == MEMTYPE_MIXED, "the same entry twice does not cover 2 MiB");
	const struct mb2_mmap_entry res[] = { E(0, 4 * M, 1), E(1 * M, 4096, 2) };
	CHECK(memtype_classify(res, 2, 0, 2 * M) == MEMTYPE_MIXED, "reserved page inside RAM: mixed");
	CHECK(memtype_classify(res, 2, 1 * M, 1 * M + 4096) == MEMTYPE_MIXED, "that page itself: mixed, never WB");
	CHECK(memtype_classify(res, 2, 2 * M, 4 * M) == MEMTYPE_WB, "RAM beside it: WB");

	/* Zero-length and wrapping entries. */
	const struct mb2_mmap_entry odd[] = { E(0, 0, 2), E(0, 2 * M, 1), E(~0ull - 4095, 8192, 1) };
	CHECK(memtype_classify(odd, 3, 0, 2 * M) == MEMTYPE_WB, "a zero-length reserved entry changes nothing");
	CHECK(memtype_classify(odd, 3, ~0ull - 4095, ~0ull) == MEMTYPE_WB, "an entry that wraps ends at 2^64");
	CHECK(memtype_ram_top(odd, 3) == ~0ull, "ram top of a wrapping entry is 2^64 - 1");
	CHECK(memtype_ram_top(odd, 0) == 0, "no entries: ram top 0");

	/* Random maps over 64 MiB against the page-by-page reference. */
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned wrong = 0, total = 0;
	for (int round = 0; round < 300; round++) {
		struct mb2_mmap_entry map[12];
		unsigned n = 1 + unit_random(&rng) % 12;
		for (unsigned i = 0; i < n; i++) {
			static const uint32_t types[] = { 1, 1, 1, 2, 3, 4, 5 };
			map[i] = E((unit_random(&rng) % 16384) * 4096, (unit_random(&rng) % 4096) * 4096,
				   types[unit_random(&rng) % 7]);
		}
		for (int k = 0; k < 20; k++) {
			uint64_t s = (unit_random(&rng) % 16384) * 4096, len = (1 + unit_random(&rng) % 1024) * 4096;
			total++;
			if (memtype_classify(map, n, s, s + len) != reference(map, n, s, s + len))
				wrong++;
		}
	}
	CHECK(wrong == 0, "6000 random ranges over random maps agree with a page-by-page reference (%u wrong of %u)", wrong,
	      total);
	return unit_done();
}
