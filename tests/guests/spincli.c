/* SPDX-License-Identifier: MIT */
/*
 * spincli (test guest): disables interrupts (cli) and spins for spin_ms= milliseconds (default 1500), measured with
 * RDTSC against the boot info's TSC frequency, without a hypercall or yield during the spin; then prints
 * "spincli done" and exits 0. hvmm must still preempt it (V_INTR_MASKING), so other guests progress meanwhile.
 */
#include "hvmm.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t ms = rt_arg_u64(bi, "spin_ms", 1500);
	uint64_t khz = rt_tsc_khz(bi);

	if (khz == 0) {
		gprintf("spincli: no TSC frequency in boot info or from hvmm\n");
		return 1;
	}
	uint64_t cycles = ms * khz;
	gprintf("spincli: cli, spinning %llu ms (%llu TSC cycles at %llu kHz)\n", (unsigned long long)ms,
		(unsigned long long)cycles, (unsigned long long)khz);

	__asm__ volatile("cli" ::: "memory");
	uint64_t t0 = rdtsc();
	uint64_t spins = 0;
	while (rdtsc() - t0 < cycles) {
		cpu_relax();
		spins++;
	}
	uint64_t t1 = rdtsc();

	gprintf("spincli done (%llu TSC cycles, %llu spins)\n", (unsigned long long)(t1 - t0),
		(unsigned long long)spins);
	return 0;
}
