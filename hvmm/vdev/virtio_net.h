/* SPDX-License-Identifier: MIT */
/*
 * virtio_net.h — a virtio network device (VIRTIO 1.2 §5.1, device type 1, PCI 1AF4:1041) plugged into a port of
 * hvmm's switch (vswitch.h): one receive queue (0) and one transmit queue (1), no control queue. Features of its own:
 * VIRTIO_NET_F_MTU (1500), VIRTIO_NET_F_MAC (the port's address), VIRTIO_NET_F_STATUS (link always up); no checksum,
 * segmentation or mergeable-buffer offloads, so every frame is whole in one receive chain after a 12-byte header
 * (struct virtio_net_hdr, §5.1.6) that says nothing but num_buffers = 1.
 */
#ifndef HVMM_VDEV_VIRTIO_NET_H
#define HVMM_VDEV_VIRTIO_NET_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/vdev/virtio_pci.h"
#include "hvmm/vdev/vswitch.h"

#define VIRTIO_ID_NET 1
#define VNET_QUEUE_SIZE 256
#define VNET_HDR 12 /* §5.1.6: struct virtio_net_hdr with num_buffers (always, with VIRTIO_F_VERSION_1) */
#define VNET_RX_MIN (VNET_HDR + VSWITCH_FRAME_MAX) /* 1526: the receive chain §5.1.6.3.1 asks drivers for */

/* §5.1.4 struct virtio_net_config, up to mtu. */
struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status; /* VIRTIO_NET_S_LINK_UP */
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_net_config) == 12 && offsetof(struct virtio_net_config, status) == 6 &&
	       offsetof(struct virtio_net_config, mtu) == 10, "virtio_net_config layout (§5.1.4)");

struct vdev_vnet {
	struct virtio_pci vp;
	struct virtio_ops ops;
	struct virtio_net_config config;
	struct vswitch_port port;
	uint8_t tx[VNET_HDR + VSWITCH_FRAME_MAX]; /* the chain being transmitted */
	uint8_t warned; /* the first refused frame was logged */
	uint64_t tx_frames, tx_bytes, tx_dropped, rx_frames, rx_bytes; /* statistics (bytes: Ethernet frames) */
};

/* Make n a virtio-net device plugged into pci at devfn (BAR 0 at bar, INTx# on gsi) and attached to net as guest
 * number guest_no (its MAC address, VSWITCH_MAC) with inbox; kick(port) tells the receiving guest's CPU that frames
 * wait (it then calls vnet_deliver). Returns 0, or -1 (devfn taken, net full). */
int vnet_init(struct vdev_vnet *n, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
	      struct vswitch_net *net, unsigned guest_no, struct vswitch_frame *inbox,
	      void (*kick)(struct vswitch_port *p), void *owner, const char *guest_name);
/* On the CPU that runs n's guest: copy the frames waiting in its inbox into the receive queue's chains while there
 * are chains, and interrupt the driver as the queue asks. A malformed chain sets DEVICE_NEEDS_RESET. */
void vnet_deliver(struct vdev_ctx *ctx, struct vdev_vnet *n);

#endif
