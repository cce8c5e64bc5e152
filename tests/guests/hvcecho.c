/* SPDX-License-Identifier: MIT */
/*
 * hvcecho (test guest, platform=pc hvc=on, docs/guest-abi.md "virtio devices"): a native driver of the virtio console
 * at 00:02.0 (VIRTIO 1.2 §5.3) that polls its receiveq — eight buffers of 4 bytes, so a typed line spans chains —
 * and answers each line typed into it (hvmm's console input while it has the focus) through its transmitq:
 * "hvcecho: got '<line>'" (bytes outside 20h-7Eh as \xNN); "quit" ends it with "hvcecho: bye". Its first line through
 * the transmitq is "hvcecho: ready".
 */
#include <string.h>

#include "hvmm.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define DEVFN (2 << 3)
#define QS 8
#define RXLEN 4
#define F_WRITE 2

static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint32_t inl(uint16_t p)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static uint32_t cfg_read(unsigned reg)
{
	outl(PCI_ADDR, 0x80000000u | DEVFN << 8 | (reg & 0xfc));
	return inl(PCI_DATA);
}
static void cfg_write(unsigned reg, uint32_t v)
{
	outl(PCI_ADDR, 0x80000000u | DEVFN << 8 | (reg & 0xfc));
	outl(PCI_DATA, v);
}

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct queue {
	struct desc d[QS] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[QS], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[QS];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
};
static struct queue rxq, txq;
static uint8_t rxbuf[QS][RXLEN];
static char out[256];
static volatile uint8_t *bar;

#define R8(off) (*(volatile uint8_t *)(bar + (off)))
#define R16(off) (*(volatile uint16_t *)(bar + (off)))
#define R32(off) (*(volatile uint32_t *)(bar + (off)))
#define R64(off) (*(volatile uint64_t *)(bar + (off)))
static void barrier(void) { __asm__ volatile("" ::: "memory"); }

static void queue_setup(unsigned qi, struct queue *q)
{
	q->avail.flags = 1; /* no interrupts: the driver polls */
	R16(0x16) = (uint16_t)qi;
	R16(0x18) = QS;
	R64(0x20) = (uint64_t)(uintptr_t)q->d;
	R64(0x28) = (uint64_t)(uintptr_t)&q->avail;
	R64(0x30) = (uint64_t)(uintptr_t)&q->used;
	R16(0x1c) = 1;
}

static void offer(struct queue *q, unsigned qi, uint16_t head)
{
	q->avail.ring[q->avail.idx % QS] = head;
	barrier();
	q->avail.idx++;
	R16(0x3000 + 4 * qi) = (uint16_t)qi;
	barrier();
}

/* One line through the transmitq (served during the notification's exit). */
static void say(const char *s)
{
	txq.d[0] = (struct desc){ (uint64_t)(uintptr_t)s, (uint32_t)strlen(s), 0, 0 };
	offer(&txq, 1, 0);
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	(void)bi;
	uint32_t id = cfg_read(0x00);
	if (id != 0x10431af4) {
		gprintf("hvcecho: 00:02.0 is %08x, not virtio-console\n", id);
		return 1;
	}
	bar = (volatile uint8_t *)(uintptr_t)(cfg_read(0x10) & ~0xfu);
	cfg_write(0x04, cfg_read(0x04) | 2);
	R8(0x14) = 0;
	R8(0x14) = 1 | 2;
	R32(0x08) = 1;
	R32(0x0c) = 1; /* VIRTIO_F_VERSION_1 */
	R8(0x14) = 1 | 2 | 8;
	queue_setup(0, &rxq);
	queue_setup(1, &txq);
	R8(0x14) = 1 | 2 | 8 | 4;
	for (unsigned i = 0; i < QS; i++) {
		rxq.d[i] = (struct desc){ (uint64_t)(uintptr_t)rxbuf[i], RXLEN, F_WRITE, 0 };
		rxq.avail.ring[i] = (uint16_t)i;
	}
	barrier();
	rxq.avail.idx = QS;
	R16(0x3000) = 0;
	say("hvcecho: ready\n");
	char line[64];
	unsigned n = 0;
	for (uint16_t seen = 0;; seen++) {
		while (rxq.used.idx == seen) {
			hc_yield();
			barrier();
		}
		unsigned b = rxq.used.ring[seen % QS].id, len = rxq.used.ring[seen % QS].len;
		for (unsigned i = 0; i < len && i < RXLEN; i++) {
			uint8_t ch = rxbuf[b][i];
			if (ch != '\r' && ch != '\n') {
				if (n < sizeof(line) - 1)
					line[n++] = (char)ch;
				continue;
			}
			line[n] = 0;
			n = 0;
			if (!strcmp(line, "quit")) {
				say("hvcecho: bye\n");
				return 0;
			}
			unsigned k = 0;
			for (const char *p = "hvcecho: got '"; *p; p++)
				out[k++] = *p;
			for (unsigned j = 0; line[j] && k < sizeof(out) - 8; j++) {
				uint8_t c = (uint8_t)line[j];
				if (c >= 0x20 && c < 0x7f) {
					out[k++] = (char)c;
				} else {
					static const char hex[] = "0123456789abcdef";
					out[k++] = '\\', out[k++] = 'x', out[k++] = hex[c >> 4], out[k++] = hex[c & 15];
				}
			}
			out[k++] = '\'', out[k++] = '\n', out[k] = 0;
			say(out);
		}
		offer(&rxq, 0, (uint16_t)b);
	}
}
