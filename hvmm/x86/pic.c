/* SPDX-License-Identifier: MIT */
/* pic.c — remap and mask the two 8259A PICs (Intel 8259A data sheet: ICW1-ICW4, OCW1). */
#include "hvmm/x86/pic.h"

#include "hvmm/core/arch.h"
#include "hvmm/x86/desc.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

void pic_disable(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 needed */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_PIC_BASE); /* ICW2: vector base */
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff); /* OCW1: mask all */
	outb(PIC2_DATA, 0xff);
}
