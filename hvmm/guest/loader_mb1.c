/* SPDX-License-Identifier: MIT */
/*
 * loader_mb1.c — multiboot v1 kernels (Multiboot Specification 0.6.96): an ELF32 or a.out-kludge image with a
 * multiboot header, loaded at its physical addresses (anywhere in free RAM: from HVMM_MB1_FREE_LO to the EBDA and
 * from 1 MiB) and entered in 32-bit protected mode with paging off (nested paging still confines it), EAX =
 * 0x2BADB002 and EBX = a multiboot information block in guest memory: mem_lower/mem_upper, the memory map, the
 * command line ("<name> <the guest's line>"), the boot loader name and the modules attached to the guest with
 * for=<name> (loader_mb1_attach). Such guests get the virtual PC by default, and PC low memory (pclowmem.c).
 */
#include <string.h>

#include "fmt.h"
#include "hvmm/abi.h"
#include "hvmm/core/arch.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/loader.h"
#include "hvmm/guest/pclowmem.h"
#include "hvmm/svm/vmcb.h"
#include "mb1.h"

#define MB1_MMAP_RAM 1
#define MB1_MMAP_RESERVED 2
#define GDT_CODE 0x08
#define GDT_DATA 0x10
#define LOADER_NAME "hvmm"
#define CMDLINE_BYTES (HVMM_MB1_FREE_LO - HVMM_MB1_CMDLINE_GPA)
#define MMAP_ENTRIES 4
#define HIGH_RAM 0x100000u

_Static_assert(CMDLINE_BYTES >= GUEST_NAME_MAX + GUEST_CMDLINE_MAX, "\"<name> <line>\" fits below HVMM_MB1_FREE_LO");
_Static_assert(HVMM_MB1_MMAP_GPA + MMAP_ENTRIES * sizeof(struct mb1_mmap_entry) <= HVMM_MB1_MODS_GPA &&
	       HVMM_MB1_MODS_GPA + HVMM_MB1_MAX_MODULES * sizeof(struct mb1_module) <= HVMM_MB1_LOADER_GPA,
	       "memory map and module list fit their places");

static int mb1_probe(const void *image, uint64_t len)
{
	/* A multiboot header in the first 8 KiB, whatever the rest is: the load reports what is wrong with it. */
	return mb1_find_header(image, len) >= 0;
}

static void set_seg(struct vmcb_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	*s = (struct vmcb_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

/* Protected mode, paging off, flat 4 GiB segments, interrupts off (§3.2 "Machine state"). */
static void entry_state(struct guest *g, uint32_t entry)
{
	uint64_t *gdt = guest_ptr(g, HVMM_MB1_GDT_GPA, 3 * 8);
	gdt[0] = 0;
	gdt[1] = 0x00cf9b000000ffffull; /* 32-bit code, base 0, limit 4 GiB */
	gdt[2] = 0x00cf93000000ffffull; /* data */

	struct vmcb_save *s = &g->vcpu[0]->vmcb->save;
	set_seg(&s->cs, GDT_CODE, SEG_ATTR_CODE32, 0xffffffff, 0);
	set_seg(&s->ds, GDT_DATA, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->es, GDT_DATA, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->ss, GDT_DATA, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->fs, GDT_DATA, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->gs, GDT_DATA, SEG_ATTR_DATA, 0xffffffff, 0);
	set_seg(&s->gdtr, 0, 0, 3 * 8 - 1, HVMM_MB1_GDT_GPA);
	set_seg(&s->idtr, 0, 0, 0x3ff, 0);
	set_seg(&s->ldtr, 0, 0, 0, 0);
	set_seg(&s->tr, 0, SEG_ATTR_TSS64_BUSY, 0xffff, 0); /* a busy 32-bit TSS type, as after reset */
	s->cpl = 0;
	s->efer = EFER_SVME; /* SVME: required in the VMCB (APM §15.5.1); the guest's RDMSR does not see it */
	s->cr0 = CR0_PE | CR0_ET;
	s->cr3 = 0;
	s->cr4 = 0;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = RFLAGS_RESERVED1; /* IF = 0, VM = 0 */
	s->rip = entry;
	s->rsp = HVMM_MB1_STACK_GPA;
	s->rax = MB1_BOOTLOADER_MAGIC;
	s->g_pat = GUEST_PAT_DEFAULT;
	memset(&g->vcpu[0]->regs, 0, sizeof(g->vcpu[0]->regs));
	g->vcpu[0]->regs.rbx = HVMM_MB1_INFO_GPA;
}

/* The information block without modules (§3.3). */
static void build_info(struct guest *g)
{
	struct mb1_info_raw *mi = guest_ptr(g, HVMM_MB1_INFO_GPA, sizeof(*mi));
	memset(mi, 0, sizeof(*mi));
	mi->flags = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME;
	mi->mem_lower = HVMM_PC_EBDA_GPA >> 10;
	mi->mem_upper = (uint32_t)((g->ram_size - HIGH_RAM) >> 10);

	/* As a PC BIOS reports it (and as the BIOS data area says, pclowmem.c): conventional RAM below the EBDA, the
	 * EBDA and the BIOS area reserved, RAM from 1 MiB. */
	struct mb1_mmap_entry *mm = guest_ptr(g, HVMM_MB1_MMAP_GPA, MMAP_ENTRIES * sizeof(*mm));
	const struct { uint64_t base, len; uint32_t type; } map[MMAP_ENTRIES] = {
		{ 0, HVMM_PC_EBDA_GPA, MB1_MMAP_RAM },
		{ HVMM_PC_EBDA_GPA, 0xa0000 - HVMM_PC_EBDA_GPA, MB1_MMAP_RESERVED },
		{ HVMM_PC_BIOS_GPA, HIGH_RAM - HVMM_PC_BIOS_GPA, MB1_MMAP_RESERVED },
		{ HIGH_RAM, g->ram_size - HIGH_RAM, MB1_MMAP_RAM },
	};
	for (unsigned i = 0; i < MMAP_ENTRIES; i++)
		mm[i] = (struct mb1_mmap_entry){ sizeof(*mm) - 4, map[i].base, map[i].len, map[i].type };
	mi->mmap_addr = HVMM_MB1_MMAP_GPA;
	mi->mmap_length = MMAP_ENTRIES * sizeof(*mm);
	mi->mods_addr = HVMM_MB1_MODS_GPA;
	mi->mods_count = 0;

	char *name = guest_ptr(g, HVMM_MB1_LOADER_GPA, sizeof(LOADER_NAME));
	memcpy(name, LOADER_NAME, sizeof(LOADER_NAME));
	mi->boot_loader_name = HVMM_MB1_LOADER_GPA;
	char *cmd = guest_ptr(g, HVMM_MB1_CMDLINE_GPA, CMDLINE_BYTES);
	fmt_snprintf(cmd, CMDLINE_BYTES, "%s %s", g->name, g->cmdline);
	mi->cmdline = HVMM_MB1_CMDLINE_GPA;
}

static struct mb1_image im; /* one guest at a time, single CPU at boot */

static int mb1_check(const void *image, uint64_t len, uint64_t ram_size, const char **why)
{
	if (ram_size > (4ull << 30)) {
		*why = "multiboot v1 kernels run in 32-bit mode: mem= must be at most 4G";
		return -1;
	}
	/* Free RAM: what hvmm places below HVMM_MB1_FREE_LO, the EBDA and the BIOS area stay out (docs/guest-abi.md) */
	const struct mb1_range ram[] = { { HVMM_MB1_FREE_LO, HVMM_PC_EBDA_GPA }, { HIGH_RAM, ram_size } };
	return mb1_image_parse(image, len, ram, 2, &im, why);
}

static int mb1_load(struct guest *g, const void *image, uint64_t len, const char **why)
{
	if (mb1_check(image, len, g->ram_size, why))
		return -1;
	for (unsigned i = 0; i < im.nseg; i++) {
		const struct mb1_segment *sg = &im.seg[i];
		uint8_t *dst = guest_ptr(g, sg->pa, sg->memsz);
		if (!dst) {
			*why = "segment outside guest RAM";
			return -1;
		}
		memcpy(dst, (const uint8_t *)image + sg->file_off, sg->filesz);
		memset(dst + sg->filesz, 0, sg->memsz - sg->filesz);
	}
	entry_state(g, im.entry);
	build_info(g);
	g->mb1_next_module = ((im.end > HIGH_RAM ? im.end : HIGH_RAM) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return 0;
}

int loader_mb1_attach(struct guest *g, const void *data, uint64_t len, const char *cmdline, const char **why)
{
	struct mb1_info_raw *mi = guest_ptr(g, HVMM_MB1_INFO_GPA, sizeof(*mi));
	if (mi->mods_count == HVMM_MB1_MAX_MODULES) {
		*why = "the guest already has 64 modules";
		return -1;
	}
	uint64_t at = g->mb1_next_module, str = at + len; /* the module, then its command line */
	uint64_t str_len = strlen(cmdline) + 1;
	uint8_t *dst = guest_ptr(g, at, len + str_len);
	if (!dst) {
		*why = "module does not fit in the guest's RAM above its kernel (mem=)";
		return -1;
	}
	memcpy(dst, data, len);
	memcpy(dst + len, cmdline, str_len);
	uint32_t i = mi->mods_count++;
	struct mb1_module *m = guest_ptr(g, HVMM_MB1_MODS_GPA + i * sizeof(*m), sizeof(*m));
	*m = (struct mb1_module){ .mod_start = (uint32_t)at, .mod_end = (uint32_t)(at + len), .string = (uint32_t)str };
	g->mb1_next_module = (str + str_len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	return 0;
}

const struct image_format image_format_mb1 = {
	.name = "multiboot1",
	.probe = mb1_probe,
	.check = mb1_check,
	.load = mb1_load,
	.attach = loader_mb1_attach,
	.pc_lowmem = PC_LOWMEM_BIOS,
	.pc_default = 1,
};
