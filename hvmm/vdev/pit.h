/* SPDX-License-Identifier: MIT */
/* pit.h — the virtual 8254 PIT (ports 0x40-0x43; channel 0 on IRQ 0) and port 0x61 (channel 2 gate and output). */
#ifndef HVMM_VDEV_PIT_H
#define HVMM_VDEV_PIT_H
#include <stdint.h>

#include "hvmm/core/pcregs.h"

#include "hvmm/vdev/clock.h"
#include "hvmm/vdev/vdev.h"

#define PIT_IRQ 0 /* channel 0's OUT */

/* One 8254 counter (Intel 8254 datasheet 231164). Times are guest TSC values. */
struct pit_channel {
	uint8_t mode; /* 0-5 (6, 7 alias 2, 3) */
	uint8_t rw; /* 1 LSB, 2 MSB, 3 LSB then MSB */
	uint8_t bcd; /* stored and reported in the status byte; counting is binary */
	uint8_t gate; /* GATE input: 1 for channels 0 and 1, port 0x61 bit 0 for channel 2 */
	uint8_t write_msb; /* the next count byte written is the MSB (rw = 3) */
	uint8_t read_msb; /* the next byte read is the MSB (rw = 3) */
	uint8_t null_count; /* a count was written but not yet loaded into the counting element */
	uint8_t has_count; /* a whole count was written since the control word */
	uint8_t armed; /* counting: a count was loaded (and, for channel 2, the gate is high) */
	uint8_t count_latched; /* 0, or the bytes of latch still to be read (1 or 2) */
	uint8_t status_latched;
	uint8_t status;
	uint16_t latch;
	uint16_t written_lsb;
	uint32_t reload; /* the count register, 1..65536 */
	uint64_t start; /* TSC when the current count was loaded */
	uint64_t frozen; /* ticks counted when the gate went low (modes 0 and 4 pause) */
	uint64_t edges; /* rising edges of OUT already signalled (channel 0: IRQ 0) */
};

struct vdev_pit {
	struct pit_channel ch[3];
	struct vdev_clock clock;
	uint8_t port61; /* bit 0 channel-2 gate, bit 1 speaker data enable (the writable bits) */
	uint64_t clamped; /* channel 0 periodic counts below VDEV_MIN_PERIOD_US (statistics) */
};

/* Reset (every channel idle, OUT low) and claim ports 0x40-0x43 and 0x61. Returns 0, or -1 if a port is taken. */
int pit_init(struct vdev_pit *pit, struct vdev_bus *bus, uint64_t tsc_khz);
/* Bring channel 0 up to TSC now: raise IRQ 0 for OUT's rising edges since the last call (coalesced into one). */
void pit_update(struct vdev_pit *pit, struct vdev_ctx *ctx, uint64_t now);
/* TSC of channel 0's next rising edge of OUT, or UINT64_MAX if none is coming. */
uint64_t pit_deadline(const struct vdev_pit *pit);

#endif
