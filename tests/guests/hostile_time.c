/* SPDX-License-Identifier: MIT */
/*
 * hostile_time (test guest): interrupts and time. attack= picks one:
 *
 *   clihlt   CLI, then HLT 200 times (a guest waiting forever for an interrupt that never comes). hvmm treats HLT as a
 *            yield, so each one only ends the guest's turn. Then exit 0.
 *   storm    an exit storm: CPUID in a tight loop for storm_ms= ms (default 600), then the null hypercall (VMMCALL,
 *            completed in hvmm's world-switch fast path) for as long, with interrupts off. The timer must still
 *            preempt it, so the counter guest finishes first. Prints the exit counts, then exits 0.
 *   int3     INT3 with no IDT (limit 0): #GP, #DF, then shutdown: killed (triple fault).
 *   intn     INT 0x80 with no IDT: killed likewise.
 */
#include <string.h>

#include "hvmm.h"

static void cpuid_once(void)
{
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "clihlt", sizeof(attack));

	if (!strcmp(attack, "clihlt")) {
		uint64_t t0 = rdtsc();
		__asm__ volatile("cli" ::: "memory");
		for (int i = 0; i < 200; i++)
			__asm__ volatile("hlt" ::: "memory");
		gprintf("PASS cli; hlt x200 returned (each HLT a yield) after %llu TSC cycles\n",
			(unsigned long long)(rdtsc() - t0));
		gprintf("hostile done fails=0\n");
		return 0;
	}
	if (!strcmp(attack, "storm")) {
		uint64_t cycles = rt_arg_u64(bi, "storm_ms", 600) * rt_tsc_khz(bi);
		uint64_t n_cpuid = 0, n_call = 0, t0;
		gprintf("storm start: CPUID, then VMMCALL, %llu TSC cycles each\n", (unsigned long long)cycles);
		__asm__ volatile("cli" ::: "memory");
		for (t0 = rdtsc(); rdtsc() - t0 < cycles; n_cpuid += 16)
			for (int i = 0; i < 16; i++)
				cpuid_once();
		for (t0 = rdtsc(); rdtsc() - t0 < cycles; n_call += 16)
			for (int i = 0; i < 16; i++)
				hc_nop();
		gprintf("storm done cpuid=%llu vmmcall=%llu\n", (unsigned long long)n_cpuid, (unsigned long long)n_call);
		gprintf("hostile done fails=0\n");
		return 0;
	}
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { 0, 0 };
	__asm__ volatile("lidt %0" ::"m"(idtr) : "memory");
	if (!strcmp(attack, "int3")) {
		gprintf("try int3 with no IDT\n");
		__asm__ volatile("int3" ::: "memory");
	} else if (!strcmp(attack, "intn")) {
		gprintf("try int 0x80 with no IDT\n");
		__asm__ volatile("int $0x80" ::: "memory");
	} else {
		gprintf("FAIL unknown attack=%s\n", attack);
		return 98;
	}
	gprintf("NOT CONTAINED: %s returned\n", attack);
	return 1;
}
