/* SPDX-License-Identifier: MIT */
/*
 * virtio_net.c — the virtio network device (VIRTIO 1.2 §5.1) on a port of hvmm's switch (vswitch.c). Transmit
 * (§5.1.6.2): each chain of the transmit queue is a 12-byte header and the frame, device-readable only; the frame is
 * copied into hvmm and handed to the switch, which copies it into the receivers' inboxes. Receive (§5.1.6.3): on the
 * receiving guest's CPU each waiting frame fills one receive chain (device-writable only, at least VNET_RX_MIN bytes)
 * as a zeroed header with num_buffers = 1, then the frame. Malformed chains set DEVICE_NEEDS_RESET (virtio_pci.c);
 * a well-formed chain with a frame the switch refuses (under 14 or over 1514 bytes, a source address not the
 * device's own) is used with the frame dropped and counted (tx_dropped), the first of them logged.
 */
#include "hvmm/vdev/virtio_net.h"

#include <string.h>

#include "fmt.h"
#include "hvmm/core/console.h"

#define RECEIVEQ 0
#define TRANSMITQ 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1
#define NUM_BUFFERS_OFF 10 /* of struct virtio_net_hdr */

static const char *const refused[] = {
	[VSWITCH_SHORT] = "shorter than an Ethernet header (14 bytes)",
	[VSWITCH_LONG] = "longer than 1514 bytes (MTU 1500, no segmentation offload)",
	[VSWITCH_SPOOFED] = "source address not the device's own",
};

/* One transmit chain: gather it into n->tx, hand the frame to the switch. */
static int64_t transmit(struct virtio_pci *vp, struct virtq *q, struct virtq_chain *c, const char **why)
{
	struct vdev_vnet *n = vp->dev;
	struct virtq_buf b;
	uint64_t total = 0;
	int e;
	while ((e = virtq_next(q, c, &b)) == 1) {
		if (b.write) {
			*why = "transmit chain with a device-writable buffer";
			return -1;
		}
		if (total < sizeof(n->tx)) {
			uint64_t k = sizeof(n->tx) - total < b.len ? sizeof(n->tx) - total : b.len;
			memcpy(n->tx + total, b.ptr, k);
		}
		total += b.len;
	}
	if (e < 0) {
		*why = virtq_error(e);
		return -1;
	}
	if (total < VNET_HDR) {
		*why = "transmit chain shorter than the 12-byte virtio_net_hdr";
		return -1;
	}
	uint64_t len = total - VNET_HDR;
	enum vswitch_verdict v = len > VSWITCH_FRAME_MAX ? VSWITCH_LONG : vswitch_send(&n->port, n->tx + VNET_HDR,
										 (unsigned)len);
	if (v != VSWITCH_SENT) {
		if (!n->warned++)
			hlog("guest %s virtio-net (00:%02x.0): a transmitted frame of %lu bytes dropped: %s (further ones "
			     "only counted, tx_dropped=)", vp->guest_name, vp->devfn >> 3, len, refused[v]);
		n->tx_dropped++;
		return 0;
	}
	n->tx_frames++;
	n->tx_bytes += len;
	return 0;
}

struct rx {
	struct vdev_ctx *ctx;
	struct vdev_vnet *n;
	struct virtq *q;
};

/* Copy len bytes from p into the chain's buffers from offset off (the chain was checked to hold them). */
static void fill(struct virtq *q, struct virtq_chain c, uint64_t off, const uint8_t *p, uint64_t len)
{
	struct virtq_buf b;
	while (len && virtq_next(q, &c, &b) == 1) {
		if (off >= b.len) {
			off -= b.len;
			continue;
		}
		uint64_t k = b.len - off < len ? b.len - off : len;
		memcpy((uint8_t *)b.ptr + off, p, k);
		p += k, len -= k, off = 0;
	}
}

/* vswitch_receive's take: one frame into the next receive chain; 0 when there is none (or it is malformed). */
static int take(void *arg, const uint8_t *frame, unsigned len)
{
	struct rx *r = arg;
	struct virtq_chain c = { 0 }, walk;
	struct virtq_buf b;
	uint64_t room = 0;
	const char *why = NULL;
	int e = virtq_pop(r->q, &c);
	if (e == 0)
		return 0;
	walk = c;
	while (e > 0 && (e = virtq_next(r->q, &walk, &b)) == 1)
		if (!b.write) {
			why = "receive chain with a device-readable buffer";
			break;
		} else {
			room += b.len;
		}
	if (!why && e < 0)
		why = virtq_error(e);
	if (!why && room < VNET_RX_MIN)
		why = "receive chain under 1526 bytes (the 12-byte header and a 1514-byte frame)";
	if (why) {
		virtio_pci_broken(r->ctx, &r->n->vp, RECEIVEQ, why);
		return 0;
	}
	uint8_t hdr[VNET_HDR] = { 0 };
	hdr[NUM_BUFFERS_OFF] = 1;
	fill(r->q, c, 0, hdr, VNET_HDR);
	fill(r->q, c, VNET_HDR, frame, len);
	virtq_push(r->q, c.head, VNET_HDR + len);
	r->n->rx_frames++;
	r->n->rx_bytes += len;
	return 1;
}

void vnet_deliver(struct vdev_ctx *ctx, struct vdev_vnet *n)
{
	struct rx r = { .ctx = ctx, .n = n };
	/* twice at most: publishing avail_event (virtio_pci_used) may show chains the driver added meanwhile */
	for (int round = 0; round < 2 && vswitch_waiting(&n->port); round++) {
		if (!(n->vp.status & VIRTIO_STATUS_DRIVER_OK) || !(r.q = virtio_pci_queue(&n->vp, RECEIVEQ)))
			return;
		unsigned got = vswitch_receive(&n->port, take, &r);
		virtio_pci_used(ctx, &n->vp, RECEIVEQ);
		if (got == 0 && !virtq_pending(r.q))
			return;
	}
}

/* A notification: the transmit queue's chains are sent; new receive chains take the frames that wait. */
static void notify(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned q)
{
	if (q == TRANSMITQ)
		virtio_pci_serve(ctx, vp, q, transmit);
	else
		vnet_deliver(ctx, vp->dev);
}

static void report(const struct virtio_pci *vp, char *buf, unsigned size)
{
	const struct vdev_vnet *n = vp->dev;
	const uint8_t *m = n->config.mac;
	fmt_snprintf(buf, size, " net=%s mac=%02x:%02x:%02x:%02x:%02x:%02x tx=%lu tx_bytes=%lu tx_dropped=%lu rx=%lu "
		     "rx_bytes=%lu rx_dropped=%lu", n->port.net->name, m[0], m[1], m[2], m[3], m[4], m[5], n->tx_frames,
		     n->tx_bytes, n->tx_dropped, n->rx_frames, n->rx_bytes, n->port.dropped);
}

int vnet_init(struct vdev_vnet *n, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
	      struct vswitch_net *net, unsigned guest_no, struct vswitch_frame *inbox,
	      void (*kick)(struct vswitch_port *p), void *owner, const char *guest_name)
{
	memset(n, 0, sizeof(*n));
	const uint8_t mac[6] = VSWITCH_MAC(net->index, guest_no);
	memcpy(n->config.mac, mac, 6);
	n->config.status = VIRTIO_NET_S_LINK_UP;
	n->config.max_virtqueue_pairs = 1;
	n->config.mtu = VSWITCH_MTU;
	n->ops = (struct virtio_ops){
		.type = VIRTIO_ID_NET,
		.class_rev = 0x02000000u, /* class 02h (network) / 00h (Ethernet) */
		.features = 1ull << VIRTIO_NET_F_MTU | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS,
		.nqueues = 2,
		.queue_max = VNET_QUEUE_SIZE,
		.config = &n->config,
		.config_len = sizeof(n->config),
		.notify = notify,
		.report = report,
	};
	if (virtio_pci_init(&n->vp, pci, devfn, bar, gsi, &n->ops, n, guest_name, "virtio-net"))
		return -1;
	return vswitch_attach(net, &n->port, inbox, guest_no, kick, owner);
}
