/* SPDX-License-Identifier: MIT */
/*
 * pmm.c — physical page allocator: a sorted list of free ranges, first fit with alignment, coalescing on free.
 * SMP: pmm_lock (a ticket lock) guards the list; it ranks above the console lock (hlog may be called with it held).
 */
#include "hvmm/core/pmm.h"

#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/core/bootinfo.h"
#include "hvmm/core/console.h"
#include "hvmm/core/panic.h"
#include "hvmm/core/spinlock.h"

#define PMM_MAX_RANGES 256
#define LOW_MEMORY_END 0x100000ull /* below 1 MiB: BIOS data, EBDA, option ROMs */

struct range {
	uint64_t start, end; /* [start, end), 4 KiB aligned */
};

static struct range ranges[PMM_MAX_RANGES];
static unsigned nranges;
static struct ticket_lock pmm_lock = TICKET_LOCK_INIT;
static uint64_t low_page; /* pmm_low_page's choice, 0 = none */

extern char __image_start[], __image_end[];

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

/* Insert [start, end) keeping ranges sorted and merged. */
static void range_add(uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	unsigned i = 0;
	while (i < nranges && ranges[i].start < start)
		i++;
	if (i > 0 && ranges[i - 1].end >= start) { /* merge with the previous */
		if (end > ranges[i - 1].end)
			ranges[i - 1].end = end;
		i--;
	} else {
		if (nranges == PMM_MAX_RANGES) {
			hlog("warning: memory map too fragmented; dropping [0x%lx, 0x%lx)", start, end);
			return;
		}
		memmove(&ranges[i + 1], &ranges[i], (nranges - i) * sizeof(ranges[0]));
		ranges[i] = (struct range){ start, end };
		nranges++;
	}
	while (i + 1 < nranges && ranges[i + 1].start <= ranges[i].end) { /* merge following ranges */
		if (ranges[i + 1].end > ranges[i].end)
			ranges[i].end = ranges[i + 1].end;
		memmove(&ranges[i + 1], &ranges[i + 2], (nranges - i - 2) * sizeof(ranges[0]));
		nranges--;
	}
}

/* Remove [start, end) from the free ranges. */
static void range_remove(uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < nranges; i++) {
		struct range r = ranges[i];
		if (r.end <= start || r.start >= end)
			continue;
		if (r.start < start && r.end > end) { /* split */
			ranges[i].end = start;
			range_add(end, r.end);
			return;
		}
		if (r.start < start) {
			ranges[i].end = start;
		} else if (r.end > end) {
			ranges[i].start = end;
		} else {
			memmove(&ranges[i], &ranges[i + 1], (nranges - i - 1) * sizeof(ranges[0]));
			nranges--;
			i--;
		}
	}
}

void pmm_init(void)
{
	for (unsigned i = 0; i < bootinfo.nmmap; i++) {
		const struct mb2_mmap_entry *e = &bootinfo.mmap[i];
		if (e->type != 1)
			continue;
		uint64_t start = align_up(e->base_addr, PAGE_SIZE);
		uint64_t end = e->base_addr + e->length < e->base_addr ? ~0ull : e->base_addr + e->length;
		end = align_down(end, PAGE_SIZE);
		if (start < LOW_MEMORY_END)
			start = LOW_MEMORY_END;
		if (end > PMM_LIMIT)
			end = PMM_LIMIT;
		range_add(start, end);
	}
	/* A later map entry of another type wins over type 1 where they overlap. */
	for (unsigned i = 0; i < bootinfo.nmmap; i++) {
		const struct mb2_mmap_entry *e = &bootinfo.mmap[i];
		if (e->type != 1)
			range_remove(align_down(e->base_addr, PAGE_SIZE), align_up(e->base_addr + e->length, PAGE_SIZE));
	}
	range_remove(align_down((uint64_t)__image_start, PAGE_SIZE), align_up((uint64_t)__image_end, PAGE_SIZE));
	range_remove(align_down(bootinfo.mbi_start, PAGE_SIZE), align_up(bootinfo.mbi_end, PAGE_SIZE));
	for (unsigned i = 0; i < bootinfo.nmod; i++)
		range_remove(align_down(bootinfo.mod[i].start, PAGE_SIZE), align_up(bootinfo.mod[i].end, PAGE_SIZE));
	uint64_t high = 0;
	for (unsigned i = 0; i < nranges; i++)
		if (ranges[i].end > PMM_4GIB)
			high += ranges[i].end - (ranges[i].start > PMM_4GIB ? ranges[i].start : PMM_4GIB);
	hlog("memory: %lu KiB free in %u ranges, %lu KiB of it above 4 GiB", pmm_free_bytes() >> 10, nranges,
	     high >> 10);
}

/* The lowest block of bytes aligned to align at or above floor. */
static void *alloc_from(uint64_t bytes, uint64_t align, uint64_t floor)
{
	if (bytes == 0 || bytes > PMM_LIMIT || align < PAGE_SIZE || (align & (align - 1)))
		return NULL;
	bytes = align_up(bytes, PAGE_SIZE);
	void *p = NULL;
	ticket_lock(&pmm_lock);
	for (unsigned i = 0; i < nranges; i++) {
		uint64_t start = align_up(ranges[i].start > floor ? ranges[i].start : floor, align);
		if (start < ranges[i].start || start >= ranges[i].end || ranges[i].end - start < bytes)
			continue;
		range_remove(start, start + bytes);
		p = (void *)start;
		break;
	}
	ticket_unlock(&pmm_lock);
	if (p)
		memset(p, 0, bytes); /* the block is ours alone now */
	return p;
}

void *pmm_alloc(uint64_t bytes, uint64_t align) { return alloc_from(bytes, align, 0); }
void *pmm_alloc_high(uint64_t bytes, uint64_t align) { return alloc_from(bytes, align, PMM_4GIB); }

void pmm_free(void *p, uint64_t bytes)
{
	if (!p || !bytes)
		return;
	uint64_t start = (uint64_t)p;
	ASSERT((start & (PAGE_SIZE - 1)) == 0);
	ticket_lock(&pmm_lock);
	range_add(start, start + align_up(bytes, PAGE_SIZE));
	ticket_unlock(&pmm_lock);
}

void pmm_release_module(uint64_t start, uint64_t end)
{
	uint64_t s = align_up(start, PAGE_SIZE), e = align_down(end, PAGE_SIZE);
	if (s < LOW_MEMORY_END)
		s = LOW_MEMORY_END;
	if (e > PMM_LIMIT)
		e = PMM_LIMIT;
	if (s < e) {
		ticket_lock(&pmm_lock);
		range_add(s, e);
		ticket_unlock(&pmm_lock);
	}
}

uint64_t pmm_free_bytes(void)
{
	uint64_t total = 0;
	ticket_lock(&pmm_lock);
	for (unsigned i = 0; i < nranges; i++)
		total += ranges[i].end - ranges[i].start;
	ticket_unlock(&pmm_lock);
	return total;
}

/* 1 if [p, p + PAGE_SIZE) overlaps [start, end). */
static int page_overlaps(uint64_t p, uint64_t start, uint64_t end) { return p < end && start < p + PAGE_SIZE; }

/* 1 if the page at p is in type-1 RAM, not in an entry of another type, and holds no MBI or module byte. */
static int low_page_free(uint64_t p)
{
	int ram = 0;
	for (unsigned i = 0; i < bootinfo.nmmap; i++) {
		const struct mb2_mmap_entry *e = &bootinfo.mmap[i];
		uint64_t end = e->base_addr + e->length;
		if (e->type == 1 && e->base_addr <= p && end >= p + PAGE_SIZE)
			ram = 1;
		else if (e->type != 1 && page_overlaps(p, e->base_addr, end))
			return 0;
	}
	if (!ram || page_overlaps(p, bootinfo.mbi_start, bootinfo.mbi_end))
		return 0;
	for (unsigned i = 0; i < bootinfo.nmod; i++)
		if (page_overlaps(p, bootinfo.mod[i].start, bootinfo.mod[i].end))
			return 0;
	return 1;
}

uint64_t pmm_low_page(void)
{
	if (low_page)
		return low_page;
	/* Highest first: the lowest pages hold the real-mode IVT and the BIOS data area even where a map calls them
	 * RAM. Page 0 is never used (SIPI vector 0 would point at the IVT). */
	for (uint64_t p = LOW_MEMORY_END - PAGE_SIZE; p >= 0x1000 && !low_page; p -= PAGE_SIZE)
		if (low_page_free(p))
			low_page = p;
	return low_page;
}
