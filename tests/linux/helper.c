/* SPDX-License-Identifier: MIT */
/*
 * hvmm-helper: a tiny static program for the Linux test initramfs (tests/linux/prepare.py), no libc.
 *   hvmm-helper tsc               print the TSC (RDTSC) in decimal and a newline
 *   hvmm-helper sleep SECONDS     sleep (nanosleep) and print "<TSC before> <TSC after>": the sleep measured in one
 *                                 process, without the fork and exec of two helper runs around `sleep`
 *   hvmm-helper spin SECONDS      keep the CPU busy (no system call but clock_gettime) for SECONDS of CLOCK_MONOTONIC
 *   hvmm-helper tick SECONDS      a timer-heavy load: sleep 1 ms (nanosleep) again and again for SECONDS of
 *                                 CLOCK_MONOTONIC; prints the number of sleeps
 *   hvmm-helper exit PORT VALUE   write the byte VALUE to I/O port PORT (ioperm, then OUT): with hvmm's debug-exit
 *                                 device at PORT the guest ends with status (VALUE << 1) | 1
 * Numbers are decimal or 0x-prefixed hexadecimal. Exit status 0, or 1 on bad arguments or a refused ioperm.
 */
#include <stdint.h>

#define SYS_write 1
#define SYS_ioperm 173
#define SYS_exit 60
#define SYS_nanosleep 35
#define SYS_clock_gettime 228
#define CLOCK_MONOTONIC 1

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static unsigned long parse(const char *s)
{
	unsigned long v = 0, base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	for (; *s; s++) {
		unsigned d = (*s >= '0' && *s <= '9') ? (unsigned)(*s - '0')
			     : (*s >= 'a' && *s <= 'f') ? (unsigned)(*s - 'a' + 10)
			     : (*s >= 'A' && *s <= 'F') ? (unsigned)(*s - 'A' + 10) : 99;
		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Write t in decimal to stdout, then the character end. */
static void put_u64(uint64_t t, char end)
{
	char buf[24];
	int i = sizeof(buf);
	buf[--i] = end;
	do
		buf[--i] = (char)('0' + t % 10);
	while ((t /= 10) != 0);
	sys3(SYS_write, 1, (long)(buf + i), (long)(sizeof(buf) - (unsigned)i));
}

static int run(int argc, char **argv)
{
	if (argc == 2 && streq(argv[1], "tsc")) {
		put_u64(rdtsc(), '\n');
		return 0;
	}
	if (argc == 3 && streq(argv[1], "sleep")) {
		struct { long sec, nsec; } ts = { (long)parse(argv[2]), 0 };
		uint64_t t0 = rdtsc();
		if (sys3(SYS_nanosleep, (long)&ts, 0, 0) != 0)
			return 1;
		uint64_t t1 = rdtsc();
		put_u64(t0, ' ');
		put_u64(t1, '\n');
		return 0;
	}
	if (argc == 3 && streq(argv[1], "spin")) {
		struct { long sec, nsec; } t0, t;
		long secs = (long)parse(argv[2]);
		sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t0, 0);
		do
			sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t, 0);
		while ((t.sec - t0.sec) * 1000000000l + (t.nsec - t0.nsec) < secs * 1000000000l);
		return 0;
	}
	if (argc == 3 && streq(argv[1], "tick")) {
		struct { long sec, nsec; } t0, t, ms = { 0, 1000000 };
		long secs = (long)parse(argv[2]);
		uint64_t n = 0;
		sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t0, 0);
		do {
			sys3(SYS_nanosleep, (long)&ms, 0, 0);
			n++;
			sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t, 0);
		} while ((t.sec - t0.sec) * 1000000000l + (t.nsec - t0.nsec) < secs * 1000000000l);
		put_u64(n, '\n');
		return 0;
	}
	if (argc == 4 && streq(argv[1], "exit")) {
		unsigned long port = parse(argv[2]), value = parse(argv[3]);
		if (port > 0xffff || sys3(SYS_ioperm, (long)port, 1, 1) != 0)
			return 1;
		__asm__ volatile("outb %b0, %w1" : : "a"((uint8_t)value), "Nd"((uint16_t)port));
		return 0;
	}
	return 1;
}

/* Entry: the stack holds argc, then argv[] (System V x86-64 ABI, process initialisation). */
__attribute__((used)) static void start_c(long *sp)
{
	sys3(SYS_exit, run((int)sp[0], (char **)(sp + 1)), 0, 0);
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall start_c\n\thlt\n");
