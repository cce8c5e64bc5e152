/* SPDX-License-Identifier: MIT */
/*
 * matmul: the compute-bound sample guest. It never yields, so only the timer preempts it. It prints
 * "matmul n=48 rounds=<R> seed=<S>", a progress line "matmul round <r>/<R>" every progress= rounds (default 10,
 * 0 = none; a console write is a hypercall but not a yield, so the lines show how its output interleaves with the
 * other guests'), then "matmul checksum=0x<8 hex digits>", and exits 0.
 *
 * The algorithm (tests/run.py recomputes the checksum in Python; keep the two in step). All arithmetic is
 * unsigned 32-bit, wrapping mod 2^32. N = 48; R from cmdline rounds= (default MATMUL_ROUNDS), S from seed= (default 1).
 *   lcg(s) = s * 1664525 + 1013904223
 *   s = S; for i, j in row-major order: s = lcg(s); A[i][j] = s >> 24
 *          then for i, j in row-major order: s = lcg(s); B[i][j] = s >> 24
 *   h = 0x811c9dc5
 *   for r = 0 .. R-1:
 *       A[r % N][(7r + 3) % N] += r + 1
 *       C = A x B                       (C[i][j] = sum over k of A[i][k] * B[k][j])
 *       h = (h ^ C[5r % N][11r % N]) * 16777619
 *   for every C[i][j] in row-major order: h = (h ^ C[i][j]) * 16777619
 *   checksum = h
 * Each round recomputes the whole product, so the work is R * N^3 multiply-adds; the runner only needs the row of C
 * that a round changes (C += (r+1) * B's row k in row i), so it checks any R quickly.
 */
#include "hvmm.h"

#define N 48
#define MATMUL_ROUNDS 800 /* about 0.7 s under QEMU 7.2 TCG on the 2-core test machine (1 ms a round) */
#define FNV_PRIME 16777619u

static uint32_t A[N][N], B[N][N], C[N][N];

static uint32_t lcg(uint32_t s)
{
	return s * 1664525u + 1013904223u;
}

/* C = A x B (mod 2^32). */
static void multiply(void)
{
	for (int i = 0; i < N; i++) {
		uint32_t row[N] = { 0 };
		for (int k = 0; k < N; k++) {
			uint32_t a = A[i][k];
			for (int j = 0; j < N; j++)
				row[j] += a * B[k][j];
		}
		for (int j = 0; j < N; j++)
			C[i][j] = row[j];
	}
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t rounds = rt_arg_u64(bi, "rounds", MATMUL_ROUNDS);
	uint32_t seed = (uint32_t)rt_arg_u64(bi, "seed", 1);
	uint64_t progress = rt_arg_u64(bi, "progress", 10);
	int quiet = rt_arg_u64(bi, "quiet", 0) != 0; /* print nothing: benchmark sweeps measure switching, not printing */
	uint32_t s = seed, h = 0x811c9dc5u;

	if (!quiet)
		gprintf("matmul n=%d rounds=%llu seed=%u\n", N, (unsigned long long)rounds, seed);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			A[i][j] = (s = lcg(s)) >> 24;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			B[i][j] = (s = lcg(s)) >> 24;

	uint64_t t0 = rdtsc();
	for (uint64_t r = 0; r < rounds; r++) {
		A[r % N][(7 * r + 3) % N] += (uint32_t)(r + 1);
		multiply();
		__asm__ volatile("" ::: "memory"); /* every round's product is observed */
		h = (h ^ C[(5 * r) % N][(11 * r) % N]) * FNV_PRIME;
		if (!quiet && progress && (r + 1) % progress == 0 && r + 1 < rounds)
			gprintf("matmul round %llu/%llu\n", (unsigned long long)(r + 1), (unsigned long long)rounds);
	}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			h = (h ^ C[i][j]) * FNV_PRIME;
	uint64_t t1 = rdtsc();

	if (!quiet) {
		gprintf("matmul %llu TSC cycles\n", (unsigned long long)(t1 - t0));
		gprintf("matmul checksum=0x%08x\n", h);
	}
	return 0;
}
