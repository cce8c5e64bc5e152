/* SPDX-License-Identifier: MIT */
/*
 * smp.h — start the application processors (APs) that the MADT lists and stop them for a panic. The AP start-up
 * trampoline (boot/trampoline.S) is copied to a page below 1 MiB; its parameter block is laid out here.
 */
#ifndef HVMM_SMP_H
#define HVMM_SMP_H

/* The trampoline page: code from offset 0, the parameter block at AP_PARAMS (offsets below, asserted against
 * struct ap_params). */
#define AP_PARAMS 0xf00
#define AP_GDT 0x00 /* 4 descriptors: null, 0x08 64-bit code, 0x10 data, 0x18 32-bit code */
#define AP_GDT_PTR 0x20 /* u16 limit, u32 base: LGDT's pseudo-descriptor in 16-bit mode */
#define AP_JMP32 0x28 /* u32 offset, u16 selector: far pointer to the 32-bit code */
#define AP_JMP64 0x30 /* u32 offset, u16 selector: far pointer to the 64-bit code */
#define AP_CR3 0x38 /* u32: the BSP's CR3 (hvmm's page tables, below 4 GiB) */
#define AP_EFER 0x3c /* u32: EFER to load (LME, NXE) */
#define AP_STACK 0x40 /* u64: the AP's stack top */
#define AP_CPU 0x48 /* u64: its struct cpu */
#define AP_ENTRY 0x50 /* u64: ap_entry64(struct cpu *) */
#define AP_ALIVE 0x58 /* u32: set to 1 by the AP in long mode, before it calls ap_entry64 */
#define AP_SEL_CODE64 0x08
#define AP_SEL_DATA 0x10
#define AP_SEL_CODE32 0x18

#ifndef __ASSEMBLY__
#include <stdint.h>

struct ap_params {
	uint64_t gdt[4];
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint16_t pad0;
	uint32_t jmp32_offset;
	uint16_t jmp32_sel;
	uint16_t pad1;
	uint32_t jmp64_offset;
	uint16_t jmp64_sel;
	uint16_t pad2;
	uint32_t cr3;
	uint32_t efer;
	uint64_t stack;
	uint64_t cpu;
	uint64_t entry;
	volatile uint32_t alive;
} __attribute__((packed));
_Static_assert(__builtin_offsetof(struct ap_params, gdt_limit) == AP_GDT_PTR, "AP_GDT_PTR");
_Static_assert(__builtin_offsetof(struct ap_params, jmp32_offset) == AP_JMP32, "AP_JMP32");
_Static_assert(__builtin_offsetof(struct ap_params, jmp64_offset) == AP_JMP64, "AP_JMP64");
_Static_assert(__builtin_offsetof(struct ap_params, cr3) == AP_CR3, "AP_CR3");
_Static_assert(__builtin_offsetof(struct ap_params, efer) == AP_EFER, "AP_EFER");
_Static_assert(__builtin_offsetof(struct ap_params, stack) == AP_STACK, "AP_STACK");
_Static_assert(__builtin_offsetof(struct ap_params, cpu) == AP_CPU, "AP_CPU");
_Static_assert(__builtin_offsetof(struct ap_params, entry) == AP_ENTRY, "AP_ENTRY");
_Static_assert(__builtin_offsetof(struct ap_params, alive) == AP_ALIVE, "AP_ALIVE");
_Static_assert(AP_PARAMS + sizeof(struct ap_params) <= 4096, "parameter block inside the trampoline page");

struct cpu;

/*
 * Start up to want - 1 APs of the MADT (enabled entries, in table order, with smt=off none that is an SMT sibling of
 * the BSP or of an entry taken before it (lib/cputopo.h); in xAPIC mode IDs up to 254 only) one at a time with
 * INIT-SIPI-SIPI through the trampoline copied to page (pmm_low_page). Each AP enters long mode on the BSP's page
 * tables, sets its GS base to its struct cpu, loads its own GDT/TSS/IDT and calls ap_main(c), which must set
 * c->state to CPU_UP (it will run guests) or CPU_FAILED (it printed why) and never return. An AP that does not
 * reach CPU_UP within SMP_ANSWER_MS is reported, parked again with INIT and left out. Sets ncpus to the CPUs up
 * (BSP included) and prints what it did with every MADT entry it did not start.
 */
void smp_start(uint64_t page, unsigned want, void (*ap_main)(struct cpu *c));
/* The enabled MADT entries other than the BSP (0 without a MADT): the CPUs smp_start could start. */
unsigned smp_others(void);
#define SMP_ANSWER_MS 1000

/* On an AP: wait (PAUSE loop) until smp_release; every write the BSP made before smp_release is visible after. */
void smp_wait_release(void);
/* On the BSP: let the APs waiting in smp_wait_release run. */
void smp_release(void);
/* On an AP whose guests all ended: set c->state = CPU_DONE (release) and wake the BSP (VEC_WAKE IPI). */
void smp_ap_done(struct cpu *c);
/* On the BSP: sleep (STI; HLT) until every AP is CPU_DONE; every write they made before is visible after. */
void smp_wait_done(void);
/* For a panic (core/panic.c's freeze hook): NMI IPI to every other CPU that runs, and wait up to 100 ms until
 * they are parked. */
void smp_stop_others(void);

#endif /* __ASSEMBLY__ */

#endif
