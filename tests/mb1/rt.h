/* SPDX-License-Identifier: MIT */
/*
 * rt.h — the runtime of the multiboot v1 test kernels (tests/mb1/): COM1 output, PASS:/FAIL: lines, port I/O, an IDT
 * with per-vector handlers, the 8259A set-up, TSC and PIT timing, and the isa-debug-exit port. The kernels run
 * unchanged under hvmm and under `qemu-system-x86_64 -kernel K -device isa-debug-exit,iobase=0xf4,iosize=4`.
 */
#ifndef MB1_RT_H
#define MB1_RT_H
#include <stdarg.h>
#include <stdint.h>

#define DEBUG_EXIT 0xf4

/* COM1's 16550A registers (TI 16550A datasheet SLLS177): the base and the register ports. */
#define COM1 0x3f8
#define RBR (COM1 + 0)
#define IER (COM1 + 1)
#define IIR (COM1 + 2)
#define FCR (COM1 + 2)
#define LCR (COM1 + 3)
#define MCR (COM1 + 4)
#define LSR (COM1 + 5)
#define MSR (COM1 + 6)
#define SCR (COM1 + 7)

struct frame { /* isr_common's stack: pusha, vector, error code, the CPU's frame */
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t vector, error, eip, cs, eflags;
};

struct mb1_info_raw;

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t)hi << 32 | lo; }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }

void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One check: "PASS: <what>" or "FAIL: <what> (<detail>)". Returns ok. */
int check(int ok, const char *what, const char *detail_fmt, ...) __attribute__((format(printf, 3, 4)));
/* "<name>: <n> passed, <n> failed", then the debug-exit port gets 0 (all passed) or 1: QEMU exits 1 or 3. */
void rt_exit(int status) __attribute__((noreturn));
int rt_done(const char *name);

/* Interrupt timestamps: rt_stamp() in a handler records the TSC (at most RT_STAMPS), rt_median_interval() gives the
 * median of the intervals between consecutive ones (0 with fewer than 3): a period that a few late or coalesced
 * interrupts (this kernel preempted) do not move. */
#define RT_STAMPS 64
void rt_stamps_reset(void);
void rt_stamp(void);
uint64_t rt_median_interval(void);
uint64_t rt_mean_interval(void); /* from the first stamp to the last: late ones move only the ends */

/* Handlers by vector (NULL: an unexpected vector is a FAIL and ends the kernel). */
typedef void irq_handler(struct frame *f);
void rt_set_handler(unsigned vector, irq_handler *h);
void rt_idt_init(void);
/* Initialise the 8259A pair: master vectors 0x20-0x27, slave 0x28-0x2f, everything masked. */
void pic_setup(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);
#define PIC_VEC 0x20

/* TSC cycles per millisecond, measured against PIT channel 2 (mode 0, gate through port 0x61). */
uint64_t tsc_per_ms(void);
/* Busy-wait ms milliseconds with the TSC (after tsc_per_ms). */
void delay_ms(uint32_t ms);
/* Wait with interrupts enabled until *flag becomes non-zero or ms pass (and at least 100 STI windows, so that a
 * kernel preempted for the whole time still opens some); returns whether it did. */
int wait_flag(volatile uint32_t *flag, uint32_t ms);

/* v / d (and v % d into *rem unless NULL) without libgcc. */
uint64_t udiv64(uint64_t v, uint32_t d, uint32_t *rem);
/* Skip the first word of a multiboot command line (the loader's file name). */
const char *cmdline_args(const char *cmdline);
/* key=value lookup in s: value copied into buf; 1 if found. */
int cmdline_get(const char *s, const char *key, char *buf, unsigned size);
uint32_t str_u32(const char *s);
int str_eq(const char *a, const char *b);

#endif
