/* SPDX-License-Identifier: MIT */
/* paging.h — hvmm's own identity map of physical memory, with memory types taken from the boot memory map. */
#ifndef HVMM_PAGING_H
#define HVMM_PAGING_H
#include <stdint.h>

#define PAGING_LIMIT (1ull << 40) /* hvmm maps (and pmm hands out) physical memory below 1 TiB */

/*
 * Replace the boot page tables (boot/boot.S: 0-4 GiB, 3-4 GiB uncacheable whatever lies there) with an identity map
 * of [0, max(4 GiB, end of RAM)) built from bootinfo's memory map: RAM (multiboot2 types 1, 3, 4) write-back, every
 * other byte (reserved ranges, holes, MMIO: LAPIC, I/O APIC, HPET, framebuffer) uncacheable, with 2 MiB pages and
 * 4 KiB pages where a 2 MiB region holds both. PAT is set to its power-on value so that PCD|PWT means UC and no bits
 * mean WB (APM Vol. 2 §7.8). The tables come from pmm (below 4 GiB: the boot map must reach them). Prints one line
 * per run of one type and a summary; panics only if pmm cannot supply the tables.
 */
void paging_init(void);

#endif
