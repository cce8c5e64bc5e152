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
	gprintf("exitcode: exiting with status %d\n", status);
	return status;
}
