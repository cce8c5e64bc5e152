/* SPDX-License-Identifier: MIT */
/*
 * mb1_uart (multiboot v1 test kernel): the 16550A at 0x3f8 register by register (TI 16550A datasheet): scratch, LCR
 * and the divisor latch, IER, IIR and FCR (FIFO bits, THRE pending and its clearing), LSR, MCR, MSR (idle and
 * loopback), loopback transmission into the 16-byte receive FIFO with overrun, and the THR-empty interrupt on IRQ 4
 * through the 8259A (with MCR.OUT2). It prints through the same UART, so IER stays 0 while it prints.
 */
#include "rt.h"

int mb1_main(uint32_t magic, void *info);

static volatile uint32_t irqs, last_iir;

static void com1_irq(struct frame *f)
{
	(void)f;
	last_iir = inb(IIR);
	irqs++;
	pic_eoi(4);
}

static uint8_t lsr_idle(void)
{
	uint8_t v = 0;
	for (int i = 0; i < 100000 && ((v = inb(LSR)) & 0x60) != 0x60; i++)
		;
	return v;
}

int mb1_main(uint32_t magic, void *info)
{
	(void)magic;
	(void)info;
	rt_printf("mb1_uart: start\n");
	outb(IER, 0);
	outb(LCR, 0x03);
	outb(FCR, 0x00);
	outb(MCR, 0x03);

	outb(SCR, 0x55);
	uint8_t a = inb(SCR);
	outb(SCR, 0xaa);
	uint8_t b = inb(SCR);
	check(a == 0x55 && b == 0xaa, "SCR holds what was written", "0x%x 0x%x", a, b);

	check(inb(LCR) == 0x03, "LCR reads back 8N1 (0x03)", "0x%x", inb(LCR));
	outb(LCR, 0x83);
	outb(RBR, 0x0c); /* DLL: 9600 baud */
	outb(IER, 0x00); /* DLM */
	uint8_t dll = inb(RBR), dlm = inb(IER);
	outb(RBR, 0x01); /* back to 115200 */
	outb(LCR, 0x03);
	check(dll == 0x0c && dlm == 0x00, "DLAB = 1: DLL/DLM read back", "dll=0x%x dlm=0x%x", dll, dlm);
	check(inb(IER) == 0x00, "DLAB = 0: IER is IER again", "0x%x", inb(IER));
	outb(IER, 0x0f);
	uint8_t ier = inb(IER);
	outb(IER, 0x00);
	check(ier == 0x0f, "IER keeps bits 3:0", "0x%x", ier);

	check(inb(IIR) == 0x01, "IIR: no interrupt pending, FIFOs off (0x01)", "0x%x", inb(IIR));
	outb(FCR, 0x07);
	uint8_t iir = inb(IIR);
	check((iir & 0xcf) == 0xc1, "FCR enables the FIFOs: IIR bits 7:6 set", "0x%x", iir);
	check((lsr_idle() & 0x61) == 0x60, "LSR: THRE and TEMT set, no data", "0x%x", inb(LSR));
	check((inb(MSR) & 0xf0) == 0xb0, "MSR: DCD, DSR and CTS asserted outside loopback", "0x%x", inb(MSR));

	/* Loopback: MCR outputs appear on MSR, transmitted bytes come back in RBR. Output would loop back too, so the
	 * values are checked after loopback ends. */
	outb(MCR, 0x10);
	uint8_t msr0 = inb(MSR);
	outb(MCR, 0x13);
	uint8_t msr1 = inb(MSR);
	outb(MCR, 0x1c);
	uint8_t msr2 = inb(MSR), mcr = inb(MCR);
	outb(FCR, 0x07);
	outb(RBR, 'h');
	uint8_t lsr = inb(LSR);
	uint8_t ch = inb(RBR);
	uint8_t lsr_after = inb(LSR);
	for (unsigned i = 0; i < 16; i++)
		outb(RBR, (uint8_t)('a' + i));
	uint8_t lsr16 = inb(LSR);
	int order = 1;
	for (unsigned i = 0; i < 16; i++)
		order &= inb(RBR) == 'a' + i;
	for (unsigned i = 0; i < 17; i++)
		outb(RBR, (uint8_t)i);
	uint8_t lsr17 = inb(LSR);
	uint8_t lsr17b = inb(LSR);
	outb(FCR, 0x07); /* clear the FIFO */
	uint8_t lsr_clear = inb(LSR);
	outb(MCR, 0x03);
	check((msr0 & 0xf0) == 0x00, "loopback, outputs off: MSR status bits 0", "0x%x", msr0);
	check((msr1 & 0xf0) == 0x30, "loopback DTR|RTS: MSR DSR|CTS", "0x%x", msr1);
	check((msr2 & 0xf0) == 0xc0, "loopback OUT1|OUT2: MSR RI|DCD", "0x%x", msr2);
	check(mcr == 0x1c, "MCR reads back", "0x%x", mcr);
	check((lsr & 0x01) && ch == 'h', "loopback: the byte comes back, LSR.DR was set", "lsr=0x%x rbr=0x%x", lsr, ch);
	check(!(lsr_after & 0x01), "LSR.DR clear once RBR is read", "0x%x", lsr_after);
	check(order && !(lsr16 & 0x02), "16-byte receive FIFO keeps order, no overrun", "lsr=0x%x", lsr16);
	check((lsr17 & 0x02) && !(lsr17b & 0x02), "17th byte: LSR.OE set, cleared by reading LSR", "0x%x 0x%x", lsr17,
	      lsr17b);
	check(!(lsr_clear & 0x01), "FCR bit 1 clears the receive FIFO", "0x%x", lsr_clear);

	/* THRE interrupt: pending when enabled with THR empty, cleared by reading IIR. */
	outb(FCR, 0x00);
	outb(IER, 0x02);
	uint8_t i1 = inb(IIR), i2 = inb(IIR);
	outb(IER, 0x00);
	check(i1 == 0x02 && i2 == 0x01, "IER.ETBEI with THR empty: IIR 0x02, read clears it", "0x%x 0x%x", i1, i2);

	/* ... and on IRQ 4 through the 8259A, with MCR.OUT2. */
	rt_idt_init();
	pic_setup();
	rt_set_handler(PIC_VEC + 4, com1_irq);
	pic_unmask(4);
	outb(MCR, 0x0b);
	outb(IER, 0x02);
	int got = wait_flag(&irqs, 5000);
	uint32_t iir_seen = last_iir;
	outb(IER, 0x00);
	check(got && (iir_seen & 0x0f) == 0x02, "THRE interrupt arrives on IRQ 4 (vector 0x24)", "irqs=%u iir=0x%x",
	      irqs, iir_seen);
	irqs = 0;
	outb(IER, 0x02);
	wait_flag(&irqs, 5000);
	irqs = 0;
	outb(RBR, '\r'); /* THR empties again at once: another interrupt */
	got = wait_flag(&irqs, 5000);
	outb(IER, 0x00);
	check(got, "a THR write raises THRE (IRQ 4) again", "irqs=%u", irqs);
	pic_mask(4);
	return rt_done("mb1_uart");
}
