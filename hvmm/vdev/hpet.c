/* SPDX-License-Identifier: MIT */
/*
 * hpet.c — a virtual HPET (IA-PC HPET Specification 1.0a §2.3): GCAP_ID (000h), GEN_CONF (010h), GINTR_STA (020h),
 * MAIN_COUNTER_VAL (0F0h) and per timer Tn_CONF_CAP (100h + 20h·n) and Tn_COMPARATOR_VAL (108h + 20h·n), 32- or
 * 64-bit accesses. The main counter runs at 100 MHz on the guest TSC while ENABLE_CNF is set and may be written
 * while it is clear. A comparator matches when the counter (its low 32 bits in 32-bit mode) reaches it; a match
 * missed while the guest was not running is signalled once (coalesced). Periodic mode adds the period at each
 * match: the first write of the comparator with Tn_VAL_SET_CNF sets the comparator, other writes set the period
 * (§2.3.9.2.2), at least VDEV_MIN_PERIOD_US. Routes: legacy replacement (timer 0 -> ISA IRQ 0, timer 1 -> IRQ 8),
 * else the I/O APIC pin in Tn_INT_ROUTE_CNF if Tn_INT_ROUTE_CAP allows it (pins 20-23). No FSB (MSI) delivery.
 */
#include "hvmm/vdev/hpet.h"

#define REG_CAP 0x000
#define REG_CONFIG 0x010
#define REG_ISR 0x020
#define REG_COUNTER 0x0f0
#define REG_TIMER 0x100
#define TIMER_STRIDE 0x20
#define TIMER_CONFIG 0x00
#define TIMER_COMPARATOR 0x08

#define PERIOD_FS (1000000000000000ull / HPET_HZ) /* COUNTER_CLK_PERIOD, femtoseconds */
#define CAP_LOW (0x01u | (HPET_TIMERS - 1u) << 8 | 1u << 13 /* 64-bit counter */ | 1u << 15 /* LEG_RT_CAP */ | \
		 HPET_VENDOR << 16)
#define CONF_ENABLE 1u
#define CONF_LEGACY 2u

#define TN_LEVEL (1ull << 1)
#define TN_INT_ENB (1ull << 2)
#define TN_PERIODIC (1ull << 3)
#define TN_PER_CAP (1ull << 4)
#define TN_SIZE_CAP (1ull << 5)
#define TN_VAL_SET (1ull << 6)
#define TN_32BIT (1ull << 8)
#define TN_ROUTE_SHIFT 9
#define TN_WRITABLE 0x3f4eull /* INT_TYPE, INT_ENB, TYPE, VAL_SET, 32MODE, INT_ROUTE */
#define TN_ROUTE_CAP 0x00f00000ull /* I/O APIC pins 20-23 */

uint32_t hpet_block_id(void) { return CAP_LOW; }

static uint64_t counter_now(const struct vdev_hpet *h, uint64_t now)
{
	if (!(h->config & CONF_ENABLE))
		return h->counter;
	return h->counter + (now > h->start ? clock_ticks(&h->clock, now - h->start) : 0);
}

static uint64_t mask_of(const struct vdev_hpet_timer *t) { return (t->config & TN_32BIT) ? 0xffffffffull : ~0ull; }

/* The counter value of t's next match from counter value cur. */
static void arm(struct vdev_hpet_timer *t, uint64_t cur)
{
	uint64_t m = mask_of(t), d = (t->comparator - cur) & m;
	t->fire = cur + d < cur ? UINT64_MAX : cur + d;
}

static void drive(struct vdev_ctx *ctx, struct vdev_hpet *h, unsigned n, int level)
{
	struct vdev_hpet_timer *t = &h->timer[n];
	unsigned route = (unsigned)(t->config >> TN_ROUTE_SHIFT) & 31;
	t->line = (uint8_t)level;
	if (hpet_legacy(h) && n < 2)
		vdev_legacy_irq_set(ctx, n == 0 ? 0 : 8, level);
	else if (TN_ROUTE_CAP & (1ull << route))
		vdev_gsi_set(ctx, route, level);
}

/* A match of timer n: its interrupt, then the next match (periodic: period ticks later; one-shot: after a wrap). */
static void match(struct vdev_ctx *ctx, struct vdev_hpet *h, unsigned n, uint64_t cur)
{
	struct vdev_hpet_timer *t = &h->timer[n];
	uint64_t m = mask_of(t);
	if ((t->config & TN_PERIODIC) && t->period) {
		uint64_t k = (cur - t->fire) / t->period + 1; /* periods passed: one interrupt */
		if (n == 0 && hpet_legacy(h))
			h->missed0 += k - 1;
		t->fire += k * t->period;
		t->comparator = (t->comparator + k * t->period) & m;
	} else {
		t->fire = m == ~0ull ? UINT64_MAX : t->fire + m + 1;
	}
	if (!(t->config & TN_INT_ENB))
		return;
	if (t->config & TN_LEVEL) {
		h->isr |= 1ull << n;
		if (!t->line)
			drive(ctx, h, n, 1);
	} else {
		drive(ctx, h, n, 1);
		drive(ctx, h, n, 0);
	}
}

void hpet_update(struct vdev_hpet *h, struct vdev_ctx *ctx, uint64_t now)
{
	if (!(h->config & CONF_ENABLE))
		return;
	uint64_t cur = counter_now(h, now);
	for (unsigned n = 0; n < HPET_TIMERS; n++)
		if (h->timer[n].fire <= cur)
			match(ctx, h, n, cur);
}

uint64_t hpet_deadline(const struct vdev_hpet *h)
{
	uint64_t first = UINT64_MAX;
	if (!(h->config & CONF_ENABLE))
		return first;
	for (unsigned n = 0; n < HPET_TIMERS; n++) {
		const struct vdev_hpet_timer *t = &h->timer[n];
		if (!(t->config & TN_INT_ENB) || t->fire == UINT64_MAX)
			continue;
		uint64_t at = t->fire <= h->counter ? h->start : h->start + clock_cycles(&h->clock, t->fire - h->counter);
		first = at < first ? at : first;
	}
	return first;
}

static uint64_t timer_read(const struct vdev_hpet_timer *t, unsigned reg)
{
	if (reg == TIMER_CONFIG)
		return t->config | TN_PER_CAP | TN_SIZE_CAP | TN_ROUTE_CAP << 32;
	if (reg == TIMER_COMPARATOR)
		return t->comparator & mask_of(t);
	return 0; /* FSB route: not offered */
}

static uint64_t reg_read(struct vdev_hpet *h, unsigned reg, uint64_t now)
{
	if (reg >= REG_TIMER && reg < REG_TIMER + HPET_TIMERS * TIMER_STRIDE)
		return timer_read(&h->timer[(reg - REG_TIMER) / TIMER_STRIDE], (reg - REG_TIMER) % TIMER_STRIDE);
	switch (reg) {
	case REG_CAP:
		return CAP_LOW | PERIOD_FS << 32;
	case REG_CONFIG:
		return h->config;
	case REG_ISR:
		return h->isr;
	case REG_COUNTER:
		return counter_now(h, now);
	default:
		return 0;
	}
}

static void timer_write(struct vdev_hpet *h, struct vdev_ctx *ctx, unsigned n, unsigned reg, uint64_t v, uint64_t cur)
{
	struct vdev_hpet_timer *t = &h->timer[n];
	if (reg == TIMER_CONFIG) {
		uint64_t old = t->config;
		t->config = v & TN_WRITABLE;
		if (t->config & TN_32BIT)
			t->comparator &= 0xffffffffull, t->period &= 0xffffffffull;
		if (t->line && (!(t->config & TN_INT_ENB) || !(t->config & TN_LEVEL) ||
				((old ^ t->config) >> TN_ROUTE_SHIFT) & 31)) {
			drive(ctx, h, n, 0); /* a level interrupt disabled, made edge or moved: its line drops */
			h->isr &= ~(1ull << n);
		}
	} else if (reg == TIMER_COMPARATOR) {
		v &= mask_of(t);
		if (!(t->config & TN_PERIODIC) || (t->config & TN_VAL_SET)) {
			t->comparator = v;
			t->config &= ~TN_VAL_SET;
		}
		if (t->config & TN_PERIODIC) {
			uint64_t min = VDEV_MIN_PERIOD_TICKS(HPET_HZ);
			if (v && v < min) {
				v = min;
				h->clamped++;
			}
			t->period = v;
		}
	} else {
		return;
	}
	arm(t, cur);
}

/* A 32-bit write into half of a 64-bit register: the bits of old in keep stay. */
static uint64_t merge(uint64_t old, uint64_t v, uint64_t keep) { return (old & keep) | (v & ~keep); }

void hpet_mmio(struct vdev_hpet *h, struct vdev_ctx *ctx, enum vdev_dir dir, uint32_t offset, unsigned size,
	       uint64_t *value)
{
	uint64_t now = vdev_now(ctx);
	unsigned reg = offset & ~7u, shift = 8 * (offset & 7);
	if (dir == VDEV_IN)
		*value = 0;
	if ((size != 4 && size != 8) || (offset & (size - 1)) || offset >= HPET_SIZE)
		return;
	hpet_update(h, ctx, now);
	uint64_t old = reg_read(h, reg, now);
	if (dir == VDEV_IN) {
		uint64_t v = old >> shift;
		*value = size == 8 ? v : (uint32_t)v;
		return;
	}
	uint64_t keep = size == 8 ? 0 : ~(0xffffffffull << shift);
	uint64_t v = merge(old, *value << shift, keep), cur = counter_now(h, now);
	if (reg >= REG_TIMER && reg < REG_TIMER + HPET_TIMERS * TIMER_STRIDE) {
		unsigned n = (reg - REG_TIMER) / TIMER_STRIDE, r = (reg - REG_TIMER) % TIMER_STRIDE;
		if (r == TIMER_COMPARATOR && size == 4 && shift == 0 && !(h->timer[n].config & TN_32BIT))
			v = (h->timer[n].comparator & ~0xffffffffull) | (uint32_t)*value; /* low half of a 64-bit one */
		timer_write(h, ctx, n, r, v, cur);
		return;
	}
	switch (reg) {
	case REG_CONFIG: {
		uint64_t was = h->config;
		h->config = v & (CONF_ENABLE | CONF_LEGACY);
		if ((was ^ h->config) & CONF_ENABLE) { /* started or halted: the counter keeps its value */
			h->counter = cur;
			h->start = now;
			for (unsigned n = 0; n < HPET_TIMERS; n++)
				arm(&h->timer[n], cur);
		}
		break;
	}
	case REG_ISR: /* write 1 to clear a level-triggered interrupt's status: its line drops */
		for (unsigned n = 0; n < HPET_TIMERS; n++)
			if ((*value << shift) & old & (1ull << n)) {
				h->isr &= ~(1ull << n);
				if (h->timer[n].line)
					drive(ctx, h, n, 0);
			}
		break;
	case REG_COUNTER:
		if (!(h->config & CONF_ENABLE)) { /* written only while halted (§2.3.7) */
			h->counter = v;
			for (unsigned n = 0; n < HPET_TIMERS; n++)
				arm(&h->timer[n], v);
		}
		break;
	default:
		break;
	}
}

void hpet_init(struct vdev_hpet *h, uint64_t tsc_khz)
{
	*h = (struct vdev_hpet){ 0 };
	clock_init(&h->clock, HPET_HZ, tsc_khz);
	for (unsigned n = 0; n < HPET_TIMERS; n++)
		h->timer[n] = (struct vdev_hpet_timer){ .comparator = ~0ull, .fire = UINT64_MAX };
}
