/* boot64.h — the 64-bit entry state of hvmm-native guests (docs/guest-abi.md). */
#ifndef HVMM_BOOT64_H
#define HVMM_BOOT64_H
#include <stdint.h>

struct guest;

/*
 * Write into g's RAM the boot information, a GDT with a TSS, and page tables identity-mapping guest-physical
 * [0, max(4 GiB, RAM)) with 2 MiB pages; set g->vmcb's save area to 64-bit long mode at rip with IF = 0,
 * RSP = HVMM_STACK_TOP_GPA and RDI = HVMM_BOOTINFO_GPA. Layout in include/hvmm/abi.h.
 */
void boot64_setup(struct guest *g, uint64_t rip);

#endif
