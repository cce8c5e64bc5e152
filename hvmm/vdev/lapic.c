/* SPDX-License-Identifier: MIT */
/*
 * lapic.c — a virtual xAPIC (AMD APM Vol. 2 §16.3-16.5; Intel SDM Vol. 3 §10 for the register page): ID, version
 * (0x14, six LVTs), TPR and PPR, EOI, SVR (software enable; disabling masks every LVT), ISR/TMR/IRR, ESR (errors
 * latched by a write), ICR (IPIs to this, the only CPU, by destination or shorthand: fixed ones set IRR at once, NMI
 * and INIT are latched for the platform to deliver; anything to other, absent CPUs has no effect; the
 * delivery-status bit always reads idle), LDR/DFR, the LVTs (timer, thermal, performance, LINT0,
 * LINT1, error), and the timer: one-shot and periodic, initial and current count, divide configuration, on a
 * 100 MHz bus clock derived from the guest TSC. A timer that expired several times while the guest was not running
 * sets its IRR bit once (coalesced). TSC-deadline mode (LVT timer 10b, MSR IA32_TSC_DEADLINE; Intel SDM Vol. 3A
 * §11.5.4.1) arms the timer for a TSC value; a masked LVT timer delivers nothing and wakes no HLT.
 */
#include "hvmm/vdev/lapic.h"

#include "hvmm/core/pcregs.h"

#define REG_ID 0x020
#define REG_VERSION 0x030
#define REG_TPR 0x080
#define REG_APR 0x090
#define REG_PPR 0x0a0
#define REG_EOI 0x0b0
#define REG_RRD 0x0c0
#define REG_LDR 0x0d0
#define REG_DFR 0x0e0
#define REG_SVR 0x0f0
#define REG_ISR 0x100
#define REG_TMR 0x180
#define REG_IRR 0x200
#define REG_ESR 0x280
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320 /* 0x320 + 0x10 * enum lapic_lvt */
#define REG_LVT_END 0x380
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0

#define VERSION 0x00050014u /* version 0x14 (integrated APIC), max LVT entry 5 */
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_MODE (3u << 17) /* 00b one-shot, 01b periodic, 10b TSC-deadline (11b reserved) */
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define LVT_DM_SHIFT 8
#define DM_FIXED 0
#define DM_LOWEST 1
#define DM_NMI 4
#define DM_INIT 5
#define DM_STARTUP 6
#define DM_EXTINT 7
#define ICR_SHORTHAND_SHIFT 18
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)

/* Writable bits of each LVT (vector, delivery mode, polarity, trigger, mask, timer mode). */
static const uint32_t lvt_writable[LVT_COUNT] = {
	[LVT_TIMER] = 0x000700ff, [LVT_THERMAL] = 0x000107ff, [LVT_PERF] = 0x000107ff,
	[LVT_LINT0] = 0x0001a7ff, [LVT_LINT1] = 0x0001a7ff, [LVT_ERROR] = 0x000100ff,
};

static void set_bit(uint32_t *v, unsigned n) { v[n >> 5] |= 1u << (n & 31); }
static void clear_bit(uint32_t *v, unsigned n) { v[n >> 5] &= ~(1u << (n & 31)); }

/* The highest set bit of a 256-bit vector, or -1; 64 bits at a time (it runs several times before each injection). */
static int highest(const uint32_t *v)
{
	for (int i = 3; i >= 0; i--) {
		uint64_t q;
		__builtin_memcpy(&q, v + 2 * i, 8);
		if (q)
			return i * 64 + 63 - __builtin_clzll(q);
	}
	return -1;
}

static uint32_t ppr(const struct vdev_lapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

int vlapic_pending(const struct vdev_lapic *a)
{
	int v = a->hw_enabled ? highest(a->irr) : -1;
	if (v < 0 || ((uint32_t)v & 0xf0) <= (ppr(a) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack(struct vdev_lapic *a, unsigned vector)
{
	clear_bit(a->irr, vector);
	set_bit(a->isr, vector);
}

void vlapic_eoi(struct vdev_lapic *a)
{
	int n = highest(a->isr);
	if (n >= 0) {
		clear_bit(a->isr, (unsigned)n);
		if (a->tmr[n >> 5] & (1u << (n & 31)))
			a->eoi_level = (int16_t)n; /* EOI broadcast to the I/O APIC (82093AA §2.4) */
	}
}

int vlapic_irr_any(const struct vdev_lapic *a) { return highest(a->irr) >= 0; }

int vlapic_only_in_service(const struct vdev_lapic *a, unsigned vector)
{
	uint32_t any = 0;
	for (unsigned i = 0; i < 8; i++)
		any |= a->irr[i] | (i == vector >> 5 ? a->isr[i] & ~(1u << (vector & 31)) : a->isr[i]);
	/* a level-triggered one (TMR) needs its EOI broadcast to the I/O APIC: the EOI register, not KVM's PV EOI */
	return !any && (a->isr[vector >> 5] >> (vector & 31) & 1) && !(a->tmr[vector >> 5] >> (vector & 31) & 1);
}

int vlapic_accepts_extint(const struct vdev_lapic *a)
{
	uint32_t l = a->lvt[LVT_LINT0];
	if (!a->hw_enabled)
		return 1;
	return !(l & LVT_MASKED) && ((l >> LVT_DM_SHIFT) & 7) == DM_EXTINT;
}

/* Accept a fixed interrupt: vectors 0-15 are illegal (ESR). */
static void accept(struct vdev_lapic *a, unsigned vector)
{
	if (vector < 16) {
		a->esr_pending |= ESR_RECV_ILLEGAL;
		return;
	}
	set_bit(a->irr, vector);
}

enum vlapic_lint1 vlapic_lint1(struct vdev_lapic *a)
{
	uint32_t l = a->lvt[LVT_LINT1];
	if (!a->hw_enabled) {
		a->nmi_pending = 1;
		return VLAPIC_LINT1_NMI;
	}
	if (l & LVT_MASKED)
		return VLAPIC_LINT1_MASKED;
	switch ((l >> LVT_DM_SHIFT) & 7) {
	case DM_NMI:
		a->nmi_pending = 1;
		return VLAPIC_LINT1_NMI;
	case DM_FIXED:
		accept(a, l & 0xff);
		return VLAPIC_LINT1_FIXED;
	default:
		return VLAPIC_LINT1_OTHER;
	}
}

void vlapic_deliver(struct vdev_lapic *a, uint8_t vector, int level)
{
	accept(a, vector);
	if (vector >= 16) {
		if (level)
			set_bit(a->tmr, vector);
		else
			clear_bit(a->tmr, vector);
	}
}

int vlapic_selected(const struct vdev_lapic *a, uint8_t dest, int logical)
{
	if (!logical)
		return dest == 0xff || dest == a->id;
	if ((a->dfr >> 28) == 0xf) /* flat model */
		return (dest & (a->ldr >> 24)) != 0;
	/* cluster model: cluster in bits 7:4 (Fh: every cluster), members in bits 3:0 */
	uint8_t ldr = (uint8_t)(a->ldr >> 24);
	return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xf);
}

/* Timer input ticks per count: the divide configuration (bits 3, 1:0) gives 2, 4, ..., 128, or 1 for 1011b. */
static unsigned divisor_shift(const struct vdev_lapic *a)
{
	uint32_t d = a->timer_divide;
	unsigned code = ((d >> 1) & 4) | (d & 3);
	return (code + 1) & 7;
}

/* Counts elapsed since the timer was loaded. */
static uint64_t counts(const struct vdev_lapic *a, uint64_t now)
{
	if (now <= a->timer_start)
		return 0;
	return clock_ticks(&a->clock, now - a->timer_start) >> divisor_shift(a);
}

static int periodic(const struct vdev_lapic *a) { return (a->lvt[LVT_TIMER] & LVT_TIMER_MODE) == LVT_TIMER_PERIODIC; }

/* Counts from one expiry to the next: the initial count, in periodic mode at least VDEV_MIN_PERIOD_US. */
static uint64_t period_counts(const struct vdev_lapic *a)
{
	unsigned shift = divisor_shift(a);
	uint64_t min = (VDEV_MIN_PERIOD_TICKS(LAPIC_BUS_HZ) + (1u << shift) - 1) >> shift;
	return periodic(a) && a->timer_initial < min ? min : a->timer_initial;
}

/* A periodic timer was (re)programmed: count it when its period is clamped. */
static void count_clamp(struct vdev_lapic *a)
{
	if (a->timer_initial && period_counts(a) != a->timer_initial)
		a->clamped++;
}
static int deadline_mode(const struct vdev_lapic *a)
{
	return (a->lvt[LVT_TIMER] & LVT_TIMER_MODE) == LVT_TIMER_TSC_DEADLINE;
}

/* The timer's next expiry from its state, as vlapic_update counts it (rounded up to a TSC cycle the count has
 * certainly reached), whatever the LVT mask; UINT64_MAX if it has none. */
static uint64_t next_due(const struct vdev_lapic *a)
{
	if (a->tsc_deadline)
		return a->tsc_deadline;
	if (!a->timer_initial || (!periodic(a) && a->timer_periods))
		return UINT64_MAX;
	uint64_t at = (a->timer_periods + 1) * period_counts(a);
	return a->timer_start + clock_cycles(&a->clock, at << divisor_shift(a));
}

/* The timer's state changed (mode, count, divisor, deadline, an expiry): recompute when it next expires. */
static void timer_changed(struct vdev_lapic *a) { a->due = next_due(a); }

/* now >= a->due: the deadline passed, or the count certainly reached the end of period timer_periods + 1 (next_due
 * rounds up). Signal one expiry (several periods coalesce into one) and find the next. */
static void expire(struct vdev_lapic *a, uint64_t now)
{
	if (a->tsc_deadline) {
		a->tsc_deadline = 0; /* fired: the MSR reads 0 again */
	} else if (!periodic(a)) {
		a->timer_periods = 1; /* a one-shot count ends once */
	} else { /* periods that passed: the next one without a division, more (a guest that did not run) with one */
		uint64_t n = counts(a, now), p = period_counts(a);
		a->timer_periods = n < (a->timer_periods + 2) * p ? a->timer_periods + 1 : n / p;
	}
	if (!(a->lvt[LVT_TIMER] & LVT_MASKED)) /* a masked timer expires without an interrupt (SDM §11.5.1) */
		accept(a, a->lvt[LVT_TIMER] & 0xff);
	timer_changed(a);
}

void vlapic_update(struct vdev_lapic *a, uint64_t now)
{
	if (now < a->due)
		return; /* the common case: nothing can have expired yet */
	expire(a, now);
}

uint64_t vlapic_deadline(const struct vdev_lapic *a)
{
	/* a masked timer delivers nothing (SDM §11.5.1); a masked deadline disarms on the next update */
	return (a->lvt[LVT_TIMER] & LVT_MASKED) ? UINT64_MAX : a->due;
}

static uint32_t current_count(const struct vdev_lapic *a, uint64_t now)
{
	if (!a->timer_initial || deadline_mode(a))
		return 0;
	uint64_t n = counts(a, now);
	if (!periodic(a))
		return n >= a->timer_initial ? 0 : (uint32_t)(a->timer_initial - n);
	uint64_t p = period_counts(a), left = p - n % p; /* a clamped period reads the initial count at first */
	return (uint32_t)(left < a->timer_initial ? left : a->timer_initial);
}

static uint32_t reg_read(const struct vdev_lapic *a, uint32_t off, uint64_t now)
{
	if (off >= REG_ISR && off < REG_ISR + 0x80)
		return a->isr[(off - REG_ISR) >> 4];
	if (off >= REG_TMR && off < REG_TMR + 0x80)
		return a->tmr[(off - REG_TMR) >> 4];
	if (off >= REG_IRR && off < REG_IRR + 0x80)
		return a->irr[(off - REG_IRR) >> 4];
	if (off >= REG_LVT_TIMER && off < REG_LVT_END)
		return a->lvt[(off - REG_LVT_TIMER) >> 4];
	switch (off) {
	case REG_ID:
		return a->id << 24;
	case REG_VERSION:
		return VERSION;
	case REG_TPR:
		return a->tpr;
	case REG_PPR:
		return ppr(a);
	case REG_LDR:
		return a->ldr;
	case REG_DFR:
		return a->dfr;
	case REG_SVR:
		return a->svr;
	case REG_ESR:
		return a->esr;
	case REG_ICR_LO:
		return a->icr_lo; /* delivery status (bit 12) always idle: IPIs complete at once */
	case REG_ICR_HI:
		return a->icr_hi;
	case REG_TIMER_INITIAL:
		return a->timer_initial;
	case REG_TIMER_CURRENT:
		return current_count(a, now);
	case REG_TIMER_DIVIDE:
		return a->timer_divide;
	default: /* APR, RRD, EOI (write-only) and reserved offsets */
		return 0;
	}
}

/* Is this APIC a destination of the ICR's destination field? Physical: its APIC ID or 0xFF (broadcast); logical:
 * the flat model (DFR 1111b) matches a set bit of the LDR's eight, the cluster model (0000b) the cluster in bits 7:4
 * and a set bit of the four in 3:0 (APM Vol. 2 §16.6.1). */
static int is_destination(const struct vdev_lapic *a, uint32_t lo)
{
	uint32_t dest = a->icr_hi >> 24, ldr = a->ldr >> 24;
	if (!(lo & ICR_DEST_LOGICAL))
		return dest == 0xff || dest == (a->id & 0xff);
	if (dest == 0xff)
		return 1;
	if ((a->dfr >> 28) == 0xf)
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf) != 0;
}

/*
 * An ICR write: this CPU is the only one, so an IPI reaches it (by shorthand self or all-including-self, or by a
 * destination that matches it) or nobody — INIT, STARTUP and the rest to absent APIC IDs have no effect (APM Vol. 2
 * §16.5). Here: fixed and lowest-priority set the vector in IRR (vectors 0-15 are illegal: ESR), NMI is latched for
 * the CPU (nmi_pending, taken by the platform), INIT asks for a processor INIT (init_pending; the INIT level de-assert
 * message, level
 * 0 with trigger level, does nothing), STARTUP is ignored (only a CPU waiting for SIPI takes it), SMI and the
 * reserved modes do nothing.
 */
static void send_ipi(struct vdev_lapic *a, uint32_t lo)
{
	unsigned vector = lo & 0xff, dm = (lo >> LVT_DM_SHIFT) & 7, shorthand = (lo >> ICR_SHORTHAND_SHIFT) & 3;
	a->ipis++;
	if ((dm == DM_FIXED || dm == DM_LOWEST) && vector < 16) {
		a->esr_pending |= ESR_SEND_ILLEGAL;
		return;
	}
	if (shorthand == 3 || (shorthand == 0 && !is_destination(a, lo)))
		return; /* all excluding self, or another (absent) CPU */
	switch (dm) {
	case DM_FIXED:
	case DM_LOWEST:
		accept(a, vector);
		break;
	case DM_NMI:
		a->nmi_pending = 1;
		break;
	case DM_INIT:
		if ((lo & ICR_LEVEL_ASSERT) || !(lo & ICR_TRIGGER_LEVEL))
			a->init_pending = 1;
		break;
	}
}

static void reg_write(struct vdev_lapic *a, uint32_t off, uint32_t v, uint64_t now)
{
	if (off >= REG_LVT_TIMER && off < REG_LVT_END) {
		unsigned i = (off - REG_LVT_TIMER) >> 4;
		if (!(a->svr & SVR_ENABLE))
			v |= LVT_MASKED; /* software-disabled: the LVTs stay masked */
		if (i == LVT_TIMER && ((a->lvt[i] ^ v) & LVT_TIMER_MODE)) { /* a new mode starts disarmed (SDM §11.5.4.1) */
			a->timer_initial = 0;
			a->timer_periods = 0;
			a->tsc_deadline = 0;
		}
		a->lvt[i] = v & lvt_writable[i];
		if (i == LVT_TIMER)
			timer_changed(a); /* the mode decides how periods count */
		return;
	}
	switch (off) {
	case REG_ID:
		a->id = v >> 24;
		break;
	case REG_TPR:
		a->tpr = v & 0xff;
		break;
	case REG_EOI:
		vlapic_eoi(a);
		break;
	case REG_LDR:
		a->ldr = v & 0xff000000u;
		break;
	case REG_DFR:
		a->dfr = v | 0x0fffffffu;
		break;
	case REG_SVR:
		a->svr = v & 0x3ff;
		if (!(a->svr & SVR_ENABLE))
			for (unsigned i = 0; i < LVT_COUNT; i++)
				a->lvt[i] |= LVT_MASKED;
		break;
	case REG_ESR:
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case REG_ICR_LO:
		a->icr_lo = v & 0x000ccfff;
		send_ipi(a, v);
		break;
	case REG_ICR_HI:
		a->icr_hi = v & 0xff000000u;
		break;
	case REG_TIMER_INITIAL:
		if (deadline_mode(a))
			break; /* ignored in TSC-deadline mode */
		a->timer_initial = v;
		a->timer_start = now;
		a->timer_periods = 0;
		if (periodic(a))
			count_clamp(a);
		timer_changed(a);
		break;
	case REG_TIMER_DIVIDE: {
		uint64_t before = period_counts(a);
		a->timer_divide = v & 0xb;
		if (periodic(a) && before == a->timer_initial)
			count_clamp(a); /* a faster divisor made a running period too short */
		timer_changed(a);
		break;
	}
	default: /* read-only and reserved registers */
		break;
	}
}

void vlapic_mmio(struct vdev_ctx *ctx, struct vdev_lapic *a, enum vdev_dir dir, uint32_t offset, unsigned size,
		uint64_t *value)
{
	uint64_t now = vdev_now(ctx);
	uint32_t reg = offset & 0xff0, byte = offset & 0xf;
	if (__builtin_expect(!a->hw_enabled, 0)) { /* globally disabled: the page is not decoded, an empty bus */
		if (dir == VDEV_IN)
			*value = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
		return;
	}
	vlapic_update(a, now);
	if (dir == VDEV_IN) {
		uint64_t v = byte < 4 ? (uint64_t)reg_read(a, reg, now) >> (8 * byte) : 0;
		*value = size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
		return;
	}
	if (size == 4 && byte == 0)
		reg_write(a, reg, (uint32_t)*value, now);
}

uint64_t vlapic_tsc_deadline_read(const struct vdev_lapic *a)
{
	return a->tsc_deadline;
}

void vlapic_tsc_deadline_write(struct vdev_lapic *a, uint64_t val, uint64_t now)
{
	if (!deadline_mode(a))
		return;
	a->tsc_deadline = val;
	timer_changed(a);
	vlapic_update(a, now); /* a deadline already past fires at once */
}

void vlapic_init(struct vdev_lapic *a, uint64_t tsc_khz)
{
	*a = (struct vdev_lapic){ .svr = 0xff, .dfr = 0xffffffffu, .hw_enabled = 1, .eoi_level = -1, .due = UINT64_MAX };
	clock_init(&a->clock, LAPIC_BUS_HZ, tsc_khz);
	for (unsigned i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
	a->lvt[LVT_LINT0] = DM_EXTINT << LVT_DM_SHIFT;
	a->lvt[LVT_LINT1] = DM_NMI << LVT_DM_SHIFT;
}
