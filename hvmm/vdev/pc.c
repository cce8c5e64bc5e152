/* SPDX-License-Identifier: MIT */
/* pc.c — a guest's virtual PC: create its devices, route ISA lines to the 8259A pair and its output through the local
 * APIC's LINT0, poll the timers. */
#include "hvmm/vdev/pc.h"

int vdev_pc_init(struct vdev_pc *pc, struct vdev_bus *bus, uint64_t tsc_khz, const struct vdev_pc_config *cfg,
		 const char **why)
{
	if (pic_init(&pc->pic, bus) || pit_init(&pc->pit, bus, tsc_khz) ||
	    uart_init(&pc->com1, bus, PC_COM1, PC_COM1_IRQ) ||
	    rtc_init(&pc->rtc, bus, tsc_khz, cfg->unix_time, cfg->tsc, cfg->ram_bytes) ||
	    fwcfg_init(&pc->fwcfg, bus, cfg->ram_bytes, cfg->ncpus)) {
		*why = "device ports overlap or the port table is full";
		return -1;
	}
	vlapic_init(&pc->lapic, tsc_khz);
	pc->isa_next_event = 0; /* the first poll updates every timer */
	return 0;
}

void vdev_irq_set(struct vdev_ctx *ctx, unsigned irq, int level)
{
	struct vdev_pc *pc = ctx->pc;
	if (!pc || irq >= 16)
		return;
	pc->irqs_raised += level != 0;
	pic_set_irq(&pc->pic, irq, level);
}

int vdev_pc_poll(struct vdev_pc *pc, struct vdev_ctx *ctx, uint64_t now)
{
	if (now >= pc->isa_next_event) { /* otherwise neither has anything to do before isa_next_event */
		pit_update(&pc->pit, ctx, now);
		rtc_update(&pc->rtc, ctx, now);
		uint64_t a = pit_deadline(&pc->pit), b = rtc_deadline(&pc->rtc);
		pc->isa_next_event = a < b ? a : b;
	}
	vlapic_update(&pc->lapic, now);
	return vlapic_pending(&pc->lapic) >= 0 || (pic_intr(&pc->pic) && vlapic_accepts_extint(&pc->lapic));
}

uint8_t vdev_pc_ack(struct vdev_pc *pc)
{
	int v = vlapic_pending(&pc->lapic);
	if (v >= 0) {
		vlapic_ack(&pc->lapic, (unsigned)v);
		return (uint8_t)v;
	}
	return pic_ack(&pc->pic);
}

uint64_t vdev_pc_deadline(const struct vdev_pc *pc)
{
	int isa = vlapic_accepts_extint(&pc->lapic); /* the 8259A's INTR reaches the CPU */
	uint64_t a = isa && pic_unmasked(&pc->pic, PIT_IRQ) ? pit_deadline(&pc->pit) : UINT64_MAX;
	uint64_t b = isa && pic_unmasked(&pc->pic, RTC_IRQ) ? rtc_deadline(&pc->rtc) : UINT64_MAX;
	uint64_t c = vlapic_deadline(&pc->lapic);
	a = a < b ? a : b;
	return a < c ? a : c;
}

uint64_t vdev_pc_next_event(const struct vdev_pc *pc)
{
	uint64_t l = vlapic_deadline(&pc->lapic);
	return pc->isa_next_event < l ? pc->isa_next_event : l;
}

int vdev_pc_port_has_timer(uint16_t port, unsigned size)
{
	uint32_t lo = port, hi = (uint32_t)port + (size ? size : 1) - 1;
	return (lo <= PIT_CONTROL && hi >= PIT_PORT) || (lo <= PORT61 && hi >= PORT61) ||
	       (lo <= CMOS_DATA && hi >= CMOS_INDEX);
}
