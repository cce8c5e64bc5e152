/* SPDX-License-Identifier: MIT */
/*
 * hostile_hc (test guest): hypercalls with bad arguments. Each call's return value is checked against
 * docs/guest-abi.md and printed as a PASS/FAIL line:
 *
 *   unknown numbers 5, 0xff, 2^32 + 1 (HVMM_HC_WRITE in the low half: hvmm must compare all 64 bits), -1 -> -38
 *   WRITE with the buffer at GPA mem, straddling the end of RAM, at 2^64 - 16 (wrapping), at 1 TiB        -> -14
 *   WRITE with length 4097, 2^63, 2^64 - 1 (also from a valid buffer)                                   -> -22
 *   WRITE of exactly the last 4096 bytes of RAM                                                         -> 4096
 *   WRITE of 0 bytes at GPA mem, at 2^64 - 4096, at 2^64 - 1, at 0 (any address: nothing to read)       -> 0
 *   WRITE of an "unterminated string": 4096 bytes with no newline and no NUL, containing control bytes and
 *   bytes >= 0x80 -> 4096, and hvmm prints it as 200-byte lines (split), with '.' for unprintable bytes
 *   YIELD and NOP with garbage in RDI/RSI/RDX                                                           -> 0
 *   TSC_KHZ                                                                                            -> > 0
 * Exit 0 when every check passed.
 */
#include "hostile_idt.h"

#define ENOSYS (-38)
#define EFAULT (-14)
#define EINVAL (-22)

static void expect(const char *what, long got, long want)
{
	hostile_check(got == want, what, "returned %ld (expected %ld)", got, want);
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t mem = bi->mem_bytes;
	static const char ok[] = "x";

	expect("unknown hypercall 5", hvmm_call3(5, 0, 0, 0), ENOSYS);
	expect("unknown hypercall 0xff", hvmm_call3(0xff, 0, 0, 0), ENOSYS);
	expect("unknown hypercall 2^32+1", hvmm_call3((long)((1ull << 32) | HVMM_HC_WRITE), (long)ok, 1, 0), ENOSYS);
	expect("unknown hypercall -1", hvmm_call3(-1, 0, 0, 0), ENOSYS);

	expect("write at GPA mem", hvmm_call3(HVMM_HC_WRITE, (long)mem, 16, 0), EFAULT);
	expect("write straddling the end of RAM", hvmm_call3(HVMM_HC_WRITE, (long)(mem - 8), 16, 0), EFAULT);
	expect("write wrapping around 2^64", hvmm_call3(HVMM_HC_WRITE, -16, 32, 0), EFAULT);
	expect("write ending exactly at 2^64", hvmm_call3(HVMM_HC_WRITE, -16, 16, 0), EFAULT);
	expect("write at GPA 1 TiB", hvmm_call3(HVMM_HC_WRITE, 1l << 40, 16, 0), EFAULT);
	expect("write of length 4097", hvmm_call3(HVMM_HC_WRITE, (long)ok, 4097, 0), EINVAL);
	expect("write of length 2^63", hvmm_call3(HVMM_HC_WRITE, (long)ok, (long)(1ull << 63), 0), EINVAL);
	expect("write of length 2^64-1", hvmm_call3(HVMM_HC_WRITE, (long)ok, -1, 0), EINVAL);
	expect("write of length 2^64-1 at GPA 2^64-1", hvmm_call3(HVMM_HC_WRITE, -1, -1, 0), EINVAL);
	expect("write of 0 bytes at GPA mem", hvmm_call3(HVMM_HC_WRITE, (long)mem, 0, 0), 0);
	expect("write of 0 bytes at GPA 2^64-4096", hvmm_call3(HVMM_HC_WRITE, -4096, 0, 0), 0);
	expect("write of 0 bytes at GPA 2^64-1", hvmm_call3(HVMM_HC_WRITE, -1, 0, 0), 0);
	expect("write of 0 bytes at GPA 0", hvmm_call3(HVMM_HC_WRITE, 0, 0, 0), 0);

	/* The last 4096 bytes of RAM, as a line of its own. */
	char *end = (char *)(uintptr_t)(mem - 4096);
	for (int i = 0; i < 4096; i++)
		end[i] = (char)('a' + i % 26);
	end[4095] = '\n';
	expect("write of the last 4096 bytes of RAM", hvmm_call3(HVMM_HC_WRITE, (long)end, 4096, 0), 4096);

	/* An unterminated string: no newline, no NUL, control and high bytes. It ends up on the guest's next line. */
	static char junk[4096];
	for (int i = 0; i < 4096; i++)
		junk[i] = (char)(i % 97 == 0 ? 0x01 : i % 89 == 0 ? 0xff : i % 83 == 0 ? 0 : 'A' + i % 26);
	long r = hvmm_call3(HVMM_HC_WRITE, (long)junk, sizeof(junk), 0);
	gprintf("\n");
	expect("write of 4096 unterminated bytes", r, 4096);

	expect("yield with garbage arguments", hvmm_call3(HVMM_HC_YIELD, -1, -1, -1), 0);
	expect("nop with garbage arguments", hvmm_call3(HVMM_HC_NOP, -1, -1, -1), 0);
	long khz = hc_tsc_khz();
	hostile_check(khz > 0, "tsc_khz", "returned %ld", khz);
	return hostile_status();
}
