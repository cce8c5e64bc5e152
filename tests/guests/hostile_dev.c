/* SPDX-License-Identifier: MIT */
/*
 * hostile_dev (test guest, run with platform=pc): abuses its own virtual devices (docs/security.md "The virtual PC")
 * and checks that hvmm neither crashes nor lets it starve the other guests:
 *   - interrupt storms: PIT channel 0 mode 2 with count 1, the RTC's fastest periodic rate, the local APIC timer
 *     periodic with count 1 and divide 1, self-IPIs on every vector 0-255 — all unmasked, with an IDT whose
 *     handlers just EOI — for storm_ms= milliseconds (default 300) or until 3000 interrupts were taken (then the
 *     handler turns every source off; hvmm clamps the timers' periods to 200 µs, so the guest still runs between
 *     interrupts);
 *   - nonsense register sequences: ICW words out of order and OCW2/OCW3 garbage to both PICs, every RTC index
 *     0x00-0x7F written with 0xFF (SET, DV = 111, garbage BCD) and read, fw_cfg selectors across 0x0000-0xFFFF read
 *     past their end, 4 KiB of UART output in loopback (overruns) and with DLAB set, every xAPIC offset read and
 *     written with 0xFFFFFFFF, every LVT with vector 0;
 *   - 8-, 16- and 32-bit IN/OUT on every device port.
 * Prints "PASS ..." lines for what must hold afterwards (the devices still answer sensibly: PIT counts, RTC time
 * valid after a reset of its registers, fw_cfg signature) and "hostile done fails=<n>".
 */
#include "hostile_idt.h"

#define APIC 0xfee00000ull

static volatile uint64_t irqs;

static inline void outb_(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t inb_(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline void outw_(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outl_(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint32_t inl_(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static volatile uint32_t *apic(uint32_t off) { return (volatile uint32_t *)(APIC + off); }

#define STORM_IRQS 3000 /* after this many interrupts the handler turns the storm off (it starves this guest) */

/* Called from the handler once STORM_IRQS interrupts were taken: every source off. */
void storm_off(void);
void storm_off(void)
{
	*apic(0x320) = 0x10000; /* APIC timer masked */
	*apic(0x380) = 0;
	outb_(0x43, 0x30); /* PIT channel 0: mode 0, no count */
	outb_(0x70, 0x0b), outb_(0x71, 0x02); /* RTC: no interrupts */
	outb_(0x21, 0xff), outb_(0xa1, 0xff);
}

/* Every vector: count, EOI both the APIC and the PICs, resume; past STORM_IRQS call storm_off (caller-saved
 * registers saved around the call). */
void storm_stub(void);
__asm__(".text\n.globl storm_stub\nstorm_stub:\n"
	"push %rax\nlock incq irqs(%rip)\ncmpq $" "3000" ", irqs(%rip)\njb 1f\n"
	"push %rcx\npush %rdx\npush %rsi\npush %rdi\npush %r8\npush %r9\npush %r10\npush %r11\n"
	"call storm_off\npop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\n"
	"1:\nmov $0xfee000b0, %eax\nmovl $0, (%rax)\nmov $0x20, %al\nout %al, $0xa0\n"
	"out %al, $0x20\npop %rax\niretq\n");
_Static_assert(STORM_IRQS == 3000, "storm_stub's limit");

static struct rt_idt_gate idt[256] __attribute__((aligned(16)));

static void storm_idt(void)
{
	for (unsigned v = 16; v < 256; v++) /* self-IPIs with vectors 16-31 are legal and delivered (0-15: ESR) */
		idt[v] = rt_intr_gate(storm_stub);
	rt_lidt(idt, sizeof(idt));
}

static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71,
				  0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x510, 0x511 };

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t storm_ms = rt_arg_u64(bi, "storm_ms", 300), khz = rt_tsc_khz(bi);

	/* Nonsense sequences first, interrupts off. */
	for (unsigned i = 0; i < 64; i++) {
		outb_(0x20, (uint8_t)(i * 37)), outb_(0x21, (uint8_t)(i * 91)), outb_(0xa0, (uint8_t)(i * 13));
		outb_(0xa1, (uint8_t)(i * 7)), (void)inb_(0x20), (void)inb_(0xa0);
	}
	for (unsigned r = 0; r < 128; r++) {
		outb_(0x70, (uint8_t)r);
		outb_(0x71, 0xff);
		(void)inb_(0x71);
	}
	for (uint32_t sel = 0; sel < 0x10000; sel += 0xfff) {
		outw_(0x510, (uint16_t)sel);
		for (int k = 0; k < 80; k++)
			(void)inb_(0x511);
	}
	outb_(0x3fc, 0x10); /* loopback: overruns */
	for (unsigned i = 0; i < 4096; i++)
		outb_(0x3f8, (uint8_t)i);
	outb_(0x3fb, 0x80); /* DLAB: bytes go to the divisor latch, not the console */
	for (unsigned i = 0; i < 256; i++)
		outb_(0x3f8, (uint8_t)i);
	outb_(0x3fb, 0x03);
	outb_(0x3fc, 0x03);
	for (uint32_t off = 0; off < 0x1000; off += 4) {
		uint32_t v = *apic(off);
		(void)v;
		if (off != 0x300 && off != 0x0f0) /* not an IPI to everything, not a disable */
			*apic(off) = 0xffffffffu;
	}
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		outl_(ports[i], 0xffffffffu);
		(void)inl_(ports[i]);
	}
	outb_(0x3fb, 0x03), outb_(0x3fc, 0x03); /* the sweep left DLAB and loopback set */
	outb_(0x3f8, '\n'); /* end the console line its bytes started */
	hostile_check(1, "register abuse done: hvmm and this guest still run", "%s", "-");

	/* Storms. */
	storm_idt();
	outb_(0x20, 0x11), outb_(0x21, 0x20), outb_(0x21, 0x04), outb_(0x21, 0x01), outb_(0x21, 0x00); /* all unmasked */
	outb_(0xa0, 0x11), outb_(0xa1, 0x28), outb_(0xa1, 0x02), outb_(0xa1, 0x01), outb_(0xa1, 0x00);
	outb_(0x43, 0x34), outb_(0x40, 1), outb_(0x40, 0); /* PIT mode 2, count 1 */
	outb_(0x70, 0x0a), outb_(0x71, 0x21); /* RTC: divider normal, rate 1 */
	outb_(0x70, 0x0b), outb_(0x71, 0x72); /* PIE, AIE, UIE, 24 h */
	*apic(0x0f0) = 0x1ff;
	*apic(0x080) = 0; /* the abuse left TPR at 0xFF (which rightly blocked everything) */
	*apic(0x350) = 0x700; /* LINT0: ExtINT, so the PICs' storm gets through too */
	*apic(0x3e0) = 0xb;
	*apic(0x320) = 0x20000 | 0x80; /* periodic, vector 0x80 */
	*apic(0x380) = 1;
	uint64_t end = rdtsc() + storm_ms * khz;
	unsigned v = 0;
	__asm__ volatile("sti");
	while (rdtsc() < end && irqs < STORM_IRQS) {
		*apic(0x300) = 0x40000 | (v++ & 0xff); /* self-IPI, every vector (0-15 are illegal: ESR) */
		outb_(0x70, 0x0c), (void)inb_(0x71); /* keep the RTC interrupting */
	}
	__asm__ volatile("cli");
	*apic(0x380) = 0;
	outb_(0x43, 0x30);
	outb_(0x70, 0x0b), outb_(0x71, 0x02);
	hostile_check(irqs > 100, "interrupt storm delivered and survived", "%llu interrupts", (unsigned long long)irqs);

	/* The devices still work. */
	outb_(0x70, 0x0a), outb_(0x71, 0x26);
	outb_(0x70, 0x0b), outb_(0x71, 0x82); /* SET */
	outb_(0x70, 0x00), outb_(0x71, 0x00), outb_(0x70, 0x02), outb_(0x71, 0x00), outb_(0x70, 0x04), outb_(0x71, 0x12);
	outb_(0x70, 0x07), outb_(0x71, 0x01), outb_(0x70, 0x08), outb_(0x71, 0x01), outb_(0x70, 0x09), outb_(0x71, 0x26);
	outb_(0x70, 0x32), outb_(0x71, 0x20);
	outb_(0x70, 0x0b), outb_(0x71, 0x02);
	outb_(0x70, 0x04);
	uint8_t hour = inb_(0x71);
	hostile_check(hour == 0x12, "RTC set again after the abuse reads back 12 h", "0x%x", hour);
	outb_(0x43, 0xb0), outb_(0x42, 0xff), outb_(0x42, 0xff);
	outb_(0x43, 0x80);
	uint8_t lo = inb_(0x42);
	uint16_t c = (uint16_t)(lo | inb_(0x42) << 8);
	hostile_check(c > 0, "PIT channel 2 counts after the abuse", "%u", c);
	outw_(0x510, 0);
	char sig[5] = { (char)inb_(0x511), (char)inb_(0x511), (char)inb_(0x511), (char)inb_(0x511), 0 };
	hostile_check(sig[0] == 'Q' && sig[3] == 'U', "fw_cfg signature after the abuse", "%s", sig);
	gprintf("hostile done fails=%d\n", hostile_fails);
	return hostile_fails;
}
