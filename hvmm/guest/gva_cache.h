/* SPDX-License-Identifier: MIT */
/* gva_cache.h — one remembered guest page-table walk (filled by gva_ptr_cached, gva.h) and the check that it still
 * holds, inline for the exit path. */
#ifndef HVMM_GVA_CACHE_H
#define HVMM_GVA_CACHE_H
#include <stdint.h>

#include "hvmm/svm/vmcb.h"

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

#endif
