/* SPDX-License-Identifier: MIT */
/* memtype.c — classify physical ranges as WB/UC/mixed from the memory map (lib/memtype.h); no hardware access. */
#include "memtype.h"

int memtype_is_ram(uint32_t type) { return type == 1 || type == 3 || type == 4; }

static uint64_t entry_end(const struct mb2_mmap_entry *e)
{
	uint64_t t = e->base_addr + e->length;
	return t < e->base_addr ? ~0ull : t;
}

enum memtype memtype_classify(const struct mb2_mmap_entry *map, unsigned n, uint64_t start, uint64_t end)
{
	int ram = 0, other = 0;
	for (unsigned i = 0; i < n; i++) {
		if (entry_end(&map[i]) <= start || map[i].base_addr >= end || map[i].length == 0)
			continue;
		if (memtype_is_ram(map[i].type))
			ram = 1;
		else
			other = 1;
	}
	if (!ram)
		return MEMTYPE_UC;
	if (other)
		return MEMTYPE_MIXED;
	/* WB only if RAM entries cover every byte: grow the covered prefix [start, covered) until it reaches end. */
	uint64_t covered = start;
	for (;;) {
		uint64_t next = covered;
		for (unsigned i = 0; i < n; i++)
			if (memtype_is_ram(map[i].type) && map[i].length && map[i].base_addr <= covered &&
			    entry_end(&map[i]) > next)
				next = entry_end(&map[i]);
		if (next >= end)
			return MEMTYPE_WB;
		if (next == covered)
			return MEMTYPE_MIXED; /* a hole at covered */
		covered = next;
	}
}

uint64_t memtype_ram_top(const struct mb2_mmap_entry *map, unsigned n)
{
	uint64_t top = 0;
	for (unsigned i = 0; i < n; i++)
		if (memtype_is_ram(map[i].type) && map[i].length && entry_end(&map[i]) > top)
			top = entry_end(&map[i]);
	return top;
}
