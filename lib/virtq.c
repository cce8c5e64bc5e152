/* SPDX-License-Identifier: MIT */
/*
 * virtq.c — the device side of a split virtqueue (VIRTIO 1.2 §2.7), every driver-written value checked before use
 * (virtq.h lists the rules). Each value the driver may change is read once through a volatile access, so what was
 * checked is what is used even while another virtual CPU writes the rings. Ordering (§2.7.13): the avail ring's
 * entries are read after its idx (acquire); a used element is written before the used idx (release); a full fence
 * separates publishing the used idx from reading used_event (§2.7.10), as the driver's side orders them too.
 */
#include "virtq.h"

static uint16_t rd16(const void *p) { return *(const volatile uint16_t *)p; }
static void wr16(void *p, uint16_t v) { *(volatile uint16_t *)p = v; }

int virtq_setup(struct virtq *q, uint16_t size, uint64_t desc, uint64_t avail, uint64_t used, int event_idx,
		int indirect, virtq_mem_fn *mem, void *ctx)
{
	*q = (struct virtq){ .size = size, .event_idx = !!event_idx, .indirect = !!indirect, .mem = mem, .ctx = ctx };
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return VIRTQ_E_SIZE;
	if ((desc & 15) || (avail & 1) || (used & 3)) /* §2.7 alignment: 16, 2, 4 */
		return VIRTQ_E_RING;
	q->desc = mem(ctx, desc, VIRTQ_DESC_BYTES(size));
	q->avail = mem(ctx, avail, VIRTQ_AVAIL_BYTES(size));
	q->used = mem(ctx, used, VIRTQ_USED_BYTES(size));
	if (!q->desc || !q->avail || !q->used) {
		q->desc = NULL, q->avail = NULL, q->used = NULL;
		return VIRTQ_E_RING;
	}
	return 0;
}

int virtq_pending(const struct virtq *q)
{
	return q->avail && __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE) != q->last_avail;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	if (!q->avail)
		return 0;
	uint16_t idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->size) /* §2.7.6: the driver never runs more than a queue ahead */
		return VIRTQ_E_AVAIL_IDX;
	uint16_t head = rd16(&q->avail->ring[q->last_avail & (q->size - 1)]);
	if (head >= q->size)
		return VIRTQ_E_HEAD;
	q->last_avail++;
	*c = (struct virtq_chain){ .head = head, .next = head, .more = 1, .table = q->desc, .entries = q->size };
	return 1;
}

int virtq_next(struct virtq *q, struct virtq_chain *c, struct virtq_buf *b)
{
	for (;;) { /* at most twice: an indirect descriptor is followed by its table's first entry */
		if (!c->more)
			return 0;
		if (c->next >= c->entries)
			return VIRTQ_E_NEXT;
		/* a chain without a loop visits each entry of its table at most once (§2.7.5.3.1 bounds the indirect
		 * table's chain by its entries) */
		if (++c->visited > c->entries)
			return VIRTQ_E_LOOP;
		const volatile struct virtq_desc *p = &c->table[c->next];
		struct virtq_desc d = { .addr = p->addr, .len = p->len, .flags = p->flags, .next = p->next };
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* §2.7.5.3.1: only with VIRTIO_F_INDIRECT_DESC, never with NEXT, never inside an indirect
			 * table, a whole number of descriptors */
			if (!q->indirect || c->in_indirect || (d.flags & VIRTQ_DESC_F_NEXT) || d.len == 0 || (d.len & 15) ||
			    d.len / 16 > VIRTQ_MAX_INDIRECT || (d.addr & 15))
				return VIRTQ_E_INDIRECT;
			const struct virtq_desc *t = q->mem(q->ctx, d.addr, d.len);
			if (!t)
				return VIRTQ_E_BUFFER;
			c->table = t;
			c->entries = d.len / 16;
			c->next = 0;
			c->visited = 0;
			c->in_indirect = 1;
			continue;
		}
		int write = (d.flags & VIRTQ_DESC_F_WRITE) != 0;
		if (!write && c->seen_write)
			return VIRTQ_E_ORDER;
		c->seen_write |= write;
		void *ptr = NULL;
		if (d.len && !(ptr = q->mem(q->ctx, d.addr, d.len)))
			return VIRTQ_E_BUFFER;
		*b = (struct virtq_buf){ .gpa = d.addr, .len = d.len, .write = write, .ptr = ptr };
		c->more = (d.flags & VIRTQ_DESC_F_NEXT) != 0;
		c->next = d.next;
		return 1;
	}
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	if (!q->used)
		return;
	volatile struct virtq_used_elem *e = &q->used->ring[q->used_idx & (q->size - 1)];
	e->id = head;
	e->len = written;
	q->used_idx++;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

int virtq_should_interrupt(struct virtq *q)
{
	if (!q->used)
		return 0;
	uint16_t old = q->signalled, now = q->used_idx;
	if (q->event_idx) /* avail_event: notify the device of any chain after the ones taken (§2.7.10) */
		wr16(&q->used->ring[q->size], q->last_avail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (old == now)
		return 0;
	q->signalled = now;
	if (q->event_idx) { /* interrupt if used_event lies in [old, now) (vring_need_event's rule, §2.7.10) */
		uint16_t event = rd16(&q->avail->ring[q->size]);
		return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
	}
	return !(rd16(&q->avail->flags) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

const char *virtq_error(int e)
{
	switch (e) {
	case VIRTQ_E_SIZE: return "queue size not a power of two in 1..32768";
	case VIRTQ_E_RING: return "descriptor table or ring misaligned or outside guest RAM";
	case VIRTQ_E_AVAIL_IDX: return "avail idx more than a queue size ahead";
	case VIRTQ_E_HEAD: return "avail ring entry beyond the queue size";
	case VIRTQ_E_NEXT: return "descriptor next beyond its table";
	case VIRTQ_E_LOOP: return "descriptor chain longer than its table (a loop)";
	case VIRTQ_E_BUFFER: return "buffer outside guest RAM";
	case VIRTQ_E_INDIRECT: return "bad indirect descriptor (nested, with NEXT, bad length or not negotiated)";
	case VIRTQ_E_ORDER: return "device-readable descriptor after a device-writable one";
	default: return "unknown virtqueue error";
	}
}
