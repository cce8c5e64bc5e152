/* SPDX-License-Identifier: MIT */
/*
 * cpuid_dump (test guest): prints what CPUID returns for every leaf (subleaves 0-2) of the ranges docs/guest-abi.md's
 * CPUID policy table covers, and beyond, one line each:
 *     cpuid <leaf>.<subleaf> eax=<hex> ebx=<hex> ecx=<hex> edx=<hex>
 * The judge (tests/scenarios_silicon.py) checks every line against the table, bit by bit. Then exit 0.
 */
#include "hvmm.h"

static void dump(uint32_t leaf, uint32_t sub)
{
	uint32_t a = leaf, b, c = sub, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	gprintf("cpuid %08x.%x eax=%08x ebx=%08x ecx=%08x edx=%08x\n", leaf, sub, a, b, c, d);
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
	return 0;
}
