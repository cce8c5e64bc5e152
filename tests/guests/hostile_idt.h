/* SPDX-License-Identifier: MIT */
/*
 * hostile_idt.h — what the hostile test guests (guests/hostile_*.c) share: a tiny IDT and a PASS/FAIL reporter.
 *
 * The IDT has all 256 vectors. Every handler records the vector, the error code (0 for vectors without one), the
 * faulting RIP and CR2, counts the exception, and resumes at the address in hidt_resume — the label right after the
 * instruction HIDT_TRY() ran — so a guest can check "#UD was injected" (or "nothing happened") and go on. An
 * exception outside HIDT_TRY() is unexpected: the guest prints it and exits with status 99.
 *
 * Exception frame on the (same, CPL 0) stack as hidt_common sees it, after its own push of RAX:
 *
 *     [rsp + 56] SS        [rsp + 24] RIP (rewritten to hidt_resume)
 *     [rsp + 48] RSP       [rsp + 16] error code (pushed by the CPU or by the stub)
 *     [rsp + 40] RFLAGS    [rsp +  8] vector (pushed by the stub)
 *     [rsp + 32] CS        [rsp +  0] saved RAX
 *
 * Output lines (judged by tests/scenarios_hostile.py):
 *     PASS <check>[: detail]      an expectation held
 *     FAIL <check>: detail        it did not
 *     try <attack>                the next line should be hvmm's "killed:" line for this guest
 *     NOT CONTAINED ...           a fatal attack went unpunished (check_killed fails on it)
 */
#ifndef HOSTILE_IDT_H
#define HOSTILE_IDT_H
#include "fmt.h"
#include "hvmm.h"

#define HIDT_NONE (-1L) /* hidt_vec when HIDT_TRY's code raised nothing */

volatile long hidt_vec, hidt_err, hidt_rip, hidt_cr2, hidt_count, hidt_resume;
static int hostile_fails;

/* 256 stubs of 16 bytes: push a zero error code unless the CPU pushes one (vectors 8, 10-14, 17, 21, 29, 30), push
 * the vector, jump to hidt_common. Software INT n to a vector with an error code would unbalance the frame: the
 * guests only use INT3 and INT 0x80. */
__asm__(".text\n"
	".balign 16\n"
	".globl hidt_stubs\n"
	"hidt_stubs:\n"
	".set hv, 0\n"
	".rept 256\n"
	"  .if (hv == 8) || ((hv >= 10) && (hv <= 14)) || (hv == 17) || (hv == 21) || (hv == 29) || (hv == 30)\n"
	"  .else\n"
	"  pushq $0\n"
	"  .endif\n"
	"  pushq $hv\n"
	"  jmp hidt_common\n"
	"  .balign 16, 0xcc\n"
	"  .set hv, hv + 1\n"
	".endr\n"
	"hidt_common:\n"
	"  push %rax\n"
	"  mov 8(%rsp), %rax\n"
	"  mov %rax, hidt_vec(%rip)\n"
	"  mov 16(%rsp), %rax\n"
	"  mov %rax, hidt_err(%rip)\n"
	"  mov 24(%rsp), %rax\n"
	"  mov %rax, hidt_rip(%rip)\n"
	"  mov %cr2, %rax\n"
	"  mov %rax, hidt_cr2(%rip)\n"
	"  incq hidt_count(%rip)\n"
	"  mov hidt_resume(%rip), %rax\n"
	"  test %rax, %rax\n"
	"  jz 1f\n"
	"  mov %rax, 24(%rsp)\n"
	"  andq $~0x100, 40(%rsp)\n" /* resume with RFLAGS.TF clear: a single-step check ends with its #DB */
	"  pop %rax\n"
	"  add $16, %rsp\n"
	"  iretq\n"
	"1: and $-16, %rsp\n"
	"  call hidt_unexpected\n"
	"  ud2\n");

void hidt_unexpected(void) __attribute__((noreturn, used));
void hidt_unexpected(void)
{
	gprintf("FAIL unexpected exception vector=%ld err=0x%lx rip=0x%lx cr2=0x%lx\n", hidt_vec, hidt_err, hidt_rip,
		hidt_cr2);
	hc_exit(99);
}

/*
 * Run the inline-asm string `code` (extended-asm syntax, so registers are written %%rax) with the operand lists
 * given after a comma: HIDT_TRY("rdmsr", : "=a"(lo), "=d"(hi) : "c"(msr) : "memory"). Evaluates to the vector the
 * code raised, or HIDT_NONE.
 */
#define HIDT_TRY(code, ...)                                                                                  \
	({                                                                                                   \
		hidt_vec = HIDT_NONE;                                                                        \
		__asm__ volatile("movq $.Lhidt_resume%=, hidt_resume(%%rip)\n\t" code "\n.Lhidt_resume%=:\n\t" \
				 "movq $0, hidt_resume(%%rip)" __VA_ARGS__);                                 \
		(long)hidt_vec;                                                                              \
	})

/* RDMSR of msr into *val (0 when it faults): the vector it raised (13: #GP) or HIDT_NONE. */
static inline long hidt_rdmsr(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	long v = HIDT_TRY("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = (uint64_t)hi << 32 | lo;
	return v;
}

/* WRMSR of val to msr: the vector it raised (13: #GP) or HIDT_NONE. */
static inline long hidt_wrmsr(uint32_t msr, uint64_t val)
{
	return HIDT_TRY("wrmsr", : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "memory");
}

static struct rt_idt_gate hidt_table[256] __attribute__((aligned(16)));

/* Fill the IDT (code selector 0x08 of hvmm's GDT) and load it. */
static inline void hidt_install(void)
{
	extern char hidt_stubs[];
	for (int i = 0; i < 256; i++)
		hidt_table[i] = rt_intr_gate(hidt_stubs + 16 * i);
	rt_lidt(hidt_table, sizeof(hidt_table));
}

static inline const char *hidt_name(long vec)
{
	static const char *const names[32] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
						"#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
						"#MF", "#AC", "#MC", "#XM", "#VE", "#CP" };
	if (vec == HIDT_NONE)
		return "none";
	if (vec >= 0 && vec < 32 && names[vec])
		return names[vec];
	return "vector>=22";
}

/* Print "PASS what" or "FAIL what: detail" for cond; count failures. */
static inline void hostile_check(int cond, const char *what, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void hostile_check(int cond, const char *what, const char *detail_fmt, ...)
{
	char detail[160];
	va_list ap;
	va_start(ap, detail_fmt);
	fmt_vsnprintf(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	if (!cond)
		hostile_fails++;
	gprintf("%s %s: %s\n", cond ? "PASS" : "FAIL", what, detail);
}

/* Check that HIDT_TRY's result got is vector want (HIDT_NONE: no exception). */
static inline void hostile_expect_vec(const char *what, long got, long want)
{
	hostile_check(got == want, what, "%s (expected %s)%s", hidt_name(got), hidt_name(want),
		      got == HIDT_NONE || got == want ? "" : " raised");
}

/* The guest's exit status: 0 when every check passed, else the number of failures. */
static inline int hostile_status(void)
{
	gprintf("hostile done fails=%d\n", hostile_fails);
	return hostile_fails;
}

/* Announce an attack that hvmm must answer by killing this guest. */
static inline void hostile_try(const char *attack)
{
	gprintf("try %s\n", attack);
}

#endif
