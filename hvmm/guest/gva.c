/* SPDX-License-Identifier: MIT */
/* gva.c — read guest memory at a linear address through the guest's own page tables (contract in gva.h): the walk
 * is lib/pagewalk's, over guest RAM only, remembered per page in a gva_cache. */
#include "hvmm/guest/gva.h"

#include <string.h>

#include "hvmm/core/arch.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/asm_offsets.h"
#include "pagewalk.h"

/* vmrun.S reads the cache (its fast paths without nRIP) at these offsets. */
_Static_assert(offsetof(struct gva_cache, key64) == GVA_CACHE_KEY64 &&
		       offsetof(struct gva_cache, delta) == GVA_CACHE_DELTA &&
		       offsetof(struct gva_cache, cr0) == GVA_CACHE_CR0 && offsetof(struct gva_cache, cr3) == GVA_CACHE_CR3 &&
		       offsetof(struct gva_cache, cr4) == GVA_CACHE_CR4 &&
		       offsetof(struct gva_cache, efer) == GVA_CACHE_EFER && offsetof(struct gva_cache, n) == GVA_CACHE_N &&
		       offsetof(struct gva_cache, entry) == GVA_CACHE_ENTRY &&
		       offsetof(struct gva_cache, val) == GVA_CACHE_VAL,
	       "struct gva_cache: the GVA_CACHE_* offsets of vmrun.S");
_Static_assert(offsetof(struct vcpu, fetch_cache) == offsetof(struct vcpu, regs) + REGS_FETCH_CACHE,
	       "vmrun.S finds the CS:RIP translation REGS_FETCH_CACHE bytes after the vCPU's registers");

/* pagewalk's reader: the entry at guest-physical pa, from guest RAM only; noted in the cache being filled (if any). */
struct walk_ctx {
	const struct guest *g;
	struct gva_cache *rec;
};

static int read_entry(void *ctx, uint64_t pa, unsigned bytes, uint64_t *val)
{
	struct walk_ctx *w = ctx;
	const void *p = guest_ptr(w->g, pa, bytes);
	if (!p)
		return -1;
	*val = bytes == 8 ? *(const uint64_t *)p : *(const uint32_t *)p;
	if (w->rec && w->rec->n < sizeof(w->rec->entry) / sizeof(w->rec->entry[0])) {
		w->rec->entry[w->rec->n] = p;
		w->rec->val[w->rec->n++] = *val;
		w->rec->entry_bytes = bytes;
	}
	return 0;
}

static int walk(const struct guest *g, const struct vmcb_save *s, uint64_t la, uint64_t *gpa, struct gva_cache *rec)
{
	struct pw_regs r = { s->cr0, s->cr3, s->cr4, s->efer };
	struct walk_ctx w = { g, rec };
	int e = pw_translate(&r, la, read_entry, &w, gpa);
	return e == PW_OK ? GVA_OK : e == PW_NOT_PRESENT ? GVA_NOT_PRESENT : GVA_OUTSIDE_RAM;
}

int gva_translate(const struct guest *g, const struct vmcb_save *s, uint64_t la, uint64_t *gpa)
{
	return walk(g, s, la, gpa, NULL);
}

const uint8_t *gva_ptr_cached(const struct guest *g, const struct vmcb_save *s, struct gva_cache *c, uint64_t la)
{
	if (!(s->cr0 & CR0_PG))
		return guest_ptr(g, la, 1);
	const uint8_t *hit = gva_cache_lookup(c, s, la);
	if (hit)
		return hit;
	uint64_t gpa;
	const uint8_t *page;
	c->key = c->key64 = 0;
	c->n = 0;
	if (walk(g, s, la, &gpa, c) || !(page = guest_ptr(g, gpa & ~(PAGE_SIZE - 1), PAGE_SIZE)))
		return NULL;
	c->delta = (uint64_t)(uintptr_t)page - (la & ~(PAGE_SIZE - 1)); /* the walk filled entry[], val[], n, entry_bytes */
	c->cr0 = s->cr0;
	c->cr3 = s->cr3;
	c->cr4 = s->cr4;
	c->efer = s->efer;
	c->key = la | (PAGE_SIZE - 1);
	c->key64 = (s->efer & EFER_LMA) ? c->key : 0;
	return page + (la & (PAGE_SIZE - 1));
}

/* Copy len bytes between buf and linear address la of g under s, page by page (write: into the guest). */
static size_t copy(const struct guest *g, const struct vmcb_save *s, uint64_t la, void *buf, size_t len, int write)
{
	size_t done = 0;
	while (done < len) {
		uint64_t gpa, in_page = PAGE_SIZE - ((la + done) & (PAGE_SIZE - 1));
		size_t n = len - done < in_page ? len - done : (size_t)in_page;
		uint8_t *p;
		if (gva_translate(g, s, la + done, &gpa) || !(p = guest_ptr(g, gpa, n)))
			break;
		if (write)
			memcpy(p, (const uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, p, n);
		done += n;
	}
	return done;
}

size_t gva_read(const struct guest *g, const struct vmcb_save *s, uint64_t la, void *buf, size_t len)
{
	return copy(g, s, la, buf, len, 0);
}

size_t gva_write(const struct guest *g, const struct vmcb_save *s, uint64_t la, const void *buf, size_t len)
{
	return copy(g, s, la, (void *)buf, len, 1);
}
