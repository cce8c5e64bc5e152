/* SPDX-License-Identifier: MIT */
/*
 * virtio_console.c — the virtio console (VIRTIO 1.2 §5.3) without VIRTIO_CONSOLE_F_MULTIPORT: queue 0 is port 0's
 * receiveq, queue 1 its transmitq. Each transmitted chain's device-readable bytes (at most VCON_MAX_PER_CHAIN) go to
 * the guest's line console. Console input waits in a queue of VDEV_INQ bytes (inq.h) until the receiveq has a chain; each
 * chain takes as many bytes as its device-writable buffers hold (§5.3.6.1: the used length says how many).
 */
#include "hvmm/vdev/virtio_console.h"

#include <string.h>

#include "fmt.h"

#define RECEIVEQ 0
#define TRANSMITQ 1

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

int vcon_input_put(struct vdev_vcon *c, uint8_t ch) { return inq_put(&c->in, ch); }

/* One receive chain filled with queued input: the bytes written, or -1 with *why. */
static int64_t receive(struct virtio_pci *vp, struct virtq *q, struct virtq_chain *ch, const char **why)
{
	struct vdev_vcon *c = vp->dev;
	struct virtq_buf b;
	uint32_t n = 0;
	int e;
	while ((e = virtq_next(q, ch, &b)) == 1) {
		if (!b.write) {
			*why = "receive chain with a device-readable buffer";
			return -1;
		}
		for (uint32_t i = 0; i < b.len && inq_waiting(&c->in); i++, n++)
			((uint8_t *)b.ptr)[i] = (uint8_t)inq_get(&c->in);
	}
	c->in_bytes += n;
	if (e < 0) {
		*why = virtq_error(e);
		return -1;
	}
	return n;
}

void vcon_input_pull(struct vdev_ctx *ctx, struct vdev_vcon *c)
{
	struct virtio_pci *vp = &c->vp;
	struct virtq *q = virtio_pci_queue(vp, RECEIVEQ);
	/* a queue size of chains at most, as for a notification */
	for (unsigned budget = q ? q->size : 0; budget && inq_waiting(&c->in); budget--) {
		if (!(vp->status & VIRTIO_STATUS_DRIVER_OK))
			return;
		struct virtq_chain ch;
		const char *why = NULL;
		int e = virtq_pop(q, &ch);
		if (e == 0)
			break;
		int64_t n = e < 0 ? -1 : receive(vp, q, &ch, &why);
		if (n < 0) {
			virtio_pci_broken(ctx, vp, RECEIVEQ, why ? why : virtq_error(e));
			return;
		}
		virtq_push(q, ch.head, (uint32_t)n);
	}
	virtio_pci_used(ctx, vp, RECEIVEQ);
}

/* A notification: the transmitq's chains are printed; new receiveq chains take the input that waits. */
static void notify(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned q)
{
	if (q == TRANSMITQ)
		virtio_pci_serve(ctx, vp, q, chain);
	else
		vcon_input_pull(ctx, vp->dev);
}

static void report(const struct virtio_pci *vp, char *buf, unsigned size)
{
	const struct vdev_vcon *c = vp->dev;
	fmt_snprintf(buf, size, " bytes=%lu cut=%lu in=%lu in_dropped=%lu", c->bytes, c->cut, c->in_bytes,
		     c->in.dropped);
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
		.queue_max = VCON_QUEUE_SIZE,
		.config = &c->config,
		.config_len = sizeof(c->config),
		.notify = notify,
		.report = report,
	};
	return virtio_pci_init(&c->vp, pci, devfn, bar, gsi, &c->ops, c, guest_name, "virtio-console");
}
