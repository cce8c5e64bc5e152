/* SPDX-License-Identifier: MIT */
/* pagewalk.c — x86 page-table walk for a linear address (AMD APM Vol. 2 §5.2-5.4; contract in pagewalk.h). */
#include "pagewalk.h"

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P (1ull << 0)
#define PTE_PS (1ull << 7)
#define ADDR_51_12 0x000ffffffffff000ull

/* 8-byte entries from the table at `table`, `levels` levels; the first is indexed by `first_bits` bits of la (9;
 * PAE's PDPT 2). PS ends the walk in a PDE (2 MiB) and in a long-mode PDPTE (1 GiB; PAE's PDPTEs have none). */
static int walk64(uint64_t table, uint64_t la, unsigned levels, unsigned first_bits, pw_read_fn *read, void *ctx,
		  uint64_t *pa)
{
	unsigned shift = 12 + 9 * (levels - 1);
	for (unsigned lvl = 0; lvl < levels; lvl++, shift -= 9) {
		uint64_t e, idx = (la >> shift) & ((1ull << (lvl == 0 ? first_bits : 9)) - 1);
		if (read(ctx, table + idx * 8, 8, &e))
			return PW_UNREADABLE;
		if (!(e & PTE_P))
			return PW_NOT_PRESENT;
		if (shift == 12 || ((shift == 21 || (shift == 30 && levels > 3)) && (e & PTE_PS))) {
			*pa = (e & ADDR_51_12 & ~((1ull << shift) - 1)) | (la & ((1ull << shift) - 1));
			return PW_OK;
		}
		table = e & ADDR_51_12;
	}
	return PW_NOT_PRESENT; /* not reached: the last level always maps a page */
}

/* Legacy 32-bit paging: 4-byte entries; a 4 MiB page with CR4.PSE, whose PDE bits 20:13 are physical bits 39:32. */
static int walk32(uint64_t cr3, uint64_t cr4, uint32_t la, pw_read_fn *read, void *ctx, uint64_t *pa)
{
	uint64_t pde, pte;
	if (read(ctx, (cr3 & 0xfffff000u) + (la >> 22) * 4, 4, &pde))
		return PW_UNREADABLE;
	if (!(pde & PTE_P))
		return PW_NOT_PRESENT;
	if ((cr4 & CR4_PSE) && (pde & PTE_PS)) {
		*pa = (pde & 0xffc00000u) | ((pde >> 13 & 0xff) << 32) | (la & 0x3fffff);
		return PW_OK;
	}
	if (read(ctx, (pde & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4, 4, &pte))
		return PW_UNREADABLE;
	if (!(pte & PTE_P))
		return PW_NOT_PRESENT;
	*pa = (pte & 0xfffff000u) | (la & 0xfff);
	return PW_OK;
}

int pw_translate(const struct pw_regs *r, uint64_t la, pw_read_fn *read, void *ctx, uint64_t *pa)
{
	if (!(r->cr0 & CR0_PG)) {
		*pa = (r->efer & EFER_LMA) ? la : (uint32_t)la;
		return PW_OK;
	}
	if (r->efer & EFER_LMA)
		return walk64(r->cr3 & ADDR_51_12, la, (r->cr4 & CR4_LA57) ? 5 : 4, 9, read, ctx, pa);
	if (r->cr4 & CR4_PAE) /* PDPT at CR3 bits 31:5, indexed by la bits 31:30 (APM Vol. 2 §5.3.4) */
		return walk64(r->cr3 & 0xffffffe0u, (uint32_t)la, 3, 2, read, ctx, pa);
	return walk32(r->cr3, r->cr4, (uint32_t)la, read, ctx, pa);
}
