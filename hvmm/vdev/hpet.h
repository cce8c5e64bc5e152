/* SPDX-License-Identifier: MIT */
/*
 * hpet.h — the virtual HPET of a guest's PC (IA-PC HPET Specification 1.0a): a 64-bit main counter at 100 MHz on
 * the guest TSC, 3 comparators (one-shot and periodic, 32- or 64-bit, edge or level), legacy replacement routing
 * (timer 0 -> ISA IRQ 0, timer 1 -> IRQ 8, cutting the PIT and the RTC off), FSB delivery not offered.
 */
#ifndef HVMM_VDEV_HPET_H
#define HVMM_VDEV_HPET_H
#include <stdint.h>

#include "hvmm/vdev/clock.h"
#include "hvmm/vdev/vdev.h"

#define HPET_BASE 0xfed00000ull
#define HPET_SIZE 0x400u
#define HPET_TIMERS 3
#define HPET_HZ 100000000u /* main counter: 10 ns a tick */
#define HPET_VENDOR 0x8086u

struct vdev_hpet_timer {
	uint64_t config; /* Tn_CONF_CAP's writable bits */
	uint64_t comparator; /* Tn_COMPARATOR_VAL as read */
	uint64_t period; /* periodic mode: the value added at each match */
	uint64_t fire; /* main-counter value of the next match (UINT64_MAX: none), as of the last update */
	uint8_t line; /* the level driven on its interrupt route */
};

struct vdev_hpet {
	uint64_t config; /* GEN_CONF: ENABLE_CNF (bit 0), LEG_RT_CNF (bit 1) */
	uint64_t isr; /* GINTR_STA: level-triggered interrupt status */
	uint64_t counter; /* main counter value at start (while enabled) or as it stands (halted) */
	uint64_t start; /* TSC when the counter was last enabled or written */
	struct vdev_clock clock; /* HPET_HZ on the TSC */
	struct vdev_hpet_timer timer[HPET_TIMERS];
	uint64_t clamped; /* periodic programmings below VDEV_MIN_PERIOD_US, raised to it (statistics) */
	uint64_t missed0; /* periods of timer 0 coalesced into one interrupt since the platform last took the count */
};

void hpet_init(struct vdev_hpet *h, uint64_t tsc_khz);
/* Capabilities register bits 31:0 (the ACPI HPET table's Event Timer Block ID). */
uint32_t hpet_block_id(void);
/* Access of size bytes (4 or 8, aligned) at offset (< HPET_SIZE); others read 0 and are ignored. */
void hpet_mmio(struct vdev_hpet *h, struct vdev_ctx *ctx, enum vdev_dir dir, uint32_t offset, unsigned size,
	       uint64_t *value);
/* Bring the comparators up to TSC now: each match drives its interrupt route. */
void hpet_update(struct vdev_hpet *h, struct vdev_ctx *ctx, uint64_t now);
/* TSC of the next match of a comparator with its interrupt enabled, or UINT64_MAX. */
uint64_t hpet_deadline(const struct vdev_hpet *h);
/* Does legacy replacement route timers 0 and 1 (the PIT's IRQ 0 and the RTC's IRQ 8 are then cut off)? */
static inline int hpet_legacy(const struct vdev_hpet *h) { return (h->config & 3) == 3; }

#endif
