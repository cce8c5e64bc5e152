/* SPDX-License-Identifier: MIT */
/*
 * virtio_blk.h — a virtio block device (VIRTIO 1.2 §5.2, device type 2, PCI 1AF4:1042) over a disk image held in
 * hvmm's memory (a copy of a boot module, docs/guest-abi.md "Disks"): one request queue; read, write, flush, get ID;
 * read-only when asked. Writes change only that copy: they are lost when the machine powers off.
 */
#ifndef HVMM_VDEV_VIRTIO_BLK_H
#define HVMM_VDEV_VIRTIO_BLK_H
#include <stdint.h>

#include "hvmm/vdev/virtio_pci.h"

#define VIRTIO_ID_BLOCK 2
#define VBLK_SECTOR 512 /* §5.2.6: sectors of 512 bytes, whatever blk_size says */
#define VBLK_SEG_MAX 126 /* data buffers per request (seg_max) */
#define VBLK_MAX_BUFS (VBLK_SEG_MAX + 2) /* with the header and the status byte */
#define VBLK_QUEUE_SIZE 128
#define VBLK_ID_BYTES 20 /* VIRTIO_BLK_ID_BYTES */

/* §5.2.4 struct virtio_blk_config, up to num_queues (what the features offered here use). */
struct virtio_blk_config {
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_blk_config) == 36, "virtio_blk_config up to num_queues is 36 bytes");
_Static_assert(__builtin_offsetof(struct virtio_blk_config, blk_size) == 20 &&
	       __builtin_offsetof(struct virtio_blk_config, writeback) == 32, "virtio_blk_config layout (§5.2.4)");

struct vdev_vblk {
	struct virtio_pci vp;
	uint8_t *data; /* the disk: bytes, a copy that belongs to this guest alone */
	uint64_t bytes;
	uint8_t ro;
	char id[VBLK_ID_BYTES]; /* GET_ID's answer */
	struct virtio_ops ops;
	struct virtio_blk_config config;
	struct virtq_buf buf[VBLK_MAX_BUFS]; /* the request being served */
	uint64_t reads, writes, flushes, ids, errors, bytes_read, bytes_written; /* statistics */
};

/* Make b a virtio-blk device over data[0, bytes) (capacity: whole sectors), read-only if ro, answering GET_ID with
 * id (at most 20 bytes kept), plugged into pci at devfn with BAR 0 at bar and INTx# on gsi. Returns 0 or -1. */
int vblk_init(struct vdev_vblk *b, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi, uint8_t *data,
	      uint64_t bytes, int ro, const char *id, const char *guest_name);

#endif
