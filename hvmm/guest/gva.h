/*
 * gva.h — read guest memory at a linear (guest-virtual) address, through the guest's own page tables as its VMCB
 * describes them (CR0.PG, CR3, CR4.PAE/PSE/LA57, EFER.LMA): 32-bit, PAE, 4- and 5-level paging, or paging off.
 * AMD APM Vol. 2 §5.2-5.3 (legacy and long-mode translation), §5.4 (entry formats).
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

struct guest;

#define GVA_OK 0
#define GVA_NOT_PRESENT (-1) /* an entry with P = 0 on the way: the CPU would raise #PF */
#define GVA_OUTSIDE_RAM (-2) /* a table or the page is not in guest RAM: the CPU would have exited with #NPF */

/* Translate linear address la of g to a guest-physical address *gpa (0 or a GVA_* error). With paging off the GPA
 * is la itself. The caller applies segment bases and truncation to the address size. */
int gva_translate(const struct guest *g, uint64_t la, uint64_t *gpa);

/* Copy len bytes at linear address la of g into buf, crossing pages as the translation says. Returns the number of
 * bytes copied: len, or fewer where a page could not be translated or read (the rest of buf is untouched). */
size_t gva_read(const struct guest *g, uint64_t la, void *buf, size_t len);

#endif
