/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/mb1.c: synthetic multiboot v1 boot information (spec 0.6.96 §3.3) in a window of "physical
 * memory", valid and damaged. */
#define UNIT_MODULE "mb1"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mb1.h"
#include "unit.h"

#define WIN_PA 0x10000u /* the window stands for physical [WIN_PA, WIN_PA + WIN_LEN) */
#define WIN_LEN 0x4000u
#define INFO_PA WIN_PA /* the boot information at the window's start */

static uint8_t mem[WIN_LEN];
static struct mb1_info info; /* about 1.6 KiB: kept off the stack */
static size_t brk_off; /* next free byte of mem after the boot information */

static struct mb1_window window(void)
{
	return (struct mb1_window){.base = mem, .pa = WIN_PA, .len = WIN_LEN};
}

/* Copy n bytes into the window after the boot information; return their physical address. */
static uint32_t put(const void *p, size_t n)
{
	uint32_t pa = WIN_PA + (uint32_t)brk_off;
	memcpy(mem + brk_off, p, n);
	brk_off = (brk_off + n + 3) & ~(size_t)3;
	return pa;
}

static uint32_t put_string(const char *s) { return put(s, strlen(s) + 1); }

/* Set field at offset off of the boot information. */
static void field(size_t off, uint32_t v) { st32(mem + off, v); }

static void begin(uint32_t flags)
{
	memset(mem, 0xcc, sizeof(mem)); /* garbage in every field whose flag is clear */
	brk_off = sizeof(struct mb1_info_raw);
	field(offsetof(struct mb1_info_raw, flags), flags);
}

/* Memory-map records of record_size bytes (size field = record_size - 4): i = {i * 1 MiB, 64 KiB + i, type i % 5 + 1}. */
static void add_mmap(unsigned count, uint32_t record_size)
{
	uint8_t buf[64 * 40];
	memset(buf, 0xee, sizeof(buf));
	for (unsigned i = 0; i < count; i++) {
		uint8_t *r = buf + i * record_size;
		st32(r, record_size - 4);
		st64(r + 4, (uint64_t)i << 20);
		st64(r + 12, 0x10000ull + i);
		st32(r + 20, i % 5 + 1);
	}
	field(offsetof(struct mb1_info_raw, mmap_length), count * record_size);
	field(offsetof(struct mb1_info_raw, mmap_addr), put(buf, count * record_size));
}

/* count modules: module i = [0x200000 + i * 0x1000, + 0x800), command line "g<i>.elf name=g<i>". */
static void add_modules(unsigned count)
{
	struct mb1_module mods[80];
	for (unsigned i = 0; i < count; i++) {
		char s[40];
		snprintf(s, sizeof(s), "g%u.elf name=g%u", i, i);
		mods[i] = (struct mb1_module){0x200000 + i * 0x1000, 0x200800 + i * 0x1000, put_string(s), 0};
	}
	field(offsetof(struct mb1_info_raw, mods_count), count);
	field(offsetof(struct mb1_info_raw, mods_addr), put(mods, count * sizeof(mods[0])));
}

static const char *parse(void)
{
	const char *why = NULL;
	struct mb1_window w = window();
	if (mb1_parse(&w, INFO_PA, &info, &why) == 0)
		return NULL;
	return why ? why : "(no reason)";
}

/* What QEMU's -kernel loader gives (hw/i386/multiboot.c): memory, command line, modules, mmap, loader name. */
static void make_qemu_like(void)
{
	begin(MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME);
	field(offsetof(struct mb1_info_raw, mem_lower), 639);
	field(offsetof(struct mb1_info_raw, mem_upper), 523136);
	field(offsetof(struct mb1_info_raw, cmdline), put_string("build/hvmm.elf slice=5ms exit_port=0xf4"));
	field(offsetof(struct mb1_info_raw, boot_loader_name), put_string("qemu"));
	add_modules(2);
	add_mmap(6, 24);
}

static void test_valid(void)
{
	make_qemu_like();
	const char *why = parse();
	CHECK(why == NULL, "QEMU-like boot information accepted (%s)", why ? why : "ok");
	CHECK(info.mem_lower == 639 && info.mem_upper == 523136, "mem_lower/mem_upper in KiB");
	CHECK(info.cmdline && !strcmp(info.cmdline, "build/hvmm.elf slice=5ms exit_port=0xf4"), "command line");
	CHECK(info.cmdline && !strcmp(mb1_cmdline_args(info.cmdline), "slice=5ms exit_port=0xf4"),
	      "command line arguments after the file name");
	CHECK(info.loader_name && !strcmp(info.loader_name, "qemu"), "loader name");
	CHECK(info.nmod == 2 && info.nmod_dropped == 0, "two modules");
	CHECK(info.mod[1].mod_start == 0x201000 && info.mod[1].mod_end == 0x201800, "module 1 bounds");
	CHECK(!strcmp(info.mod[1].cmdline, "g1.elf name=g1"), "module 1 command line");
	CHECK(info.mmap_count == 6, "six memory-map records (%u)", info.mmap_count);
	uint64_t base, len;
	uint32_t type;
	mb1_mmap_get(&info, 5, &base, &len, &type);
	CHECK(base == 5u << 20 && len == 0x10005 && type == 1, "record 5 read back");
	mb1_mmap_get(&info, 6, &base, &len, &type);
	CHECK(base == 0 && len == 0 && type == 0, "one past the last record comes back empty");
	CHECK(!info.has_fb, "no framebuffer without its flag");

	/* records larger than 24 bytes (size field 36): the walk steps by size + 4 */
	make_qemu_like();
	add_mmap(4, 40);
	CHECK(parse() == NULL && info.mmap_count == 4, "40-byte records accepted (%u)", info.mmap_count);
	mb1_mmap_get(&info, 3, &base, &len, &type);
	CHECK(base == 3u << 20 && len == 0x10003 && type == 4, "40-byte record 3 read back");

	/* only flags bit 0: every other field is garbage and must not be read */
	begin(MB1_INFO_MEMORY);
	CHECK(parse() == NULL && !info.cmdline && !info.loader_name && !info.nmod && !info.mmap,
	      "fields whose flag is clear are ignored");

	/* framebuffer fields */
	begin(MB1_INFO_FRAMEBUFFER);
	st64(mem + offsetof(struct mb1_info_raw, framebuffer_addr), 0xfd000000);
	field(offsetof(struct mb1_info_raw, framebuffer_pitch), 4096);
	field(offsetof(struct mb1_info_raw, framebuffer_width), 1024);
	field(offsetof(struct mb1_info_raw, framebuffer_height), 768);
	mem[offsetof(struct mb1_info_raw, framebuffer_bpp)] = 32;
	mem[offsetof(struct mb1_info_raw, framebuffer_type)] = 1;
	CHECK(parse() == NULL && info.has_fb && info.fb_addr == 0xfd000000 && info.fb_pitch == 4096 &&
		      info.fb_width == 1024 && info.fb_height == 768 && info.fb_bpp == 32 && info.fb_type == 1,
	      "framebuffer fields");

	/* a module without a string reads as "" */
	make_qemu_like();
	struct mb1_module m = {0x300000, 0x300100, 0, 0};
	field(offsetof(struct mb1_info_raw, mods_count), 1);
	field(offsetof(struct mb1_info_raw, mods_addr), put(&m, sizeof(m)));
	CHECK(parse() == NULL && info.nmod == 1 && info.mod[0].cmdline && !info.mod[0].cmdline[0],
	      "module without a command line reads as \"\"");

	/* an empty memory map */
	make_qemu_like();
	field(offsetof(struct mb1_info_raw, mmap_length), 0);
	CHECK(parse() == NULL && info.mmap_count == 0, "empty memory map accepted");
}

static void test_modules(void)
{
	begin(MB1_INFO_MODS);
	add_modules(MB1_MAX_MODULES + 3);
	CHECK(parse() == NULL, "67 modules accepted");
	CHECK(info.nmod == MB1_MAX_MODULES && info.nmod_dropped == 3, "64 kept, 3 dropped (%u, %u)", info.nmod,
	      info.nmod_dropped);
	CHECK(!strcmp(info.mod[63].cmdline, "g63.elf name=g63"), "module 63's command line");
}

static void test_cmdline_args(void)
{
	static const char *cases[][2] = {
		{"hvmm.elf a=1 b=2", "a=1 b=2"}, {"hvmm.elf", ""},	     {"hvmm.elf ", ""},
		{"  x.elf \t y", "y"},		 {"", ""},		     {"/boot/guests/c.elf name=c", "name=c"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(!strcmp(mb1_cmdline_args(cases[i][0]), cases[i][1]), "mb1_cmdline_args(\"%s\") = \"%s\"",
		      cases[i][0], cases[i][1]);
}

/* Expect a rejection whose reason contains want. */
static void expect_reject(const char *what, const char *want)
{
	const char *why = parse();
	CHECK(why && strstr(why, want), "rejects %s (%s)", what, why ? why : "accepted");
}

static void test_rejections(void)
{
	struct mb1_window w = window();
	const char *why = NULL;
	CHECK(mb1_parse(&w, WIN_PA + WIN_LEN - 100, &info, &why) != 0 && why, "rejects information past the window");
	CHECK(mb1_parse(&w, WIN_PA - 4, &info, &why) != 0 && why, "rejects information before the window");
	CHECK(mb1_parse(&w, 0xfffffffffffffff0ull, &info, &why) != 0 && why, "rejects a wrapping address");
	struct mb1_window none = {0};
	CHECK(mb1_parse(&none, 0, &info, &why) != 0 && why, "rejects an empty window");

	make_qemu_like();
	field(offsetof(struct mb1_info_raw, cmdline), WIN_PA + WIN_LEN + 16);
	expect_reject("a command line outside the window", "command line");
	make_qemu_like();
	memset(mem + WIN_LEN - 8, 'x', 8);
	field(offsetof(struct mb1_info_raw, cmdline), WIN_PA + WIN_LEN - 8);
	expect_reject("a command line not terminated before the window's end", "command line");
	make_qemu_like();
	field(offsetof(struct mb1_info_raw, boot_loader_name), 0);
	expect_reject("a loader name at address 0 (outside)", "loader name");

	make_qemu_like();
	field(offsetof(struct mb1_info_raw, mods_count), 0x10000000);
	expect_reject("a module count beyond the window", "module array");
	make_qemu_like();
	field(offsetof(struct mb1_info_raw, mods_count), 0xffffffff);
	expect_reject("module count 0xffffffff", "module array");
	make_qemu_like();
	struct mb1_module bad = {0x300000, 0x2fffff, 0, 0};
	field(offsetof(struct mb1_info_raw, mods_count), 1);
	field(offsetof(struct mb1_info_raw, mods_addr), put(&bad, sizeof(bad)));
	expect_reject("mod_start > mod_end", "mod_start > mod_end");
	make_qemu_like();
	struct mb1_module outside = {0x300000, 0x300100, WIN_PA + WIN_LEN, 0};
	field(offsetof(struct mb1_info_raw, mods_addr), put(&outside, sizeof(outside)));
	field(offsetof(struct mb1_info_raw, mods_count), 1);
	expect_reject("a module string outside the window", "module command line");

	make_qemu_like();
	field(offsetof(struct mb1_info_raw, mmap_length), 0xfffffff0);
	expect_reject("mmap_length beyond the window", "memory map not readable");
	make_qemu_like();
	add_mmap(3, 24);
	field(offsetof(struct mb1_info_raw, mmap_length), 3 * 24 - 1);
	expect_reject("a memory map cut inside a record", "memory map");
	make_qemu_like();
	add_mmap(3, 24);
	field(offsetof(struct mb1_info_raw, mmap_length), 3 * 24 + 2);
	expect_reject("a memory map ending inside a size field", "size field");
	make_qemu_like();
	{
		uint8_t r[24] = {0};
		st32(r, 16);
		field(offsetof(struct mb1_info_raw, mmap_length), 24);
		field(offsetof(struct mb1_info_raw, mmap_addr), put(r, sizeof(r)));
	}
	expect_reject("a record of size 16", "smaller than 20");
	make_qemu_like();
	{
		uint8_t r[24] = {0};
		st32(r, 0xfffffffc); /* size + 4 wraps a 32-bit sum */
		field(offsetof(struct mb1_info_raw, mmap_length), 24);
		field(offsetof(struct mb1_info_raw, mmap_addr), put(r, sizeof(r)));
	}
	expect_reject("a record whose size wraps", "beyond mmap_length");
}

/* Random bytes in the whole window, information at random places: never a read outside (ASan), reasons non-empty. */
static void test_random(void)
{
	uint64_t s = 0x6d6231;
	unsigned accepted = 0, bad = 0;
	for (int k = 0; k < 20000; k++) {
		for (size_t i = 0; i < 256; i++)
			mem[i] = (uint8_t)unit_random(&s);
		/* pointers aimed into the window a good part of the time */
		for (size_t off = 16; off <= 64; off += 4)
			if (unit_random(&s) & 1)
				field(off, WIN_PA + (uint32_t)(unit_random(&s) % WIN_LEN));
		struct mb1_window w = window();
		const char *why = NULL;
		if (mb1_parse(&w, INFO_PA, &info, &why) == 0) {
			accepted++;
			for (uint32_t i = 0; i < info.mmap_count; i++) {
				uint64_t b, l;
				uint32_t t;
				mb1_mmap_get(&info, i, &b, &l, &t);
			}
		} else if (!why || !why[0]) {
			bad++;
		}
	}
	CHECK(bad == 0, "20000 random inputs: every rejection has a reason (%u accepted)", accepted);
}

int main(void)
{
	test_valid();
	test_modules();
	test_cmdline_args();
	test_rejections();
	test_random();
	return unit_done();
}
