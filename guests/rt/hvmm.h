/* SPDX-License-Identifier: MIT */
/*
 * The guest runtime: hypercall wrappers (VMMCALL, include/hvmm/abi.h), console printing, TSC reads and
 * key=value lookup in the module command line. Every guest includes this and defines guest_main().
 */
#ifndef HVMM_GUEST_RT_H
#define HVMM_GUEST_RT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "hvmm/abi.h"

/* The guest's entry point, called by _start (start.S) with RDI = boot info; its return value is the exit status. */
int guest_main(const struct hvmm_bootinfo *bi);

/* One hypercall: RAX = nr, RDI/RSI/RDX = arguments; returns RAX. hvmm preserves every other register. */
static inline long hvmm_call3(long nr, long a0, long a1, long a2)
{
	long ret;
	__asm__ volatile(".byte 0x0f, 0x01, 0xd9" /* vmmcall */
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
			 : "memory");
	return ret;
}

/* Write len bytes to the console (line-buffered by hvmm); returns bytes consumed or a negative HVMM_E* error. */
static inline long hc_write(const void *buf, unsigned long len)
{
	return hvmm_call3(HVMM_HC_WRITE, (long)(uintptr_t)buf, (long)len, 0);
}

/* Give up the rest of this time slice. */
static inline long hc_yield(void)
{
	return hvmm_call3(HVMM_HC_YIELD, 0, 0, 0);
}

/* The null hypercall (latency measurement); returns 0. */
static inline long hc_nop(void)
{
	return hvmm_call3(HVMM_HC_NOP, 0, 0, 0);
}

/* TSC frequency in kHz as hvmm calibrated it. */
static inline long hc_tsc_khz(void)
{
	return hvmm_call3(HVMM_HC_TSC_KHZ, 0, 0, 0);
}

/* End this guest with status; never returns (halts forever should hvmm return). */
__attribute__((noreturn)) void hc_exit(int status);
/* Same, called by start.S with guest_main's return value. */
__attribute__((noreturn)) void rt_exit(int status);

/* Read the TSC, not ordered against surrounding loads and stores. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Read the TSC after all earlier instructions have completed (mfence; lfence; rdtsc; lfence). */
static inline uint64_t rdtsc_fenced(void)
{
	uint32_t lo, hi;
	__asm__ volatile("mfence; lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause");
}

/* A long-mode IDT gate (AMD APM Vol. 2 §4.8.4): 16 bytes. */
struct rt_idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type; /* type 0x8E: present, DPL 0, 64-bit interrupt gate */
	uint16_t off1;
	uint32_t off2, reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct rt_idt_gate) == 16, "long-mode IDT gate is 16 bytes");

/* An interrupt gate to handler in hvmm's guest code segment (HVMM_GUEST_CS), no IST. */
static inline struct rt_idt_gate rt_intr_gate(const void *handler)
{
	uint64_t a = (uint64_t)(uintptr_t)handler;
	return (struct rt_idt_gate){ (uint16_t)a, HVMM_GUEST_CS, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
}

/* Load the IDT at table, bytes long (LIDT). */
static inline void rt_lidt(const void *table, uint16_t bytes)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { (uint16_t)(bytes - 1), (uint64_t)(uintptr_t)table };
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

/* Format like printf into a 512-byte buffer and write it with hc_write (longer output is truncated).
 * Returns the number of bytes written or a negative HVMM_E* error. */
int gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int gvprintf(const char *fmt, va_list ap);
/* Write a NUL-terminated string as is. */
long gputs(const char *s);

/*
 * Find key=value in the boot info's command line (whitespace-separated tokens; a bare "key" has value "").
 * Copies the value into val[0..valsz) NUL-terminated (truncated if needed); returns 1 when found, 0 otherwise.
 */
int rt_arg_str(const struct hvmm_bootinfo *bi, const char *key, char *val, size_t valsz);
/* The value of key as an unsigned number (lib/cmdline.h parse_size: decimal or 0x-hex, optional K/M/G/T), or def when absent or
 * malformed. */
uint64_t rt_arg_u64(const struct hvmm_bootinfo *bi, const char *key, uint64_t def);
/* The value of key as a signed decimal (optional leading '-') or 0x-hex number, or def when absent or malformed. */
int64_t rt_arg_i64(const struct hvmm_bootinfo *bi, const char *key, int64_t def);

/* TSC kHz from the boot info, else from the TSC_KHZ hypercall (0 if neither knows). */
uint64_t rt_tsc_khz(const struct hvmm_bootinfo *bi);

#endif
