/* SPDX-License-Identifier: MIT */
/*
 * gva.h — read (and, for the gdb stub, write) guest memory at a linear (guest-virtual) address, through the guest's own page tables as its VMCB
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

#include "hvmm/guest/gva_cache.h"
#include "hvmm/svm/vmcb.h"

struct guest;

#define GVA_OK 0
#define GVA_NOT_PRESENT (-1) /* an entry with P = 0 on the way: the CPU would raise #PF */
#define GVA_OUTSIDE_RAM (-2) /* a table or the page is not in guest RAM: the CPU would have exited with #NPF */

/* Translate linear address la of guest g, whose vCPU has the save area s (its CR0, CR3, CR4 and EFER), to a
 * guest-physical address *gpa (0 or a GVA_* error). With paging off the GPA is la itself. The caller applies segment
 * bases and truncation to the address size. */
int gva_translate(const struct guest *g, const struct vmcb_save *s, uint64_t la, uint64_t *gpa);

/* A host pointer to the byte at linear address la of g under s (valid to the end of its 4 KiB page), or NULL when la
 * does not translate to guest RAM. Remembers the walk in *c (gva_cache.h), or answers from it. */
const uint8_t *gva_ptr_cached(const struct guest *g, const struct vmcb_save *s, struct gva_cache *c, uint64_t la);

/* Copy len bytes at linear address la of g under s into buf, crossing pages as the translation says. Returns the
 * number of bytes copied: len, or fewer where a page could not be translated or read (the rest of buf is untouched). */
size_t gva_read(const struct guest *g, const struct vmcb_save *s, uint64_t la, void *buf, size_t len);

/* Copy len bytes from buf to linear address la of g under s (the gdb stub's memory writes: no permission check, as
 * a debugger writes breakpoints into read-only code). Returns the number of bytes written, as gva_read. */
size_t gva_write(const struct guest *g, const struct vmcb_save *s, uint64_t la, const void *buf, size_t len);

#endif
