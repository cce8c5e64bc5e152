/* SPDX-License-Identifier: MIT */
/*
 * virtq.h — the device side of a split virtqueue (Virtual I/O Device (VIRTIO) Version 1.2, §2.7): take the chains
 * the driver made available, walk their descriptors (direct and indirect, §2.7.5), return them through the used
 * ring, and decide when to interrupt the driver (VIRTQ_AVAIL_F_NO_INTERRUPT or, with VIRTIO_F_EVENT_IDX, used_event,
 * §2.7.10). Freestanding: guest memory comes through the caller's mem() callback, which returns a host pointer to
 * [gpa, gpa + len) only when all of it is the guest's RAM.
 *
 * Everything the driver wrote is checked before it is used, and read once (a second virtual CPU may change it):
 * ring and table addresses and lengths lie inside guest RAM; a head or next index is below the queue size; the avail
 * index runs at most a queue size ahead of the device; a chain visits at most queue size descriptors, an indirect
 * table at most its own entry count (VIRTQ_MAX_INDIRECT at most); no indirect descriptor inside an indirect table,
 * none with NEXT set; device-writable descriptors only after the readable ones (§2.7.4.2). A violation is a
 * negative VIRTQ_E_* code (virtq_error names it); the device then stops using the queue (DEVICE_NEEDS_RESET).
 */
#ifndef HVMM_LIB_VIRTQ_H
#define HVMM_LIB_VIRTQ_H
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1u /* §2.7.5: the chain goes on at .next */
#define VIRTQ_DESC_F_WRITE 2u /* device-writable (else device-readable) */
#define VIRTQ_DESC_F_INDIRECT 4u /* the buffer is a table of descriptors (VIRTIO_F_INDIRECT_DESC) */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u /* §2.7.6 */
#define VIRTQ_USED_F_NO_NOTIFY 1u /* §2.7.8 */

#define VIRTQ_MAX_SIZE 32768u /* §2.7: the largest queue size */
#define VIRTQ_MAX_INDIRECT 1024u /* entries in one indirect table that hvmm accepts */

/* §2.7.5 "The Virtqueue Descriptor Table": one descriptor, 16-byte aligned. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");
_Static_assert(offsetof(struct virtq_desc, len) == 8 && offsetof(struct virtq_desc, flags) == 12 &&
	       offsetof(struct virtq_desc, next) == 14, "virtq_desc layout");

/* §2.7.6 "The Virtqueue Available Ring": flags, idx, ring[size], then used_event (VIRTIO_F_EVENT_IDX). */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
_Static_assert(offsetof(struct virtq_avail, ring) == 4, "virtq_avail layout");

/* §2.7.8 "The Virtqueue Used Ring": flags, idx, ring[size] of {id, len}, then avail_event. */
struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem is 8 bytes");
_Static_assert(offsetof(struct virtq_used, ring) == 4, "virtq_used layout");

/* Bytes of each part for a queue of size entries (§2.7: Descriptor Table, Available Ring, Used Ring). */
#define VIRTQ_DESC_BYTES(size) (16ull * (size))
#define VIRTQ_AVAIL_BYTES(size) (6ull + 2ull * (size))
#define VIRTQ_USED_BYTES(size) (6ull + 8ull * (size))

enum {
	VIRTQ_E_SIZE = -1, /* queue size 0, above the maximum, or not a power of two */
	VIRTQ_E_RING = -2, /* a ring or the table misaligned or not inside guest RAM */
	VIRTQ_E_AVAIL_IDX = -3, /* avail idx more than a queue size ahead of the device */
	VIRTQ_E_HEAD = -4, /* a head index from the avail ring >= queue size */
	VIRTQ_E_NEXT = -5, /* a next index >= queue size (or >= the indirect table's entries) */
	VIRTQ_E_LOOP = -6, /* a chain longer than the queue (or the indirect table): a loop */
	VIRTQ_E_BUFFER = -7, /* a buffer not inside guest RAM */
	VIRTQ_E_INDIRECT = -8, /* an indirect table nested, with NEXT set, of bad length, or not offered */
	VIRTQ_E_ORDER = -9, /* a device-readable descriptor after a device-writable one */
};

/* Host pointer to guest-physical [gpa, gpa + len) if all of it is guest RAM, else NULL. */
typedef void *virtq_mem_fn(void *ctx, uint64_t gpa, uint64_t len);

struct virtq {
	uint16_t size; /* entries (power of two) */
	uint16_t last_avail; /* the avail ring's next entry for the device */
	uint16_t used_idx; /* the used ring's next entry (the idx the device last published) */
	uint16_t signalled; /* used_idx when the driver was last interrupted (event index) */
	uint8_t event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	uint8_t indirect; /* VIRTIO_F_INDIRECT_DESC negotiated */
	struct virtq_desc *desc; /* host pointers, checked once by virtq_setup: guest RAM does not move */
	struct virtq_avail *avail;
	struct virtq_used *used;
	virtq_mem_fn *mem;
	void *ctx;
};

/* One buffer of a chain: guest-physical address, length, device-writable or not, and its host pointer (NULL when
 * len is 0). */
struct virtq_buf {
	uint64_t gpa;
	uint32_t len;
	int write;
	void *ptr;
};

/* A chain being walked (virtq_next). */
struct virtq_chain {
	uint16_t head; /* the head's index in the descriptor table: virtq_push returns it */
	uint16_t next; /* index of the next descriptor in the current table */
	uint8_t more; /* a descriptor remains */
	uint8_t in_indirect;
	uint8_t seen_write;
	const struct virtq_desc *table; /* the current table (the queue's or an indirect one) */
	uint32_t entries; /* its entries */
	uint32_t visited; /* descriptors taken from the current table */
};

/* Make q a queue of size entries with its three parts at the given guest-physical addresses; mem(ctx, ...) reaches
 * guest RAM. Returns 0 or VIRTQ_E_SIZE / VIRTQ_E_RING. The device's indexes start at 0. */
int virtq_setup(struct virtq *q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used, int event_idx,
		int indirect, virtq_mem_fn *mem, void *ctx);
/* Has the driver made a chain available that virtq_pop has not taken? */
int virtq_pending(const struct virtq *q);
/* Take the next available chain into *c: 1, 0 if none is available, or a VIRTQ_E_* code. */
int virtq_pop(struct virtq *q, struct virtq_chain *c);
/* The chain's next buffer into *b: 1, 0 at the chain's end, or a VIRTQ_E_* code. */
int virtq_next(struct virtq *q, struct virtq_chain *c, struct virtq_buf *b);
/* Return chain head with written bytes to the used ring (§2.7.8); the driver sees it at once. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);
/* After pushes: should the driver be interrupted (§2.7.7, §2.7.10)? Records that it was. Also tells the driver
 * (avail_event) that the device wants a notification for every chain after those it took. */
int virtq_should_interrupt(struct virtq *q);
/* A short English name for a VIRTQ_E_* code. */
const char *virtq_error(int e);

#endif
