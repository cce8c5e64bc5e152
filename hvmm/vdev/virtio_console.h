/* SPDX-License-Identifier: MIT */
/*
 * virtio_console.h — a virtio console (VIRTIO 1.2 §5.3, device type 3, PCI 1AF4:1043) with one port, no features of
 * its own: what the guest writes to its transmit queue goes to the guest's line console (hvmm's "[<name>] " lines,
 * beside the UART's); hvmm's console input for the guest (guest/input.c, the same focus as its UART's) fills its
 * receive queue's buffers (docs/guest-abi.md "virtio devices").
 */
#ifndef HVMM_VDEV_VIRTIO_CONSOLE_H
#define HVMM_VDEV_VIRTIO_CONSOLE_H
#include <stdint.h>

#include "hvmm/vdev/inq.h"
#include "hvmm/vdev/virtio_pci.h"

#define VIRTIO_ID_CONSOLE 3
#define VCON_QUEUE_SIZE 64
#define VCON_MAX_PER_CHAIN 65536 /* bytes printed per chain at most */

/* §5.3.4 struct virtio_console_config. */
struct virtio_console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
};
_Static_assert(sizeof(struct virtio_console_config) == 12, "virtio_console_config is 12 bytes (§5.3.4)");

struct vdev_vcon {
	struct virtio_pci vp;
	struct virtio_ops ops;
	struct virtio_console_config config;
	const struct vdev_host *host; /* the guest's line console (host->putc) */
	void *guest;
	uint64_t bytes, cut; /* statistics: bytes printed; chains cut at VCON_MAX_PER_CHAIN */
	struct vdev_inq in; /* hvmm's console input for this guest (guest/input.c), taken into the receiveq */
	uint64_t in_bytes; /* statistics: input bytes given to the guest */
};

/* Make c a console plugged into pci at devfn, BAR 0 at bar, INTx# on gsi, printing through host->putc(guest, ...).
 * Returns 0 or -1. */
int vcon_init(struct vdev_vcon *c, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
	      const struct vdev_host *host, void *guest, const char *guest_name);

/* Queue one byte of console input (any CPU; one CPU at a time). Returns 0, or -1 when the queue is full (counted). */
int vcon_input_put(struct vdev_vcon *c, uint8_t ch);
/* On the CPU that runs the guest: move queued input into the receive queue's chains (device-writable bytes, as many
 * as each holds) while there are chains, and interrupt the driver as the queue asks. */
void vcon_input_pull(struct vdev_ctx *ctx, struct vdev_vcon *c);

#endif
