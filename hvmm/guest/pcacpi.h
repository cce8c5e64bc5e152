/* SPDX-License-Identifier: MIT */
/* pcacpi.h — the ACPI tables of a PC kernel's guest with the virtual PC (docs/guest-abi.md, "ACPI tables"). */
#ifndef HVMM_PCACPI_H
#define HVMM_PCACPI_H

#include "hvmm/abi.h"

/* The tables' area in the PC's BIOS read-only space, after the MP table (ACPI 6.4 §5.2.5.1: an OS scans
 * E0000h-FFFFFh for the RSDP on 16-byte boundaries); it starts with the RSDP; the memory maps report the BIOS area
 * reserved (docs/guest-abi.md, "Low memory"). */
#define HVMM_PC_ACPI_GPA (HVMM_PC_BIOS_GPA + 0x100u)
#define HVMM_PC_ACPI_SIZE 0x4000u

struct guest;

/* Write g's ACPI tables at HVMM_PC_ACPI_GPA. Returns 0, or -1 with *why. */
int pcacpi_build(struct guest *g, const char **why);

#endif
