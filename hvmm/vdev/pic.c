/* SPDX-License-Identifier: MIT */
/*
 * pic.c — the virtual 8259A pair (Intel 8259A datasheet 231468) and the PIIX edge/level control registers at
 * 0x4d0/0x4d1. Initialisation words ICW1-ICW4, OCW1 (mask), OCW2 (non-specific, specific and rotating EOI, set
 * priority, rotate in auto-EOI mode), OCW3 (IRR/ISR read select, poll, special mask); auto-EOI; fully nested priority
 * with rotation; the slave cascaded on the master's IRQ 2. The state after reset is what a PC BIOS leaves: vectors
 * 0x08 and 0x70, everything masked but the cascade line.
 */
#include "hvmm/vdev/pic.h"

#define PIC_MASTER 0x20
#define PIC_SLAVE 0xa0
#define ELCR_PORT 0x4d0
#define CASCADE_IRQ 2
#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_INIT 0x10
#define ICW4_AEOI 0x02
#define OCW3_SEL 0x08 /* bit 3 = 1, bit 4 = 0: OCW3; both 0: OCW2 */
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_P 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40

static void chip_reset(struct pic_chip *p, uint8_t vector_base, uint8_t imr)
{
	uint8_t elcr = p->elcr, mask = p->elcr_mask, lines = p->lines;
	*p = (struct pic_chip){ .imr = imr, .vector_base = vector_base, .lowest = 7 };
	p->elcr = elcr, p->elcr_mask = mask, p->lines = lines;
}

/* Priority of line n, 0 = highest, given the rotation (datasheet "Rotation"). */
static unsigned prio(const struct pic_chip *p, unsigned n) { return (n - p->lowest - 1) & 7; }

/* The highest-priority line set in bits, or -1. */
static int highest(const struct pic_chip *p, uint8_t bits)
{
	if (!bits)
		return -1; /* the common case: checked at every VMRUN of a guest with the virtual PC */
	int best = -1;
	for (unsigned n = 0; n < 8; n++)
		if ((bits & (1u << n)) && (best < 0 || prio(p, n) < prio(p, (unsigned)best)))
			best = (int)n;
	return best;
}

/* The line this chip signals on INTR, or -1. Fully nested mode: a request waits while a line of higher or equal
 * priority is in service. Special mask mode (OCW3 SMM): in-service lines block nothing but themselves. */
static int chip_pending(const struct pic_chip *p)
{
	if (p->special_mask)
		return highest(p, p->irr & ~p->imr & ~p->isr);
	int req = highest(p, p->irr & ~p->imr);
	int in = highest(p, p->isr);
	if (req < 0 || (in >= 0 && prio(p, (unsigned)in) <= prio(p, (unsigned)req)))
		return -1;
	return req;
}

/* Recompute the slave's INTR into the master's cascade line. */
static void cascade(struct vdev_pic *pic)
{
	struct pic_chip *m = &pic->chip[0];
	if (chip_pending(&pic->chip[1]) >= 0)
		m->irr |= 1u << CASCADE_IRQ;
	else
		m->irr &= ~(1u << CASCADE_IRQ);
}

void pic_set_irq(struct vdev_pic *pic, unsigned irq, int level)
{
	struct pic_chip *p = &pic->chip[irq >> 3 & 1];
	uint8_t bit = 1u << (irq & 7);

	if (p->elcr & bit) { /* level: the request follows the line */
		if (level)
			p->irr |= bit;
		else
			p->irr &= ~bit;
	} else if (level && !(p->lines & bit)) {
		p->irr |= bit; /* rising edge: latched until INTA (devices signal edges as short pulses) */
	}
	p->lines = level ? p->lines | bit : p->lines & ~bit;
	if (irq >= 8)
		cascade(pic);
}

int pic_intr(const struct vdev_pic *pic) { return chip_pending(&pic->chip[0]) >= 0; }

int pic_unmasked(const struct vdev_pic *pic, unsigned irq)
{
	if (irq >= 8 && (pic->chip[1].imr & (1u << (irq & 7))))
		return 0;
	return !(pic->chip[0].imr & (1u << (irq >= 8 ? CASCADE_IRQ : irq)));
}

/* INTA on one chip: move line n from IRR to ISR (edge requests are consumed; level ones stay while the line is
 * high), or just rotate in auto-EOI mode. */
static void chip_ack(struct pic_chip *p, unsigned n)
{
	uint8_t bit = 1u << n;
	if (!(p->elcr & bit))
		p->irr &= ~bit;
	if (p->auto_eoi) {
		if (p->rotate_on_aeoi)
			p->lowest = (uint8_t)n;
	} else {
		p->isr |= bit;
	}
}

uint8_t pic_ack(struct vdev_pic *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int n = chip_pending(m);
	if (n < 0)
		return m->vector_base | 7; /* spurious: no request by INTA time */
	if (n != CASCADE_IRQ || m->single) {
		chip_ack(m, (unsigned)n);
		return m->vector_base | (uint8_t)n;
	}
	int k = chip_pending(s);
	chip_ack(m, CASCADE_IRQ);
	if (k < 0) {
		cascade(pic);
		return s->vector_base | 7; /* the slave's request went away: its spurious IRQ 15 */
	}
	chip_ack(s, (unsigned)k);
	cascade(pic);
	return s->vector_base | (uint8_t)k;
}

/* Poll command (OCW3 P): 0x80 | line if a request is pending (acknowledged as by INTA), else 0. */
static uint8_t chip_poll(struct vdev_pic *pic, struct pic_chip *p)
{
	int n = chip_pending(p);
	if (n < 0)
		return 0;
	chip_ack(p, (unsigned)n);
	if (p == &pic->chip[1])
		cascade(pic);
	return 0x80 | (uint8_t)n;
}

static void eoi(struct pic_chip *p, int n, int rotate)
{
	if (n < 0)
		return;
	p->isr &= ~(1u << n);
	if (rotate)
		p->lowest = (uint8_t)n;
}

static void write_command(struct pic_chip *p, uint8_t v)
{
	if (v & ICW1_INIT) {
		chip_reset(p, p->vector_base, 0);
		p->init_step = 2;
		p->icw4_needed = v & ICW1_IC4;
		p->single = (v & ICW1_SNGL) != 0;
		return;
	}
	if (v & OCW3_SEL) {
		if (v & OCW3_P)
			p->poll = 1;
		if (v & OCW3_RR)
			p->read_isr = v & OCW3_RIS;
		if (v & OCW3_ESMM)
			p->special_mask = (v & OCW3_SMM) != 0;
		return;
	}
	unsigned level = v & 7;
	switch (v >> 5) { /* OCW2: R SL EOI */
	case 1: /* non-specific EOI */
		eoi(p, highest(p, p->isr), 0);
		break;
	case 3: /* specific EOI */
		eoi(p, (int)level, 0);
		break;
	case 5: /* rotate on non-specific EOI */
		eoi(p, highest(p, p->isr), 1);
		break;
	case 7: /* rotate on specific EOI */
		eoi(p, (int)level, 1);
		break;
	case 6: /* set priority: level becomes the lowest */
		p->lowest = (uint8_t)level;
		break;
	case 4: /* rotate in auto-EOI mode: set */
	case 0: /* ... clear */
		p->rotate_on_aeoi = (v >> 5) == 4;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_data(struct pic_chip *p, uint8_t v)
{
	switch (p->init_step) {
	case 2: /* ICW2: vector base */
		p->vector_base = v & 0xf8;
		p->init_step = p->single ? (p->icw4_needed ? 4 : 0) : 3;
		break;
	case 3: /* ICW3: cascade wiring, fixed on a PC */
		p->init_step = p->icw4_needed ? 4 : 0;
		break;
	case 4: /* ICW4: only AEOI matters here (8086 mode, buffering and SFNM are not modelled) */
		p->auto_eoi = (v & ICW4_AEOI) != 0;
		p->init_step = 0;
		break;
	default: /* OCW1 */
		p->imr = v;
		break;
	}
}

static void pic_port(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
		     uint32_t *value)
{
	(void)size;
	struct vdev_pic *pic = dev;
	struct pic_chip *p = &pic->chip[(port & 0x80) ? 1 : 0];
	vdev_changed(ctx); /* any access may change what is pending (a read in poll mode acknowledges) */

	if (dir == VDEV_IN) {
		if (p->poll) {
			p->poll = 0;
			*value = chip_poll(pic, p);
		} else if (port & 1) {
			*value = p->imr;
		} else {
			*value = p->read_isr ? p->isr : p->irr;
		}
	} else if (port & 1) {
		write_data(p, (uint8_t)*value);
	} else {
		write_command(p, (uint8_t)*value);
	}
	if (p == &pic->chip[1])
		cascade(pic);
}

static void elcr_port(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
		      uint32_t *value)
{
	(void)size;
	struct vdev_pic *pic = dev;
	struct pic_chip *p = &pic->chip[port - ELCR_PORT];
	vdev_changed(ctx);
	if (dir == VDEV_IN) {
		*value = p->elcr;
		return;
	}
	p->elcr = (uint8_t)*value & p->elcr_mask;
	p->irr = (p->irr & ~p->elcr) | (p->lines & p->elcr); /* level lines: request = line */
	cascade(pic);
}

int pic_init(struct vdev_pic *pic, struct vdev_bus *bus)
{
	*pic = (struct vdev_pic){ 0 };
	pic->chip[0].elcr_mask = 0xf8; /* IRQ 0, 1, 2 are always edge (PIIX) */
	pic->chip[1].elcr_mask = 0xde; /* IRQ 8 and 13 are always edge */
	chip_reset(&pic->chip[0], 0x08, (uint8_t)~(1u << CASCADE_IRQ));
	chip_reset(&pic->chip[1], 0x70, 0xff);
	if (vdev_port_register(bus, PIC_MASTER, 2, 0, pic_port, pic) ||
	    vdev_port_register(bus, PIC_SLAVE, 2, 0, pic_port, pic) ||
	    vdev_port_register(bus, ELCR_PORT, 2, 0, elcr_port, pic))
		return -1;
	return 0;
}
