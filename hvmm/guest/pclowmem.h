/* SPDX-License-Identifier: MIT */
/* pclowmem.h — the IVT, BIOS data area, EBDA and MP table of a PC kernel's guest (docs/guest-abi.md, "Low memory"). */
#ifndef HVMM_PCLOWMEM_H
#define HVMM_PCLOWMEM_H

struct guest;

/* Write g's low memory as a PC BIOS leaves it (after its devices exist: COM1 and the MP table need the virtual PC). */
void pclowmem_build(struct guest *g);

#endif
