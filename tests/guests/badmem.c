/* SPDX-License-Identifier: MIT */
/*
 * badmem (test guest): writes to guest-physical memory just past the end of its RAM (mem_bytes + 0x1000). The
 * guest's own page tables identity-map every GPA below max(4 GiB, RAM), so the write reaches the nested page tables,
 * which map only the guest's RAM: hvmm must kill the guest. The line after the write must never appear.
 */
#include "hvmm.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(bi->mem_bytes + 0x1000);

	gprintf("badmem: mem=0x%llx, writing to GPA %p\n", (unsigned long long)bi->mem_bytes, (void *)p);
	*p = 0x6261646d656d2121ull; /* "!!memdab" */
	(void)*p;
	gprintf("badmem: NOT CONTAINED (value 0x%llx)\n", (unsigned long long)*p);
	return 0;
}
