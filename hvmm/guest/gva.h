/* SPDX-License-Identifier: MIT */
/*
 * gva.h — read guest memory at a linear (guest-virtual) address, through the guest's own page tables as its VMCB
 * describes them (CR0.PG, CR3, CR4.PAE/PSE/LA57, EFER.LMA): 32-bit, PAE, 4- and 5-level paging, or paging off
 * (lib/pagewalk.h; AMD APM Vol. 2 §5.2-5.4).
 *
 * For re-reading what the CPU has already accessed: the instruction an intercept or a nested page fault stopped, an
 * MMIO operand. Only presence, page size and the RAM bounds are checked — no U/S, R/W or NX permission, no A/D
 * update — because the CPU checked those before it exited. Table entries and the data are read from guest RAM
 * ([0, mem), guest_ptr); anything outside it is an error, never a read of hvmm's or another guest's memory.
 */
#ifndef HVMM_GVA_H
#define HVMM_GVA_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/svm/vmcb.h"

struct guest;

#define GVA_OK 0
#define GVA_NOT_PRESENT (-1) /* an entry with P = 0 on the way: the CPU would raise #PF */
#define GVA_OUTSIDE_RAM (-2) /* a table or the page is not in guest RAM: the CPU would have exited with #NPF */

/* Translate linear address la of guest g, whose vCPU has the save area s (its CR0, CR3, CR4 and EFER), to a
 * guest-physical address *gpa (0 or a GVA_* error). With paging off the GPA
 * is la itself. The caller applies segment bases and truncation to the address size. */
int gva_translate(const struct guest *g, const struct vmcb_save *s, uint64_t la, uint64_t *gpa);

/*
 * One remembered translation: a 4 KiB page, the CR0/CR3/CR4/EFER it was walked under, and every table entry the walk
 * read (where, and its value). gva_ptr_cached answers from it only when all of those are unchanged — exactly the
 * condition under which a new walk would give the same result — else it walks and remembers the new walk. Zeroed, it
 * is empty.
 */
struct gva_cache {
	uint64_t key; /* la | 0xfff for any la of the cached page (never 0); 0: empty */
	uint64_t key64; /* key, if the walk was a long-mode one (EFER.LMA), else 0: what vmrun.S compares */
	uint64_t delta; /* host address of the page's bytes minus its linear address (mod 2^64) */
	uint64_t cr0, cr3, cr4, efer;
	uint32_t n, entry_bytes; /* entries read, 4 or 8 bytes each */
	const void *entry[5];
	uint64_t val[5];
}; /* vmrun.S reads it at the offsets of hvmm/svm/asm_offsets.h (asserted in gva.c) */

/* A host pointer to the byte at linear address la of g under s (valid to the end of its 4 KiB page), or NULL when la does
 * not translate to guest RAM. Remembers the walk in *c, or answers from it. */
const uint8_t *gva_ptr_cached(const struct guest *g, const struct vmcb_save *s, struct gva_cache *c, uint64_t la);

/* gva_ptr_cached's answer from *c alone, for a guest whose save area is s with CR0.PG = 1: NULL when the cache does
 * not hold la's page or any register or table entry it depends on changed. Inline: it is on the exit path. */
static inline const uint8_t *gva_cache_lookup(const struct gva_cache *c, const struct vmcb_save *s, uint64_t la)
{
	if (c->key != (la | 0xfff) || c->cr3 != s->cr3 || c->cr0 != s->cr0 || c->cr4 != s->cr4 ||
	    c->efer != s->efer)
		return NULL;
	if (c->entry_bytes == 8) { /* unrolled: the walk read at most 5 entries (5-level paging) */
		const uint64_t *const *e = (const uint64_t *const *)c->entry;
		switch (c->n) {
		case 5:
			if (*e[4] != c->val[4])
				return NULL;
			/* fall through */
		case 4:
			if (*e[3] != c->val[3])
				return NULL;
			/* fall through */
		case 3:
			if (*e[2] != c->val[2])
				return NULL;
			/* fall through */
		case 2:
			if (*e[1] != c->val[1])
				return NULL;
			/* fall through */
		case 1:
			if (*e[0] != c->val[0])
				return NULL;
		}
	} else {
		for (unsigned i = 0; i < c->n; i++)
			if (*(const uint32_t *)c->entry[i] != c->val[i])
				return NULL;
	}
	return (const uint8_t *)(uintptr_t)(la + c->delta);
}

/* Copy len bytes at linear address la of g under s into buf, crossing pages as the translation says. Returns the number of
 * bytes copied: len, or fewer where a page could not be translated or read (the rest of buf is untouched). */
size_t gva_read(const struct guest *g, const struct vmcb_save *s, uint64_t la, void *buf, size_t len);

#endif
