/* SPDX-License-Identifier: MIT */
/*
 * paging.c — hvmm's identity map (VA = PA) from the memory map's types, so that no page hvmm hands to a guest (WB
 * in the guest's nested mapping) is UC in hvmm's own: mixed memory types for one physical page are undefined (APM
 * Vol. 2 §7.8.5, §15.25.8). Long-mode tables: PML4 -> PDPT -> PD (2 MiB pages) -> PT (4 KiB) where needed
 * (APM Vol. 2 §5.3). The MTRRs stay as firmware set them; a PTE's type combines with them (APM Table 7-11).
 */
#include "hvmm/x86/paging.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/bootinfo.h"
#include "hvmm/core/console.h"
#include "hvmm/core/panic.h"
#include "hvmm/core/pmm.h"
#include "memtype.h"

#define GiB (1ull << 30)
_Static_assert(PAGING_LIMIT == PMM_LIMIT, "pmm hands out only what paging maps");
#define PAT_POWER_ON 0x0007040600070406ull /* PA0 WB, PA1 WT, PA2 UC-, PA3 UC, repeated (APM Vol. 2 §7.8.2) */
#define PTE_UC (PTE_PCD | PTE_PWT) /* PAT entry 3: UC */
#define MAX_RUNS_LOGGED 24

/* The type of [start, end) under the boot memory map (lib/memtype.c). */
static enum memtype classify(uint64_t start, uint64_t end)
{
	return memtype_classify(bootinfo.mmap, bootinfo.nmmap, start, end);
}

static uint64_t *table(void)
{
	uint64_t *t = pmm_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!t || (uint64_t)t >= 4 * GiB)
		panic("paging: no page below 4 GiB for a page table");
	return t;
}

/* A run of one type for the log: [start, end) of type t, merged as the map is built. */
static struct {
	uint64_t start, end;
	enum memtype t;
	unsigned logged;
	uint64_t bytes[2];
} run;

/* Print the run built so far (the first MAX_RUNS_LOGGED runs only). */
static void flush_run(void)
{
	if (run.end > run.start && run.logged++ < MAX_RUNS_LOGGED)
		hlog("paging: [0x%lx, 0x%lx) %s", run.start, run.end, run.t == MEMTYPE_WB ? "WB" : "UC");
}

/* [start, start + len) is mapped with type t (MEMTYPE_WB or MEMTYPE_UC), right after the previous piece. */
static void note(uint64_t start, uint64_t len, enum memtype t)
{
	run.bytes[t] += len;
	if (run.end > run.start && run.end == start && run.t == t) {
		run.end += len;
		return;
	}
	flush_run();
	run.start = start;
	run.end = start + len;
	run.t = t;
}

void paging_init(void)
{
	uint64_t top = memtype_ram_top(bootinfo.mmap, bootinfo.nmmap);
	if (top < 4 * GiB)
		top = 4 * GiB;
	if (top > PAGING_LIMIT) {
		hlog("warning: paging: RAM above %lu GiB is not mapped or used", (uint64_t)(PAGING_LIMIT / GiB));
		top = PAGING_LIMIT;
	}
	top = (top + GiB - 1) & ~(GiB - 1);
	wrmsr(MSR_PAT, PAT_POWER_ON);

	uint64_t *pml4 = table(), *pdpt = NULL;
	unsigned pts = 0;
	for (uint64_t gb = 0; gb < top; gb += GiB) {
		if ((gb & ((512 * GiB) - 1)) == 0) {
			pdpt = table();
			pml4[gb >> 39] = (uint64_t)pdpt | PTE_P | PTE_RW;
		}
		uint64_t *pd = table();
		pdpt[(gb >> 30) & 511] = (uint64_t)pd | PTE_P | PTE_RW;
		for (unsigned i = 0; i < 512; i++) {
			uint64_t a = gb + (uint64_t)i * LARGE_PAGE_SIZE;
			enum memtype t = classify(a, a + LARGE_PAGE_SIZE);
			if (t != MEMTYPE_MIXED) {
				pd[i] = a | PTE_P | PTE_RW | PTE_PS | (t == MEMTYPE_UC ? PTE_UC : 0);
				note(a, LARGE_PAGE_SIZE, t);
				continue;
			}
			uint64_t *pt = table();
			pts++;
			for (unsigned j = 0; j < 512; j++) {
				uint64_t p = a + (uint64_t)j * PAGE_SIZE;
				enum memtype u = classify(p, p + PAGE_SIZE) == MEMTYPE_WB ? MEMTYPE_WB : MEMTYPE_UC;
				pt[j] = p | PTE_P | PTE_RW | (u == MEMTYPE_UC ? PTE_UC : 0);
				note(p, PAGE_SIZE, u);
			}
			pd[i] = (uint64_t)pt | PTE_P | PTE_RW;
		}
	}
	flush_run();
	if (run.logged > MAX_RUNS_LOGGED)
		hlog("paging: (%u runs in all; only the first %d printed)", run.logged, MAX_RUNS_LOGGED);
	__asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)pml4) : "memory");
	hlog("paging: identity map [0, 0x%lx): %lu MiB write-back (RAM), %lu MiB uncacheable, %u regions in 4 KiB pages",
	     top, run.bytes[MEMTYPE_WB] >> 20, run.bytes[MEMTYPE_UC] >> 20, pts);
}
