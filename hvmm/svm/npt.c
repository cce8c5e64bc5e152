/* SPDX-License-Identifier: MIT */
/* npt.c — build a guest's nested page tables (long-mode 4-level format, 2 MiB leaves; APM Vol. 2 §15.25.4). */
#include "hvmm/svm/npt.h"

#include "hvmm/core/arch.h"

#define NPT_TABLE (PTE_P | PTE_RW | PTE_US)
#define NPT_LEAF_2M (PTE_P | PTE_RW | PTE_US | PTE_PS)

uint64_t npt_build(void *tables, uint64_t ram_hpa, uint64_t ram_size)
{
	uint64_t *pml4 = tables;
	uint64_t *pdpt = pml4 + 512;
	uint64_t *pd = pdpt + 512;
	uint64_t npd = (ram_size + (1ull << 30) - 1) >> 30;

	pml4[0] = (uint64_t)pdpt | NPT_TABLE;
	for (uint64_t i = 0; i < npd; i++)
		pdpt[i] = (uint64_t)(pd + 512 * i) | NPT_TABLE;
	for (uint64_t off = 0; off < ram_size; off += LARGE_PAGE_SIZE)
		pd[off / LARGE_PAGE_SIZE] = (ram_hpa + off) | NPT_LEAF_2M;
	return (uint64_t)pml4;
}
