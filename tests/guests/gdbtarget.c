/* SPDX-License-Identifier: MIT */
/*
 * gdbtarget (test guest): what the gdb scenario (tests/scenarios_gdb.py) debugs through hvmm's gdb stub. For i = 1 ..
 * rounds (rounds=, default 40) it calls gdb_tick(i), which adds i to gdb_total, and gdb_hw_target(i), and yields;
 * once, at round 3, it runs gdb_pushf, which records the RFLAGS.TF a PUSHF pushes (gdb single-steps through it: the
 * stub's TF must not show). Then it yields until the debugger sets gdb_release (after its Ctrl-C), adds gdb_bonus (0
 * unless the debugger wrote it) and prints
 * "gdbtarget done total=<sum> bonus=<bonus> pushf_tf=<0|1> hw_calls=<n>", then exits 0 when total is
 * rounds * (rounds + 1) / 2 + bonus and pushf_tf is 0, else 1.
 */
#include "hvmm.h"

volatile uint64_t gdb_total, gdb_bonus, gdb_pushf_tf, gdb_hw_calls, gdb_release;

void gdb_tick(uint64_t i);
void gdb_hw_target(uint64_t i);

__attribute__((noinline)) void gdb_tick(uint64_t i) { gdb_total += i; }

__attribute__((noinline)) void gdb_hw_target(uint64_t i) { gdb_hw_calls += i > 0; }

/* PUSHF; POP; keep bit 8 (TF) of what was pushed. */
void gdb_pushf(void);
__asm__(".text\n"
	".globl gdb_pushf\n"
	"gdb_pushf:\n"
	"  pushfq\n"
	"  popq %rax\n"
	"  shrq $8, %rax\n"
	"  andl $1, %eax\n"
	"  movq %rax, gdb_pushf_tf(%rip)\n"
	"  ret\n");

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t rounds = rt_arg_u64(bi, "rounds", 40);
	for (uint64_t i = 1; i <= rounds; i++) {
		gdb_tick(i);
		if (i == 3)
			gdb_pushf();
		gdb_hw_target(i);
		hc_yield();
	}
	while (!gdb_release)
		hc_yield();
	gdb_total += gdb_bonus;
	uint64_t want = rounds * (rounds + 1) / 2 + gdb_bonus;
	gprintf("gdbtarget done total=%llu bonus=%llu pushf_tf=%llu hw_calls=%llu\n", (unsigned long long)gdb_total,
		(unsigned long long)gdb_bonus, (unsigned long long)gdb_pushf_tf, (unsigned long long)gdb_hw_calls);
	return gdb_total == want && gdb_pushf_tf == 0 ? 0 : 1;
}
