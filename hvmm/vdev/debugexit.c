/* SPDX-License-Identifier: MIT */
/*
 * debugexit.c — QEMU's isa-debug-exit device, for one guest: a write of value (8, 16 or 32 bits) to any of its
 * ports ends that guest — not the machine — with exit status (value << 1) | 1, as QEMU's process status would be.
 * Reads return all ones.
 */
#include "hvmm/vdev/debugexit.h"

static void debugexit_port(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
			   uint32_t *value)
{
	(void)dev;
	(void)port;
	(void)size;
	if (dir == VDEV_IN) {
		*value = 0xffffffff;
		return;
	}
	ctx->host->stop(ctx->guest, ((int64_t)*value << 1) | 1);
}

int debugexit_init(struct vdev_bus *bus, uint16_t port)
{
	return vdev_port_register(bus, port, DEBUGEXIT_PORTS, VDEV_SIZE_2 | VDEV_SIZE_4, debugexit_port, 0);
}
