/* gva.c — walk a guest's own page tables to read guest memory at a linear address (contract in gva.h). */
#include "hvmm/guest/gva.h"

#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/vmcb.h"

#define CR4_PSE (1ull << 4)
#define CR4_LA57 (1ull << 12)
#define PTE_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 (APM Vol. 2 §5.4: long-mode and PAE entries) */
#define PAGE_OFFSET(la, bits) ((la) & ((1ull << (bits)) - 1))

/* Read the 4- or 8-byte table entry at gpa into *e, and note it in rec (if any); GVA_OUTSIDE_RAM if it is not in
 * guest RAM. */
static int read_entry(const struct guest *g, uint64_t gpa, unsigned bytes, uint64_t *e, struct gva_cache *rec)
{
	const void *p = guest_ptr(g, gpa, bytes);
	if (!p)
		return GVA_OUTSIDE_RAM;
	*e = bytes == 8 ? *(const uint64_t *)p : *(const uint32_t *)p;
	if (rec) {
		rec->entry[rec->n] = p;
		rec->val[rec->n++] = *e;
		rec->entry_bytes = bytes;
	}
	return GVA_OK;
}

/* 8-byte entries from table `table` (GPA), `levels` levels; the first is indexed by `first_bits` bits of la (9; PAE's
 * PDPT 2). */
static int walk64(const struct guest *g, uint64_t table, uint64_t la, unsigned levels, unsigned first_bits,
		  uint64_t *gpa, struct gva_cache *rec)
{
	unsigned shift = 12 + 9 * (levels - 1);
	for (unsigned lvl = 0; lvl < levels; lvl++, shift -= 9) {
		unsigned bits = lvl == 0 ? first_bits : 9;
		uint64_t e, idx = (la >> shift) & ((1ull << bits) - 1);
		int r = read_entry(g, table + idx * 8, 8, &e, rec);
		if (r)
			return r;
		if (!(e & PTE_P))
			return GVA_NOT_PRESENT;
		/* PS: a 2 MiB page in a PDE, a 1 GiB page in a long-mode PDPTE (PAE's PDPTEs have no PS bit). */
		if (shift == 12 || ((shift == 21 || (shift == 30 && levels > 3)) && (e & PTE_PS))) {
			uint64_t base = e & PTE_ADDR_MASK & ~((1ull << shift) - 1);
			*gpa = base | PAGE_OFFSET(la, shift);
			return GVA_OK;
		}
		table = e & PTE_ADDR_MASK;
	}
	return GVA_NOT_PRESENT; /* not reached: the last level always maps a page */
}

/* Legacy 32-bit paging (APM Vol. 2 §5.3): 4-byte entries, 4 MiB pages with CR4.PSE (PSE-36: PDE bits 20:13 are
 * physical bits 39:32). */
static int walk32(const struct guest *g, uint64_t cr3, uint64_t cr4, uint32_t la, uint64_t *gpa,
		  struct gva_cache *rec)
{
	uint64_t pde, pte;
	int r = read_entry(g, (cr3 & 0xfffff000u) + (la >> 22) * 4, 4, &pde, rec);
	if (r)
		return r;
	if (!(pde & PTE_P))
		return GVA_NOT_PRESENT;
	if ((cr4 & CR4_PSE) && (pde & PTE_PS)) {
		*gpa = (pde & 0xffc00000u) | ((pde >> 13 & 0xff) << 32) | (la & 0x3fffff);
		return GVA_OK;
	}
	r = read_entry(g, (pde & 0xfffff000u) + ((la >> 12) & 0x3ff) * 4, 4, &pte, rec);
	if (r)
		return r;
	if (!(pte & PTE_P))
		return GVA_NOT_PRESENT;
	*gpa = (pte & 0xfffff000u) | (la & 0xfff);
	return GVA_OK;
}

/* The walk for CR0.PG = 1, noting the entries it reads in rec (if any). */
static int walk(const struct guest *g, uint64_t la, uint64_t *gpa, struct gva_cache *rec)
{
	const struct vmcb_save *s = &g->vmcb->save;
	if (s->efer & EFER_LMA) {
		unsigned levels = (s->cr4 & CR4_LA57) ? 5 : 4;
		return walk64(g, s->cr3 & PTE_ADDR_MASK, la, levels, 9, gpa, rec);
	}
	if (s->cr4 & CR4_PAE) /* PDPT at CR3 bits 31:5, indexed by la bits 31:30 (APM Vol. 2 §5.3.4) */
		return walk64(g, s->cr3 & 0xffffffe0u, (uint32_t)la, 3, 2, gpa, rec);
	return walk32(g, s->cr3, s->cr4, (uint32_t)la, gpa, rec);
}

int gva_translate(const struct guest *g, uint64_t la, uint64_t *gpa)
{
	if (!(g->vmcb->save.cr0 & CR0_PG)) {
		*gpa = la;
		return GVA_OK;
	}
	return walk(g, la, gpa, NULL);
}

const uint8_t *gva_ptr_cached(const struct guest *g, struct gva_cache *c, uint64_t la)
{
	const struct vmcb_save *s = &g->vmcb->save;
	if (!(s->cr0 & CR0_PG))
		return guest_ptr(g, la, 1);
	const uint8_t *hit = gva_cache_lookup(c, s, la);
	if (hit)
		return hit;
	uint64_t gpa;
	c->valid = 0;
	c->n = 0;
	const uint8_t *page;
	if (walk(g, la, &gpa, c) || !(page = guest_ptr(g, gpa & ~(PAGE_SIZE - 1), PAGE_SIZE)))
		return NULL;
	c->page = la >> 12; /* the walk filled entry[], val[], n and entry_bytes */
	c->cr0 = s->cr0;
	c->cr3 = s->cr3;
	c->cr4 = s->cr4;
	c->efer = s->efer;
	c->host_page = page;
	c->valid = 1;
	return page + PAGE_OFFSET(la, 12);
}

size_t gva_read(const struct guest *g, uint64_t la, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		uint64_t gpa, in_page = PAGE_SIZE - PAGE_OFFSET(la + done, 12);
		size_t n = len - done < in_page ? len - done : (size_t)in_page;
		const void *p;
		if (gva_translate(g, la + done, &gpa) || !(p = guest_ptr(g, gpa, n)))
			break;
		memcpy((uint8_t *)buf + done, p, n);
		done += n;
	}
	return done;
}
