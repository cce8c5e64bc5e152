/* SPDX-License-Identifier: MIT */
/* pclowmem.h — the IVT, BIOS data area, EBDA and MP table of a PC kernel's guest (docs/guest-abi.md, "Low memory"). */
#ifndef HVMM_PCLOWMEM_H
#define HVMM_PCLOWMEM_H

struct guest;

/* The device state a PC kernel finds (docs/guest-abi.md, "Low memory"). */
enum pc_lowmem {
	PC_LOWMEM_BIOS = 1, /* as the BIOS left the machine: its timer tick runs (PIT channel 0, IRQ 0 unmasked) */
	PC_LOWMEM_SETUP, /* as Linux's real-mode setup code leaves it before protected mode: every 8259A IRQ masked */
};

/* Write g's low memory as a PC BIOS leaves it, and with the virtual PC leave its devices as the boot path would (how:
 * enum pc_lowmem). Call after its devices exist: COM1, the MP table and the tick need the virtual PC. */
void pclowmem_build(struct guest *g, enum pc_lowmem how);

#endif
