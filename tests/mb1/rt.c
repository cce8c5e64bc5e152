/* SPDX-License-Identifier: MIT */
/* rt.c — runtime of the multiboot v1 test kernels: COM1 output, formatted print, checks, IDT, PIC, timing (rt.h). */
#include "rt.h"

#define LSR_THRE 0x20

static unsigned passed, failed;
static uint64_t tsc_ms;

static void putc_serial(char c)
{
	if (c == '\n')
		putc_serial('\r');
	for (unsigned spin = 0; spin < 100000 && !(inb(LSR) & LSR_THRE); spin++)
		;
	outb(COM1, (uint8_t)c) /* THR */;
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

uint64_t udiv64(uint64_t v, uint32_t d, uint32_t *rem)
{
	uint64_t q = 0, r = 0; /* shift-and-subtract: there is no libgcc for __udivdi3 */
	for (int bit = 63; bit >= 0; bit--) {
		r = (r << 1) | ((v >> bit) & 1);
		q <<= 1;
		if (r >= d) {
			r -= d;
			q |= 1;
		}
	}
	if (rem)
		*rem = (uint32_t)r;
	return q;
}

static void put_num(uint64_t v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		uint32_t d;
		v = udiv64(v, base, &d);
		buf[n++] = "0123456789abcdef"[d];
	} while (v);
	while (n < width)
		buf[n++] = pad;
	while (n)
		putc_serial(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_serial(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, ll = 0;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			ll++, fmt++;
		switch (*fmt) {
		case 'u':
		case 'x': {
			uint64_t v = ll >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
			put_num(v, *fmt == 'x' ? 16 : 10, width, pad);
			break;
		}
		case 'd': {
			int32_t v = va_arg(ap, int32_t);
			if (v < 0)
				putc_serial('-'), v = -v;
			put_num((uint32_t)v, 10, width, pad);
			break;
		}
		case 's':
			puts_serial(va_arg(ap, const char *));
			break;
		case 'c':
			putc_serial((char)va_arg(ap, int));
			break;
		default:
			putc_serial(*fmt);
			break;
		}
	}
}

void rt_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

int check(int ok, const char *what, const char *detail_fmt, ...)
{
	va_list ap;
	rt_printf("%s: %s", ok ? "PASS" : "FAIL", what);
	if (!ok && detail_fmt && *detail_fmt) {
		rt_printf(" (");
		va_start(ap, detail_fmt);
		vprint(detail_fmt, ap);
		va_end(ap);
		rt_printf(")");
	}
	rt_printf("\n");
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

void rt_exit(int status)
{
	outl(DEBUG_EXIT, (uint32_t)status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

int rt_done(const char *name)
{
	rt_printf("%s: %u passed, %u failed\n", name, passed, failed);
	return failed ? 1 : 0;
}

/* ---- IDT ---- */

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 8, "32-bit IDT gate");

extern char isr_stubs[];
static struct idt_gate idt[256];
static irq_handler *handlers[256];

void rt_set_handler(unsigned vector, irq_handler *h) { handlers[vector] = h; }

void rt_interrupt(struct frame *f);
void rt_interrupt(struct frame *f)
{
	if (handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	check(0, "no unexpected interrupt or exception", "vector=%u error=0x%x eip=0x%x", f->vector, f->error, f->eip);
	rt_exit(rt_done("unexpected"));
}

void rt_idt_init(void)
{
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (unsigned i = 0; i < 256; i++) {
		uint32_t a = (uint32_t)(uintptr_t)(isr_stubs + 16 * i);
		idt[i] = (struct idt_gate){ (uint16_t)a, cs, 0, 0x8e, (uint16_t)(a >> 16) }; /* 32-bit interrupt gate */
	}
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* ---- 8259A ---- */

void pic_setup(void)
{
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, PIC_VEC); /* ICW2 */
	outb(0xa1, PIC_VEC + 8);
	outb(0x21, 0x04); /* ICW3: slave on IRQ 2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xfb); /* everything masked but the cascade */
	outb(0xa1, 0xff);
}

void pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? 0x21 : 0xa1;
	outb(port, inb(port) & ~(1u << (irq & 7)));
}

void pic_mask(unsigned irq)
{
	uint16_t port = irq < 8 ? 0x21 : 0xa1;
	outb(port, inb(port) | (1u << (irq & 7)));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(0xa0, 0x20);
	outb(0x20, 0x20);
}

/* ---- time ---- */

uint64_t tsc_per_ms(void)
{
	if (tsc_ms)
		return tsc_ms;
	/* PIT channel 2, mode 0, count 11932 (10 ms): OUT2 (port 0x61 bit 5) rises at terminal count. The shortest of
	 * five runs: a run the kernel was preempted in (under a hypervisor) only comes out longer. */
	uint64_t best = ~0ull;
	for (int run = 0; run < 5; run++) {
		outb(0x61, (inb(0x61) & ~0x02) | 0x01);
		outb(0x43, 0xb0);
		outb(0x42, 11932 & 0xff);
		outb(0x42, 11932 >> 8);
		uint64_t t0 = rdtsc();
		for (uint32_t spin = 0; spin < 100000000u && !(inb(0x61) & 0x20); spin++)
			;
		uint64_t t = rdtsc() - t0;
		best = t < best ? t : best;
	}
	tsc_ms = udiv64(best, 10, 0);
	if (!tsc_ms)
		tsc_ms = 1;
	return tsc_ms;
}

void delay_ms(uint32_t ms)
{
	uint64_t end = rdtsc() + tsc_per_ms() * ms;
	while (rdtsc() < end)
		;
}

int wait_flag(volatile uint32_t *flag, uint32_t ms)
{
	uint64_t end = rdtsc() + tsc_per_ms() * ms;
	for (unsigned i = 0; !*flag && (rdtsc() < end || i < 100); i++) { /* at least 100 windows: preemption */
		sti();
		__asm__ volatile("nop");
		cli();
	}
	return *flag != 0;
}

/* ---- strings ---- */

const char *cmdline_args(const char *s)
{
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

int cmdline_get(const char *s, const char *key, char *buf, unsigned size)
{
	while (*s) {
		while (*s == ' ')
			s++;
		const char *k = key, *w = s;
		while (*k && *w == *k)
			k++, w++;
		if (!*k && *w == '=') {
			unsigned n = 0;
			for (w++; *w && *w != ' ' && n + 1 < size; w++)
				buf[n++] = *w;
			buf[n] = 0;
			return 1;
		}
		while (*s && *s != ' ')
			s++;
	}
	return 0;
}

uint32_t str_u32(const char *s)
{
	uint32_t v = 0, base = 10;
	if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	for (; *s; s++) {
		unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0') : *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) : 99;
		if (d >= base)
			break;
		v = v * base + d;
	}
	return v;
}

int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static uint64_t stamps[RT_STAMPS];
static volatile unsigned nstamps;

void rt_stamps_reset(void)
{
	nstamps = 0;
}

void rt_stamp(void)
{
	if (nstamps < RT_STAMPS)
		stamps[nstamps++] = rdtsc();
}

uint64_t rt_median_interval(void)
{
	uint64_t d[RT_STAMPS];
	unsigned n = nstamps;
	if (n < 3)
		return 0;
	for (unsigned i = 0; i + 1 < n; i++)
		d[i] = stamps[i + 1] - stamps[i];
	for (unsigned i = 1; i + 1 < n; i++) /* insertion sort: at most 63 values */
		for (unsigned k = i; k > 0 && d[k - 1] > d[k]; k--) {
			uint64_t t = d[k];
			d[k] = d[k - 1];
			d[k - 1] = t;
		}
	return d[(n - 1) / 2];
}

uint64_t rt_mean_interval(void)
{
	unsigned n = nstamps;
	return n < 3 ? 0 : udiv64(stamps[n - 1] - stamps[0], n - 1, 0);
}
