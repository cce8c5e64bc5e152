/* SPDX-License-Identifier: MIT */
/* rtc.h — the virtual MC146818 CMOS RTC at 0x70/0x71 (time, date, alarm, status A-D, 128 bytes of CMOS), IRQ 8. */
#ifndef HVMM_VDEV_RTC_H
#define HVMM_VDEV_RTC_H
#include <stdint.h>

#include "hvmm/vdev/clock.h"
#include "hvmm/vdev/vdev.h"

#define RTC_HZ 32768 /* the time base (status A DV = 010) */
#define RTC_IRQ 8

struct vdev_rtc {
	uint8_t ram[128]; /* registers 0x00-0x0d as last set (time registers are computed while the clock runs) */
	uint8_t index; /* port 0x70 bits 6:0 */
	uint8_t running; /* the clock counts: SET = 0 and DV = 010 */
	uint8_t line; /* IRQ 8 level (= status C IRQF) */
	uint64_t base_unix; /* the clock showed base_unix at TSC base_tsc (a second boundary) */
	uint64_t base_tsc;
	uint64_t seen_ticks; /* 32 kHz ticks since base_tsc already accounted for in the flags */
	struct vdev_clock clock;
	uint64_t clamped; /* periodic interrupts enabled at a rate faster than VDEV_MIN_PERIOD_US (statistics) */
};

/* Reset with the clock at Unix time unix_now (UTC, 24-hour BCD as a PC BIOS sets it) at TSC now, the memory-size
 * bytes for ram_bytes of RAM, and claim ports 0x70-0x71 on interrupt line 8. */
int rtc_init(struct vdev_rtc *rtc, struct vdev_bus *bus, uint64_t tsc_khz, uint64_t unix_now, uint64_t now,
	     uint64_t ram_bytes);
/* Set the periodic, update-ended and alarm flags that TSC now has passed; raise IRQ 8 when an enabled one is set. */
void rtc_update(struct vdev_rtc *rtc, struct vdev_ctx *ctx, uint64_t now);
/* TSC of the next event that would raise IRQ 8, or UINT64_MAX. */
uint64_t rtc_deadline(const struct vdev_rtc *rtc);

#endif
