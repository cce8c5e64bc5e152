/* SPDX-License-Identifier: MIT */
/*
 * mb1_boot (multiboot v1 test kernel): the entry state and the information block (Multiboot Specification 0.6.96
 * §3.2-3.3): EAX magic, protected mode with paging off and IF = 0, mem_lower/mem_upper against the memory map, the
 * command line (arguments after the file name), the boot loader name and the modules. Command line: token=<word>
 * (must come back), mods=<n> (modules expected; each starts with "hvmm-mb1-module" and its string holds modarg=<i>),
 * and optionally words=<n> (the arguments are exactly n words: none of hvmm's own keys reached the kernel),
 * arglen=<n> (the arguments are n bytes long: a long line arrives whole), mem=<v> (must come back as v: the kernel's
 * own mem=, given after hvmm's "--").
 */
#include "../../lib/mb1.h"
#include "rt.h"

int mb1_main(uint32_t magic, const struct mb1_info_raw *mi);

int mb1_main(uint32_t magic, const struct mb1_info_raw *mi)
{
	uint32_t cr0, eflags;
	__asm__ volatile("mov %%cr0, %0; pushf; pop %1" : "=r"(cr0), "=r"(eflags));
	rt_printf("mb1_boot: start\n");
	check(magic == MB1_BOOTLOADER_MAGIC, "EAX = 0x2BADB002", "eax=0x%x", magic);
	check((cr0 & 1) && !(cr0 & 0x80000000u), "CR0.PE = 1, CR0.PG = 0", "cr0=0x%x", cr0);
	check(!(eflags & 0x200) && !(eflags & 0x20000), "EFLAGS.IF = 0, VM = 0", "eflags=0x%x", eflags);
	uint32_t need = MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MMAP;
	check((mi->flags & need) == need, "info flags: memory, cmdline, mmap", "flags=0x%x", mi->flags);
	check(mi->mem_lower >= 512 && mi->mem_lower <= 640, "mem_lower is 512..640 KiB", "%u", mi->mem_lower);

	/* The memory map: an available region from 1 MiB of mem_upper KiB, records of size >= 20. */
	int found = 0, sizes_ok = 1;
	for (uint32_t off = 0; off < mi->mmap_length;) {
		const struct mb1_mmap_entry *e = (const void *)(uintptr_t)(mi->mmap_addr + off);
		if (e->size < 20)
			sizes_ok = 0;
		if (e->type == 1 && e->base_addr == 0x100000 && (e->length >> 10) == mi->mem_upper)
			found = 1;
		off += e->size + 4;
		if (e->size < 20)
			break;
	}
	check(sizes_ok, "mmap records are at least 20 bytes", "");
	check(found, "mmap has RAM from 1 MiB matching mem_upper", "mem_upper=%u", mi->mem_upper);

	const char *cmd = (const char *)(uintptr_t)mi->cmdline;
	const char *args = cmdline_args(cmd);
	char token[32], mods[8];
	check(cmdline_get(args, "token", token, sizeof(token)) && str_eq(token, "mb1boot"),
	      "command line arguments reach the kernel (token=mb1boot)", "cmdline=\"%s\"", cmd);
	if (mi->flags & MB1_INFO_LOADER_NAME)
		check(((const char *)(uintptr_t)mi->boot_loader_name)[0] != 0, "boot loader name is set", "");

	char num[16];
	if (cmdline_get(args, "words", num, sizeof(num))) {
		uint32_t words = 0;
		for (const char *p = args; *p; p++)
			words += *p != ' ' && (p == args || p[-1] == ' ');
		check(words == str_u32(num), "the arguments are the kernel's own words", "%u words, want %s", words, num);
	}
	if (cmdline_get(args, "arglen", num, sizeof(num))) {
		uint32_t n = 0;
		while (args[n])
			n++;
		check(n == str_u32(num), "a long command line arrives whole", "%u bytes, want %s", n, num);
	}
	char mem[16];
	if (cmdline_get(args, "mem", mem, sizeof(mem)))
		check(str_eq(mem, "7"), "the kernel's own mem= arrives (mem=7)", "mem=%s", mem);

	uint32_t want = cmdline_get(args, "mods", mods, sizeof(mods)) ? str_u32(mods) : 0;
	uint32_t have = (mi->flags & MB1_INFO_MODS) ? mi->mods_count : 0;
	check(have == want, "module count", "have %u, want %u", have, want);
	for (uint32_t i = 0; i < have && i < want; i++) {
		const struct mb1_module *m = (const void *)(uintptr_t)(mi->mods_addr + 16 * i);
		const char *data = (const char *)(uintptr_t)m->mod_start;
		const char *magic_text = "hvmm-mb1-module";
		int ok = m->mod_end > m->mod_start + 15;
		for (unsigned k = 0; ok && magic_text[k]; k++)
			ok = data[k] == magic_text[k];
		check(ok && !(m->mod_start & 0xfff), "module is page-aligned and holds its file", "start=0x%x end=0x%x",
		      m->mod_start, m->mod_end);
		char arg[8];
		const char *str = m->string ? (const char *)(uintptr_t)m->string : "";
		check(cmdline_get(str, "modarg", arg, sizeof(arg)) && str_u32(arg) == i, "module string has modarg=<i>",
		      "string=\"%s\"", str);
	}
	return rt_done("mb1_boot");
}
