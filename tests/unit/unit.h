/* SPDX-License-Identifier: MIT */
/*
 * Minimal host unit-test harness for lib/. Protocol (one line per check, read by tests/run.py):
 *   PASS: <module>: <what>
 *   FAIL: <module>: <what> (<file>:<line>)
 *   <module>: N passed, N failed
 * Define UNIT_MODULE ("fmt", ...) before including this file; end main() with `return unit_done();`, which exits
 * non-zero when a check failed. With UNIT_FORCE_FAIL=1 in the environment, unit_done() records one deliberate
 * failure, so the runner's failure path can be exercised.
 */
#ifndef HVMM_TESTS_UNIT_H
#define HVMM_TESTS_UNIT_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef UNIT_MODULE
#error "define UNIT_MODULE before including unit.h"
#endif

static unsigned unit_passed, unit_failed;

/* Record one check: print its PASS or FAIL line; what is a printf format. Returns ok so callers can react. */
static int __attribute__((format(printf, 4, 5), unused)) unit_check(int ok, const char *file, int line,
								       const char *what, ...)
{
	va_list ap;

	printf("%s: %s: ", ok ? "PASS" : "FAIL", UNIT_MODULE);
	va_start(ap, what);
	vprintf(what, ap);
	va_end(ap);
	if (ok) {
		printf("\n");
		unit_passed++;
	} else {
		printf(" (%s:%d)\n", file, line);
		unit_failed++;
	}
	fflush(stdout);
	return ok;
}

/* CHECK(cond, "what %d", args...): one check; evaluates to cond's truth. */
#define CHECK(cond, ...) unit_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Little-endian stores into a byte buffer of any alignment (for building test images of hardware structures). */
static inline void st32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void st64(uint8_t *p, uint64_t v)
{
	st32(p, (uint32_t)v);
	st32(p + 4, (uint32_t)(v >> 32));
}

/* A deterministic xorshift64 step for randomised tests: advances *state (never 0) and returns it. */
static inline uint64_t unit_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Print the summary line; return the process exit status (0 only when nothing failed). */
static int __attribute__((unused)) unit_done(void)
{
	const char *force = getenv("UNIT_FORCE_FAIL");

	if (force && force[0] == '1')
		CHECK(0, "deliberate failure (UNIT_FORCE_FAIL=1)");
	printf("%s: %u passed, %u failed\n", UNIT_MODULE, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
