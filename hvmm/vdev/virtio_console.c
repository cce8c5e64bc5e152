/* SPDX-License-Identifier: MIT */
/*
 * virtio_console.c — the virtio console (VIRTIO 1.2 §5.3) without VIRTIO_CONSOLE_F_MULTIPORT: queue 0 is port 0's
 * receiveq, queue 1 its transmitq. Each transmitted chain's device-readable bytes (at most VCON_MAX_PER_CHAIN) go to
 * the guest's line console; the receiveq's buffers stay with the device, unused, until input exists.
 */
#include "hvmm/vdev/virtio_console.h"

#include <string.h>

#include "fmt.h"

#define RECEIVEQ 0

static int64_t chain(struct virtio_pci *vp, struct virtq *q, struct virtq_chain *c, const char **why)
{
	struct vdev_vcon *con = vp->dev;
	struct virtq_buf b;
	uint32_t n = 0;
	int e;
	while ((e = virtq_next(q, c, &b)) == 1)
		for (uint32_t i = 0; !b.write && i < b.len; i++) {
			if (n == VCON_MAX_PER_CHAIN) {
				con->cut++;
				break;
			}
			con->host->putc(con->guest, ((const char *)b.ptr)[i]);
			n++;
		}
	if (e < 0) {
		*why = virtq_error(e);
		return -1;
	}
	con->bytes += n;
	return 0; /* nothing written into the chain */
}

static void report(const struct virtio_pci *vp, char *buf, unsigned size)
{
	const struct vdev_vcon *c = vp->dev;
	fmt_snprintf(buf, size, " bytes=%lu cut=%lu", c->bytes, c->cut);
}

int vcon_init(struct vdev_vcon *c, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
	      const struct vdev_host *host, void *guest, const char *guest_name)
{
	memset(c, 0, sizeof(*c));
	c->host = host;
	c->guest = guest;
	c->config.max_nr_ports = 1;
	c->ops = (struct virtio_ops){
		.type = VIRTIO_ID_CONSOLE,
		.class_rev = 0x07800000u, /* class 07h (communication) / 80h (other) */
		.nqueues = 2,
		.passive_queues = 1u << RECEIVEQ,
		.queue_max = VCON_QUEUE_SIZE,
		.config = &c->config,
		.config_len = sizeof(c->config),
		.serve = chain,
		.report = report,
	};
	return virtio_pci_init(&c->vp, pci, devfn, bar, gsi, &c->ops, c, guest_name, "virtio-console");
}
