/* SPDX-License-Identifier: MIT */
/*
 * hostile_net (test guest, platform=pc net=<name>, docs/guest-abi.md "Networks"): a native driver of the virtio-net
 * device at 00:02.0 (VIRTIO 1.2 §4.1, §5.1), polling its queues (no interrupts). Three instances share a network:
 *
 *   role=a, role=b   1. each broadcasts "hello <role>" (EtherType 88B5h) and receives the other's;
 *                    2. each sends the other a 1514-byte unicast frame of a pattern and checks the one it gets;
 *                    3. a floods FLOOD numbered broadcasts in two bursts, b receives every one in order and
 *                       answers "half" after the first, "flooded" after the second;
 *                    4. a transmits a 1600-byte frame and one with b's source address (both used, dropped, the device
 *                       still running), then "after": b's next frame must be "after". Then a transmit chain with a
 *                       device-writable buffer and one with a loop: DEVICE_NEEDS_RESET each, and after a reset the
 *                       device works again;
 *                    5. once a says "ready", b offers a 64-byte receive chain and asks a for a frame ("poke"):
 *                       DEVICE_NEEDS_RESET.
 *   role=deaf        offers no receive buffers while a and b run (DEAF_MS): its inbox keeps the first 64 frames
 *                    flooded to it and the switch drops the rest (its own rx_dropped, no one else's); then it offers
 *                    buffers and must get exactly those 64, the last being flood frame 61.
 *
 * Prints "PASS <check>" / "FAIL <check>: ..." lines and exits with the number of failures.
 */
#include <string.h>

#include "hostile_idt.h"

#define DEVFN (2 << 3)
#define VIO_QS 128
#define QS VIO_QS
#define BUF 1536
#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 64
#define HDR 12
#define ETYPE 0x88b5
#define FLOOD 70
#define DEAF_MS 5000 /* a and b flood within it even on a loaded host (about 1 s here) */
#define WAIT_MS 20000

#include "vio_guest.h"

static struct vio_queue rxq, txq;
static uint8_t rxbuf[QS][BUF], txbuf[BUF + 256];
static uint8_t mac[6], peer[6];
static uint64_t khz;
static int rx_pending = -1; /* the receive buffer receive() returned last, offered again at its next call */
static char role[8];

static uint8_t status(void) { return VR8(0x14); }

/* Offer n receive buffers of len bytes each (descriptors 0 .. n-1). */
static void rx_fill(unsigned n, uint32_t len)
{
	for (unsigned i = 0; i < n; i++) {
		rxq.d[i] = (struct vio_desc){ (uint64_t)(uintptr_t)rxbuf[i], len, VIO_F_WRITE, 0 };
		rxq.avail.ring[i] = (uint16_t)i;
	}
	vio_barrier();
	rxq.avail.idx = (uint16_t)n;
	vio_notify(0);
}

/* §3.1.1 with VERSION_1, MAC, MTU and STATUS; both queues; rx_n receive buffers of rx_len bytes. Returns the status. */
static uint8_t setup(unsigned rx_n, uint32_t rx_len)
{
	VR8(0x14) = 0;
	VR8(0x14) = S_ACK;
	VR8(0x14) = S_ACK | S_DRIVER;
	VR32(0x08) = 0;
	VR32(0x0c) = 1u << 3 | 1u << 5 | 1u << 16;
	VR32(0x08) = 1;
	VR32(0x0c) = 1;
	VR8(0x14) = S_ACK | S_DRIVER | S_FEATURES_OK;
	vio_queue_setup(0, &rxq);
	vio_queue_setup(1, &txq);
	rx_pending = -1;
	VR8(0x14) = status() | S_DRIVER_OK;
	rx_fill(rx_n, rx_len);
	return status();
}

static uint64_t ms(void) { return rdtsc() / khz; }

/* Transmit hdr + frame of len bytes (to dst, from src, EtherType ETYPE, payload already in txbuf + HDR + 14) in
 * one readable buffer; wait for the device to use it. Returns 1 if used. */
static int send(const uint8_t *dst, const uint8_t *src, unsigned len)
{
	memset(txbuf, 0, HDR);
	memcpy(txbuf + HDR, dst, 6);
	memcpy(txbuf + HDR + 6, src, 6);
	txbuf[HDR + 12] = ETYPE >> 8, txbuf[HDR + 13] = ETYPE & 0xff;
	txq.d[0] = (struct vio_desc){ (uint64_t)(uintptr_t)txbuf, HDR + len, 0, 0 };
	uint16_t before = txq.used.idx;
	vio_offer(&txq, 1, 0);
	return txq.used.idx == (uint16_t)(before + 1);
}

static void send_text(const uint8_t *dst, const char *text)
{
	size_t n = strlen(text);
	memcpy(txbuf + HDR + 14, text, n + 1);
	send(dst, mac, 14 + (unsigned)n + 1);
}

/* The next received frame (its bytes after the header) and its length, or NULL after WAIT_MS. The buffer is offered
 * again at the next call. */
static const uint8_t *receive(unsigned *len)
{
	if (rx_pending >= 0) {
		vio_offer(&rxq, 0, (uint16_t)rx_pending);
		rx_pending = -1;
	}
	uint64_t end = ms() + WAIT_MS;
	while (rxq.used.idx == rxq.seen) {
		if (ms() > end)
			return NULL;
		hc_yield();
		vio_barrier();
	}
	unsigned id = rxq.used.ring[rxq.seen % QS].id;
	*len = rxq.used.ring[rxq.seen % QS].len - HDR;
	rxq.seen++;
	rx_pending = (int)id;
	return rxbuf[id] + HDR;
}

/* The next frame carrying text, checked. */
static int expect_text(const char *text, const char *check)
{
	unsigned len = 0;
	const uint8_t *f = receive(&len);
	int ok = f && len == 14 + strlen(text) + 1 && !memcmp(f + 14, text, strlen(text) + 1) && f[12] == (ETYPE >> 8);
	hostile_check(ok, check, "expected \"%s\", got %s (%u bytes) \"%.40s\"", text, f ? "a frame" : "nothing", len,
		      f ? (const char *)f + 14 : "");
	return ok;
}

static uint8_t pattern(unsigned i, uint8_t seed) { return (uint8_t)(i * 13 + seed); }

static void hello(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char text[16] = "hello a", want[16] = "hello b";
	if (role[0] == 'b')
		text[6] = 'b', want[6] = 'a';
	send_text(bcast, text);
	unsigned len;
	const uint8_t *f = receive(&len);
	int ok = f && !memcmp(f, bcast, 6) && !memcmp(f + 6, mac, 4) && !strcmp((const char *)f + 14, want);
	hostile_check(ok, "hello", "broadcast \"%s\" from the peer (%s)", want, f ? (const char *)f + 14 : "nothing");
	if (f)
		memcpy(peer, f + 6, 6);
	/* a unicast frame of 1514 bytes each way, its pattern seeded by the sender's MAC */
	for (unsigned i = 14; i < 1514; i++)
		txbuf[HDR + i] = pattern(i, mac[5]);
	send(peer, mac, 1514);
	f = receive(&len);
	ok = f && len == 1514 && !memcmp(f, mac, 6) && !memcmp(f + 6, peer, 6);
	for (unsigned i = 14; ok && i < 1514; i++)
		ok = f[i] == pattern(i, peer[5]);
	hostile_check(ok, "unicast", "1514 bytes addressed to this guest, the peer's pattern (%u bytes)", len);
}

static void role_a(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	hello();
	for (unsigned i = 0; i < FLOOD; i++) {
		txbuf[HDR + 14] = 'F', txbuf[HDR + 15] = (uint8_t)i;
		send(bcast, mac, 60);
		if (i + 1 == FLOOD / 2) /* two bursts that b's inbox holds even when its CPU is slow to copy them */
			expect_text("half", "flood half answered");
	}
	expect_text("flooded", "flood answered");
	/* refused frames: used, dropped, the device still running */
	memset(txbuf + HDR + 14, 0x5a, 1600);
	int used = send(peer, mac, 1600);
	hostile_check(used && !(status() & S_NEEDS_RESET), "oversized frame", "used, status 0x%02x", status());
	txbuf[HDR + 14] = 'S';
	used = send(peer, peer, 60);
	hostile_check(used && !(status() & S_NEEDS_RESET), "spoofed source", "used, status 0x%02x", status());
	send_text(peer, "after");
	/* malformed transmit chains */
	uint16_t before = txq.used.idx;
	txq.d[0] = (struct vio_desc){ (uint64_t)(uintptr_t)txbuf, 80, VIO_F_WRITE, 0 };
	vio_offer(&txq, 1, 0);
	hostile_check((status() & S_NEEDS_RESET) && txq.used.idx == before, "writable transmit buffer",
		      "status 0x%02x, used idx %u (%u before)", status(), txq.used.idx, before);
	setup(QS / 2, BUF);
	txq.d[0] = (struct vio_desc){ (uint64_t)(uintptr_t)txbuf, 20, VIO_F_NEXT, 1 };
	txq.d[1] = (struct vio_desc){ (uint64_t)(uintptr_t)txbuf, 20, VIO_F_NEXT, 0 };
	vio_offer(&txq, 1, 0);
	hostile_check((status() & S_NEEDS_RESET) && txq.used.idx == 0, "transmit loop", "status 0x%02x", status());
	setup(QS / 2, BUF);
	send_text(peer, "ready"); /* b resets its own device only now: nothing for a is in flight */
	expect_text("poke", "working again after a reset");
	send_text(peer, "poked");
}

static void role_b(void)
{
	hello();
	unsigned got = 0, len;
	for (unsigned i = 0; i < FLOOD; i++) {
		const uint8_t *f = receive(&len);
		if (!f || f[0] != 0xff || f[14] != 'F' || f[15] != i)
			break;
		if (++got == FLOOD / 2)
			send_text(peer, "half");
	}
	hostile_check(got == FLOOD, "flood", "%u of %u broadcasts in order", got, FLOOD);
	send_text(peer, "flooded");
	expect_text("after", "refused frames not delivered");
	expect_text("ready", "ready");
	/* a receive chain too small for a frame */
	uint8_t st = setup(1, 64);
	send_text(peer, "poke");
	uint64_t end = ms() + WAIT_MS;
	while (!(status() & S_NEEDS_RESET) && ms() < end)
		hc_yield();
	hostile_check(st == 15 && (status() & S_NEEDS_RESET) && rxq.used.idx == 0, "small receive buffer",
		      "status 0x%02x, used idx %u", status(), rxq.used.idx);
}

static void role_deaf(void)
{
	uint64_t end = ms() + DEAF_MS;
	while (ms() < end)
		hc_yield();
	rx_fill(QS / 2 + 8, BUF);
	unsigned got = 0, len, last = 0;
	while (rxq.used.idx != got) {
		unsigned id = rxq.used.ring[got % QS].id;
		len = rxq.used.ring[got % QS].len;
		last = rxbuf[id][HDR + 14] == 'F' ? rxbuf[id][HDR + 15] : 999;
		got++;
	}
	(void)len;
	hostile_check(got == 64 && last == 61, "deaf receiver", "%u frames kept (64 expected), the last flood frame %u "
		      "(61 expected)", got, last);
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	hidt_install();
	khz = bi->tsc_khz;
	rt_arg_str(bi, "role", role, sizeof(role));
	uint32_t id = vio_find(DEVFN);
	hostile_check(id == 0x10411af4, "PCI 00:02.0 is virtio-net", "vendor:device %04x:%04x", id & 0xffff, id >> 16);
	if (id != 0x10411af4)
		return hostile_status();
	VR32(0x00) = 0;
	uint32_t f = VR32(0x04);
	hostile_check((f & (1u << 3 | 1u << 5 | 1u << 16)) == (1u << 3 | 1u << 5 | 1u << 16) && !(f & 1u << 15) &&
			      !(f & 1u),
		      "features", "MTU, MAC, STATUS offered, no MRG_RXBUF or CSUM (0x%08x)", f);
	for (unsigned i = 0; i < 6; i++)
		mac[i] = VR8(0x2000 + i);
	hostile_check(mac[0] == 0x02 && mac[1] == 0x68 && mac[2] == 0x76 && mac[3] == 0x6d, "mac",
		      "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	hostile_check(VR16(0x2006) == 1 && VR16(0x200a) == 1500, "config", "status %u (link up), mtu %u", VR16(0x2006),
		      VR16(0x200a));
	uint8_t st = setup(!strcmp(role, "deaf") ? 0 : QS / 2, BUF);
	hostile_check(st == 15, "driver ok", "status 0x%02x", st);
	if (!strcmp(role, "a"))
		role_a();
	else if (!strcmp(role, "b"))
		role_b();
	else
		role_deaf();
	return hostile_status();
}
