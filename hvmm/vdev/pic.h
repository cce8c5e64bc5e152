/* SPDX-License-Identifier: MIT */
/* pic.h — the virtual pair of 8259A PICs (master at 0x20, slave at 0xa0 on the master's IRQ 2) and the ELCR. */
#ifndef HVMM_VDEV_PIC_H
#define HVMM_VDEV_PIC_H
#include <stdint.h>

#include "hvmm/vdev/vdev.h"

/* One 8259A (Intel 8259A datasheet, 231468): registers as the datasheet names them. */
struct pic_chip {
	uint8_t irr, isr, imr; /* interrupt request, in-service, mask (OCW1) */
	uint8_t lines; /* current level of the 8 input lines (edge detection) */
	uint8_t elcr; /* edge/level control (PIIX ELCR): bit set = level triggered */
	uint8_t elcr_mask; /* ELCR bits that exist */
	uint8_t vector_base; /* ICW2 bits 7:3 */
	uint8_t init_step; /* 0 = initialised; 2, 3, 4 = the next ICW expected */
	uint8_t icw4_needed, single; /* ICW1 IC4 and SNGL */
	uint8_t auto_eoi; /* ICW4 AEOI */
	uint8_t rotate_on_aeoi; /* OCW2 R=1 SL=0 EOI=0 */
	uint8_t lowest; /* priority rotation: the line with the lowest priority (IRQ 7 after reset) */
	uint8_t read_isr; /* OCW3 RIS: reads of the command port return ISR, else IRR */
	uint8_t poll; /* OCW3 P: the next command-port read is a poll */
	uint8_t special_mask; /* OCW3 SMM */
};

struct vdev_pic {
	struct pic_chip chip[2]; /* master, slave */
};

/* Reset both chips (uninitialised: every line masked until ICW1..4, ELCR all edge) and claim ports 0x20-0x21,
 * 0xa0-0xa1, 0x4d0-0x4d1. Returns 0, or -1 if a port is taken. */
int pic_init(struct vdev_pic *pic, struct vdev_bus *bus);
/* Drive ISA line irq (0-15) to level (0/1): edge-triggered lines latch a request on the rising edge. */
void pic_set_irq(struct vdev_pic *pic, unsigned irq, int level);
/* Is the master's INTR output asserted (an unmasked request of higher priority than any in service)? */
int pic_intr(const struct vdev_pic *pic);
/* Can a request on line irq reach INTR: unmasked in its chip's IMR (and, on the slave, the master's cascade line)? */
int pic_unmasked(const struct vdev_pic *pic, unsigned irq);
/* The CPU's interrupt acknowledge: the vector of the highest-priority request, moved from IRR to ISR (unless AEOI);
 * with no request left, the spurious IRQ 7 (or 15) vector, as the 8259A does. */
uint8_t pic_ack(struct vdev_pic *pic);

#endif
