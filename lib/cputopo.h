/* SPDX-License-Identifier: MIT */
/*
 * cputopo.h — which APIC IDs are SMT sibling threads of one core, and which CPUs hvmm takes to run guests
 * (docs/hardware.md "Several CPUs", docs/security.md "STIBP / SMT"): pure functions of CPUID values and the MADT's
 * APIC IDs, unit-tested on the host (tests/unit/test_cputopo.c).
 * Sources: AMD APM Vol. 3 Appendix E (CPUID 0Bh "Extended Topology Enumeration", 8000_0001h ECX[22]
 * TopologyExtensions, 8000_001Eh EBX[15:8] ThreadsPerCore); Intel SDM Vol. 3A §10.9 (the APIC ID's SMT field).
 */
#ifndef HVMM_LIB_CPUTOPO_H
#define HVMM_LIB_CPUTOPO_H
#include <stdint.h>

#define TOPO_CPUID_E1_TOPOEXT (1u << 22) /* 8000_0001h ECX: TopologyExtensions (leaf 8000_001Eh exists) */
#define TOPO_LEVEL_SMT 1u /* CPUID 0Bh ECX[15:8], level type of sub-leaf 0 */

/* What CPUID says on the BSP; a leaf the CPU does not have reads 0. */
struct topo_cpuid {
	uint32_t max_basic; /* CPUID 0 EAX */
	uint32_t b_eax, b_ebx, b_ecx; /* CPUID 0Bh sub-leaf 0 (the SMT level) */
	uint32_t max_ext; /* CPUID 8000_0000h EAX */
	uint32_t e1_ecx; /* CPUID 8000_0001h ECX */
	uint32_t e1e_ebx; /* CPUID 8000_001Eh EBX */
};

/* The SMT level: two CPUs are threads of one core when their APIC IDs agree above bit `shift` - 1. */
struct topo_smt {
	unsigned shift; /* APIC ID bits of the thread number (0..31); 0: one thread per core */
	unsigned threads; /* threads per core as CPUID reports them (1 without an SMT level) */
	const char *source; /* "CPUID 0Bh", "CPUID 8000_001Eh" or "no SMT level in CPUID"; never NULL */
};

/*
 * The SMT level from CPUID: leaf 0Bh when max_basic >= 0Bh, its sub-leaf 0 has EBX[15:0] != 0 (logical processors
 * at that level) and ECX[15:8] = 1 (SMT): shift = EAX[4:0], threads = EBX[15:0]; else leaf 8000_001Eh when
 * TopologyExtensions is set and max_ext >= 8000_001Eh: threads = EBX[15:8] + 1, shift = the bits to number them
 * (ceil(log2(threads))); else one thread per core, shift 0. Fills *out.
 */
void topo_smt_decide(const struct topo_cpuid *id, struct topo_smt *out);

/* 1 if APIC IDs a and b are threads of one core (equal above shift, shift < 32), else 0. */
int topo_same_core(uint32_t a, uint32_t b, unsigned shift);

/*
 * Choose the CPUs that run guests among n candidates apic[0..n) (the usable MADT entries other than the BSP, in
 * MADT order): with smt = 0, candidate i is skipped (skip[i] = 1) when it is a thread of the same core as the BSP
 * or as a candidate taken before it; with smt = 1 none is skipped. Returns the number taken (n minus the skipped).
 */
unsigned topo_select(uint32_t bsp, const uint32_t *apic, unsigned n, unsigned shift, int smt, uint8_t *skip);

#endif
