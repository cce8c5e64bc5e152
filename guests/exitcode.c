/* SPDX-License-Identifier: MIT */
/*
 * exitcode: prints a couple of lines and exits with the status from cmdline status= (default 3), so a test can check
 * that a guest's exit status reaches hvmm's summary.
 */
#include "hvmm.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	int status = (int)rt_arg_i64(bi, "status", 3);

	gprintf("exitcode: guest %u \"%s\" mem=%lluK\n", bi->guest_id, bi->name,
		(unsigned long long)(bi->mem_bytes >> 10));
	/* CPUID 0x40000000: the hypervisor leaf (docs/guest-abi.md). */
	uint32_t a = 0x40000000, sig[3], c = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(sig[0]), "+c"(c), "=d"(sig[2]));
	sig[1] = c;
	gprintf("exitcode: cpuid 0x40000000 max=0x%x signature=\"%.12s\"\n", a, (const char *)sig);
	gprintf("exitcode: exiting with status %d\n", status);
	return status;
}
