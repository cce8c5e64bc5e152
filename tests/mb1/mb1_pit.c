/* SPDX-License-Identifier: MIT */
/*
 * mb1_pit (multiboot v1 test kernel): the 8254 at 0x40-0x43 and port 0x61 (Intel 8254 datasheet): channel 2 in
 * mode 0 through its gate (TSC calibration), counter latch (a second latch does not override the first), read-back
 * of status and count, LSB-only access, modes 2 and 3 counting and OUT2, the refresh toggle and the writable bits of
 * port 0x61; channel 0 on IRQ 0: periodic interrupts in modes 2 and 3 at the programmed rate or below (coalesced),
 * exactly one in modes 0 and 4.
 */
#include "rt.h"

int mb1_main(uint32_t magic, void *info);

static volatile uint32_t ticks;

static void pit_irq(struct frame *f)
{
	(void)f;
	ticks++;
	rt_stamp();
	pic_eoi(0);
}

static uint16_t latch_read(unsigned ch)
{
	outb(0x43, (uint8_t)(ch << 6));
	uint8_t lo = inb((uint16_t)(0x40 + ch));
	return (uint16_t)(lo | inb((uint16_t)(0x40 + ch)) << 8);
}

static void program(unsigned ch, unsigned mode, uint16_t count)
{
	outb(0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
	outb((uint16_t)(0x40 + ch), (uint8_t)count);
	outb((uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
}

/* IRQ 0s while waiting ms milliseconds with interrupts on. */
static uint32_t count_irqs(uint32_t ms)
{
	ticks = 0;
	rt_stamps_reset();
	uint64_t end = rdtsc() + tsc_per_ms() * ms;
	for (unsigned i = 0; rdtsc() < end || i < 100; i++) {
		sti();
		__asm__ volatile("nop");
		cli();
	}
	return ticks;
}

/* Channel 0 in mode 0 or 4 with a 1 ms count: IRQ 0s taken until 50 ms after the first (which may take a while to
 * come when this kernel is preempted). Any request still latched from earlier is taken off the PIC first. */
static uint32_t one_shot(unsigned mode)
{
	program(0, 0, 0xffff); /* quiet for 55 ms */
	pic_unmask(0); /* (interrupts are off) */
	outb(0x20, 0x0c); /* OCW3 poll: acknowledges a request latched from earlier modes, if any ... */
	if (inb(0x20) & 0x80)
		outb(0x20, 0x60); /* ... which a specific EOI then ends */
	ticks = 0;
	program(0, mode, 1193);
	pic_unmask(0);
	uint64_t end = rdtsc() + tsc_per_ms() * 5000;
	while (!ticks && rdtsc() < end) {
		sti();
		__asm__ volatile("nop");
		cli();
	}
	uint32_t first = ticks;
	count_irqs(50);
	return first + ticks;
}

int mb1_main(uint32_t magic, void *info)
{
	(void)magic;
	(void)info;
	rt_printf("mb1_pit: start\n");
	uint64_t ms = tsc_per_ms();
	check(ms > 1000 && (inb(0x61) & 0x20), "channel 2 mode 0: OUT2 rises after the count (TSC calibrated)",
	      "tsc/ms=%llu port61=0x%x", ms, inb(0x61));

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	program(2, 0, 0xffff);
	check(!(inb(0x61) & 0x20), "mode 0: OUT2 low while counting", "0x%x", inb(0x61));
	/* Timing-sensitive pairs of reads are retried when they took too long (the kernel was preempted). */
	uint16_t first = 0, second = 0, third = 0;
	for (int tries = 0; tries < 20; tries++) {
		program(2, 0, 0xffff);
		uint64_t t0 = rdtsc();
		outb(0x43, 0x80); /* latch channel 2 */
		delay_ms(2);
		outb(0x43, 0x80); /* ignored: the first latch is still unread */
		uint8_t lo = inb(0x42);
		first = (uint16_t)(lo | inb(0x42) << 8);
		second = latch_read(2);
		delay_ms(1);
		third = latch_read(2);
		if (rdtsc() - t0 < ms * 6) /* about 3 ms when not preempted */
			break;
	}
	check(first > second && first - second > 1000, "a second latch before the read does not override the first",
	      "first=%u second=%u", first, second);
	check(third < second, "mode 0 counts down", "%u then %u", second, third);

	program(2, 0, 0xffff);
	outb(0x43, 0xe8); /* read-back: status of channel 2 */
	uint8_t st = inb(0x42), lo;
	check((st & 0x3f) == 0x30 && !(st & 0x80), "read-back status: rw=3, mode 0, binary, OUT low", "0x%x", st);
	outb(0x43, 0xc8); /* read-back: status and count */
	st = inb(0x42);
	lo = inb(0x42);
	uint16_t rb = (uint16_t)(lo | inb(0x42) << 8);
	check((st & 0x3f) == 0x30 && rb > 0, "read-back status then count", "st=0x%x count=%u", st, rb);

	outb(0x43, 0xa0); /* channel 2, MSB only, mode 0: count 0x8000 (27 ms) */
	outb(0x42, 0x80);
	uint8_t m1 = inb(0x42), m2 = inb(0x42);
	check(m1 <= 0x80 && m1 >= 0x40 && m2 <= m1, "MSB-only access: each read is the count's high byte", "%u %u", m1,
	      m2);

	program(2, 2, 1000);
	int in_range = 1;
	for (int i = 0; i < 50; i++) {
		uint16_t v = latch_read(2);
		in_range &= v >= 1 && v <= 1000;
	}
	outb(0x43, 0xe8);
	st = inb(0x42);
	check(in_range && (st & 0x0e) == 0x04, "mode 2: the count stays in 1..1000, status says mode 2", "st=0x%x", st);

	program(2, 3, 2000);
	int seen0 = 0, seen1 = 0, even = 1;
	uint64_t end = rdtsc() + ms * 200;
	while (!(seen0 && seen1) && rdtsc() < end) {
		uint8_t p = inb(0x61);
		seen0 |= !(p & 0x20);
		seen1 |= (p & 0x20) != 0;
		even &= !(latch_read(2) & 1);
	}
	check(seen0 && seen1 && even, "mode 3: OUT2 is a square wave, the count is even", "low=%d high=%d even=%d",
	      seen0, seen1, even);

	int r0 = 0, r1 = 0;
	for (int i = 0; i < 100000 && !(r0 && r1); i++) {
		uint8_t p = inb(0x61);
		r0 |= !(p & 0x10);
		r1 |= (p & 0x10) != 0;
	}
	check(r0 && r1, "port 0x61 bit 4 (refresh) toggles", "");
	outb(0x61, (inb(0x61) & ~0x03) | 0x02);
	uint8_t p61 = inb(0x61);
	outb(0x61, (inb(0x61) & ~0x03) | 0x01);
	check((p61 & 0x03) == 0x02, "port 0x61 bits 0-1 (gate, speaker) read back", "0x%x", p61);

	rt_idt_init();
	pic_setup();
	rt_set_handler(PIC_VEC + 0, pit_irq);
	pic_unmask(0);
	/* 11932 counts of the 1.193182 MHz input (8254 datasheet; the PC's PIT clock) = 10.000 ms. The mean interval
	 * from the first to the last interrupt against the TSC within 5 %: the TSC was calibrated against channel 2
	 * over 10 ms (rt.c); an interrupt delivered late while this kernel was preempted moves only the ends. */
	static const unsigned modes[2] = { 2, 3 };
	for (unsigned m = 0; m < 2; m++) {
		program(0, modes[m], 11932);
		uint32_t n = count_irqs(300);
		uint64_t med = rt_mean_interval(), want = tsc_per_ms() * 10;
		rt_printf("pit period mode %u: mean=%llu cycles over %u interrupts\n", modes[m],
			  (unsigned long long)med, n);
		check(n >= 3 && n <= 32, "channel 0 at 100 Hz: 3 to 32 IRQ 0s in 300 ms (no storm)", "mode %u: %u",
		      modes[m], n);
		check(med * 100 >= want * 95 && med * 100 <= want * 105,
		      "channel 0 at 100 Hz: the mean interval is 10 ms of the TSC within 5 %",
		      "mode %u: %llu cycles, want %llu", modes[m], (unsigned long long)med, (unsigned long long)want);
	}
	uint32_t n;
	n = one_shot(0);
	check(n == 1, "mode 0 on channel 0: exactly one IRQ 0", "%u interrupts", n);
	n = one_shot(4);
	check(n == 1, "mode 4 on channel 0: exactly one IRQ 0", "%u interrupts", n);
	outb(0x43, 0x30); /* stop channel 0 (mode 0, no count) */
	pic_mask(0);
	return rt_done("mb1_pit");
}
