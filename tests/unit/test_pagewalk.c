/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/pagewalk.c: page tables built in a buffer for every paging mode, checked entry by entry. */
#define UNIT_MODULE "pagewalk"
#include <stdint.h>
#include <string.h>

#include "pagewalk.h"
#include "unit.h"

#define MEM_BYTES (4u << 20) /* "physical memory" [0, 4 MiB): tables are built here */
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define P 1ull
#define PS (1ull << 7)

static uint8_t mem[MEM_BYTES];
static unsigned reads;
static uint32_t next_table;

static int reader(void *ctx, uint64_t pa, unsigned bytes, uint64_t *val)
{
	(void)ctx;
	reads++;
	if (pa > MEM_BYTES - bytes)
		return -1;
	*val = 0;
	memcpy(val, mem + pa, bytes);
	return 0;
}

/* A fresh zeroed 4 KiB table in mem; returns its address. */
static uint32_t table(void)
{
	uint32_t t = next_table;
	next_table += 4096;
	memset(mem + t, 0, 4096);
	return t;
}

static void put64(uint64_t pa, uint64_t v) { memcpy(mem + pa, &v, 8); }
static void put32(uint64_t pa, uint32_t v) { memcpy(mem + pa, &v, 4); }

static void reset(void)
{
	memset(mem, 0, sizeof(mem));
	next_table = 0x1000;
}

/* Translate with regs r; the result code, and *pa. */
static int tr(const struct pw_regs *r, uint64_t la, uint64_t *pa)
{
	*pa = 0xdead;
	reads = 0;
	return pw_translate(r, la, reader, NULL, pa);
}

/* Long mode: map la -> pa with 4 KiB, 2 MiB or 1 GiB pages (page_bits 12, 21, 30) under the 4- or 5-level table at
 * root, creating tables as needed. */
static void map64(uint32_t root, unsigned levels, uint64_t la, uint64_t pa, unsigned page_bits)
{
	uint32_t t = root;
	for (unsigned shift = 12 + 9 * (levels - 1);; shift -= 9) {
		uint64_t slot = t + ((la >> shift) & 511) * 8, e;
		if (shift == page_bits) {
			put64(slot, pa | P | (page_bits > 12 ? PS : 0));
			return;
		}
		memcpy(&e, mem + slot, 8);
		if (!(e & P)) {
			e = table() | P;
			put64(slot, e);
		}
		t = (uint32_t)(e & ~0xfffull);
	}
}

static void long_mode(void)
{
	uint64_t pa;
	for (unsigned levels = 4; levels <= 5; levels++) {
		reset();
		uint32_t root = table();
		struct pw_regs r = { CR0_PG, root, CR4_PAE | (levels == 5 ? CR4_LA57 : 0), EFER_LMA };
		const uint64_t top = levels == 5 ? 0x00ff000000000000ull : 0x00007f0000000000ull;
		map64(root, levels, top + 0x12345000, 0xabcde000, 12);
		map64(root, levels, top + 0x40000000, 0x123400000ull, 21);
		map64(root, levels, top + 0x80000000, 0x0000004c0000000ull, 30);
		CHECK(tr(&r, top + 0x12345678, &pa) == PW_OK && pa == 0xabcde678 && reads == levels,
		      "%u-level: 4 KiB page (pa=0x%llx, %u reads)", levels, (unsigned long long)pa, reads);
		CHECK(tr(&r, top + 0x40000000 + 0x1abcde, &pa) == PW_OK && pa == 0x123400000ull + 0x1abcde &&
			      reads == levels - 1,
		      "%u-level: 2 MiB page (pa=0x%llx)", levels, (unsigned long long)pa);
		CHECK(tr(&r, top + 0x80000000 + 0x2345678, &pa) == PW_OK && pa == 0x4c0000000ull + 0x2345678 &&
			      reads == levels - 2,
		      "%u-level: 1 GiB page (pa=0x%llx)", levels, (unsigned long long)pa);
		CHECK(tr(&r, top + 0x12346000, &pa) == PW_NOT_PRESENT, "%u-level: the next 4 KiB page is not present",
		      levels);
		CHECK(tr(&r, 0x1000, &pa) == PW_NOT_PRESENT && reads == 1, "%u-level: empty top-level entry", levels);
		/* NX (bit 63) and other high attribute bits are not address bits. */
		map64(root, levels, top + 0x99000, (1ull << 63) | 0x5000, 12);
		CHECK(tr(&r, top + 0x99010, &pa) == PW_OK && pa == 0x5010, "%u-level: NX is not part of the address",
		      levels);
	}
	/* A table pointer beyond the reader's memory. */
	reset();
	uint32_t root = table();
	put64(root, 0x7fff000ull | P);
	struct pw_regs r = { CR0_PG, root, CR4_PAE, EFER_LMA };
	CHECK(tr(&r, 0x1000, &pa) == PW_UNREADABLE, "a table outside memory is unreadable");
	/* The 4-level walk ignores la bits 63:48 (they are a sign extension; the CPU checks canonical form). */
	map64(root = (reset(), table()), 4, 0xffff800000001000ull, 0x7000, 12);
	r.cr3 = root;
	CHECK(tr(&r, 0xffff800000001234ull, &pa) == PW_OK && pa == 0x7234, "4-level: a kernel-half address");

	/* Random 4 KiB mappings: every mapped page translates, every other probed page is not present. */
	uint64_t seed = 0x9e3779b97f4a7c15ull, las[200];
	reset();
	root = table();
	r.cr3 = root;
	for (unsigned i = 0; i < 200; i++) {
		las[i] = (unit_random(&seed) & 0x00007ffffffff000ull & ~(0x3full << 33)) | ((uint64_t)i << 12);
		map64(root, 4, las[i], (uint64_t)(i + 1) << 12, 12);
	}
	unsigned bad = 0;
	for (unsigned i = 0; i < 200; i++) {
		uint64_t off = unit_random(&seed) & 0xfff;
		bad += tr(&r, las[i] | off, &pa) != PW_OK || pa != (((uint64_t)(i + 1) << 12) | off);
		bad += tr(&r, las[i] ^ (1ull << 46), &pa) != PW_NOT_PRESENT;
	}
	CHECK(bad == 0, "200 random 4 KiB mappings and 200 unmapped neighbours (%u wrong)", bad);
}

static void pae(void)
{
	uint64_t pa;
	reset();
	uint32_t pdpt = 0x20; /* 32-byte aligned, anywhere (CR3 bits 31:5) */
	uint32_t pd = table(), pt = table();
	put64(pdpt + 2 * 8, pd | P); /* la bits 31:30 = 2 */
	put64(pd + 5 * 8, pt | P);
	put64(pt + 7 * 8, 0x1234000ull | P);
	put64(pd + 6 * 8, 0x40000000ull | P | PS); /* 2 MiB */
	put64(pdpt + 3 * 8, pt | P | PS); /* PS in a PAE PDPTE: not a page size */
	put64(pt + 0, 0x5000 | P);
	struct pw_regs r = { CR0_PG, pdpt, CR4_PAE, 0 };
	CHECK(tr(&r, 0x80000000u | (5u << 21) | (7u << 12) | 0x123, &pa) == PW_OK && pa == 0x1234123 && reads == 3,
	      "PAE: 4 KiB page (pa=0x%llx)", (unsigned long long)pa);
	CHECK(tr(&r, 0x80000000u | (6u << 21) | 0x54321, &pa) == PW_OK && pa == 0x40054321, "PAE: 2 MiB page");
	/* PDPTE 3 has PS: still a pointer to a PD (here pt, whose entry 0 then points to an empty table at 0x5000). */
	CHECK(tr(&r, 0xc0000000u, &pa) == PW_NOT_PRESENT && reads == 3, "PAE: PDPTE.PS is not a 1 GiB page (%u reads)",
	      reads);
	CHECK(tr(&r, 0x123, &pa) == PW_NOT_PRESENT && reads == 1, "PAE: empty PDPTE");
	CHECK(tr(&r, 0x180000000ull | (5u << 21) | (7u << 12), &pa) == PW_OK && pa == 0x1234000,
	      "PAE: la bits 63:32 are ignored");
}

static void legacy32(void)
{
	uint64_t pa;
	reset();
	uint32_t pd = table(), pt = table();
	put32(pd + 3 * 4, pt | P);
	put32(pt + 9 * 4, 0xfeed0000u | P);
	put32(pd + 4 * 4, 0xc0000000u | (0x5au << 13) | P | PS); /* 4 MiB page, PSE-36 bits 39:32 = 0x5a */
	struct pw_regs r = { CR0_PG, pd, 0, 0 };
	uint32_t la = (3u << 22) | (9u << 12) | 0xabc;
	CHECK(tr(&r, la, &pa) == PW_OK && pa == 0xfeed0abc && reads == 2, "32-bit: 4 KiB page (pa=0x%llx)",
	      (unsigned long long)pa);
	r.cr4 = CR4_PSE;
	CHECK(tr(&r, (4u << 22) | 0x123456, &pa) == PW_OK && pa == ((0x5aull << 32) | 0xc0000000u | 0x123456) &&
		      reads == 1,
	      "32-bit: 4 MiB page with PSE-36 (pa=0x%llx)", (unsigned long long)pa);
	r.cr4 = 0;
	CHECK(tr(&r, (4u << 22) | 0x123456, &pa) == PW_UNREADABLE && reads == 2,
	      "32-bit: PS without CR4.PSE: the PDE points to a table (here beyond memory)");
	CHECK(tr(&r, 5u << 22, &pa) == PW_NOT_PRESENT, "32-bit: empty PDE");
	CHECK(tr(&r, (3u << 22) | (10u << 12), &pa) == PW_NOT_PRESENT, "32-bit: empty PTE");
}

int main(void)
{
	uint64_t pa;
	struct pw_regs off = { 0, 0x1000, CR4_PAE, 0 };
	CHECK(tr(&off, 0x123456789ull, &pa) == PW_OK && pa == 0x23456789 && reads == 0,
	      "paging off: the address is the linear address (32 bits)");
	long_mode();
	pae();
	legacy32();
	return unit_done();
}
