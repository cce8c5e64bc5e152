/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for lib/virtq.c: a split virtqueue whose rings and descriptors the driver (the input) controls.
 * Input: byte 0: log2 of the queue size (mod 16, so 1..32768); byte 1: bit 0 VIRTIO_F_EVENT_IDX, bit 1
 * VIRTIO_F_INDIRECT_DESC; bytes 2-3, 4-5, 6-7: the table's, avail ring's and used ring's addresses in 16-byte units
 * (little-endian); the rest stands for guest RAM from address 0, copied to a buffer of exactly that length. The
 * device pops every available chain, walks it and returns it as the virtio-blk device does, until the queue is empty,
 * reports an error, or a queue size of chains were taken. Checks: every buffer of non-zero length lies inside RAM and
 * its pointer is RAM + its address (a zero-length one has none); a chain yields at most queue size +
 * VIRTQ_MAX_INDIRECT buffers; heads are below the size; errors are VIRTQ_E_* codes with a name; the used idx advances
 * by one per chain returned.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ram {
	uint8_t *p;
	size_t size;
};

static void *mem(void *ctx, uint64_t gpa, uint64_t len)
{
	struct ram *r = ctx;
	if (gpa > r->size || len > r->size - gpa)
		return NULL;
	return r->p + gpa;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h[8] = { 0 };
	memcpy(h, data, size < sizeof(h) ? size : sizeof(h));
	size_t n = size > sizeof(h) ? size - sizeof(h) : 0;
	struct ram r = { malloc(n ? n : 1), n };
	if (!r.p)
		return 0;
	memcpy(r.p, data + (size - n), n);
	uint16_t qsize = (uint16_t)(1u << (h[0] % 16));
	uint64_t d = 16ull * (h[2] | h[3] << 8), a = 16ull * (h[4] | h[5] << 8), u = 16ull * (h[6] | h[7] << 8);
	struct virtq q;
	int e = virtq_setup(&q, qsize, d, a, u, h[1] & 1, h[1] & 2, mem, &r);
	if (e && e != VIRTQ_E_RING && e != VIRTQ_E_SIZE)
		abort();
	unsigned chains = 0;
	struct virtq_chain c;
	/* at most a queue size of chains per notification, as the devices take them: the buffers written may be the
	 * avail ring itself, which a driver's other CPU could refill for ever too */
	while (!e && chains < qsize && (e = virtq_pop(&q, &c)) == 1) {
		chains++;
		if (c.head >= qsize)
			abort();
		struct virtq_buf b;
		unsigned bufs = 0;
		uint32_t written = 0;
		while ((e = virtq_next(&q, &c, &b)) == 1) {
			if (++bufs > qsize + VIRTQ_MAX_INDIRECT)
				abort();
			if (b.len ? b.gpa > n || b.len > n - b.gpa || b.ptr != r.p + b.gpa : b.ptr != NULL)
				abort();
			if (b.write && b.len) {
				((uint8_t *)b.ptr)[b.len - 1] = 0; /* the device writes: ASan sees a stray pointer */
				written += b.len;
			}
		}
		if (e < 0)
			break;
		uint16_t before = q.used_idx;
		virtq_push(&q, c.head, written);
		if ((uint16_t)(q.used_idx - before) != 1)
			abort();
		(void)virtq_should_interrupt(&q);
	}
	if (e < 0 && !strcmp(virtq_error(e), "unknown virtqueue error"))
		abort();
	free(r.p);
	return 0;
}
