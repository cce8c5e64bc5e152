/* SPDX-License-Identifier: MIT */
/* memtype.h — the memory type a physical range gets in hvmm's own page tables, from the multiboot2 memory map. */
#ifndef HVMM_LIB_MEMTYPE_H
#define HVMM_LIB_MEMTYPE_H
#include <stdint.h>

#include "mb2.h"

enum memtype {
	MEMTYPE_UC, /* no byte of the range is RAM: uncacheable (MMIO, holes, reserved) */
	MEMTYPE_WB, /* every byte is RAM and none lies in a non-RAM entry: write-back */
	MEMTYPE_MIXED, /* both: map it with smaller pages */
};

/* Multiboot2 memory types that are RAM (spec §3.6.8): 1 available, 3 ACPI reclaimable, 4 ACPI NVS. */
int memtype_is_ram(uint32_t type);

/* The type of [start, end) (start < end) under the n entries of map. Entries may overlap and be unsorted; an entry
 * whose base + length wraps ends at 2^64. A range touched by any non-RAM entry is never WB. */
enum memtype memtype_classify(const struct mb2_mmap_entry *map, unsigned n, uint64_t start, uint64_t end);

/* The end of the highest RAM entry (0 if none). */
uint64_t memtype_ram_top(const struct mb2_mmap_entry *map, unsigned n);

#endif
