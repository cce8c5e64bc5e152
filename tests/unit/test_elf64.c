/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/elf64.c: hand-built ELF64 images in memory, each rejection, truncation and random damage. */
#define UNIT_MODULE "elf64"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf64.h"
#include "unit.h"

#define LO 0x100000ull /* guest RAM [1 MiB, 16 MiB) for most tests */
#define HI 0x1000000ull
#define IMG_MAX 4096
#define PH_OFF 64 /* program headers right after the file header */
#define PHDR 56

/* An image under construction; len is the file length. */
struct img {
	uint8_t b[IMG_MAX];
	size_t len;
};

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Field setters by ELF-64 Object File Format 1.5 offsets. */
static void set_type(struct img *m, uint16_t v) { st16(m->b + 16, v); }
static void set_machine(struct img *m, uint16_t v) { st16(m->b + 18, v); }
static void set_entry(struct img *m, uint64_t v) { st64(m->b + 24, v); }
static void set_phoff(struct img *m, uint64_t v) { st64(m->b + 32, v); }
static void set_phentsize(struct img *m, uint16_t v) { st16(m->b + 54, v); }
static void set_phnum(struct img *m, uint16_t v) { st16(m->b + 56, v); }

/* Write program header i: type, flags, offset, vaddr = paddr = gpa, filesz, memsz. */
static void set_ph(struct img *m, unsigned i, uint32_t type, uint32_t flags, uint64_t off, uint64_t gpa,
		   uint64_t filesz, uint64_t memsz)
{
	uint8_t *p = m->b + PH_OFF + i * PHDR;
	st32(p, type);
	st32(p + 4, flags);
	st64(p + 8, off);
	st64(p + 16, gpa);
	st64(p + 24, gpa);
	st64(p + 32, filesz);
	st64(p + 40, memsz);
	st64(p + 48, 0x1000);
}

static uint8_t *ph(struct img *m, unsigned i)
{
	return m->b + PH_OFF + i * PHDR;
}

/*
 * The valid reference image (448 bytes): 4 program headers — text (R+X) at 0x200000, a PT_NOTE, data+bss (R+W) at
 * 0x201000, and an empty PT_LOAD (memsz 0, skipped) — with the data segment's bytes ending exactly at the file end,
 * so that every truncation of it must be rejected.
 */
static void make_valid(struct img *m)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = 0x7f;
	m->b[1] = 'E';
	m->b[2] = 'L';
	m->b[3] = 'F';
	m->b[4] = 2; /* ELFCLASS64 */
	m->b[5] = 1; /* ELFDATA2LSB */
	m->b[6] = 1; /* EV_CURRENT */
	set_type(m, 2); /* ET_EXEC */
	set_machine(m, 62); /* EM_X86_64 */
	st32(m->b + 20, 1); /* e_version */
	set_entry(m, 0x200010);
	set_phoff(m, PH_OFF);
	st16(m->b + 52, 64); /* e_ehsize */
	set_phentsize(m, PHDR);
	set_phnum(m, 4);
	set_ph(m, 0, 1, 5, 0x120, 0x200000, 0x40, 0x40);
	set_ph(m, 1, 4, 4, 0x160, 0, 0x10, 0x10); /* PT_NOTE: ignored */
	set_ph(m, 2, 1, 6, 0x170, 0x201000, 0x50, 0x3000);
	set_ph(m, 3, 1, 6, 0, 0x400000, 0, 0); /* empty PT_LOAD: skipped */
	for (size_t i = 0x120; i < 0x1c0; i++)
		m->b[i] = (uint8_t)(i * 3);
	m->len = 0x1c0;
}

/* Parse a copy of img[0..len) held in a heap block of exactly len bytes (so ASan sees any read past the end). */
static const char *parse_exact(const uint8_t *img, size_t len, uint64_t lo, uint64_t hi, struct elf64_image *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	const char *why = "(unset)";
	struct elf64_image local;

	memcpy(copy, img, len);
	int r = elf64_parse(copy, len, lo, hi, out ? out : &local, &why);
	free(copy);
	if ((r == 0) != (why == NULL))
		return "(return value and reason disagree)";
	return why;
}

/* Check that m is rejected with exactly the reason expect. */
#define REJECT(m, expect, what)                                                                            \
	do {                                                                                               \
		const char *why_ = parse_exact((m)->b, (m)->len, LO, HI, NULL);                            \
		CHECK(why_ && strcmp(why_, expect) == 0, "%s -> \"%s\" (got \"%s\")", what, expect,         \
		      why_ ? why_ : "accepted");                                                           \
	} while (0)

#define ACCEPT(m, what)                                                                           \
	do {                                                                                      \
		const char *why_ = parse_exact((m)->b, (m)->len, LO, HI, NULL);                   \
		CHECK(why_ == NULL, "%s is accepted (got \"%s\")", what, why_ ? why_ : "");       \
	} while (0)

static void test_valid(void)
{
	struct img m;
	struct elf64_image out;

	make_valid(&m);
	const char *why = parse_exact(m.b, m.len, LO, HI, &out);
	CHECK(why == NULL, "valid image is accepted (%s)", why ? why : "ok");
	CHECK(out.entry == 0x200010, "entry is e_entry");
	CHECK(out.nseg == 2, "PT_NOTE and the empty PT_LOAD are skipped: 2 segments (%u)", out.nseg);
	CHECK(out.seg[0].gpa == 0x200000 && out.seg[0].file_off == 0x120 && out.seg[0].filesz == 0x40 &&
		      out.seg[0].memsz == 0x40 && out.seg[0].flags == 5,
	      "segment 0 (text) fields");
	CHECK(out.seg[1].gpa == 0x201000 && out.seg[1].file_off == 0x170 && out.seg[1].filesz == 0x50 &&
		      out.seg[1].memsz == 0x3000 && out.seg[1].flags == 6,
	      "segment 1 (data + bss) fields");

	int r = elf64_parse(m.b, m.len, LO, HI, &out, NULL);
	CHECK(r == 0, "why may be NULL");

	/* exact bounds: a segment may start at lo and end at hi */
	make_valid(&m);
	set_ph(&m, 0, 1, 5, 0x120, LO, 0x40, 0x40);
	set_ph(&m, 2, 1, 6, 0x170, HI - 0x3000, 0x50, 0x3000);
	set_entry(&m, LO);
	ACCEPT(&m, "segments starting at lo and ending exactly at hi, entry at the first byte");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0x170, 0x200040, 0x50, 0x3000);
	ACCEPT(&m, "adjacent (touching) segments");

	make_valid(&m);
	set_ph(&m, 0, 1, 5, 0x120, 0x200000, 0x40, 0x100);
	set_entry(&m, 0x2000ff);
	ACCEPT(&m, "entry in the zero-filled tail of an executable segment");

	make_valid(&m);
	set_ph(&m, 0, 1, 5, 0x120, 0x200000, 0, 0x40);
	ACCEPT(&m, "executable segment with p_filesz 0");

	make_valid(&m);
	set_ph(&m, 3, 1, 6, 0xffffffffffffff00ull, 0xfffffffffffff000ull, 0, 0);
	ACCEPT(&m, "a PT_LOAD with p_memsz 0 is skipped whatever its addresses");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0xffffffffffffff00ull, 0x201000, 0, 0x3000);
	const char *w = parse_exact(m.b, m.len, LO, HI, &out);
	CHECK(w == NULL && out.seg[1].file_off == 0, "p_filesz 0 with a wild p_offset: accepted, file_off 0");

	/* 16 loadable segments (the maximum) */
	make_valid(&m);
	set_phnum(&m, 16);
	for (unsigned i = 0; i < 16; i++)
		set_ph(&m, i, 1, 5, 0x120, 0x200000 + i * 0x1000, 0x10, 0x10);
	set_entry(&m, 0x200000);
	m.len = PH_OFF + 16 * PHDR;
	ACCEPT(&m, "16 loadable segments");
}

static void test_header_rejections(void)
{
	struct img m;

	make_valid(&m);
	m.len = 0;
	REJECT(&m, "file too small for an ELF header", "empty file");
	m.len = 63;
	REJECT(&m, "file too small for an ELF header", "63-byte file");
	CHECK(elf64_parse(NULL, 0, LO, HI, &(struct elf64_image){ 0 }, NULL) == -1, "NULL image of length 0");

	for (int i = 0; i < 4; i++) {
		make_valid(&m);
		m.b[i] ^= 0x20;
		REJECT(&m, "not an ELF file (bad magic)", i == 0 ? "magic byte 0" : i == 1 ? "magic byte 1"
							 : i == 2 ? "magic byte 2" : "magic byte 3");
	}
	make_valid(&m);
	m.b[4] = 1;
	REJECT(&m, "not a 64-bit ELF", "ELFCLASS32");
	m.b[4] = 0;
	REJECT(&m, "not a 64-bit ELF", "ELFCLASSNONE");
	make_valid(&m);
	m.b[5] = 2;
	REJECT(&m, "not little-endian", "ELFDATA2MSB");
	make_valid(&m);
	m.b[6] = 0;
	REJECT(&m, "unsupported ELF version", "EI_VERSION 0");
	make_valid(&m);
	set_machine(&m, 3);
	REJECT(&m, "not an x86-64 ELF", "EM_386");
	set_machine(&m, 183);
	REJECT(&m, "not an x86-64 ELF", "EM_AARCH64");
	make_valid(&m);
	set_type(&m, 3);
	REJECT(&m, "ET_DYN (position-independent) images are not supported", "ET_DYN");
	set_type(&m, 1);
	REJECT(&m, "not an executable (e_type)", "ET_REL");
	set_type(&m, 4);
	REJECT(&m, "not an executable (e_type)", "ET_CORE");
	set_type(&m, 0);
	REJECT(&m, "not an executable (e_type)", "ET_NONE");

	make_valid(&m);
	set_phnum(&m, 0);
	REJECT(&m, "no loadable segment", "e_phnum 0");
	make_valid(&m);
	set_phentsize(&m, 32);
	REJECT(&m, "bad program header size", "e_phentsize 32");
	set_phentsize(&m, 64);
	REJECT(&m, "bad program header size", "e_phentsize 64");
	set_phentsize(&m, 0);
	REJECT(&m, "bad program header size", "e_phentsize 0");

	make_valid(&m);
	set_phoff(&m, m.len);
	REJECT(&m, "program headers outside the file", "e_phoff at the end of the file");
	set_phoff(&m, m.len - 4 * PHDR + 1);
	REJECT(&m, "program headers outside the file", "program header table one byte past the end");
	set_phoff(&m, UINT64_MAX - 8);
	REJECT(&m, "program headers outside the file", "e_phoff + table size wraps");
	set_phoff(&m, UINT64_MAX);
	REJECT(&m, "program headers outside the file", "e_phoff = UINT64_MAX");
	make_valid(&m);
	set_phnum(&m, 0xffff);
	REJECT(&m, "program headers outside the file", "e_phnum 0xffff (PN_XNUM)");
	make_valid(&m);
	memcpy(m.b + m.len, m.b + PH_OFF, 4 * PHDR); /* a second copy of the table, at the end of the file */
	set_phoff(&m, m.len);
	m.len += 4 * PHDR;
	ACCEPT(&m, "program header table ending exactly at the file end");
}

static void test_segment_rejections(void)
{
	struct img m;

	make_valid(&m);
	for (unsigned i = 0; i < 4; i++)
		st32(ph(&m, i), 4);
	REJECT(&m, "no loadable segment", "no PT_LOAD at all");
	make_valid(&m);
	st64(ph(&m, 0) + 40, 0);
	st64(ph(&m, 0) + 32, 0);
	st64(ph(&m, 2) + 40, 0);
	st64(ph(&m, 2) + 32, 0);
	REJECT(&m, "no loadable segment", "only PT_LOADs with p_memsz 0");

	make_valid(&m);
	set_phnum(&m, 17);
	for (unsigned i = 0; i < 17; i++)
		set_ph(&m, i, 1, 5, 0x120, 0x200000 + i * 0x1000, 0x10, 0x10);
	set_entry(&m, 0x200000);
	m.len = PH_OFF + 17 * PHDR;
	REJECT(&m, "too many loadable segments", "17 loadable segments");
	set_ph(&m, 16, 1, 5, 0x120, 0x200000 + 16 * 0x1000, 0x10, 0);
	ACCEPT(&m, "16 loadable segments plus one with p_memsz 0");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0x170, 0x201000, 0x50, 0x4f);
	REJECT(&m, "segment has p_filesz > p_memsz", "p_filesz = p_memsz + 1");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0x171, 0x201000, 0x50, 0x3000);
	REJECT(&m, "segment data outside the file", "segment data one byte past the end");
	set_ph(&m, 2, 1, 6, m.len + 1, 0x201000, 1, 0x3000);
	REJECT(&m, "segment data outside the file", "p_offset past the end");
	set_ph(&m, 2, 1, 6, UINT64_MAX - 0xf, 0x201000, 0x20, 0x3000);
	REJECT(&m, "segment data outside the file", "p_offset + p_filesz wraps");
	set_ph(&m, 2, 1, 6, 0x10, 0x201000, UINT64_MAX, UINT64_MAX);
	REJECT(&m, "segment data outside the file", "p_filesz = UINT64_MAX");

	make_valid(&m);
	st64(ph(&m, 2) + 24, 0x301000);
	REJECT(&m, "segment p_vaddr != p_paddr", "p_paddr differs from p_vaddr");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0x170, LO - 0x1000, 0x50, 0x3000);
	REJECT(&m, "segment below the guest load address", "segment at lo - 4 KiB");
	set_ph(&m, 2, 1, 6, 0x170, 0, 0x50, 0x3000);
	REJECT(&m, "segment below the guest load address", "segment at 0");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0x170, HI - 0x2fff, 0x50, 0x3000);
	REJECT(&m, "segment beyond guest RAM", "segment ending one byte past hi");
	set_ph(&m, 2, 1, 6, 0x170, HI, 0x50, 0x3000);
	REJECT(&m, "segment beyond guest RAM", "segment starting at hi");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0x170, 0xfffffffffffff000ull, 0x50, 0x2000);
	const char *why = parse_exact(m.b, m.len, LO, UINT64_MAX, NULL);
	CHECK(why && strcmp(why, "segment wraps the address space") == 0,
	      "p_paddr + p_memsz wraps past 2^64 (hi = UINT64_MAX)");
	set_ph(&m, 2, 1, 6, 0x170, 0xfffffffffffff000ull, 0x50, 0x1000);
	why = parse_exact(m.b, m.len, LO, UINT64_MAX, NULL);
	CHECK(why && strcmp(why, "segment wraps the address space") == 0, "segment ending exactly at 2^64");
	set_ph(&m, 2, 1, 6, 0x170, 0xfffffffffffff000ull, 0x50, 0xfff);
	why = parse_exact(m.b, m.len, LO, UINT64_MAX, NULL);
	CHECK(why == NULL, "segment ending at UINT64_MAX (hi = UINT64_MAX) is accepted");

	make_valid(&m);
	set_ph(&m, 2, 1, 6, 0x170, 0x200020, 0x50, 0x3000);
	REJECT(&m, "segments overlap", "second segment starts inside the first");
	set_ph(&m, 2, 1, 6, 0x170, 0x1ff000, 0x50, 0x1001);
	REJECT(&m, "segments overlap", "second segment ends one byte inside the first");
	set_ph(&m, 2, 1, 6, 0x170, 0x1ff000, 0x50, 0x3000);
	REJECT(&m, "segments overlap", "second segment covers the first");
	set_ph(&m, 2, 1, 6, 0x170, 0x200000, 0x40, 0x40);
	REJECT(&m, "segments overlap", "identical segments");

	make_valid(&m);
	set_entry(&m, 0x201000);
	REJECT(&m, "entry point outside every executable segment", "entry in the data segment (not PF_X)");
	set_entry(&m, 0x200040);
	REJECT(&m, "entry point outside every executable segment", "entry at the end of the text segment");
	set_entry(&m, 0x1fffff);
	REJECT(&m, "entry point outside every executable segment", "entry one byte before the text segment");
	set_entry(&m, 0);
	REJECT(&m, "entry point outside every executable segment", "entry 0");
	make_valid(&m);
	st32(ph(&m, 0) + 4, 4); /* text segment R only */
	REJECT(&m, "entry point outside every executable segment", "no executable segment at all");
}

/* Every proper prefix of the valid image must be rejected, without reading past it. */
static void test_truncation(void)
{
	struct img m;
	unsigned bad = 0;

	make_valid(&m);
	for (size_t len = 0; len < m.len; len++) {
		const char *why = parse_exact(m.b, len, LO, HI, NULL);
		if (!why) {
			printf("  truncation to %zu bytes accepted\n", len);
			bad++;
		}
	}
	CHECK(bad == 0, "every truncation (0..%zu bytes) of the valid image is rejected", m.len - 1);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next_random(void) { return unit_random(&rng); }

/* Random damage to the header and program headers: whatever is accepted must satisfy the whole contract. */
static void test_random_damage(void)
{
	unsigned accepted = 0, broken = 0;

	for (unsigned iter = 0; iter < 20000; iter++) {
		struct img m;
		struct elf64_image out;
		make_valid(&m);
		unsigned flips = 1 + next_random() % 4;
		for (unsigned k = 0; k < flips; k++) {
			size_t at = next_random() % (PH_OFF + 4 * PHDR);
			m.b[at] ^= (uint8_t)(1u << (next_random() % 8));
		}
		if (next_random() % 4 == 0)
			m.len = next_random() % (m.len + 1);
		if (parse_exact(m.b, m.len, LO, HI, &out) != NULL)
			continue;
		accepted++;
		int ok = out.nseg >= 1 && out.nseg <= ELF64_MAX_SEGMENTS;
		int entry_ok = 0;
		for (unsigned i = 0; ok && i < out.nseg; i++) {
			const struct elf64_segment *s = &out.seg[i];
			ok = s->memsz > 0 && s->filesz <= s->memsz && s->gpa >= LO && s->gpa + s->memsz <= HI &&
			     s->file_off <= m.len && s->filesz <= m.len - s->file_off;
			for (unsigned j = 0; ok && j < i; j++)
				ok = s->gpa + s->memsz <= out.seg[j].gpa || out.seg[j].gpa + out.seg[j].memsz <= s->gpa;
			if ((s->flags & 1) && out.entry >= s->gpa && out.entry < s->gpa + s->memsz)
				entry_ok = 1;
		}
		broken += !(ok && entry_ok);
	}
	CHECK(broken == 0 && accepted > 0, "20000 randomly damaged images: %u accepted, all satisfy the contract",
	      accepted);
}

int main(void)
{
	test_valid();
	test_header_rejections();
	test_segment_rejections();
	test_truncation();
	test_random_damage();
	return unit_done();
}
