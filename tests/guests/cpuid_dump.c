/* SPDX-License-Identifier: MIT */
/*
 * cpuid_dump (test guest): prints what CPUID returns for every leaf (subleaves 0-2) of the ranges docs/guest-abi.md's
 * CPUID policy table covers, and beyond, one line each:
 *     cpuid <leaf>.<subleaf> eax=<hex> ebx=<hex> ecx=<hex> edx=<hex>
 * The judge (tests/scenarios_silicon.py) checks every line against the table, bit by bit. Then it reads every leaf
 * again — hvmm answers repeated leaves from its CPUID cache, on a CPU with nRIP without leaving vmrun.S — and prints
 *     cpuid repeat n=<count> differ=<count>
 * and leaf 1's OSXSAVE bit (ECX[27]) with CR4.OSXSAVE set and clear, when leaf 1 offers XSAVE (ECX[26]):
 *     cpuid osxsave on=<0/1> off=<0/1>
 * Then exit 0.
 */
#include "hvmm.h"

#define MAX_READS 512
#define CR4_OSXSAVE (1ul << 18)

static uint32_t seen[MAX_READS][4];
static unsigned nseen;

static void cpuid4(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t a = leaf, b, c = sub, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	r[0] = a, r[1] = b, r[2] = c, r[3] = d;
}

static void dump(uint32_t leaf, uint32_t sub)
{
	uint32_t r[4];
	cpuid4(leaf, sub, r);
	if (nseen < MAX_READS)
		for (int i = 0; i < 4; i++)
			seen[nseen][i] = r[i];
	nseen++;
	gprintf("cpuid %08x.%x eax=%08x ebx=%08x ecx=%08x edx=%08x\n", leaf, sub, r[0], r[1], r[2], r[3]);
}

static unsigned long read_cr4(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	(void)bi;
	/* Every leaf the policy table names and past it: basic 0..0x20, hvmm's 0x40000000..0x40000003, extended
	 * 0x80000000..0x80000028, whatever the maximum leaves say (leaves above them must read zero). */
	static const uint32_t ranges[][2] = { { 0, 0x20 }, { 0x40000000u, 0x40000003u }, { 0x80000000u, 0x80000028u } };
	for (unsigned r = 0; r < 3; r++)
		for (uint32_t leaf = ranges[r][0]; leaf <= ranges[r][1]; leaf++)
			for (uint32_t sub = 0; sub < 3; sub++)
				dump(leaf, sub);
	dump(0x8fffffffu, 0); /* far past every range */
	gprintf("cpuid dump done\n");

	unsigned k = 0, differ = 0;
	for (unsigned r = 0; r < 3; r++)
		for (uint32_t leaf = ranges[r][0]; leaf <= ranges[r][1]; leaf++)
			for (uint32_t sub = 0; sub < 3; sub++, k++) {
				uint32_t v[4];
				cpuid4(leaf, sub, v);
				for (int i = 0; k < MAX_READS && i < 4; i++)
					if (v[i] != seen[k][i]) {
						differ++;
						gprintf("cpuid repeat %08x.%x reg %d: 0x%08x, first 0x%08x\n", leaf, sub, i, v[i],
							seen[k][i]);
					}
			}
	gprintf("cpuid repeat n=%u differ=%u\n", k, differ);

	uint32_t l1[4];
	cpuid4(1, 0, l1);
	if (l1[2] & (1u << 26)) { /* XSAVE offered: CR4.OSXSAVE may be set */
		unsigned long cr4 = read_cr4();
		write_cr4(cr4 | CR4_OSXSAVE);
		cpuid4(1, 0, l1);
		unsigned on = (l1[2] >> 27) & 1;
		write_cr4(cr4 & ~CR4_OSXSAVE);
		cpuid4(1, 0, l1);
		gprintf("cpuid osxsave on=%u off=%u\n", on, (l1[2] >> 27) & 1);
		write_cr4(cr4);
	}
	return 0;
}
