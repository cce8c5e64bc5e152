/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/mb2.c: synthetic multiboot2 boot information (spec 1.0 §3.6), valid and damaged. */
#define UNIT_MODULE "mb2"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mb2.h"
#include "unit.h"

#define MBI_MAX 16384

/* An MBI under construction: tags are appended at len, 8-byte aligned (§3.6.2). */
struct mbi {
	_Alignas(8) uint8_t b[MBI_MAX];
	size_t len;
};

static void mbi_begin(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8; /* u32 total_size, u32 reserved */
}

/* Append a tag of the given type whose payload (after type and size) is p[0..n); return the tag's offset. */
static size_t tag(struct mbi *m, uint32_t type, const void *p, size_t n)
{
	size_t at = m->len;
	st32(m->b + at, type);
	st32(m->b + at + 4, (uint32_t)(8 + n));
	memcpy(m->b + at + 8, p, n);
	m->len = (at + 8 + n + 7) & ~(size_t)7;
	return at;
}

static void tag_string(struct mbi *m, uint32_t type, const char *s)
{
	tag(m, type, s, strlen(s) + 1);
}

static void tag_module(struct mbi *m, uint32_t start, uint32_t end, const char *cmdline)
{
	uint8_t p[256];
	st32(p, start);
	st32(p + 4, end);
	size_t n = strlen(cmdline) + 1;
	memcpy(p + 8, cmdline, n);
	tag(m, 3, p, 8 + n);
}

/* Memory map tag with count entries of esize bytes: entry i = {base i MiB * 16, length 1 MiB + i, type i % 5 + 1}. */
static void tag_mmap(struct mbi *m, uint32_t esize, unsigned count)
{
	uint8_t p[8 + 64 * 48];
	memset(p, 0xee, sizeof(p)); /* bytes beyond the 24 we know stand out */
	st32(p, esize);
	st32(p + 4, 0);
	for (unsigned i = 0; i < count; i++) {
		uint8_t *e = p + 8 + i * esize;
		st64(e, (uint64_t)i << 24);
		st64(e + 8, 0x100000ull + i);
		st32(e + 16, i % 5 + 1);
		st32(e + 20, 0);
	}
	tag(m, 6, p, 8 + (size_t)count * esize);
}

static void tag_framebuffer(struct mbi *m)
{
	uint8_t p[24] = { 0 };
	st64(p, 0xfd000000ull);
	st32(p + 8, 4096);
	st32(p + 12, 1024);
	st32(p + 16, 768);
	p[20] = 32;
	p[21] = 1;
	tag(m, 8, p, sizeof(p));
}

/* Close the tag list with the end tag (type 0, size 8) and write total_size. */
static void mbi_end(struct mbi *m)
{
	static const uint8_t none[1];
	tag(m, 0, none, 0);
	st32(m->b, (uint32_t)m->len);
}

/*
 * Parse a copy of b[0..avail) held in a heap block of exactly avail bytes (malloc: 16-byte aligned), so that ASan
 * reports any read past avail. The copy lives until the next call, so that the caller can follow the pointers into it;
 * *copy_out (if not NULL) gets its address.
 */
static const char *parse_exact(const uint8_t *b, size_t avail, struct mb2_info *out, uint8_t **copy_out)
{
	static uint8_t *copy;
	const char *why = "(unset)";

	free(copy);
	copy = malloc(avail ? avail : 1);
	memcpy(copy, b, avail);
	int r = mb2_parse(copy, avail, out, &why);
	if (copy_out)
		*copy_out = copy;
	if ((r == 0) != (why == NULL))
		return "(return value and reason disagree)";
	return why;
}

static struct mb2_info info; /* large (about 1.2 KiB): kept off the stack */

#define REJECT(m, avail, expect, what)                                                              \
	do {                                                                                        \
		const char *why_ = parse_exact((m)->b, avail, &info, NULL);                         \
		CHECK(why_ && strcmp(why_, expect) == 0, "%s -> \"%s\" (got \"%s\")", what, expect,  \
		      why_ ? why_ : "accepted");                                                    \
	} while (0)

/* The reference MBI: command line, loader name, 3 modules, mmap, framebuffer, both RSDPs and an unknown tag. */
static void make_valid(struct mbi *m)
{
	uint8_t rsdp1[20], rsdp2[36], unknown[4] = { 1, 2, 3, 4 };

	memset(rsdp1, 0x11, sizeof(rsdp1));
	memset(rsdp2, 0x22, sizeof(rsdp2));
	mbi_begin(m);
	tag_string(m, 1, "console=com1 slice=10ms");
	tag_string(m, 2, "GRUB 2.06");
	tag(m, 21, unknown, sizeof(unknown)); /* image load base physical address: not used, skipped */
	tag_module(m, 0x100000, 0x180000, "/guests/counter.elf name=counter mem=16M");
	tag_module(m, 0x180000, 0x180000, ""); /* empty module, empty command line */
	tag_module(m, 0x200000, 0x2ff000, "/guests/matmul.elf");
	tag_mmap(m, 24, 3);
	tag_framebuffer(m);
	tag(m, 14, rsdp1, sizeof(rsdp1));
	tag(m, 15, rsdp2, sizeof(rsdp2));
	mbi_end(m);
}

/* Whether p points into [base, base + n) together with its NUL. */
static int string_inside(const char *p, const uint8_t *base, size_t n)
{
	if (!p)
		return 1;
	if ((const uint8_t *)p < base || (const uint8_t *)p >= base + n)
		return 0;
	return memchr(p, 0, (size_t)(base + n - (const uint8_t *)p)) != NULL;
}

static void test_valid(void)
{
	struct mbi m;
	uint8_t *copy;
	struct mb2_mmap_entry e;

	make_valid(&m);
	const char *why = parse_exact(m.b, m.len, &info, &copy);
	CHECK(why == NULL, "valid MBI is accepted (%s)", why ? why : "ok");
	CHECK(info.total_size == m.len, "total_size %u", info.total_size);
	CHECK(info.cmdline && strcmp(info.cmdline, "console=com1 slice=10ms") == 0, "command line (tag 1)");
	CHECK(info.loader_name && strcmp(info.loader_name, "GRUB 2.06") == 0, "boot loader name (tag 2)");
	CHECK(info.nmod == 3 && info.nmod_dropped == 0, "3 modules, none dropped");
	CHECK(info.mod[0].mod_start == 0x100000 && info.mod[0].mod_end == 0x180000 &&
		      strcmp(info.mod[0].cmdline, "/guests/counter.elf name=counter mem=16M") == 0,
	      "module 0: range and command line");
	CHECK(info.mod[1].mod_start == 0x180000 && info.mod[1].mod_end == 0x180000 && info.mod[1].cmdline[0] == 0,
	      "module 1: empty range, empty command line");
	CHECK(info.mod[2].mod_start == 0x200000 && strcmp(info.mod[2].cmdline, "/guests/matmul.elf") == 0,
	      "module 2");
	CHECK(info.mmap && info.mmap_entry_size == 24 && info.mmap_count == 3, "memory map: 3 entries of 24 bytes");
	int ok = 1;
	for (uint32_t i = 0; i < 3; i++) {
		mb2_mmap_get(&info, i, &e);
		ok &= e.base_addr == (uint64_t)i << 24 && e.length == 0x100000ull + i && e.type == i % 5 + 1;
	}
	CHECK(ok, "mb2_mmap_get returns each entry");
	memset(&e, 0x55, sizeof(e));
	mb2_mmap_get(&info, 3, &e);
	CHECK(e.base_addr == 0 && e.length == 0 && e.type == 0, "mb2_mmap_get past the end gives a zero entry");
	CHECK(info.has_fb && info.fb.addr == 0xfd000000ull && info.fb.pitch == 4096 && info.fb.width == 1024 &&
		      info.fb.height == 768 && info.fb.bpp == 32 && info.fb.type == 1,
	      "framebuffer (tag 8) fields");
	CHECK(info.rsdp_v1 && info.rsdp_v1_len == 20 && ((const uint8_t *)info.rsdp_v1)[0] == 0x11 &&
		      ((const uint8_t *)info.rsdp_v1)[19] == 0x11,
	      "ACPI 1.0 RSDP (tag 14): pointer and 20 bytes");
	CHECK(info.rsdp_v2 && info.rsdp_v2_len == 36 && ((const uint8_t *)info.rsdp_v2)[35] == 0x22,
	      "ACPI 2.0 RSDP (tag 15): pointer and 36 bytes");
	CHECK(string_inside(info.cmdline, copy, m.len) && string_inside(info.mod[0].cmdline, copy, m.len) &&
		      info.mmap >= copy && info.mmap + 3 * 24 <= copy + m.len,
	      "pointers point into the MBI itself");

	CHECK(mb2_parse(m.b, m.len, &info, NULL) == 0, "why may be NULL");

	why = parse_exact(m.b, m.len + 64, &info, NULL);
	CHECK(why == NULL && info.total_size == m.len, "more readable bytes than total_size: fine");

	mbi_begin(&m);
	mbi_end(&m);
	why = parse_exact(m.b, m.len, &info, NULL);
	CHECK(why == NULL && info.total_size == 16 && !info.cmdline && !info.loader_name && !info.mmap &&
		      info.nmod == 0 && !info.has_fb && !info.rsdp_v1 && !info.rsdp_v2,
	      "minimal MBI (end tag only, 16 bytes): everything absent");

	mbi_begin(&m);
	tag_mmap(&m, 32, 5);
	tag_string(&m, 1, "");
	mbi_end(&m);
	why = parse_exact(m.b, m.len, &info, NULL);
	ok = why == NULL && info.mmap_entry_size == 32 && info.mmap_count == 5 && info.cmdline && !info.cmdline[0];
	for (uint32_t i = 0; ok && i < 5; i++) {
		mb2_mmap_get(&info, i, &e);
		ok = e.base_addr == (uint64_t)i << 24 && e.length == 0x100000ull + i && e.type == i % 5 + 1;
	}
	CHECK(ok, "memory map with 32-byte entries (future versions), and an empty command line");

	mbi_begin(&m);
	tag_mmap(&m, 24, 0);
	mbi_end(&m);
	why = parse_exact(m.b, m.len, &info, NULL);
	CHECK(why == NULL && info.mmap_count == 0, "memory map with no entries");

	mbi_begin(&m);
	tag_string(&m, 1, "first");
	tag_string(&m, 1, "second");
	mbi_end(&m);
	why = parse_exact(m.b, m.len, &info, NULL);
	CHECK(why == NULL && strcmp(info.cmdline, "first") == 0, "two command line tags: the first wins");

	mbi_begin(&m);
	tag_string(&m, 1, "before");
	mbi_end(&m);
	tag(&m, 1, "\x01\x02", 2); /* after the end tag (and unterminated): never looked at */
	why = parse_exact(m.b, m.len, &info, NULL);
	CHECK(why == NULL && strcmp(info.cmdline, "before") == 0, "bytes after the end tag are not parsed");

	mbi_begin(&m);
	st32(m.b + 8, 0);
	st32(m.b + 12, 16); /* end tag with size 16 */
	m.len = 24;
	st32(m.b, 24);
	why = parse_exact(m.b, m.len, &info, NULL);
	CHECK(why == NULL, "end tag larger than 8 bytes is accepted");
}

static void test_modules(void)
{
	struct mbi m;
	char name[32];

	mbi_begin(&m);
	for (unsigned i = 0; i < MB2_MAX_MODULES + 6; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		tag_module(&m, i * 0x1000, i * 0x1000 + 0x800, name);
	}
	mbi_end(&m);
	const char *why = parse_exact(m.b, m.len, &info, NULL);
	int ok = why == NULL && info.nmod == MB2_MAX_MODULES && info.nmod_dropped == 6;
	for (unsigned i = 0; ok && i < MB2_MAX_MODULES; i++) {
		snprintf(name, sizeof(name), "mod%u", i);
		ok = info.mod[i].mod_start == i * 0x1000 && strcmp(info.mod[i].cmdline, name) == 0;
	}
	CHECK(ok, "70 modules: the first 64 kept in order, nmod_dropped = 6");

	mbi_begin(&m);
	for (unsigned i = 0; i < MB2_MAX_MODULES; i++)
		tag_module(&m, 0, 0, "x");
	mbi_end(&m);
	why = parse_exact(m.b, m.len, &info, NULL);
	CHECK(why == NULL && info.nmod == 64 && info.nmod_dropped == 0, "exactly 64 modules: none dropped");

	mbi_begin(&m);
	for (unsigned i = 0; i < MB2_MAX_MODULES + 1; i++)
		tag_module(&m, 0, 0, "x");
	size_t at = m.len;
	tag_module(&m, 0, 0, "unterminated");
	m.b[at + 16 + 12] = 'X'; /* overwrite the NUL; the padding after it ... */
	memset(m.b + at + 16 + 12, 'X', m.len - (at + 16 + 12)); /* ... and make the padding non-zero too */
	st32(m.b + at + 4, (uint32_t)(m.len - at));
	mbi_end(&m);
	REJECT(&m, m.len, "module command line is not NUL-terminated", "a dropped module is still validated");

	mbi_begin(&m);
	tag_module(&m, 0x2000, 0x1fff, "bad");
	mbi_end(&m);
	REJECT(&m, m.len, "module with mod_start > mod_end", "mod_start > mod_end");

	mbi_begin(&m);
	uint8_t p[8] = { 0 };
	tag(&m, 3, p, 8);
	mbi_end(&m);
	REJECT(&m, m.len, "module command line is not NUL-terminated", "module tag of 16 bytes (no string)");
	mbi_begin(&m);
	tag(&m, 3, p, 7);
	mbi_end(&m);
	REJECT(&m, m.len, "module tag too small", "module tag of 15 bytes");
}

/* A tag whose string payload has no NUL inside the tag (the tag's padding is non-zero too). */
static void add_unterminated(struct mbi *m, uint32_t type, size_t n)
{
	uint8_t p[64];
	memset(p, 'A', sizeof(p));
	size_t at = tag(m, type, p, n);
	memset(m->b + at + 8 + n, 'A', m->len - (at + 8 + n)); /* padding */
}

static void test_rejections(void)
{
	struct mbi m;

	make_valid(&m);
	REJECT(&m, 0, "MBI header not readable", "avail 0");
	REJECT(&m, 7, "MBI header not readable", "avail 7");
	CHECK(mb2_parse(NULL, 64, &info, NULL) == -1, "NULL MBI");

	make_valid(&m);
	for (uint32_t t = 0; t < 16; t++) {
		st32(m.b, t);
		const char *why = parse_exact(m.b, m.len, &info, NULL);
		if (!CHECK(why && strcmp(why, "MBI total_size too small") == 0, "total_size %u is too small", t))
			break;
	}
	make_valid(&m);
	REJECT(&m, m.len - 1, "MBI total_size beyond the readable area", "total_size = avail + 1");
	st32(m.b, UINT32_MAX);
	REJECT(&m, m.len, "MBI total_size beyond the readable area", "total_size 0xffffffff");

	make_valid(&m);
	uint8_t *odd = malloc(m.len + 1);
	memcpy(odd + 1, m.b, m.len);
	const char *why = "(unset)";
	CHECK(mb2_parse(odd + 1, m.len, &info, &why) == -1 && strcmp(why, "MBI is not 8-byte aligned") == 0,
	      "MBI at an odd address -> \"MBI is not 8-byte aligned\"");
	memcpy(odd, m.b, m.len); /* malloc's block is 16-byte aligned: odd itself is fine */
	CHECK(mb2_parse(odd, m.len, &info, NULL) == 0, "the same MBI at an aligned address is accepted");
	free(odd);

	/* a tag whose size is below 8 (0 would loop for ever without the check) */
	for (uint32_t size = 0; size < 8; size++) {
		mbi_begin(&m);
		tag_string(&m, 1, "a");
		size_t at = m.len;
		tag(&m, 21, "12345678", 8);
		st32(m.b + at + 4, size);
		mbi_end(&m);
		why = parse_exact(m.b, m.len, &info, NULL);
		if (!CHECK(why && strcmp(why, "tag smaller than 8 bytes") == 0, "tag size %u rejected", size))
			break;
	}

	mbi_begin(&m);
	size_t at = tag(&m, 21, "12345678", 8);
	mbi_end(&m);
	st32(m.b + at + 4, (uint32_t)(m.len - at + 1));
	REJECT(&m, m.len, "tag extends beyond total_size", "tag one byte longer than the rest of the MBI");
	st32(m.b + at + 4, UINT32_MAX);
	REJECT(&m, m.len, "tag extends beyond total_size", "tag size 0xffffffff");
	st32(m.b + at + 4, (uint32_t)(m.len - at));
	REJECT(&m, m.len, "missing end tag", "tag exactly filling the MBI, no end tag");

	mbi_begin(&m);
	tag_string(&m, 1, "no end");
	st32(m.b, (uint32_t)m.len);
	REJECT(&m, m.len, "missing end tag", "no end tag");
	mbi_begin(&m);
	tag_string(&m, 1, "no end");
	st32(m.b, (uint32_t)m.len + 4);
	REJECT(&m, m.len + 4, "missing end tag", "half an end tag");
	mbi_begin(&m);
	tag(&m, 21, "1234567", 7); /* size 15: the next tag would start at 24 */
	st32(m.b, 23);
	REJECT(&m, 23, "missing end tag", "total_size not covering the padded tag");

	mbi_begin(&m);
	add_unterminated(&m, 1, 5);
	mbi_end(&m);
	REJECT(&m, m.len, "command line tag is not NUL-terminated", "unterminated command line");
	mbi_begin(&m);
	tag(&m, 1, "", 0);
	mbi_end(&m);
	REJECT(&m, m.len, "command line tag is not NUL-terminated", "command line tag with no bytes");
	mbi_begin(&m);
	add_unterminated(&m, 2, 16);
	mbi_end(&m);
	REJECT(&m, m.len, "boot loader name tag is not NUL-terminated", "unterminated loader name (8-byte multiple)");
	mbi_begin(&m);
	tag_module(&m, 0, 0, "abc");
	add_unterminated(&m, 3, 11);
	{
		/* give the unterminated module sane mod_start <= mod_end so that only the string is wrong */
		size_t last = m.len - 24;
		st32(m.b + last + 8, 0);
		st32(m.b + last + 12, 0);
	}
	mbi_end(&m);
	REJECT(&m, m.len, "module command line is not NUL-terminated", "unterminated module command line");

	static const uint32_t bad_esize[] = { 0, 8, 16, 20, 23, 25, 28, 30 };
	for (unsigned i = 0; i < sizeof(bad_esize) / sizeof(bad_esize[0]); i++) {
		mbi_begin(&m);
		tag_mmap(&m, 24, 2);
		st32(m.b + 16, bad_esize[i]);
		mbi_end(&m);
		why = parse_exact(m.b, m.len, &info, NULL);
		CHECK(why && strcmp(why, "memory map entry_size is not a multiple of 8 of at least 24") == 0,
		      "memory map entry_size %u rejected", bad_esize[i]);
	}
	mbi_begin(&m);
	tag(&m, 6, "\x18\0\0\0", 4);
	mbi_end(&m);
	REJECT(&m, m.len, "memory map tag too small", "memory map tag of 12 bytes");

	mbi_begin(&m);
	uint8_t fb[32] = { 0 };
	tag(&m, 8, fb, 21);
	mbi_end(&m);
	REJECT(&m, m.len, "framebuffer tag too small", "framebuffer tag of 29 bytes");
	mbi_begin(&m);
	tag(&m, 8, fb, 22);
	mbi_end(&m);
	why = parse_exact(m.b, m.len, &info, NULL);
	CHECK(why == NULL && info.has_fb, "framebuffer tag of 30 bytes is accepted");
}

/* Every proper prefix, both as the readable length and as total_size, must be rejected without reading past it. */
static void test_truncation(void)
{
	struct mbi m;
	unsigned bad = 0;
	size_t full;

	make_valid(&m);
	full = m.len;
	for (size_t avail = 0; avail < full; avail++)
		bad += parse_exact(m.b, avail, &info, NULL) == NULL;
	CHECK(bad == 0, "every readable length 0..%zu of the valid MBI is rejected", full - 1);

	bad = 0;
	for (uint32_t total = 0; total < full; total++) {
		st32(m.b, total);
		bad += parse_exact(m.b, total, &info, NULL) == NULL;
		bad += parse_exact(m.b, full, &info, NULL) == NULL;
	}
	CHECK(bad == 0, "every total_size 0..%zu (MBI cut short, with and without the bytes behind it) is rejected",
	      full - 1);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void) { return unit_random(&rng); }

/* Random damage: whatever is accepted must keep every pointer and string inside the MBI. */
static void test_random_damage(void)
{
	struct mbi m, ref;
	unsigned accepted = 0, broken = 0;

	make_valid(&ref);
	for (unsigned iter = 0; iter < 20000; iter++) {
		memcpy(m.b, ref.b, ref.len);
		m.len = ref.len;
		unsigned flips = 1 + next_random() % 3;
		for (unsigned k = 0; k < flips; k++) {
			size_t at = next_random() % m.len;
			m.b[at] ^= (uint8_t)(1u << (next_random() % 8));
		}
		uint8_t *copy;
		if (parse_exact(m.b, m.len, &info, &copy) != NULL)
			continue;
		accepted++;
		size_t n = info.total_size;
		int ok = n <= m.len && string_inside(info.cmdline, copy, n) && string_inside(info.loader_name, copy, n) &&
			 info.nmod <= MB2_MAX_MODULES;
		for (uint32_t i = 0; ok && i < info.nmod; i++)
			ok = info.mod[i].mod_start <= info.mod[i].mod_end && string_inside(info.mod[i].cmdline, copy, n);
		if (ok && info.mmap)
			ok = info.mmap_entry_size >= 24 && info.mmap_entry_size % 8 == 0 && info.mmap >= copy &&
			     info.mmap + (size_t)info.mmap_count * info.mmap_entry_size <= copy + n;
		struct mb2_mmap_entry e;
		for (uint32_t i = 0; ok && i < info.mmap_count; i++)
			mb2_mmap_get(&info, i, &e); /* ASan checks the reads */
		if (ok && info.rsdp_v1)
			ok = (const uint8_t *)info.rsdp_v1 + info.rsdp_v1_len <= copy + n;
		if (ok && info.rsdp_v2)
			ok = (const uint8_t *)info.rsdp_v2 + info.rsdp_v2_len <= copy + n;
		broken += !ok;
	}
	CHECK(broken == 0 && accepted > 0, "20000 randomly damaged MBIs: %u accepted, all pointers inside the MBI",
	      accepted);
}

int main(void)
{
	test_valid();
	test_modules();
	test_rejections();
	test_truncation();
	test_random_damage();
	return unit_done();
}
