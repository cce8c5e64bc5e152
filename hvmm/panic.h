/* panic.h — stop hvmm on a broken invariant, printing what, where (RIP, CPU) and the registers. Never for guest faults. */
#ifndef HVMM_PANIC_H
#define HVMM_PANIC_H
#include "hvmm/desc.h"

/* Print "hvmm: PANIC: <reason>" with the caller's RIP and registers, then power off (exit port) or halt. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* As panic(), for an exception frame taken in hvmm: prints the frame's RIP, error code, CR2 and GPRs. */
void panic_frame(const struct trap_frame *f, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

#define ASSERT(cond)                                                                  \
	do {                                                                          \
		if (!(cond))                                                          \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
