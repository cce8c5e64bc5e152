/* SPDX-License-Identifier: MIT */
/*
 * inq.h — a device's queue of hvmm's console input (guest/input.c): one CPU at a time puts bytes in, the CPU that runs
 * the guest takes them out (the 16550A's receive FIFO, the virtio console's receive queue). Indices run free; queued
 * = head - tail; the put publishes with release, the take reads with acquire (and the reverse for the tail).
 */
#ifndef HVMM_VDEV_INQ_H
#define HVMM_VDEV_INQ_H
#include <stdint.h>

#define VDEV_INQ 256 /* bytes (a power of two) */

struct vdev_inq {
	uint8_t b[VDEV_INQ];
	uint32_t head, tail;
	uint64_t dropped; /* bytes lost because the queue was full (the guest does not read) */
};
_Static_assert((VDEV_INQ & (VDEV_INQ - 1)) == 0, "input queue size is a power of two");

/* Queue ch: 0, or -1 when the queue is full (counted in dropped). */
static inline int inq_put(struct vdev_inq *q, uint8_t ch)
{
	uint32_t head = q->head;
	if (head - __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE) == VDEV_INQ) {
		q->dropped++;
		return -1;
	}
	q->b[head % VDEV_INQ] = ch;
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

/* Does a byte wait? */
static inline int inq_waiting(const struct vdev_inq *q) { return __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) != q->tail; }

/* The oldest byte, taken out, or -1 when none waits. */
static inline int inq_get(struct vdev_inq *q)
{
	if (!inq_waiting(q))
		return -1;
	uint8_t ch = q->b[q->tail % VDEV_INQ];
	__atomic_store_n(&q->tail, q->tail + 1, __ATOMIC_RELEASE);
	return ch;
}

#endif
