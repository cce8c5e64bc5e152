/* SPDX-License-Identifier: MIT */
/* cputopo.c — SMT siblings from CPUID and the MADT's APIC IDs; see cputopo.h for the sources. */
#include "cputopo.h"

void topo_smt_decide(const struct topo_cpuid *id, struct topo_smt *out)
{
	/* APM Vol. 3 Appendix E, CPUID 0Bh: sub-leaf 0 is the SMT level; EAX[4:0] the shift to the next level's ID. */
	if (id->max_basic >= 0xb && (id->b_ebx & 0xffff) != 0 && ((id->b_ecx >> 8) & 0xff) == TOPO_LEVEL_SMT) {
		out->shift = id->b_eax & 0x1f;
		out->threads = id->b_ebx & 0xffff;
		out->source = "CPUID 0Bh";
		return;
	}
	/* CPUID 8000_001Eh EBX[15:8]: ThreadsPerCore - 1 (valid with TopologyExtensions). */
	if ((id->e1_ecx & TOPO_CPUID_E1_TOPOEXT) && id->max_ext >= 0x8000001eu) {
		out->threads = ((id->e1e_ebx >> 8) & 0xff) + 1;
		out->shift = 0;
		while ((1u << out->shift) < out->threads)
			out->shift++;
		out->source = "CPUID 8000_001Eh";
		return;
	}
	out->shift = 0;
	out->threads = 1;
	out->source = "no SMT level in CPUID";
}

int topo_same_core(uint32_t a, uint32_t b, unsigned shift)
{
	return shift < 32 && (a >> shift) == (b >> shift);
}

unsigned topo_select(uint32_t bsp, const uint32_t *apic, unsigned n, unsigned shift, int smt, uint8_t *skip)
{
	unsigned taken = 0;
	for (unsigned i = 0; i < n; i++) {
		int sib = !smt && topo_same_core(apic[i], bsp, shift);
		for (unsigned k = 0; k < i && !smt && !sib; k++)
			sib = !skip[k] && topo_same_core(apic[i], apic[k], shift);
		skip[i] = (uint8_t)sib;
		taken += !sib;
	}
	return taken;
}
