/* panic.h — stop hvmm on a broken invariant, printing what, where (RIP, CPU) and the registers. Never for guest faults. */
#ifndef HVMM_PANIC_H
#define HVMM_PANIC_H
#include <stdarg.h>

/* Print "hvmm: PANIC: <reason> (cpu <n>)" with the caller's RIP and control registers, then panic_stop(). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Disable interrupts and print the "PANIC:" line; a panic while panicking halts at once. For panic() and for
 * handlers that print more after the line (x86/desc.c prints an exception frame). */
void panic_header(const char *fmt, va_list ap);
/* End a panic: the stop hook (panic_set_stop; main.c powers off with the panic status), else halt forever. */
void panic_stop(void) __attribute__((noreturn));
/* Call stop() to end a panic; it must not return (if it does, hvmm halts). */
void panic_set_stop(void (*stop)(void));

#define ASSERT(cond)                                                                  \
	do {                                                                          \
		if (!(cond))                                                          \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
