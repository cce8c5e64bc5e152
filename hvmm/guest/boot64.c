/* SPDX-License-Identifier: MIT */
/* boot64.c — build a guest's 64-bit entry state: boot info, GDT/TSS, identity page tables and VMCB save area. */
#include "hvmm/guest/boot64.h"

#include <string.h>

#include "hvmm/abi.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/config.h"
#include "hvmm/guest/guest.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/tsc.h"

#define GUEST_TSS_GPA (HVMM_GDT_GPA + 0x100) /* after the GDT (at most 0x100 bytes) */
#define GUEST_TSS_LIMIT 0x67
#define GUEST_PT_MIN_GIB 4 /* map at least the low 4 GiB, so stray accesses reach the nested tables (NPF) */
#define GUEST_PT_MAX_GIB 16 /* PDs at 0x4000..0x13fff */

_Static_assert(HVMM_PT_GPA + (2 + GUEST_PT_MAX_GIB) * 4096 <= HVMM_STACK_TOP_GPA - 0x10000,
	       "guest page tables must leave at least 64 KiB of stack");
_Static_assert((HVMM_GUEST_MEM_MAX >> 30) <= GUEST_PT_MAX_GIB, "guest RAM limit fits the page-table area");

static void set_seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	*s = (struct vmcb_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

void boot64_enter(struct guest *g, uint64_t rip, uint16_t cs, uint16_t ds)
{
	/* GDT: null, then the 64-bit code and flat data descriptors at the selectors asked for, then a 16-byte TSS
	 * descriptor in the next two slots (APM Vol. 2 §4.8). */
	uint16_t tr = (uint16_t)((cs > ds ? cs : ds) + 8), limit = (uint16_t)(tr + 16 - 1);
	uint64_t *gdt = guest_ptr(g, HVMM_GDT_GPA, (uint64_t)limit + 1);
	memset(gdt, 0, (size_t)limit + 1);
	gdt[cs >> 3] = 0x00af9a000000ffffull;
	gdt[ds >> 3] = 0x00cf92000000ffffull;
	gdt[tr >> 3] = GUEST_TSS_LIMIT | ((uint64_t)GUEST_TSS_GPA << 16) | (0x8bull << 40);

	/* Identity page tables: PML4 -> PDPT -> one PD per GiB, 2 MiB pages (guest level: supervisor, RW). */
	uint64_t gib = (g->ram_size + (1ull << 30) - 1) >> 30;
	if (gib < GUEST_PT_MIN_GIB)
		gib = GUEST_PT_MIN_GIB;
	uint64_t *pml4 = guest_ptr(g, HVMM_PT_GPA, 4096);
	uint64_t *pdpt = guest_ptr(g, HVMM_PT_GPA + 0x1000, 4096);
	pml4[0] = (HVMM_PT_GPA + 0x1000) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < gib; i++) {
		uint64_t pd_gpa = HVMM_PT_GPA + 0x2000 + i * 0x1000;
		uint64_t *pd = guest_ptr(g, pd_gpa, 4096);
		pdpt[i] = pd_gpa | PTE_P | PTE_RW;
		for (uint64_t j = 0; j < 512; j++)
			pd[j] = ((i << 30) + (j << 21)) | PTE_P | PTE_RW | PTE_PS;
	}

	struct vmcb_save *s = &g->vcpu[0]->vmcb->save;
	set_seg(&s->cs, cs, SEG_ATTR_CODE64, 0xffffffff, 0);
	set_seg(&s->ds, ds, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->es, ds, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->ss, ds, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->fs, ds, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->gs, ds, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->gdtr, 0, 0, limit, HVMM_GDT_GPA);
	set_seg(&s->idtr, 0, 0, 0, 0);
	set_seg(&s->ldtr, 0, 0, 0, 0);
	set_seg(&s->tr, tr, SEG_ATTR_TSS64_BUSY, GUEST_TSS_LIMIT, GUEST_TSS_GPA);
	s->cpl = 0; /* = SS.DPL, the CPL the CPU derives from the segments (APM Vol. 2 §15.5.1, CPL field) */
	s->efer = EFER_LME | EFER_LMA | EFER_SVME | (svm_caps.nx ? EFER_NXE : 0); /* SVME: APM §15.5.1 */
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = HVMM_PT_GPA;
	/* MCE like hvmm's own CR4 (main.c): a machine check in guest mode then exits (#MC intercept) instead of
	 * shutting the processor down (APM Vol. 2 §9.3; KVM keeps the host's CR4.MCE in the guest's). */
	s->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (read_cr4() & CR4_MCE);
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = RFLAGS_RESERVED1; /* IF = 0 */
	s->rip = rip;
	s->rsp = HVMM_STACK_TOP_GPA;
	s->rax = 0;
	s->g_pat = GUEST_PAT_DEFAULT;
	memset(&g->vcpu[0]->regs, 0, sizeof(g->vcpu[0]->regs));
}

void boot64_setup(struct guest *g, uint64_t rip)
{
	struct hvmm_bootinfo *bi = guest_ptr(g, HVMM_BOOTINFO_GPA, sizeof(*bi));
	bi->magic = HVMM_BOOTINFO_MAGIC;
	bi->version = HVMM_ABI_VERSION;
	bi->guest_id = g->id;
	bi->mem_bytes = g->ram_size;
	bi->tsc_khz = tsc_khz;
	bi->slice_us = config.slice_us;
	strlcpy(bi->name, g->name, sizeof(bi->name));
	strlcpy(bi->cmdline, g->cmdline, sizeof(bi->cmdline));

	/* GDT: null, 64-bit code (0x08), data (0x10), 16-byte TSS descriptor (0x18). */
	boot64_enter(g, rip, HVMM_GUEST_CS, HVMM_GUEST_DS);
	g->vcpu[0]->regs.rdi = HVMM_BOOTINFO_GPA;
}
