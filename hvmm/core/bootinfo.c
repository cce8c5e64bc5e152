/* SPDX-License-Identifier: MIT */
/* bootinfo.c — copy the command line, memory map, modules, framebuffer and RSDP out of the multiboot2 MBI (spec 1.0
 * §3.6) or the multiboot v1 information (0.6.96 §3.3). */
#include "hvmm/core/bootinfo.h"

#include <string.h>

#include "hvmm/core/console.h"

struct bootinfo bootinfo;
static struct mb2_info mb2; /* large (modules array): static, not on the boot stack */
static struct mb1_info mb1;
_Static_assert(MB1_MAX_MODULES == MB2_MAX_MODULES, "bootinfo.mod[] holds the modules of either loader");

static void copy_module(unsigned i, uint64_t start, uint64_t end, const char *cmdline)
{
	struct boot_module *m = &bootinfo.mod[i];
	m->start = start;
	m->end = end;
	m->cmdline_truncated = strlcpy(m->cmdline, cmdline, sizeof(m->cmdline)) >= sizeof(m->cmdline);
}

static void copy_cmdline(const char *cmdline)
{
	bootinfo.cmdline_truncated = strlcpy(bootinfo.cmdline, cmdline, sizeof(bootinfo.cmdline)) >= sizeof(bootinfo.cmdline);
}

static void mmap_add(uint64_t base, uint64_t length, uint32_t type)
{
	if (bootinfo.nmmap < BOOT_MMAP_MAX)
		bootinfo.mmap[bootinfo.nmmap++] = (struct mb2_mmap_entry){.base_addr = base, .length = length, .type = type};
}

static uint8_t sum8(const uint8_t *p, unsigned n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

/* The RSDP in [lo, hi), on a 16-byte boundary with a good ACPI 1.0 checksum, or NULL (ACPI 6.4 §5.2.5.1). */
static const uint8_t *rsdp_scan(uint64_t lo, uint64_t hi)
{
	for (uint64_t pa = lo; pa + 20 <= hi; pa += 16) {
		const uint8_t *p = (const uint8_t *)pa;
		if (!memcmp(p, "RSD PTR ", 8) && sum8(p, 20) == 0)
			return p;
	}
	return NULL;
}

/* Multiboot v1 passes no RSDP: search the first KiB of the EBDA (segment at 0x40e) and 0xe0000-0xfffff (ACPI 6.4
 * §5.2.5.1, IA-PC systems). The copy is 36 bytes when revision >= 2 (ACPI 2.0 RSDP), else 20. */
static void rsdp_from_bios(void)
{
	uint64_t bda = 0x400; /* the BIOS data area; hidden from GCC, which takes addresses below 4 KiB for NULL + n */
	__asm__("" : "+r"(bda));
	uint64_t ebda = (uint64_t)*(const volatile uint16_t *)(bda + 0xe) << 4;
	const uint8_t *r = ebda >= 0x80000 && ebda < 0xa0000 ? rsdp_scan(ebda, ebda + 1024) : NULL;
	if (!r)
		r = rsdp_scan(0xe0000, 0x100000);
	if (!r)
		return;
	bootinfo.rsdp_v2 = r[15] >= 2;
	bootinfo.rsdp_len = bootinfo.rsdp_v2 ? 36 : 20;
	memcpy(bootinfo.rsdp, r, bootinfo.rsdp_len);
	bootinfo.rsdp_from = "BIOS area";
}

/* Physical memory the multiboot v1 information may point into: hvmm's identity map of the first 4 GiB, from 0x500
 * (below it lie the real-mode interrupt vectors and the BIOS data area, never boot information). */
#define MB1_WINDOW_START 0x500ull
#define MB1_WINDOW_END 0x100000000ull

static int copy_mb1(uint64_t info_pa)
{
	struct mb1_info *info = &mb1;
	const struct mb1_window w = {(const uint8_t *)MB1_WINDOW_START, MB1_WINDOW_START, MB1_WINDOW_END - MB1_WINDOW_START};
	const char *why;

	if (mb1_parse(&w, info_pa, info, &why)) {
		hlog("error: malformed multiboot v1 information at 0x%lx: %s", info_pa, why);
		return -1;
	}
	bootinfo.multiboot_v1 = 1;
	bootinfo.mbi_start = info_pa;
	bootinfo.mbi_end = info_pa + sizeof(struct mb1_info_raw);
	if (info->cmdline)
		copy_cmdline(mb1_cmdline_args(info->cmdline));
	strlcpy(bootinfo.loader, info->loader_name ? info->loader_name : "multiboot v1", sizeof(bootinfo.loader));
	if (info->mmap) {
		for (unsigned i = 0; i < info->mmap_count; i++) {
			uint64_t base, length;
			uint32_t type;
			mb1_mmap_get(info, i, &base, &length, &type);
			mmap_add(base, length, type);
		}
		if (info->mmap_count > BOOT_MMAP_MAX)
			hlog("warning: memory map has %u entries; using the first %u", info->mmap_count, BOOT_MMAP_MAX);
	} else if (info->flags & MB1_INFO_MEMORY) { /* §3.3: lower memory from 0, upper memory from 1 MiB, in KiB */
		mmap_add(0, (uint64_t)info->mem_lower << 10, 1);
		mmap_add(0x100000, (uint64_t)info->mem_upper << 10, 1);
	}
	bootinfo.nmod = info->nmod;
	bootinfo.nmod_dropped = info->nmod_dropped;
	for (unsigned i = 0; i < info->nmod; i++)
		copy_module(i, info->mod[i].mod_start, info->mod[i].mod_end, mb1_cmdline_args(info->mod[i].cmdline));
	if (info->has_fb) {
		bootinfo.has_fb = 1;
		bootinfo.fb = (struct mb2_framebuffer){.addr = info->fb_addr, .pitch = info->fb_pitch,
						       .width = info->fb_width, .height = info->fb_height,
						       .bpp = info->fb_bpp, .type = info->fb_type};
	}
	rsdp_from_bios();
	return 0;
}

int bootinfo_copy(uint32_t magic, uint64_t mbi_pa)
{
	struct mb2_info *info = &mb2;
	const char *why;

	if (magic == MB1_BOOTLOADER_MAGIC)
		return copy_mb1(mbi_pa);
	if (magic != MB2_BOOTLOADER_MAGIC) {
		hlog("error: bad multiboot magic 0x%x (expected 0x%x for multiboot2 or 0x%x for multiboot v1)", magic,
		     MB2_BOOTLOADER_MAGIC, MB1_BOOTLOADER_MAGIC);
		return -1;
	}
	/* The MBI states its own size in its first word (spec §3.6.1); mb2_parse checks it against itself. */
	uint32_t total = *(const uint32_t *)mbi_pa;
	if (mb2_parse((const void *)mbi_pa, total, info, &why)) {
		hlog("error: malformed multiboot2 information at 0x%lx: %s", mbi_pa, why);
		return -1;
	}
	bootinfo.mbi_start = mbi_pa;
	bootinfo.mbi_end = mbi_pa + total;
	if (info->cmdline)
		copy_cmdline(info->cmdline);
	if (info->loader_name)
		strlcpy(bootinfo.loader, info->loader_name, sizeof(bootinfo.loader));

	bootinfo.nmmap = info->mmap_count < BOOT_MMAP_MAX ? info->mmap_count : BOOT_MMAP_MAX;
	for (unsigned i = 0; i < bootinfo.nmmap; i++)
		mb2_mmap_get(info, i, &bootinfo.mmap[i]);
	if (info->mmap_count > BOOT_MMAP_MAX)
		hlog("warning: memory map has %u entries; using the first %u", info->mmap_count, BOOT_MMAP_MAX);

	bootinfo.nmod = info->nmod;
	bootinfo.nmod_dropped = info->nmod_dropped;
	for (unsigned i = 0; i < info->nmod; i++)
		copy_module(i, info->mod[i].mod_start, info->mod[i].mod_end,
			    info->mod[i].cmdline ? info->mod[i].cmdline : "");
	bootinfo.has_fb = info->has_fb;
	bootinfo.fb = info->fb;
	const void *rsdp = info->rsdp_v2 ? info->rsdp_v2 : info->rsdp_v1;
	uint32_t rsdp_len = info->rsdp_v2 ? info->rsdp_v2_len : info->rsdp_v1_len;
	if (rsdp) {
		bootinfo.rsdp_len = rsdp_len < sizeof(bootinfo.rsdp) ? rsdp_len : sizeof(bootinfo.rsdp);
		bootinfo.rsdp_v2 = info->rsdp_v2 != NULL;
		memcpy(bootinfo.rsdp, rsdp, bootinfo.rsdp_len);
		bootinfo.rsdp_from = info->rsdp_v2 ? "multiboot2 tag 15" : "multiboot2 tag 14";
	}
	return 0;
}
