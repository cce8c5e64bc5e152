/* SPDX-License-Identifier: MIT */
/*
 * hello: an hvmm guest built outside hvmm's tree with the SDK. It says who it is, yields a few times (other guests
 * run in between), and exits with the status given as status= on its module line (default 0).
 */
#include "hvmm.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	unsigned rounds = (unsigned)rt_arg_u64(bi, "rounds", 3);
	int status = (int)rt_arg_i64(bi, "status", 0);

	gprintf("hello from %s: guest %u, %llu KiB, command line \"%s\"\n", bi->name, bi->guest_id,
		(unsigned long long)(bi->mem_bytes >> 10), bi->cmdline);
	for (unsigned i = 1; i <= rounds; i++) {
		gprintf("hello round %u of %u\n", i, rounds);
		hc_yield();
	}
	gprintf("hello done, exiting with status %d\n", status);
	return status; /* guest_main's return value is the exit status (HVMM_HC_EXIT) */
}
