/* SPDX-License-Identifier: MIT */
/* kbcreset.c — port 64h: command FEh pulses output port bit 0, the CPU's reset line (IBM PC/AT Technical Reference,
 * keyboard controller commands); everything else reads FFh and is ignored, as on a PC without an 8042. */
#include "hvmm/vdev/kbcreset.h"

#include <stddef.h>

#define KBC_PULSE_RESET 0xfe

static void io(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size, uint32_t *value)
{
	(void)dev, (void)port, (void)size;
	if (dir == VDEV_IN)
		*value = 0xff;
	else if ((*value & 0xff) == KBC_PULSE_RESET)
		ctx->host->power(ctx->guest, VDEV_POWER_RESET);
}

int kbcreset_init(struct vdev_bus *bus) { return vdev_port_register(bus, KBC_COMMAND, 1, VDEV_SIZE_1, io, NULL); }
