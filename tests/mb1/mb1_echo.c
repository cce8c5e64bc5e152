/* SPDX-License-Identifier: MIT */
/*
 * mb1_echo (multiboot v1 test kernel): reads lines from COM1's receiver and prints each back as
 * "mb1_echo: got '<line>' irqs=<n>" (bytes outside printable ASCII as \xHH). The receiver works as Linux's 8250 driver
 * uses it: FIFOs on with a 14-byte trigger (fewer bytes arrive as a character timeout, IIR 0Ch), the received-data
 * interrupt (IER bit 0, MCR.OUT2) on IRQ 4 through the 8259A, and the handler reads RBR while LSR.DR is set. The
 * kernel halts between interrupts, with no timer running: only input can wake it. "quit" ends it (status 0).
 */
#include "rt.h"

int mb1_main(uint32_t magic, void *info);

#define LINE_MAX 200
static char line[LINE_MAX];
static volatile uint32_t len, ready, irqs, timeouts;

static void com1_irq(struct frame *f)
{
	(void)f;
	uint8_t iir = inb(IIR);
	irqs++;
	timeouts += (iir & 0x0f) == 0x0c;
	while (inb(LSR) & 0x01) {
		char ch = (char)inb(RBR);
		if (ready)
			continue; /* the previous line is not printed yet */
		if (ch == '\r' || ch == '\n')
			ready = len > 0;
		else if (len < LINE_MAX - 1)
			line[len++] = ch;
	}
	pic_eoi(4);
}

int mb1_main(uint32_t magic, void *info)
{
	(void)magic;
	(void)info;
	rt_idt_init();
	pic_setup();
	rt_set_handler(PIC_VEC + 4, com1_irq);
	outb(LCR, 0x03);
	outb(FCR, 0xc7); /* FIFOs on and cleared, receive trigger 14 bytes */
	outb(MCR, 0x0b); /* DTR, RTS, OUT2 */
	outb(IER, 0x01); /* received data available */
	pic_unmask(4);
	rt_printf("mb1_echo: ready\n");
	for (;;) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		if (!ready)
			continue;
		char out[4 * LINE_MAX + 1];
		unsigned n = 0;
		for (unsigned i = 0; i < len; i++) {
			uint8_t c = (uint8_t)line[i];
			if (c >= 0x20 && c < 0x7f && c != '\\') {
				out[n++] = (char)c;
			} else {
				static const char hex[] = "0123456789abcdef";
				out[n++] = '\\';
				out[n++] = 'x';
				out[n++] = hex[c >> 4];
				out[n++] = hex[c & 15];
			}
		}
		out[n] = 0;
		line[len] = 0;
		rt_printf("mb1_echo: got '%s' irqs=%u timeouts=%u\n", out, irqs, timeouts);
		int quit = str_eq(line, "quit");
		len = 0;
		ready = 0;
		if (quit) {
			rt_printf("mb1_echo: bye\n");
			rt_exit(0);
		}
	}
}
