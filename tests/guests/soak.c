/* SPDX-License-Identifier: MIT */
/*
 * soak: numbered, checksummed console lines for long runs of many guests; the judge (tests/scenarios_soak.py)
 * checks that every line arrives exactly once, in order and intact. It prints
 *     soak <id> <k> <c_k>          for k = 1, 2, ...   (<id> = guest id in decimal, <c_k> = 8 lowercase hex digits)
 * until lines= lines are printed (default 1000; 0 = no limit) or seconds= seconds of TSC time have passed since its
 * start (default 0 = no limit), whichever comes first, then
 *     soak <id> done lines=<n> checksum=<c_n> ms=<TSC time from its start, in ms>
 * and exits 0. It yields after every yield_every= lines (default 1; 0 = never: only the timer preempts it).
 *
 * The checksum is a running FNV-1a (32-bit) hash, so a line that is lost, repeated or reordered breaks every later
 * checksum:
 *     fnv1a(bytes) = h := 0x811c9dc5; for each byte b: h := (h ^ b) * 16777619 mod 2^32
 *     c_0 = id
 *     c_k = fnv1a(c_{k-1} as 4 bytes little-endian, then k as 8 bytes little-endian)
 *
 * Long soaks by hand: the make-test scenario "soak" (tests/scenarios_soak.py) runs 32 guests for 60 s; the same
 * module builds, boots and judges any other size, e.g. 40 guests for 30 minutes (the QEMU timeout follows):
 *     python3 tests/scenarios_soak.py --guests 40 --seconds 1800
 * and judges a log from a run of your own (tools/mkiso + tools/run-qemu --log):
 *     python3 tests/scenarios_soak.py --judge soak.log
 */
#include "hvmm.h"

#define FNV_OFFSET 0x811c9dc5u
#define FNV_PRIME 16777619u

static uint32_t fnv1a(uint32_t h, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++) {
		h ^= (uint8_t)(v >> (8 * i));
		h *= FNV_PRIME;
	}
	return h;
}

/* c_k from c_{k-1} (see the top of this file). */
static uint32_t next_checksum(uint32_t prev, uint64_t k)
{
	return fnv1a(fnv1a(FNV_OFFSET, prev, 4), k, 8);
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t lines = rt_arg_u64(bi, "lines", 1000);
	uint64_t seconds = rt_arg_u64(bi, "seconds", 0);
	uint64_t yield_every = rt_arg_u64(bi, "yield_every", 1);
	uint64_t khz = rt_tsc_khz(bi);
	unsigned id = bi->guest_id;

	if (seconds && !khz) {
		gprintf("soak %u: seconds= needs the TSC frequency, which hvmm did not give\n", id);
		return 1;
	}
	uint64_t start = rdtsc();
	uint64_t limit = seconds * khz * 1000;
	uint32_t c = id;
	uint64_t k = 0;
	while ((!lines || k < lines) && (!seconds || rdtsc() - start < limit)) {
		k++;
		c = next_checksum(c, k);
		long r = gprintf("soak %u %llu %08x\n", id, (unsigned long long)k, c);
		if (r < 0) {
			gprintf("soak %u: write failed with %ld at line %llu\n", id, r, (unsigned long long)k);
			return 1;
		}
		if (yield_every && k % yield_every == 0)
			hc_yield();
	}
	gprintf("soak %u done lines=%llu checksum=%08x ms=%llu\n", id, (unsigned long long)k, c,
		(unsigned long long)(khz ? (rdtsc() - start) / khz : 0));
	return 0;
}
