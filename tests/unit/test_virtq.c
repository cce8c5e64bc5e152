/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/virtq.c: split virtqueues laid out in a buffer standing for guest RAM, well-formed and
 * malformed (every VIRTQ_E_* rule), with index wrap-around and both interrupt-suppression schemes. */
#define UNIT_MODULE "virtq"
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "virtq.h"

#define RAM (1u << 20) /* guest RAM [0, 1 MiB) */
#define QS 8 /* queue size used by most tests */
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define IND 0x4000 /* an indirect table */
#define BUF 0x10000

static uint8_t ram[RAM];
static unsigned mem_calls;

static void *mem(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	mem_calls++;
	if (gpa > RAM || len > RAM - gpa)
		return NULL;
	return ram + gpa;
}

static struct virtq_desc *desc(uint64_t table, unsigned i) { return (struct virtq_desc *)(ram + table) + i; }
static void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	*desc(table, i) = (struct virtq_desc){ addr, len, flags, next };
}
static struct virtq_avail *avail(void) { return (struct virtq_avail *)(ram + AVAIL); }
static struct virtq_used *used(void) { return (struct virtq_used *)(ram + USED); }

/* Offer head as the driver does: ring entry, then idx. */
static void offer(uint16_t head)
{
	avail()->ring[avail()->idx % QS] = head;
	avail()->idx++;
}

static void fresh(struct virtq *q, int event_idx, int indirect)
{
	memset(ram, 0, sizeof(ram));
	CHECK(virtq_setup(q, QS, DESC, AVAIL, USED, event_idx, indirect, mem, NULL) == 0, "setup of a queue of %u", QS);
}

/* Walk chain c to its end: number of buffers, or the error; total bytes into *bytes. */
static int walk(struct virtq *q, struct virtq_chain *c, uint64_t *bytes)
{
	struct virtq_buf b;
	int n = 0, r;
	*bytes = 0;
	while ((r = virtq_next(q, c, &b)) == 1) {
		n++;
		*bytes += b.len;
		if (n > 100000)
			return -1000; /* would be an endless walk */
	}
	return r < 0 ? r : n;
}

static void test_setup(void)
{
	struct virtq q;
	CHECK(virtq_setup(&q, 0, DESC, AVAIL, USED, 0, 0, mem, NULL) == VIRTQ_E_SIZE, "size 0 refused");
	CHECK(virtq_setup(&q, 6, DESC, AVAIL, USED, 0, 0, mem, NULL) == VIRTQ_E_SIZE, "size 6 refused");
	CHECK(virtq_setup(&q, 32768, 0, 0x80000, 0x90000, 0, 0, mem, NULL) == 0, "size 32768 accepted");
	CHECK(virtq_setup(&q, QS, DESC + 8, AVAIL, USED, 0, 0, mem, NULL) == VIRTQ_E_RING, "table at 8 mod 16 refused");
	CHECK(virtq_setup(&q, QS, DESC, AVAIL + 1, USED, 0, 0, mem, NULL) == VIRTQ_E_RING, "odd avail refused");
	CHECK(virtq_setup(&q, QS, DESC, AVAIL, USED + 2, 0, 0, mem, NULL) == VIRTQ_E_RING, "used at 2 mod 4 refused");
	CHECK(virtq_setup(&q, QS, RAM - 64, AVAIL, USED, 0, 0, mem, NULL) == VIRTQ_E_RING,
	      "table running past RAM refused");
	CHECK(virtq_setup(&q, QS, DESC, AVAIL, RAM - 16, 0, 0, mem, NULL) == VIRTQ_E_RING && !q.used && !q.desc,
	      "used ring running past RAM refused, no pointer kept");
	CHECK(virtq_setup(&q, QS, DESC, AVAIL, 0xfffffffffffffff0ull, 0, 0, mem, NULL) == VIRTQ_E_RING,
	      "used ring at the top of the address space refused");
	struct virtq_chain c;
	CHECK(virtq_pop(&q, &c) == 0, "a refused queue has nothing available");
}

static void test_chain(void)
{
	struct virtq q;
	struct virtq_chain c;
	struct virtq_buf b;
	fresh(&q, 0, 0);
	CHECK(virtq_pop(&q, &c) == 0 && !virtq_pending(&q), "empty queue: nothing to pop, nothing pending");
	set_desc(DESC, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	set_desc(DESC, 5, BUF + 0x1000, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	set_desc(DESC, 0, BUF + 0x2000, 1, VIRTQ_DESC_F_WRITE, 7);
	offer(3);
	CHECK(virtq_pending(&q), "a chain offered: pending");
	CHECK(virtq_pop(&q, &c) == 1 && c.head == 3 && !virtq_pending(&q), "pop gives head 3, nothing pending after");
	CHECK(virtq_next(&q, &c, &b) == 1 && b.gpa == BUF && b.len == 16 && !b.write && b.ptr == ram + BUF,
	      "first buffer: readable, 16 bytes, its host pointer");
	CHECK(virtq_next(&q, &c, &b) == 1 && b.gpa == BUF + 0x1000 && b.len == 512 && b.write, "second: writable 512");
	CHECK(virtq_next(&q, &c, &b) == 1 && b.len == 1 && b.write, "third: writable 1 (next 7 ignored without NEXT)");
	CHECK(virtq_next(&q, &c, &b) == 0 && virtq_next(&q, &c, &b) == 0, "then the chain's end, and it stays there");
	CHECK(virtq_pop(&q, &c) == 0, "one chain offered, one taken");
	virtq_push(&q, 3, 513);
	CHECK(used()->idx == 1 && used()->ring[0].id == 3 && used()->ring[0].len == 513, "used ring: id 3, len 513");
	CHECK(virtq_should_interrupt(&q) == 1, "interrupt after a push");
	CHECK(virtq_should_interrupt(&q) == 0, "no second interrupt without a new push");
	avail()->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	offer(0);
	uint64_t bytes;
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == 1 && bytes == 1, "a one-buffer chain");
	virtq_push(&q, 0, 1);
	CHECK(virtq_should_interrupt(&q) == 0, "VIRTQ_AVAIL_F_NO_INTERRUPT suppresses it");

	/* zero-length buffer: allowed, no pointer */
	fresh(&q, 0, 0);
	set_desc(DESC, 1, RAM + 0x1000, 0, 0, 0);
	offer(1);
	CHECK(virtq_pop(&q, &c) == 1 && virtq_next(&q, &c, &b) == 1 && b.len == 0 && !b.ptr,
	      "zero-length buffer: no address check, NULL pointer");
}

static void test_wrap(void)
{
	struct virtq q;
	struct virtq_chain c;
	fresh(&q, 0, 0);
	q.last_avail = q.used_idx = q.signalled = 65534;
	avail()->idx = 65534;
	used()->idx = 65534;
	set_desc(DESC, 2, BUF, 8, 0, 0);
	unsigned got = 0;
	for (unsigned i = 0; i < 4; i++)
		offer(2);
	while (virtq_pop(&q, &c) == 1) {
		virtq_push(&q, c.head, 0);
		got++;
	}
	CHECK(got == 4 && q.last_avail == 2 && used()->idx == 2, "indexes wrap from 65534 past 0 (got %u)", got);
	CHECK(used()->ring[65535 % QS].id == 2 && used()->ring[1].id == 2, "used elements at idx mod size");
}

static void test_malformed(void)
{
	struct virtq q;
	struct virtq_chain c;
	struct virtq_buf b;
	uint64_t bytes;

	fresh(&q, 0, 0);
	avail()->idx = QS + 1;
	CHECK(virtq_pop(&q, &c) == VIRTQ_E_AVAIL_IDX, "avail idx a queue size + 1 ahead refused");
	avail()->idx = QS;
	CHECK(virtq_pop(&q, &c) == 1, "exactly a queue size ahead accepted");

	fresh(&q, 0, 0);
	offer(QS);
	CHECK(virtq_pop(&q, &c) == VIRTQ_E_HEAD, "head index = queue size refused");

	fresh(&q, 0, 0);
	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_NEXT, QS);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && virtq_next(&q, &c, &b) == 1 && virtq_next(&q, &c, &b) == VIRTQ_E_NEXT,
	      "next = queue size refused when followed");

	fresh(&q, 0, 0);
	set_desc(DESC, 4, BUF, 8, VIRTQ_DESC_F_NEXT, 4);
	offer(4);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_LOOP, "a descriptor naming itself: a loop");

	fresh(&q, 0, 0);
	for (unsigned i = 0; i < QS; i++)
		set_desc(DESC, i, BUF, 8, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % QS));
	offer(0);
	mem_calls = 0;
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_LOOP && mem_calls == QS,
	      "a ring of all %u descriptors: a loop after %u buffers", QS, mem_calls);
	set_desc(DESC, QS - 1, BUF, 8, 0, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == QS, "a chain of exactly the queue size is fine");

	fresh(&q, 0, 0);
	set_desc(DESC, 0, RAM - 4, 8, 0, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && virtq_next(&q, &c, &b) == VIRTQ_E_BUFFER, "buffer crossing RAM's end refused");
	set_desc(DESC, 0, 0xfffffffffffffff8ull, 0x10, 0, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && virtq_next(&q, &c, &b) == VIRTQ_E_BUFFER, "buffer wrapping 2^64 refused");
	set_desc(DESC, 0, 0, 0xffffffffu, 0, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && virtq_next(&q, &c, &b) == VIRTQ_E_BUFFER, "a 4 GiB buffer refused");

	fresh(&q, 0, 0);
	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(DESC, 1, BUF, 8, 0, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_ORDER, "readable after writable refused");
}

static void test_indirect(void)
{
	struct virtq q;
	struct virtq_chain c;
	uint64_t bytes;

	fresh(&q, 0, 1);
	set_desc(IND, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND, 1, BUF + 0x100, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	set_desc(IND, 2, BUF + 0x2000, 1, VIRTQ_DESC_F_WRITE, 0);
	set_desc(DESC, 6, IND, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(6);
	CHECK(virtq_pop(&q, &c) == 1 && c.head == 6 && walk(&q, &c, &bytes) == 3 && bytes == 16 + 4096 + 1,
	      "an indirect table of 3: its buffers, head 6");

	/* more indirect entries than the queue has: allowed up to VIRTQ_MAX_INDIRECT */
	fresh(&q, 0, 1);
	for (unsigned i = 0; i < 64; i++)
		set_desc(IND, i, BUF, 1, i < 63 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	set_desc(DESC, 0, IND, 64 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == 64, "an indirect chain of 64 in a queue of %u", QS);

	struct {
		const char *what;
		uint64_t addr;
		uint32_t len;
		uint16_t flags;
		int want;
	} bad[] = {
		{ "indirect with NEXT", IND, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, VIRTQ_E_INDIRECT },
		{ "indirect of length 0", IND, 0, VIRTQ_DESC_F_INDIRECT, VIRTQ_E_INDIRECT },
		{ "indirect of length 40 (not 16n)", IND, 40, VIRTQ_DESC_F_INDIRECT, VIRTQ_E_INDIRECT },
		{ "indirect table misaligned", IND + 8, 48, VIRTQ_DESC_F_INDIRECT, VIRTQ_E_INDIRECT },
		{ "indirect over VIRTQ_MAX_INDIRECT", IND, 16 * (VIRTQ_MAX_INDIRECT + 1), VIRTQ_DESC_F_INDIRECT,
		  VIRTQ_E_INDIRECT },
		{ "indirect table past RAM", RAM - 32, 48, VIRTQ_DESC_F_INDIRECT, VIRTQ_E_BUFFER },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fresh(&q, 0, 1);
		set_desc(IND, 0, BUF, 16, 0, 0);
		set_desc(DESC, 0, bad[i].addr, bad[i].len, bad[i].flags, 1);
		offer(0);
		int r = virtq_pop(&q, &c) == 1 ? walk(&q, &c, &bytes) : 99;
		CHECK(r == bad[i].want, "%s: %s (%d)", bad[i].what, virtq_error(bad[i].want), r);
	}

	fresh(&q, 0, 0);
	set_desc(DESC, 0, IND, 48, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_INDIRECT,
	      "indirect without VIRTIO_F_INDIRECT_DESC refused");

	fresh(&q, 0, 1);
	set_desc(IND, 0, IND, 48, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(DESC, 0, IND, 48, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_INDIRECT, "nested indirect table refused");

	fresh(&q, 0, 1);
	set_desc(IND, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND, 1, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	set_desc(DESC, 0, IND, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_LOOP, "loop inside an indirect table");
	set_desc(IND, 1, BUF, 8, VIRTQ_DESC_F_NEXT, 2);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_NEXT, "next beyond the indirect table refused");

	fresh(&q, 0, 1);
	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(DESC, 1, IND, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND, 0, BUF, 8, 0, 0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1 && walk(&q, &c, &bytes) == VIRTQ_E_ORDER,
	      "readable indirect entry after a writable direct one refused");
}

static void test_event_idx(void)
{
	struct virtq q;
	struct virtq_chain c;
	fresh(&q, 1, 0);
	set_desc(DESC, 0, BUF, 8, 0, 0);
	uint16_t *used_event = &avail()->ring[QS], *avail_event = (uint16_t *)&used()->ring[QS];
	*used_event = 1; /* interrupt when the used idx passes 1 */
	offer(0);
	offer(0);
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1, "pop 1");
	virtq_push(&q, 0, 0);
	CHECK(virtq_should_interrupt(&q) == 0 && *avail_event == 1, "used idx 1: used_event 1 not yet passed; "
	      "avail_event = 1");
	CHECK(virtq_pop(&q, &c) == 1, "pop 2");
	virtq_push(&q, 0, 0);
	CHECK(virtq_should_interrupt(&q) == 1, "used idx 2 passes used_event 1: interrupt");
	CHECK(virtq_pop(&q, &c) == 1, "pop 3");
	virtq_push(&q, 0, 0);
	CHECK(virtq_should_interrupt(&q) == 0 && *avail_event == 3, "used_event still 1: no interrupt; avail_event 3");
	avail()->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	*used_event = 3;
	offer(0);
	CHECK(virtq_pop(&q, &c) == 1, "pop 4");
	virtq_push(&q, 0, 0);
	CHECK(virtq_should_interrupt(&q) == 1, "with event index the flag is ignored: used_event 3 passed");
}

int main(void)
{
	test_setup();
	test_chain();
	test_wrap();
	test_malformed();
	test_indirect();
	test_event_idx();
	CHECK(strcmp(virtq_error(VIRTQ_E_LOOP), "unknown virtqueue error") != 0 &&
	      strcmp(virtq_error(0), "unknown virtqueue error") == 0, "error names");
	return unit_done();
}
