/* SPDX-License-Identifier: MIT */
/* panic.h — stop hvmm on a broken invariant, printing what, where (RIP, CPU) and the registers. Never for guest faults. */
#ifndef HVMM_PANIC_H
#define HVMM_PANIC_H
#include <stdarg.h>

/* Print "hvmm: PANIC: <reason> (cpu <n>)" with the caller's RIP and control registers, then panic_stop(). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Disable interrupts, stop the other CPUs (the freeze hook), take the console over and print the "PANIC:" line.
 * The first CPU to panic reports; a panic while panicking, or on a second CPU at the same time, halts at once
 * without a line. For panic() and for handlers that print more after the line (x86/desc.c: an exception frame). */
void panic_header(const char *fmt, va_list ap);
/* Call freeze() first in a panic to stop every other CPU (main.c: x86/smp.c's NMI IPI); it must return once they
 * stopped, or after a timeout. */
void panic_set_freeze(void (*freeze)(void));
/* For the NMI handler: if another CPU panicked, count this CPU as stopped and halt it for good; else return. */
void panic_park(void);
/* CPUs that panic_park stopped so far. */
unsigned panic_parked(void);
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
