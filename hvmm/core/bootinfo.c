/* bootinfo.c — copy the command line, memory map and modules out of the multiboot2 MBI (spec §3.6). */
#include "hvmm/core/bootinfo.h"

#include <string.h>

#include "hvmm/core/console.h"

struct bootinfo bootinfo;
static struct mb2_info mb2; /* large (modules array): static, not on the boot stack */

int bootinfo_copy(uint32_t magic, uint64_t mbi_pa)
{
	struct mb2_info *info = &mb2;
	const char *why;

	if (magic != MB2_BOOTLOADER_MAGIC) {
		hlog("error: bad multiboot2 magic 0x%x (expected 0x%x)", magic, MB2_BOOTLOADER_MAGIC);
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
		bootinfo.cmdline_truncated =
			strlcpy(bootinfo.cmdline, info->cmdline, sizeof(bootinfo.cmdline)) >= sizeof(bootinfo.cmdline);
	if (info->loader_name)
		strlcpy(bootinfo.loader, info->loader_name, sizeof(bootinfo.loader));

	bootinfo.nmmap = info->mmap_count < BOOT_MMAP_MAX ? info->mmap_count : BOOT_MMAP_MAX;
	for (unsigned i = 0; i < bootinfo.nmmap; i++)
		mb2_mmap_get(info, i, &bootinfo.mmap[i]);
	if (info->mmap_count > BOOT_MMAP_MAX)
		hlog("warning: memory map has %u entries; using the first %u", info->mmap_count, BOOT_MMAP_MAX);

	bootinfo.nmod = info->nmod;
	bootinfo.nmod_dropped = info->nmod_dropped;
	for (unsigned i = 0; i < info->nmod; i++) {
		struct boot_module *m = &bootinfo.mod[i];
		m->start = info->mod[i].mod_start;
		m->end = info->mod[i].mod_end;
		const char *cl = info->mod[i].cmdline ? info->mod[i].cmdline : "";
		m->cmdline_truncated = strlcpy(m->cmdline, cl, sizeof(m->cmdline)) >= sizeof(m->cmdline);
	}
	bootinfo.has_fb = info->has_fb;
	bootinfo.fb = info->fb;
	const void *rsdp = info->rsdp_v2 ? info->rsdp_v2 : info->rsdp_v1;
	uint32_t rsdp_len = info->rsdp_v2 ? info->rsdp_v2_len : info->rsdp_v1_len;
	if (rsdp) {
		bootinfo.rsdp_len = rsdp_len < sizeof(bootinfo.rsdp) ? rsdp_len : sizeof(bootinfo.rsdp);
		bootinfo.rsdp_v2 = info->rsdp_v2 != NULL;
		memcpy(bootinfo.rsdp, rsdp, bootinfo.rsdp_len);
	}
	return 0;
}
