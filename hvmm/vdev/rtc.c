/* SPDX-License-Identifier: MIT */
/*
 * rtc.c — a virtual MC146818 real-time clock (Motorola MC146818A datasheet) as on a PC: seconds, minutes, hours (12-
 * or 24-hour), day of week, date, month, year, century (0x32), their alarms (0xc0-0xff = "don't care"), status A
 * (UIP, DV, rate), B (SET, PIE, AIE, UIE, DM binary/BCD, 24/12), C (IRQF, PF, AF, UF; cleared by reading), D (VRT),
 * and CMOS memory. The clock follows the guest TSC — it keeps running while the guest is descheduled — starting at
 * hvmm's boot time read from the real RTC. UIP reads 1 from 244 µs before each second's update to the end of the
 * 1984 µs update cycle. Periodic (PF),
 * update-ended (UF) and alarm (AF) flags are set as time passes; IRQ 8 is the level of IRQF, so a new interrupt needs
 * a read of status C, as on a PC. Several periods missed while descheduled set PF once (coalesced).
 */
#include "hvmm/vdev/rtc.h"

#include "caltime.h"
#include "hvmm/core/pcregs.h"

#define UIP_BEFORE 8 /* UIP rises 244 µs (8 ticks) before the update ... */
#define UIP_AFTER 65 /* ... and falls when the update cycle ends, 1984 µs later (MC146818A tBUC, update cycle) */
#define DONT_CARE 0xc0
#define MIN_PERIOD VDEV_MIN_PERIOD_TICKS(RTC_HZ) /* 7 ticks (214 µs): the shortest periodic-interrupt period */

static int is_time_reg(unsigned r) { return r <= RTC_YEAR || r == CMOS_CENTURY; }

static uint8_t enc(const struct vdev_rtc *rtc, unsigned v)
{
	return (rtc->ram[RTC_REG_B] & RTC_B_DM_BINARY) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned dec(const struct vdev_rtc *rtc, uint8_t v)
{
	return (rtc->ram[RTC_REG_B] & RTC_B_DM_BINARY) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t enc_hour(const struct vdev_rtc *rtc, unsigned h)
{
	if (rtc->ram[RTC_REG_B] & RTC_B_24H)
		return enc(rtc, h);
	unsigned h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(enc(rtc, h12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

static unsigned dec_hour(const struct vdev_rtc *rtc, uint8_t v)
{
	if (rtc->ram[RTC_REG_B] & RTC_B_24H)
		return dec(rtc, v);
	return dec(rtc, v & (uint8_t)~RTC_HOUR_PM) % 12 + ((v & RTC_HOUR_PM) ? 12 : 0);
}

static uint64_t ticks_now(const struct vdev_rtc *rtc, uint64_t now)
{
	return now > rtc->base_tsc ? clock_ticks(&rtc->clock, now - rtc->base_tsc) : 0;
}

/* Write the time registers (and century) for Unix time t in the current data mode. */
static void store_time(struct vdev_rtc *rtc, uint64_t t)
{
	struct caltime c;
	caltime_from_unix(t, &c);
	rtc->ram[RTC_SEC] = enc(rtc, c.sec);
	rtc->ram[RTC_MIN] = enc(rtc, c.min);
	rtc->ram[RTC_HOUR] = enc_hour(rtc, c.hour);
	rtc->ram[RTC_WDAY] = enc(rtc, c.wday);
	rtc->ram[RTC_DAY] = enc(rtc, c.day);
	rtc->ram[RTC_MONTH] = enc(rtc, c.month);
	rtc->ram[RTC_YEAR] = enc(rtc, (unsigned)c.year % 100);
	rtc->ram[CMOS_CENTURY] = enc(rtc, (unsigned)c.year / 100);
}

/* Unix time of the time registers as they stand. */
static uint64_t load_time(const struct vdev_rtc *rtc)
{
	struct caltime c = { .year = (int32_t)(dec(rtc, rtc->ram[CMOS_CENTURY]) * 100 + dec(rtc, rtc->ram[RTC_YEAR])),
			     .month = (uint8_t)dec(rtc, rtc->ram[RTC_MONTH]), .day = (uint8_t)dec(rtc, rtc->ram[RTC_DAY]),
			     .hour = (uint8_t)dec_hour(rtc, rtc->ram[RTC_HOUR]), .min = (uint8_t)dec(rtc, rtc->ram[RTC_MIN]),
			     .sec = (uint8_t)dec(rtc, rtc->ram[RTC_SEC]) };
	return caltime_to_unix(&c);
}

/* Bring the time registers up to TSC now. */
static void sync_time(struct vdev_rtc *rtc, uint64_t now)
{
	if (rtc->running)
		store_time(rtc, rtc->base_unix + (ticks_now(rtc, now) >> 15));
}

/* Restart counting from the registers' time, keeping the phase within the second. */
static void restart(struct vdev_rtc *rtc, uint64_t now)
{
	uint64_t frac = rtc->running ? ticks_now(rtc, now) & (RTC_HZ - 1) : 0;
	rtc->base_unix = load_time(rtc);
	rtc->base_tsc = now - clock_cycles(&rtc->clock, frac) + (frac ? 1 : 0);
	rtc->seen_ticks = frac;
}

static int alarm_match(const struct vdev_rtc *rtc, uint64_t t)
{
	struct caltime c;
	caltime_from_unix(t, &c);
	uint8_t s = rtc->ram[RTC_SEC_ALARM], m = rtc->ram[RTC_MIN_ALARM], h = rtc->ram[RTC_HOUR_ALARM];
	return (s >= DONT_CARE || dec(rtc, s) == c.sec) && (m >= DONT_CARE || dec(rtc, m) == c.min) &&
	       (h >= DONT_CARE || dec_hour(rtc, h) == c.hour);
}

/* Periodic interrupt period in 32 kHz ticks for rate bits 1-15 (0 = off) as programmed; rates 1 and 2 repeat 8
 * and 9 (MC146818A Table 5). */
static uint64_t programmed_period(const struct vdev_rtc *rtc)
{
	unsigned rate = rtc->ram[RTC_REG_A] & RTC_A_RATE;
	if (!rate)
		return 0;
	return rate <= 2 ? 1ull << (rate + 6) : 1ull << (rate - 1);
}

/* The period PF is set with: rate 3 (122 µs) becomes MIN_PERIOD. */
static uint64_t period(const struct vdev_rtc *rtc)
{
	uint64_t p = programmed_period(rtc);
	return p && p < MIN_PERIOD ? MIN_PERIOD : p;
}

static void update_line(struct vdev_rtc *rtc, struct vdev_ctx *ctx)
{
	uint8_t c = rtc->ram[RTC_REG_C] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	uint8_t en = rtc->ram[RTC_REG_B] & (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE); /* the same bit positions as in C */
	uint8_t irqf = (c & en) ? RTC_C_IRQF : 0;
	rtc->ram[RTC_REG_C] = c | irqf;
	if ((irqf != 0) != rtc->line) {
		rtc->line = irqf != 0;
		vdev_irq_set(ctx, RTC_IRQ, rtc->line);
	}
}

void rtc_update(struct vdev_rtc *rtc, struct vdev_ctx *ctx, uint64_t now)
{
	if (!rtc->running)
		return;
	uint64_t t = ticks_now(rtc, now), p = period(rtc), old = rtc->seen_ticks;
	if (t <= old)
		return;
	if (p && t / p != old / p)
		rtc->ram[RTC_REG_C] |= RTC_C_PF;
	uint64_t s0 = old >> 15, s1 = t >> 15;
	if (s1 != s0) {
		rtc->ram[RTC_REG_C] |= RTC_C_UF;
		uint64_t from = s1 - s0 > 86400 ? s1 - 86400 : s0 + 1; /* a day covers every alarm setting */
		for (uint64_t s = from; s <= s1; s++)
			if (alarm_match(rtc, rtc->base_unix + s)) {
				rtc->ram[RTC_REG_C] |= RTC_C_AF;
				break;
			}
	}
	rtc->seen_ticks = t;
	update_line(rtc, ctx);
}

uint64_t rtc_deadline(const struct vdev_rtc *rtc)
{
	uint8_t b = rtc->ram[RTC_REG_B];
	if (!rtc->running || rtc->line || !(b & (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE)))
		return UINT64_MAX;
	uint64_t t = rtc->seen_ticks, next = ((t >> 15) + 1) << 15; /* next second */
	uint64_t p = period(rtc);
	if ((b & RTC_B_PIE) && p) {
		uint64_t np = (t / p + 1) * p;
		if (np < next || !(b & (RTC_B_AIE | RTC_B_UIE)))
			next = np;
	}
	return rtc->base_tsc + clock_cycles(&rtc->clock, next);
}

static void set_running(struct vdev_rtc *rtc, uint64_t now)
{
	int run = !(rtc->ram[RTC_REG_B] & RTC_B_SET) && (rtc->ram[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_NORMAL;
	if (run == rtc->running)
		return;
	if (!run) {
		sync_time(rtc, now); /* the registers hold the time it stopped at */
		rtc->running = 0;
	} else {
		restart(rtc, now);
		rtc->running = 1;
	}
}

/* Update in progress: from 244 µs before each second boundary to the end of the update cycle after it. The time
 * registers already show the new second during the cycle (on the chip they are undefined then). */
static int rtc_uip(const struct vdev_rtc *rtc, uint64_t now)
{
	uint64_t frac = ticks_now(rtc, now) & (RTC_HZ - 1);
	return frac >= RTC_HZ - UIP_BEFORE || (frac < UIP_AFTER && (ticks_now(rtc, now) >> 15) > 0);
}

static uint8_t rtc_read(struct vdev_rtc *rtc, struct vdev_ctx *ctx, unsigned r, uint64_t now)
{
	uint8_t v;
	rtc_update(rtc, ctx, now);
	if (is_time_reg(r)) {
		sync_time(rtc, now);
		return rtc->ram[r];
	}
	switch (r) {
	case RTC_REG_A:
		v = rtc->ram[RTC_REG_A] & ~RTC_A_UIP;
		if (rtc->running && rtc_uip(rtc, now))
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:
		v = rtc->ram[RTC_REG_C];
		rtc->ram[RTC_REG_C] = 0;
		update_line(rtc, ctx);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return rtc->ram[r];
	}
}

static void rtc_write(struct vdev_rtc *rtc, struct vdev_ctx *ctx, unsigned r, uint8_t v, uint64_t now)
{
	rtc_update(rtc, ctx, now);
	if (is_time_reg(r)) {
		sync_time(rtc, now);
		rtc->ram[r] = v;
		if (rtc->running)
			restart(rtc, now); /* a write while counting sets the clock at once */
		return;
	}
	switch (r) {
	case RTC_REG_A:
		sync_time(rtc, now);
		rtc->ram[RTC_REG_A] = v & ~RTC_A_UIP;
		set_running(rtc, now);
		if ((rtc->ram[RTC_REG_B] & RTC_B_PIE) && period(rtc) != programmed_period(rtc))
			rtc->clamped++;
		break;
	case RTC_REG_B:
		sync_time(rtc, now); /* the registers are re-encoded below if DM or 24/12 changes */
		{
			uint64_t t = load_time(rtc);
			if (v & RTC_B_SET)
				v &= ~RTC_B_UIE; /* SET clears UIE */
			if ((v & ~rtc->ram[RTC_REG_B] & RTC_B_PIE) && period(rtc) != programmed_period(rtc))
				rtc->clamped++; /* periodic interrupts turned on at a clamped rate */
			rtc->ram[RTC_REG_B] = v;
			store_time(rtc, t);
		}
		set_running(rtc, now);
		update_line(rtc, ctx);
		break;
	case RTC_REG_C: /* read-only */
	case RTC_REG_D:
		break;
	default:
		rtc->ram[r] = v;
		break;
	}
}

static void rtc_port(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
		     uint32_t *value)
{
	(void)size;
	struct vdev_rtc *rtc = dev;
	uint64_t now = vdev_now(ctx);
	vdev_changed(ctx); /* its next event may have moved */
	if (port == CMOS_INDEX) {
		if (dir == VDEV_OUT)
			rtc->index = (uint8_t)*value & 0x7f; /* bit 7 masks NMI: there are no NMIs to mask */
		else
			*value = 0xff;
		return;
	}
	if (dir == VDEV_IN)
		*value = rtc_read(rtc, ctx, rtc->index, now);
	else
		rtc_write(rtc, ctx, rtc->index, (uint8_t)*value, now);
}

int rtc_init(struct vdev_rtc *rtc, struct vdev_bus *bus, uint64_t tsc_khz, uint64_t unix_now, uint64_t now,
	     uint64_t ram_bytes)
{
	*rtc = (struct vdev_rtc){ 0 };
	clock_init(&rtc->clock, RTC_HZ, tsc_khz);
	rtc->ram[RTC_REG_A] = RTC_A_DV_NORMAL | 6; /* 1024 Hz periodic rate, as a PC BIOS leaves it */
	rtc->ram[RTC_REG_B] = RTC_B_24H;
	rtc->ram[RTC_SEC_ALARM] = rtc->ram[RTC_MIN_ALARM] = rtc->ram[RTC_HOUR_ALARM] = 0;
	store_time(rtc, unix_now);
	rtc->base_unix = unix_now;
	rtc->base_tsc = now;
	rtc->running = 1;
	/* Memory size in KiB below 640K (0x15-0x16) and from 1 MiB (0x17-0x18, 0x30-0x31, at most 65535), and in
	 * 64 KiB units above 16 MiB (0x34-0x35), as a PC BIOS stores them. */
	uint64_t ext = ram_bytes > (1u << 20) ? (ram_bytes - (1u << 20)) >> 10 : 0;
	uint64_t above16 = ram_bytes > (16u << 20) ? (ram_bytes - (16u << 20)) >> 16 : 0;
	if (ext > 0xffff)
		ext = 0xffff;
	if (above16 > 0xffff)
		above16 = 0xffff;
	rtc->ram[0x15] = 0x80, rtc->ram[0x16] = 0x02;
	rtc->ram[0x17] = rtc->ram[0x30] = (uint8_t)ext, rtc->ram[0x18] = rtc->ram[0x31] = (uint8_t)(ext >> 8);
	rtc->ram[0x34] = (uint8_t)above16, rtc->ram[0x35] = (uint8_t)(above16 >> 8);
	return vdev_port_register(bus, CMOS_INDEX, 2, 0, rtc_port, rtc);
}
