/* SPDX-License-Identifier: MIT */
/*
 * pit.c — the virtual 8254 programmable interval timer (Intel 8254 datasheet 231164) and PC port 0x61.
 * Control word (0x43): counter select, read/write mode (LSB, MSB, LSB then MSB), modes 0-5, BCD flag; counter latch
 * and read-back (count and status) commands. Channel 0 drives IRQ 0, channel 2's GATE and OUT are bits 0 and 5 of
 * port 0x61 (for TSC calibration), bit 4 is the refresh toggle (every 15 µs). Counting follows the guest TSC, so the
 * counters keep running while the guest is descheduled; rising edges of channel 0's OUT that happened meanwhile
 * are coalesced into one IRQ 0 request (docs/guest-abi.md, "Time"). Modes 1 and 5 are started by a rising GATE edge
 * (channel 2 only: the other gates are tied high). BCD counting is not modelled: counts are binary.
 */
#include "hvmm/vdev/pit.h"

#define REFRESH_TICKS 18 /* 15.085 µs in PIT ticks */
#define READBACK 3 /* control word bits 7:6 */
#define MIN_PERIOD VDEV_MIN_PERIOD_TICKS(PIT_HZ) /* 239 ticks: channel 0's shortest interrupt period */

/* Ticks between channel 0's interrupts in the periodic modes 2 and 3: the count, at least MIN_PERIOD. Only the
 * interrupts are slowed down; the counter, OUT and channel 2 (no interrupt) count as programmed. */
static uint64_t irq_period(const struct pit_channel *ch) { return ch->reload < MIN_PERIOD ? MIN_PERIOD : ch->reload; }

/* Ticks counted by ch at TSC now (0 when not counting). Modes 0 and 4 pause while GATE is low. */
static uint64_t ticks(const struct vdev_pit *pit, const struct pit_channel *ch, uint64_t now)
{
	if (!ch->armed)
		return 0;
	if (!ch->gate && (ch->mode == 0 || ch->mode == 4))
		return ch->frozen;
	return ch->frozen + (now > ch->start ? clock_ticks(&pit->clock, now - ch->start) : 0);
}

static int out(const struct pit_channel *ch, uint64_t t)
{
	uint64_t n = ch->reload;
	if (!ch->armed)
		return ch->mode != 0;
	switch (ch->mode) {
	case 0:
	case 1:
		return t >= n;
	case 2:
		return t % n != n - 1;
	case 3:
		return t % n < (n + 1) / 2;
	default: /* 4, 5: one low tick at terminal count */
		return t != n;
	}
}

/* Channel 0's interrupt requests (rising edges of OUT) in the first t ticks. */
static uint64_t edges(const struct pit_channel *ch, uint64_t t)
{
	if (!ch->armed)
		return 0;
	switch (ch->mode) {
	case 0:
	case 1:
		return t >= ch->reload;
	case 2:
	case 3:
		return t / irq_period(ch);
	default:
		return t >= ch->reload + 1;
	}
}

static uint16_t count(const struct pit_channel *ch, uint64_t t)
{
	uint64_t n = ch->reload;
	if (!ch->armed)
		return (uint16_t)n;
	switch (ch->mode) {
	case 2:
		return (uint16_t)(n - t % n);
	case 3: { /* decrements by two, through each half period */
		uint64_t phase = t % n, high = (n + 1) / 2;
		return (uint16_t)((n - 2 * (phase < high ? phase : phase - high)) & ~1ull);
	}
	default: /* 0, 1, 4, 5: wraps after terminal count */
		return (uint16_t)(n - t);
	}
}

static uint8_t status(const struct vdev_pit *pit, const struct pit_channel *ch, uint64_t now)
{
	return (uint8_t)(out(ch, ticks(pit, ch, now)) << 7 | ch->null_count << 6 | ch->rw << 4 | ch->mode << 1 |
			 ch->bcd);
}

static void start(struct pit_channel *ch, uint64_t now)
{
	ch->armed = 1;
	ch->start = now;
	ch->frozen = 0;
	ch->edges = 0;
	ch->null_count = 0;
}

static void set_gate(struct vdev_pit *pit, struct pit_channel *ch, int gate, uint64_t now)
{
	if (gate == ch->gate)
		return;
	if (!gate) { /* falling: 0 and 4 pause, 2 and 3 stop with OUT high */
		if (ch->mode == 0 || ch->mode == 4)
			ch->frozen = ticks(pit, ch, now);
		else if (ch->mode == 2 || ch->mode == 3)
			ch->armed = 0;
	} else if (ch->mode == 0 || ch->mode == 4) {
		ch->start = now; /* resume */
	} else if (ch->has_count) { /* rising: 1, 2, 3, 5 (re)load the count */
		start(ch, now);
	}
	ch->gate = (uint8_t)gate;
}

static void write_count(struct vdev_pit *pit, struct pit_channel *ch, uint8_t v, uint64_t now)
{
	uint32_t n;
	if (ch->rw == 3 && !ch->write_msb) {
		ch->written_lsb = v;
		ch->write_msb = 1;
		return;
	}
	n = ch->rw == 1 ? v : ch->rw == 2 ? (uint32_t)v << 8 : ch->written_lsb | (uint32_t)v << 8;
	ch->write_msb = 0;
	ch->reload = n ? n : 0x10000;
	if (ch->mode == 2 && ch->reload == 1)
		ch->reload = 2; /* a count of 1 is illegal in mode 2 */
	ch->null_count = 1;
	ch->has_count = 1;
	if (ch == &pit->ch[0] && (ch->mode == 2 || ch->mode == 3) && ch->reload < MIN_PERIOD)
		pit->clamped++;
	if (ch->mode == 1 || ch->mode == 5 || (!ch->gate && (ch->mode == 2 || ch->mode == 3)))
		return; /* waits for a GATE edge */
	start(ch, now);
}

static uint8_t read_count(struct vdev_pit *pit, struct pit_channel *ch, uint64_t now)
{
	if (ch->status_latched) {
		ch->status_latched = 0;
		return ch->status;
	}
	uint16_t v;
	int msb;
	if (ch->count_latched) {
		v = ch->latch;
		msb = ch->rw == 2 || (ch->rw == 3 && ch->count_latched == 1);
		ch->count_latched = ch->rw == 3 ? ch->count_latched - 1 : 0;
	} else {
		v = count(ch, ticks(pit, ch, now));
		msb = ch->rw == 2 || (ch->rw == 3 && ch->read_msb);
		if (ch->rw == 3)
			ch->read_msb ^= 1;
	}
	return (uint8_t)(msb ? v >> 8 : v);
}

static void latch(struct vdev_pit *pit, struct pit_channel *ch, uint64_t now)
{
	if (ch->count_latched)
		return; /* the first latch holds until it is read */
	ch->latch = count(ch, ticks(pit, ch, now));
	ch->count_latched = ch->rw == 3 ? 2 : 1;
}

static void write_control(struct vdev_pit *pit, uint8_t v, uint64_t now)
{
	unsigned sel = v >> 6;
	if (sel == READBACK) {
		for (unsigned i = 0; i < 3; i++) {
			struct pit_channel *ch = &pit->ch[i];
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				latch(pit, ch, now);
			if (!(v & 0x10) && !ch->status_latched) {
				ch->status = status(pit, ch, now);
				ch->status_latched = 1;
			}
		}
		return;
	}
	struct pit_channel *ch = &pit->ch[sel];
	unsigned rw = (v >> 4) & 3;
	if (rw == 0) {
		latch(pit, ch, now);
		return;
	}
	ch->rw = (uint8_t)rw;
	ch->mode = (v >> 1) & 7;
	if (ch->mode >= 6)
		ch->mode -= 4; /* 6 and 7 are 2 and 3 */
	ch->bcd = v & 1;
	ch->armed = ch->has_count = 0;
	ch->null_count = 1;
	ch->write_msb = ch->read_msb = 0;
	ch->count_latched = ch->status_latched = 0;
}

static void pit_port(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
		     uint32_t *value)
{
	(void)size;
	struct vdev_pit *pit = dev;
	uint64_t now = vdev_now(ctx);

	vdev_changed(ctx); /* its next edge may have moved */
	if (port == PIT_CONTROL) {
		if (dir == VDEV_OUT)
			write_control(pit, (uint8_t)*value, now);
		else
			*value = 0xff; /* the control word register cannot be read */
		return;
	}
	struct pit_channel *ch = &pit->ch[port - PIT_PORT];
	if (dir == VDEV_OUT)
		write_count(pit, ch, (uint8_t)*value, now);
	else
		*value = read_count(pit, ch, now);
	if (ch == &pit->ch[0])
		pit_update(pit, ctx, now);
}

static void port61(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
		   uint32_t *value)
{
	(void)port;
	(void)size;
	struct vdev_pit *pit = dev;
	struct pit_channel *ch2 = &pit->ch[2];
	uint64_t now = vdev_now(ctx);

	vdev_changed(ctx);
	if (dir == VDEV_OUT) {
		pit->port61 = (uint8_t)*value & (PORT61_GATE2 | PORT61_SPEAKER);
		set_gate(pit, ch2, pit->port61 & PORT61_GATE2, now);
		return;
	}
	uint64_t refresh = clock_ticks(&pit->clock, now) / REFRESH_TICKS;
	*value = pit->port61 | ((refresh & 1) ? PORT61_REFRESH : 0) |
		 (out(ch2, ticks(pit, ch2, now)) ? PORT61_OUT2 : 0);
}

void pit_update(struct vdev_pit *pit, struct vdev_ctx *ctx, uint64_t now)
{
	struct pit_channel *ch = &pit->ch[0];
	uint64_t e = edges(ch, ticks(pit, ch, now));
	if (e > ch->edges) { /* one request however many edges passed (coalesced) */
		vdev_irq_set(ctx, PIT_IRQ, 1);
		vdev_irq_set(ctx, PIT_IRQ, 0);
		ch->edges = e;
	}
}

uint64_t pit_deadline(const struct vdev_pit *pit)
{
	const struct pit_channel *ch = &pit->ch[0];
	uint64_t at; /* tick of the next rising edge */
	if (!ch->armed)
		return UINT64_MAX;
	switch (ch->mode) {
	case 2:
	case 3:
		at = (ch->edges + 1) * irq_period(ch);
		break;
	case 0:
	case 1:
		if (ch->edges)
			return UINT64_MAX;
		at = ch->reload;
		break;
	default:
		if (ch->edges)
			return UINT64_MAX;
		at = ch->reload + 1;
		break;
	}
	return ch->start + clock_cycles(&pit->clock, at - ch->frozen);
}

int pit_init(struct vdev_pit *pit, struct vdev_bus *bus, uint64_t tsc_khz)
{
	*pit = (struct vdev_pit){ 0 };
	clock_init(&pit->clock, PIT_HZ, tsc_khz);
	for (unsigned i = 0; i < 3; i++)
		pit->ch[i] = (struct pit_channel){ .gate = i != 2, .rw = 3, .reload = 0x10000, .null_count = 1 };
	if (vdev_port_register(bus, PIT_PORT, 4, 0, pit_port, pit) ||
	    vdev_port_register(bus, PORT61, 1, 0, port61, pit))
		return -1;
	return 0;
}
