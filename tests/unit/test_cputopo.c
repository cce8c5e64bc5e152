/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/cputopo.c: the SMT level from CPUID, and which MADT CPUs hvmm takes with smt=off/on. */
#define UNIT_MODULE "cputopo"
#include <string.h>

#include "cputopo.h"
#include "unit.h"

/* CPUID 0Bh sub-leaf 0 of a CPU with `threads` threads per core and an SMT shift of `shift`. */
static struct topo_cpuid leaf_0b(unsigned shift, unsigned threads)
{
	struct topo_cpuid id = {.max_basic = 0xd, .b_eax = shift, .b_ebx = threads, .b_ecx = TOPO_LEVEL_SMT << 8};
	return id;
}

/* CPUID 8000_001Eh only (TopologyExtensions), `threads` threads per core. */
static struct topo_cpuid leaf_e1e(unsigned threads)
{
	struct topo_cpuid id = {.max_basic = 0xd, .max_ext = 0x80000021u, .e1_ecx = TOPO_CPUID_E1_TOPOEXT,
				.e1e_ebx = ((threads - 1) << 8) | 0x05};
	return id;
}

static struct topo_smt decide(struct topo_cpuid id)
{
	struct topo_smt t;
	memset(&t, 0x5a, sizeof t); /* every field must be written */
	topo_smt_decide(&id, &t);
	return t;
}

/* topo_select's skip[] as a string of '0'/'1', one per candidate. */
static const char *pick(uint32_t bsp, const uint32_t *apic, unsigned n, unsigned shift, int smt, unsigned *taken)
{
	static char out[64];
	uint8_t skip[64];
	memset(skip, 0x5a, sizeof skip);
	*taken = topo_select(bsp, apic, n, shift, smt, skip);
	for (unsigned i = 0; i < n; i++)
		out[i] = skip[i] == 0 ? '0' : skip[i] == 1 ? '1' : '?';
	out[n] = 0;
	return out;
}

int main(void)
{
	struct topo_smt t;
	unsigned taken;

	/* The SMT level from CPUID. */
	t = decide(leaf_0b(1, 2));
	CHECK(t.shift == 1 && t.threads == 2 && !strcmp(t.source, "CPUID 0Bh"), "0Bh: 2 threads, shift 1");
	t = decide(leaf_0b(0, 1));
	CHECK(t.shift == 0 && t.threads == 1 && !strcmp(t.source, "CPUID 0Bh"), "0Bh: 1 thread (QEMU -smp N), shift 0");
	t = decide(leaf_0b(2, 4));
	CHECK(t.shift == 2 && t.threads == 4, "0Bh: 4 threads, shift 2");
	struct topo_cpuid id = leaf_0b(1, 2);
	id.max_basic = 0xa;
	t = decide(id);
	CHECK(t.shift == 0 && t.threads == 1 && !strcmp(t.source, "no SMT level in CPUID"),
	      "0Bh above the highest basic leaf: ignored, no SMT");
	id = leaf_0b(1, 0);
	t = decide(id);
	CHECK(t.threads == 1 && t.shift == 0, "0Bh with EBX[15:0] = 0 (leaf not valid): no SMT");
	id = leaf_0b(1, 2);
	id.b_ecx = 2u << 8; /* a core level where the SMT level should be */
	t = decide(id);
	CHECK(t.threads == 1 && t.shift == 0, "0Bh sub-leaf 0 not of type SMT: not used");
	id.max_ext = 0x8000001eu;
	id.e1_ecx = TOPO_CPUID_E1_TOPOEXT;
	id.e1e_ebx = 1u << 8;
	t = decide(id);
	CHECK(t.threads == 2 && t.shift == 1 && !strcmp(t.source, "CPUID 8000_001Eh"),
	      "0Bh not valid, TopologyExtensions: 8000_001Eh decides");
	t = decide(leaf_e1e(2));
	CHECK(t.shift == 1 && t.threads == 2 && !strcmp(t.source, "CPUID 8000_001Eh"), "8000_001Eh: 2 threads, shift 1");
	t = decide(leaf_e1e(1));
	CHECK(t.shift == 0 && t.threads == 1, "8000_001Eh: 1 thread, shift 0");
	t = decide(leaf_e1e(4));
	CHECK(t.shift == 2 && t.threads == 4, "8000_001Eh: 4 threads, shift 2");
	t = decide(leaf_e1e(3));
	CHECK(t.shift == 2 && t.threads == 3, "8000_001Eh: 3 threads, shift 2 (rounded up to a power of two)");
	id = leaf_e1e(2);
	id.e1_ecx = 0;
	t = decide(id);
	CHECK(t.shift == 0 && t.threads == 1, "8000_001Eh without TopologyExtensions: not used");
	id = leaf_e1e(2);
	id.max_ext = 0x8000001du;
	t = decide(id);
	CHECK(t.shift == 0 && t.threads == 1, "8000_001Eh above the highest extended leaf: not used");
	struct topo_cpuid none = {0};
	t = decide(none);
	CHECK(t.shift == 0 && t.threads == 1 && !strcmp(t.source, "no SMT level in CPUID"), "no leaf at all: no SMT");

	/* Sibling tests. */
	CHECK(topo_same_core(2, 3, 1) && !topo_same_core(1, 2, 1), "shift 1: 2,3 one core; 1,2 two cores");
	CHECK(!topo_same_core(0, 1, 0) && topo_same_core(5, 5, 0), "shift 0: distinct IDs never share a core");
	CHECK(topo_same_core(0x100, 0x103, 2) && !topo_same_core(0x103, 0x104, 2), "x2APIC IDs, shift 2");

	/* One thread per core (QEMU's default -smp 4): nothing skipped. */
	uint32_t q4[] = {1, 2, 3};
	CHECK(!strcmp(pick(0, q4, 3, 0, 0, &taken), "000") && taken == 3, "1 thread per core: all 3 APs taken");

	/* 2 threads per core, APIC IDs 0-3 (QEMU -smp 4,cores=2,threads=2), BSP 0. */
	uint32_t s2[] = {1, 2, 3};
	CHECK(!strcmp(pick(0, s2, 3, 1, 0, &taken), "101") && taken == 1, "2 threads, smt=off: 1 and 3 skipped");
	CHECK(!strcmp(pick(0, s2, 3, 1, 1, &taken), "000") && taken == 3, "2 threads, smt=on: all taken");

	/* Firmware that lists the first thread of every core first (0, 2, 4, 6, then 1, 3, 5, 7). */
	uint32_t s2b[] = {2, 4, 6, 1, 3, 5, 7};
	CHECK(!strcmp(pick(0, s2b, 7, 1, 0, &taken), "0001111") && taken == 3, "2 threads, cores first: 2,4,6 taken");

	/* BSP not thread 0: BSP 1, MADT 0..3: 0 is its sibling, 2 taken, 3 skipped. */
	uint32_t nb[] = {0, 2, 3};
	CHECK(!strcmp(pick(1, nb, 3, 1, 0, &taken), "101") && taken == 1, "BSP thread 1: thread 0 of its core skipped");

	/* 4 threads per core (shift 2), two cores 0-3 and 4-7, BSP 5. */
	uint32_t s4[] = {0, 1, 2, 3, 4, 6, 7};
	CHECK(!strcmp(pick(5, s4, 7, 2, 0, &taken), "0111111") && taken == 1, "4 threads, BSP 5: only 0 taken");
	CHECK(!strcmp(pick(5, s4, 7, 2, 1, &taken), "0000000") && taken == 7, "4 threads, smt=on: all 7 taken");

	/* 2 threads per core with a gap in the numbering (shift 1, IDs 0,1, 4,5, 8,9). */
	uint32_t gap[] = {1, 4, 5, 8, 9};
	CHECK(!strcmp(pick(0, gap, 5, 1, 0, &taken), "10101") && taken == 2, "2 threads, sparse IDs: 4 and 8 taken");

	/* x2APIC IDs above 255 (shift 1): 0x100/0x101 one core, 0x102/0x103 another; BSP 0x101. */
	uint32_t x2[] = {0x100, 0x102, 0x103, 0x1000};
	CHECK(!strcmp(pick(0x101, x2, 4, 1, 0, &taken), "1010") && taken == 2, "x2APIC IDs: 0x102 and 0x1000 taken");

	/* Only single threads listed (firmware with SMT off): IDs 0, 2, 4 with shift 1: nothing skipped. */
	uint32_t off[] = {2, 4};
	CHECK(!strcmp(pick(0, off, 2, 1, 0, &taken), "00") && taken == 2, "SMT off in firmware: every listed CPU taken");

	CHECK(topo_select(0, NULL, 0, 1, 0, NULL) == 0, "no candidates: none taken");
	return unit_done();
}
