/* pmm.h — physical memory allocator over the multiboot2 memory map (contiguous, aligned, zeroed blocks). */
#ifndef HVMM_PMM_H
#define HVMM_PMM_H
#include <stdint.h>

#define PMM_LIMIT (4ull << 30) /* hvmm's boot page tables identity-map the first 4 GiB; allocate below it */

/* Build the free list: available RAM (type 1) in [1 MiB, PMM_LIMIT), minus hvmm's image, the MBI and the modules. */
void pmm_init(void);
/* Allocate bytes (rounded up to 4 KiB) aligned to align (a power of two >= 4 KiB), zeroed. NULL if none fits. */
void *pmm_alloc(uint64_t bytes, uint64_t align);
/* Return a block from pmm_alloc (same size) to the free list. */
void pmm_free(void *p, uint64_t bytes);
/* Total free bytes. */
uint64_t pmm_free_bytes(void);
/* Free memory taken by a boot module once its guest is loaded (bytes [start, end)). */
void pmm_release_module(uint64_t start, uint64_t end);

#endif
