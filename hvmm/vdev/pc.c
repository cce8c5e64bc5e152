/* pc.c — a guest's virtual PC: create its devices, route ISA interrupt lines to the 8259A pair, poll its timers. */
#include "hvmm/vdev/pc.h"

#include "hvmm/vdev/debugexit.h"

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
	if (cfg->debug_exit_port && debugexit_init(bus, cfg->debug_exit_port)) {
		*why = "debug_exit= port overlaps another device";
		return -1;
	}
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
	pit_update(&pc->pit, ctx, now);
	rtc_update(&pc->rtc, ctx, now);
	return pic_intr(&pc->pic);
}

uint8_t vdev_pc_ack(struct vdev_pc *pc) { return pic_ack(&pc->pic); }

uint64_t vdev_pc_deadline(const struct vdev_pc *pc)
{
	uint64_t a = pit_deadline(&pc->pit), b = rtc_deadline(&pc->rtc);
	return a < b ? a : b;
}
