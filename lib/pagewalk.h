/* SPDX-License-Identifier: MIT */
/*
 * pagewalk.h — translate an x86 linear address to a physical one through page tables in memory the caller reads for
 * it (AMD APM Vol. 2 §5.2–5.4): paging off, legacy 32-bit paging (4 KiB pages, 4 MiB pages with CR4.PSE, PSE-36),
 * PAE, and long mode with 4 or 5 levels (CR4.LA57), with 2 MiB and 1 GiB pages.
 *
 * Only P and PS are interpreted, and the address bits 51:12 (long mode and PAE) or 31:12 (32-bit): no U/S, R/W or NX
 * permission check, no A/D update, no reserved-bit check — for re-reading what the CPU already accessed.
 */
#ifndef HVMM_LIB_PAGEWALK_H
#define HVMM_LIB_PAGEWALK_H
#include <stdint.h>

#define PW_OK 0
#define PW_NOT_PRESENT (-1) /* an entry with P = 0 on the way (the CPU raises #PF) */
#define PW_UNREADABLE (-2) /* the reader refused an entry's address */

/* The control registers the walk depends on (CR0.PG, CR3, CR4.PAE/PSE/LA57, EFER.LMA). */
struct pw_regs {
	uint64_t cr0, cr3, cr4, efer;
};

/* Read the 4- or 8-byte table entry at physical address pa into *val: 0, or nonzero if pa cannot be read. */
typedef int pw_read_fn(void *ctx, uint64_t pa, unsigned bytes, uint64_t *val);

/* Translate la: PW_OK and *pa, or PW_NOT_PRESENT / PW_UNREADABLE. With paging off *pa = la. Outside long mode only
 * la's low 32 bits count. read is called once per level, top level first. */
int pw_translate(const struct pw_regs *r, uint64_t la, pw_read_fn *read, void *ctx, uint64_t *pa);

#endif
