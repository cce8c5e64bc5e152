/* SPDX-License-Identifier: MIT */
/* npt.h — nested page tables: the only host memory a guest can reach (APM Vol. 2 §15.25). */
#ifndef HVMM_NPT_H
#define HVMM_NPT_H
#include <stdint.h>

/* Tables for a guest of ram_size bytes (multiple of 2 MiB, at most 512 GiB): one PML4, one PDPT, one PD per GiB. */
static inline uint64_t npt_table_bytes(uint64_t ram_size) { return (2 + ((ram_size + (1ull << 30) - 1) >> 30)) << 12; }

/*
 * Build in tables[0..npt_table_bytes(ram_size)) (zeroed, 4 KiB aligned, host memory) a 4-level map of guest-physical
 * [0, ram_size) onto host-physical [ram_hpa, ram_hpa + ram_size) with 2 MiB pages (ram_hpa 2 MiB aligned).
 * Nothing else is mapped: any other GPA gives #VMEXIT(NPF). Every level has U=1, as nested walks are user accesses
 * (APM §15.25.5). Returns the nCR3 value (PML4 physical address).
 */
uint64_t npt_build(void *tables, uint64_t ram_hpa, uint64_t ram_size);

#endif
