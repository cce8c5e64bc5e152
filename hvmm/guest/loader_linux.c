/* SPDX-License-Identifier: MIT */
/*
 * loader_linux.c — Linux bzImage guests through the 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * "64-bit Boot Protocol"): the protected-mode kernel at its load address, a zero page with an e820 map of the guest's
 * RAM and the command line, long mode with identity paging at load address + 0x200, RSI = boot_params. An initrd
 * comes as a module attached to the guest (loader_linux_attach). Layout and command line: docs/linux-guest.md.
 */
#include <string.h>

#include "bzimage.h"
#include "cmdline.h"
#include "fmt.h"
#include "hvmm/abi.h"
#include "hvmm/guest/boot64.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/loader.h"
#include "hvmm/guest/pclowmem.h"
#include "hvmm/x86/tsc.h"

#define LINUX_BOOT_CS 0x10 /* __BOOT_CS and __BOOT_DS: the selectors boot.rst requires at the 64-bit entry */
#define LINUX_BOOT_DS 0x18
#define LINUX_BOOT_PARAMS_GPA 0x20000u /* the zero page, above hvmm's page tables (abi.h) */
#define LINUX_CMDLINE_GPA 0x21000u
#define LINUX_CMDLINE_MAX 8192u /* bytes reserved at LINUX_CMDLINE_GPA, NUL included: a module line and more */
#define LINUX_HIGH_GPA 0x100000u

_Static_assert(LINUX_BOOT_PARAMS_GPA >= HVMM_PT_GPA + (2 + 16) * 4096, "zero page above the largest page tables");
_Static_assert(LINUX_CMDLINE_GPA + LINUX_CMDLINE_MAX <= HVMM_STACK_TOP_GPA - 0x10000, "command line below the stack");

static int linux_probe(const void *image, uint64_t len)
{
	return len >= 0x206 && memcmp((const uint8_t *)image + 0x202, "HdrS", 4) == 0;
}

/* Does the command line set key (a word "key" or "key=...")? */
static int has_key(const char *line, const char *key)
{
	struct cmdline_iter it;
	char k[32], v[1];

	cmdline_init(&it, line);
	while (cmdline_next(&it, k, sizeof(k), v, sizeof(v)) != 0)
		if (!strcmp(k, key))
			return 1;
	return 0;
}

/*
 * The kernel's command line: the module's own line, and tsc_early_khz=<hvmm's TSC kHz> unless it has one, so the
 * kernel skips its TSC calibration against the PIT (docs/linux-guest.md says why not CPUID 0x40000010).
 */
static int linux_cmdline(struct guest *g, const struct bzimage_info *info, const char **why)
{
	char *cl = guest_ptr(g, LINUX_CMDLINE_GPA, LINUX_CMDLINE_MAX);
	int n;

	if (has_key(g->cmdline, "tsc_early_khz"))
		n = fmt_snprintf(cl, LINUX_CMDLINE_MAX, "%s", g->cmdline);
	else
		n = fmt_snprintf(cl, LINUX_CMDLINE_MAX, "%s%stsc_early_khz=%llu", g->cmdline, g->cmdline[0] ? " " : "",
				 (unsigned long long)tsc_khz);
	if (n < 0 || (unsigned)n >= LINUX_CMDLINE_MAX || (unsigned)n > info->cmdline_size) {
		*why = "kernel command line longer than the kernel's cmdline_size";
		return -1;
	}
	return 0;
}

static struct bzimage_info bz; /* one guest at a time, single CPU at boot */

static int linux_check(const void *image, uint64_t len, uint64_t ram_size, const char **why)
{
	return bzimage_parse(image, len, HVMM_LOAD_MIN_GPA, ram_size, &bz, why);
}

static int linux_load(struct guest *g, const void *image, uint64_t len, const char **why)
{
	if (linux_check(image, len, g->ram_size, why))
		return -1;
	uint8_t *dst = guest_ptr(g, bz.load_addr, bz.init_size);
	if (!dst) { /* bzimage_parse checked the range; keep the invariant visible */
		*why = "kernel outside guest RAM";
		return -1;
	}
	memcpy(dst, (const uint8_t *)image + bz.kernel_off, bz.kernel_size);
	if (linux_cmdline(g, &bz, why))
		return -1;

	struct boot_params *bp = guest_ptr(g, LINUX_BOOT_PARAMS_GPA, sizeof(*bp));
	bzimage_boot_params(bp, image, &bz, LINUX_CMDLINE_GPA);
	/* e820: conventional RAM, the reserved EBDA and BIOS areas as on a PC (their contents: pclowmem.c), then RAM */
	bzimage_add_e820(bp, 0, HVMM_PC_EBDA_GPA, BZ_E820_RAM);
	bzimage_add_e820(bp, HVMM_PC_EBDA_GPA, 0xa0000 - HVMM_PC_EBDA_GPA, BZ_E820_RESERVED);
	bzimage_add_e820(bp, HVMM_PC_BIOS_GPA, LINUX_HIGH_GPA - HVMM_PC_BIOS_GPA, BZ_E820_RESERVED);
	bzimage_add_e820(bp, LINUX_HIGH_GPA, g->ram_size - LINUX_HIGH_GPA, BZ_E820_RAM);

	boot64_enter(g, bz.entry64, LINUX_BOOT_CS, LINUX_BOOT_DS);
	g->vcpu[0]->regs.rsi = LINUX_BOOT_PARAMS_GPA;
	return 0;
}

int loader_linux_attach(struct guest *g, const void *data, uint64_t len, const char *cmdline, const char **why)
{
	(void)cmdline;
	/* The guest has not run yet: its zero page is still the one linux_load wrote. */
	struct boot_params *bp = guest_ptr(g, LINUX_BOOT_PARAMS_GPA, sizeof(*bp));
	if (bp->hdr.ramdisk_size || bp->ext_ramdisk_size) {
		*why = "a Linux guest takes one initrd";
		return -1;
	}
	struct bzimage_info info = {
		.load_addr = bp->hdr.code32_start,
		.init_size = bp->hdr.init_size,
		.initrd_addr_max = bp->hdr.initrd_addr_max,
	};
	uint64_t addr = bzimage_place_initrd(&info, len, HVMM_LOAD_MIN_GPA, g->ram_size, why);
	if (!addr)
		return -1;
	memcpy(guest_ptr(g, addr, len), data, len);
	bzimage_set_initrd(bp, addr, len);
	return 0;
}

const struct image_format image_format_linux = {
	.name = "linux",
	.probe = linux_probe,
	.check = linux_check,
	.load = linux_load,
	.attach = loader_linux_attach,
	.pc_lowmem = PC_LOWMEM_SETUP,
	.pc_default = 1,
};
