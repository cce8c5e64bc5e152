/* SPDX-License-Identifier: MIT */
/* pmm.h — physical memory allocator over the multiboot2 memory map (contiguous, aligned, zeroed blocks). */
#ifndef HVMM_PMM_H
#define HVMM_PMM_H
#include <stdint.h>

#define PMM_LIMIT (1ull << 40) /* = PAGING_LIMIT (hvmm/x86/paging.h): hvmm maps RAM below 1 TiB */
#define PMM_4GIB (4ull << 30)

/* All functions are safe on any CPU at any time (one lock, pmm_lock). */
/* Build the free list: available RAM (type 1) in [1 MiB, PMM_LIMIT), minus hvmm's image, the MBI and the modules.
 * Until paging_init (hvmm/x86/paging.c) has mapped it, only memory below 4 GiB may be used: pmm_alloc hands out the
 * lowest block that fits. */
void pmm_init(void);
/* Allocate bytes (rounded up to 4 KiB) aligned to align (a power of two >= 4 KiB), zeroed. NULL if none fits. */
void *pmm_alloc(uint64_t bytes, uint64_t align);
/* As pmm_alloc, but only from memory at or above 4 GiB; NULL if none fits there. Guest RAM comes from here first,
 * so low memory stays for what may need it. */
void *pmm_alloc_high(uint64_t bytes, uint64_t align);
/* Return a block from pmm_alloc (same size) to the free list. */
void pmm_free(void *p, uint64_t bytes);
/* Total free bytes. */
uint64_t pmm_free_bytes(void);
/* A free 4 KiB page below 1 MiB (for the AP start-up trampoline: a SIPI vector names a page below 1 MiB), chosen
 * from the memory map: type-1 RAM not holding the MBI or a module, the highest such page. pmm_alloc never hands
 * out memory below 1 MiB, so it stays reserved. Call after pmm_init and before the modules are released; the same
 * page on every call; 0 if there is none. */
uint64_t pmm_low_page(void);
/* Free memory taken by a boot module once its guest is loaded (bytes [start, end)). */
void pmm_release_module(uint64_t start, uint64_t end);

#endif
