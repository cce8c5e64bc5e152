/* SPDX-License-Identifier: MIT */
/* boot64.h — the 64-bit entry state of hvmm-native guests (docs/guest-abi.md). */
#ifndef HVMM_BOOT64_H
#define HVMM_BOOT64_H
#include <stdint.h>

struct guest;

/*
 * Write into g's RAM the boot information, a GDT with a TSS, and page tables identity-mapping guest-physical
 * [0, max(4 GiB, RAM)) with 2 MiB pages; set the boot vCPU's save area to 64-bit long mode at rip with IF = 0,
 * RSP = HVMM_STACK_TOP_GPA and RDI = HVMM_BOOTINFO_GPA. Layout in include/hvmm/abi.h.
 */
void boot64_setup(struct guest *g, uint64_t rip);

/*
 * The long-mode entry state without the boot information: a GDT at HVMM_GDT_GPA with a 64-bit code descriptor at
 * selector cs, a flat data descriptor at ds (CS = cs, DS/ES/SS/FS/GS = ds), a TSS in the two slots after the higher
 * of them; the identity page tables; 64-bit mode at rip with IF = 0, RSP = HVMM_STACK_TOP_GPA, all other general
 * registers 0. cs and ds are multiples of 8 below 0xe0. Used by boot64_setup and by the Linux loader
 * (__BOOT_CS 0x10, __BOOT_DS 0x18).
 */
void boot64_enter(struct guest *g, uint64_t rip, uint16_t cs, uint16_t ds);

#endif
