/* SPDX-License-Identifier: MIT */
/*
 * The hvmm guest ABI: guest-physical layout, entry state, boot information and hypercalls.
 * Shared by hvmm and guests; docs/guest-abi.md is the prose version of this contract.
 */
#ifndef HVMM_GUEST_ABI_H
#define HVMM_GUEST_ABI_H
#ifndef __ASSEMBLY__
#include <stdint.h>
#endif

/*
 * Guest-physical layout (identity-mapped by hvmm-built page tables, 2 MiB pages, all of RAM):
 *
 *   0x000000 +-----------------------------+
 *            | unused                      |
 *   0x001000 | struct hvmm_bootinfo        |  RDI at entry
 *   0x001800 | GDT (null, code64, data)    |
 *   0x002000 | PML4, PDPT, PDs (page tables)|
 *   0x014000 | ...                         |
 *   0x080000 | <- initial RSP (grows down) |
 *   0x100000 | ELF PT_LOAD segments ...    |  HVMM_LOAD_MIN_GPA
 *   mem      +-----------------------------+  end of guest RAM; any access at or above it is fatal
 */
#define HVMM_BOOTINFO_GPA 0x1000u
#define HVMM_GDT_GPA 0x1800u
#define HVMM_PT_GPA 0x2000u
#define HVMM_STACK_TOP_GPA 0x80000u
#define HVMM_LOAD_MIN_GPA 0x100000u

#define HVMM_GUEST_CS 0x08 /* 64-bit code, DPL 0 */
#define HVMM_GUEST_DS 0x10 /* flat data, DPL 0 */

/*
 * Multiboot v1 kernels (docs/guest-abi.md): what hvmm places in guest RAM below HVMM_MB1_FREE_LO; a kernel's
 * segments may lie in [HVMM_MB1_FREE_LO, HVMM_PC_EBDA_GPA) and from 1 MiB.
 *   0x000000 real-mode IVT and BIOS data area   0x000800 GDT (null, 0x08 flat 32-bit code, 0x10 flat data)
 *   0x001000 multiboot information (EBX)   0x001100 memory map   0x001200 module list   0x001600 boot loader name
 *   0x002000 command line   0x080000 initial ESP (nothing on it)   modules: page-aligned from
 *   max(kernel end, 1 MiB), each followed by its command line
 */
#define HVMM_MB1_GDT_GPA 0x800u
#define HVMM_MB1_INFO_GPA 0x1000u
#define HVMM_MB1_MMAP_GPA 0x1100u
#define HVMM_MB1_MODS_GPA 0x1200u
#define HVMM_MB1_LOADER_GPA 0x1600u
#define HVMM_MB1_CMDLINE_GPA 0x2000u
#define HVMM_MB1_FREE_LO 0x4000u /* the first byte a kernel may load at */
#define HVMM_MB1_MAX_MODULES 64u
#define HVMM_MB1_STACK_GPA 0x80000u

/*
 * PC low memory of multiboot v1 and Linux guests (docs/guest-abi.md, "Low memory"): the extended BIOS data area
 * from HVMM_PC_EBDA_GPA to 640 KiB, and the BIOS area (MP table, the IRET every IVT vector points to) from
 * HVMM_PC_BIOS_GPA to 1 MiB, both reserved in the memory map.
 */
#define HVMM_PC_EBDA_GPA 0x9fc00u
#define HVMM_PC_BIOS_GPA 0xf0000u

#define HVMM_GUEST_MEM_DEFAULT (16ull << 20) /* bytes */
#define HVMM_GUEST_MEM_MIN (2ull << 20)
#define HVMM_GUEST_MEM_MAX (16ull << 30)

#define HVMM_BOOTINFO_MAGIC 0x4f4f42534d4d5648ull /* "HVMMSBOO" little-endian */
#define HVMM_ABI_VERSION 1

#ifndef __ASSEMBLY__
/* At HVMM_BOOTINFO_GPA; RDI points here at entry. */
struct hvmm_bootinfo {
	uint64_t magic; /* HVMM_BOOTINFO_MAGIC */
	uint32_t version; /* HVMM_ABI_VERSION */
	uint32_t guest_id; /* 0-based, in module order */
	uint64_t mem_bytes; /* size of guest RAM at GPA 0 */
	uint64_t tsc_khz; /* TSC frequency (kHz) */
	uint64_t slice_us; /* scheduler time slice (µs) */
	char name[32]; /* NUL-terminated */
	char cmdline[256]; /* the module's whole command line, NUL-terminated */
};
_Static_assert(sizeof(struct hvmm_bootinfo) == 328, "hvmm_bootinfo layout");
#endif

/*
 * Hypercalls: VMMCALL with RAX = number, arguments in RDI, RSI, RDX; result in RAX (negative = error).
 * Every other register is preserved.
 */
#define HVMM_HC_NOP 0 /* () -> 0; the null hypercall, for latency measurement */
#define HVMM_HC_WRITE 1 /* (buf GPA, len bytes) -> bytes consumed; writes to the console, line-buffered */
#define HVMM_HC_YIELD 2 /* () -> 0; give up the rest of the time slice */
#define HVMM_HC_EXIT 3 /* (status) -> does not return */
#define HVMM_HC_TSC_KHZ 4 /* () -> TSC frequency in kHz */

#define HVMM_EFAULT (-14) /* a buffer is not inside guest RAM */
#define HVMM_EINVAL (-22) /* bad argument (e.g. length above HVMM_WRITE_MAX) */
#define HVMM_ENOSYS (-38) /* unknown hypercall number */
#define HVMM_WRITE_MAX 4096 /* bytes per HVMM_HC_WRITE call */

/* CPUID leaves (hypervisor range). 0x40000000: EAX = highest leaf, EBX:ECX:EDX = "hvmmhvmmhvmm".
 * 0x40000001: EAX = HVMM_ABI_VERSION, EBX = TSC kHz (low 32 bits), ECX = guest id, EDX = the number of the hvmm
 * CPU that runs the guest (0 = the boot CPU; a guest stays on one CPU for its whole run). CPUID 1 ECX bit 31 is set. */
#define HVMM_CPUID_BASE 0x40000000u
#define HVMM_CPUID_MAX 0x40000001u
#define HVMM_CPUID_SIG_EBX 0x6d6d7668u /* "hvmm" */

#endif
