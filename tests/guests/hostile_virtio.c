/* SPDX-License-Identifier: MIT */
/*
 * hostile_virtio (test guest, run with platform=pc and a disk module, docs/guest-abi.md "Disks"): a native driver of
 * the virtio-blk device at 00:02.0 (VIRTIO 1.2 §4.1, §5.2) that first reads and writes the disk properly, then drives
 * malformed virtqueues, one per attack, each on a freshly reset device:
 *
 *   loop       a write's chain 0 -> 1 -> 0                     oob        a buffer at 1 GiB, outside RAM
 *   straddle   a buffer across the end of RAM                    wrap       a buffer whose end wraps past 2^64
 *   ring       the descriptor table outside RAM at queue_enable  avail      avail idx 100 ahead of the device
 *   head       an avail ring entry of 200 (queue size 8)         order      a readable buffer after a writable one
 *   indbig     an indirect table of 200 buffers (seg_max 126)    indnest    an indirect table inside one
 *   indloop    a loop inside an indirect table                   nostatus   a request without a writable byte
 *
 * Each must leave DEVICE_NEEDS_RESET (64) in device_status and the used ring untouched, after which a reset and a
 * proper read work again. Then a notification storm (20000 notifications with nothing available) must change
 * nothing. A second disk at 00:03.0, attached with ro, must offer VIRTIO_BLK_F_RO, read, and refuse a write with
 * VIRTIO_BLK_S_IOERR. Prints "PASS <check>: ..." / "FAIL <check>: ..." lines and exits with the number of failures.
 * The disk (the scenario's file) holds byte (i * 7 + 3) & 0xff at offset i.
 */
#include <string.h>

#include "hostile_idt.h"
#include "vio_guest.h"

static unsigned devfn = 2 << 3; /* 00:02.0, then the read-only disk at 00:03.0 */
#define QSIZE 8
#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 64

static uint32_t cfg_read(unsigned reg) { return vio_cfg_read(devfn, reg); }
static void cfg_write(unsigned reg, uint32_t v) { vio_cfg_write(devfn, reg, v); }

static struct vio_desc table[QSIZE] __attribute__((aligned(16)));
static struct vio_desc ind[256] __attribute__((aligned(16)));
static struct {
	uint16_t flags, idx, ring[QSIZE], used_event;
} avail __attribute__((aligned(2)));
static struct {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QSIZE];
	uint16_t avail_event;
} used __attribute__((aligned(4)));
static struct {
	uint32_t type, reserved;
	uint64_t sector;
} hdr;
static uint8_t data[512], status_byte;

static volatile uint8_t *bar;
static uint64_t ram;

#define COMMON8(off) (*(volatile uint8_t *)(bar + (off)))
#define COMMON16(off) (*(volatile uint16_t *)(bar + (off)))
#define COMMON32(off) (*(volatile uint32_t *)(bar + (off)))
#define COMMON64(off) (*(volatile uint64_t *)(bar + (off)))

static uint8_t status(void) { return COMMON8(0x14); }

/* §3.1.1: reset, ACKNOWLEDGE, DRIVER, features (VERSION_1, INDIRECT_DESC), FEATURES_OK, queue 0 at desc (or the
 * given table address), DRIVER_OK. Returns the status read back. */
static uint8_t setup(uint64_t desc_addr)
{
	COMMON8(0x14) = 0;
	memset(&avail, 0, sizeof(avail));
	memset(&used, 0, sizeof(used));
	COMMON8(0x14) = S_ACK;
	COMMON8(0x14) = S_ACK | S_DRIVER;
	COMMON32(0x08) = 0;
	COMMON32(0x0c) = 1u << 28; /* VIRTIO_F_INDIRECT_DESC */
	COMMON32(0x08) = 1;
	COMMON32(0x0c) = 1; /* VIRTIO_F_VERSION_1 */
	COMMON8(0x14) = S_ACK | S_DRIVER | S_FEATURES_OK;
	COMMON16(0x16) = 0;
	COMMON16(0x18) = QSIZE;
	COMMON64(0x20) = desc_addr;
	COMMON64(0x28) = (uint64_t)(uintptr_t)&avail;
	COMMON64(0x30) = (uint64_t)(uintptr_t)&used;
	COMMON16(0x1c) = 1;
	COMMON8(0x14) = status() | S_DRIVER_OK;
	return status();
}

/* The device serves the queue during this write's exit: the compiler must read the rings afresh after it. */
static void notify(void)
{
	COMMON16(0x3000) = 0;
	__asm__ volatile("" ::: "memory");
}

static void offer(uint16_t head)
{
	avail.ring[avail.idx % QSIZE] = head;
	__asm__ volatile("" ::: "memory");
	avail.idx++;
	notify();
}

/* A three-buffer request (header, 512 bytes of data, status) of type t at sector s in table[0..2]. */
static void request(uint32_t t, uint64_t s)
{
	hdr = (typeof(hdr)){ .type = t, .sector = s };
	status_byte = 0xff;
	table[0] = (struct vio_desc){ (uint64_t)(uintptr_t)&hdr, sizeof(hdr), VIO_F_NEXT, 1 };
	table[1] = (struct vio_desc){ (uint64_t)(uintptr_t)data, sizeof(data), VIO_F_NEXT | (t == 0 ? VIO_F_WRITE : 0), 2 };
	table[2] = (struct vio_desc){ (uint64_t)(uintptr_t)&status_byte, 1, VIO_F_WRITE, 0 };
}

static int pattern_ok(unsigned sector)
{
	for (unsigned i = 0; i < 512; i++)
		if (data[i] != (uint8_t)((sector * 512 + i) * 7 + 3))
			return 0;
	return 1;
}

/* A proper read of sector s on a fresh device: the used ring, the status byte and the data. */
static int good_read(unsigned s)
{
	if (setup((uint64_t)(uintptr_t)table) != (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK))
		return 0;
	memset(data, 0, sizeof(data));
	request(0, s);
	offer(0);
	return used.idx == 1 && used.ring[0].id == 0 && used.ring[0].len == 513 && status_byte == 0 && pattern_ok(s);
}

static void expect_reset(const char *attack)
{
	uint8_t st = status();
	hostile_check((st & S_NEEDS_RESET) && used.idx == 0, attack,
		      "device_status=0x%02x (DEVICE_NEEDS_RESET expected), used idx %u (0 expected)", st, used.idx);
	hostile_check(good_read(3), attack, "after a reset a proper read works again");
}

static void attack(const char *name)
{
	if (setup((uint64_t)(uintptr_t)table) != (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)) {
		hostile_check(0, name, "device did not come up");
		return;
	}
	request(0, 1);
	gprintf("try %s\n", name);
	if (!strcmp(name, "loop")) {
		request(1, 1); /* a write: every buffer readable, so only the loop is wrong */
		table[1].next = 0;
	} else if (!strcmp(name, "oob")) {
		table[1].addr = 0x40000000;
	} else if (!strcmp(name, "straddle")) {
		table[1].addr = ram - 256;
	} else if (!strcmp(name, "wrap")) {
		table[1].addr = 0xffffffffffffff00ull;
	} else if (!strcmp(name, "order")) {
		table[1].flags = VIO_F_NEXT; /* readable data after ... */
		table[0].flags = VIO_F_NEXT | VIO_F_WRITE; /* ... a writable header */
	} else if (!strcmp(name, "nostatus")) {
		table[2].flags = 0;
		table[1].flags = VIO_F_NEXT;
	} else if (!strcmp(name, "avail")) {
		avail.ring[0] = 0;
		avail.idx = 100;
		notify();
		expect_reset(name);
		return;
	} else if (!strcmp(name, "head")) {
		avail.ring[0] = 200;
		avail.idx = 1;
		notify();
		expect_reset(name);
		return;
	} else if (!strcmp(name, "ring")) {
		uint8_t st = setup(0x7ff00000); /* a descriptor table far outside the 4 MiB of RAM */
		hostile_check(st & S_NEEDS_RESET, name, "device_status=0x%02x after queue_enable", st);
		hostile_check(COMMON16(0x1c) == 0, name, "queue_enable reads 0");
		avail.ring[0] = 0;
		avail.idx = 1;
		notify();
		hostile_check(used.idx == 0, name, "nothing used");
		hostile_check(good_read(3), name, "after a reset a proper read works again");
		return;
	} else if (!strcmp(name, "indbig") || !strcmp(name, "indnest") || !strcmp(name, "indloop")) {
		unsigned n = !strcmp(name, "indbig") ? 200 : 4;
		for (unsigned i = 0; i < n; i++)
			ind[i] = (struct vio_desc){ (uint64_t)(uintptr_t)data, 1, (uint16_t)(VIO_F_WRITE | (i + 1 < n ? VIO_F_NEXT : 0)),
						(uint16_t)(i + 1) };
		ind[0] = (struct vio_desc){ (uint64_t)(uintptr_t)&hdr, sizeof(hdr), VIO_F_NEXT, 1 };
		if (!strcmp(name, "indnest"))
			ind[1] = (struct vio_desc){ (uint64_t)(uintptr_t)ind, 64, VIO_F_INDIRECT, 0 };
		if (!strcmp(name, "indloop"))
			ind[3].flags |= VIO_F_NEXT, ind[3].next = 1;
		table[0] = (struct vio_desc){ (uint64_t)(uintptr_t)ind, n * 16, VIO_F_INDIRECT, 0 };
	}
	offer(0);
	expect_reset(name);
}

static const char *const attacks[] = { "loop", "oob", "straddle", "wrap", "ring", "avail", "head", "order",
				       "indbig", "indnest", "indloop", "nostatus" };

int guest_main(const struct hvmm_bootinfo *bi)
{
	ram = bi->mem_bytes;
	hidt_install();
	uint32_t id = cfg_read(0x00);
	hostile_check(id == 0x10421af4, "PCI 00:02.0 is virtio-blk", "vendor:device %04x:%04x", id & 0xffff, id >> 16);
	if (id != 0x10421af4)
		return hostile_status();
	/* the capability chain: types 1-5 present, each vendor-specific */
	unsigned seen = 0;
	for (unsigned p = cfg_read(0x34) & 0xff, n = 0; p && n < 16; p = (cfg_read(p) >> 8) & 0xff, n++)
		if ((cfg_read(p) & 0xff) == 0x09)
			seen |= 1u << ((cfg_read(p) >> 24) & 0xff);
	hostile_check(seen == 0x3e, "capabilities", "virtio structure types seen 0x%x (types 1-5 expected)", seen);
	bar = (volatile uint8_t *)(uintptr_t)(cfg_read(0x10) & ~0xfu);
	cfg_write(0x04, cfg_read(0x04) | 2); /* memory space */
	uint64_t cap = *(volatile uint64_t *)(bar + 0x2000);
	hostile_check(cap == 128, "capacity", "%llu sectors (128 expected)", (unsigned long long)cap);
	hostile_check(good_read(0) && good_read(127), "proper read", "sectors 0 and 127 hold the pattern");
	/* a write, read back; then one past the end: VIRTIO_BLK_S_IOERR (1) */
	setup((uint64_t)(uintptr_t)table);
	for (unsigned i = 0; i < 512; i++)
		data[i] = (uint8_t)((5 * 512 + i) * 7 + 3);
	request(1, 9);
	offer(0);
	memset(data, 0, sizeof(data));
	request(0, 9);
	offer(0);
	hostile_check(status_byte == 0 && pattern_ok(5) && used.idx == 2, "proper write", "written and read back");
	request(0, 128);
	offer(0);
	hostile_check(status_byte == 1 && used.idx == 3 && !(status() & S_NEEDS_RESET), "read past the end",
		      "status byte %u (IOERR 1 expected)", status_byte);
	for (unsigned i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		attack(attacks[i]);
	/* a notification storm with nothing available: nothing happens */
	good_read(0);
	for (unsigned i = 0; i < 20000; i++)
		notify();
	hostile_check(used.idx == 1 && status() == (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK), "storm",
		      "20000 empty notifications: used idx %u, status 0x%02x", used.idx, status());
	/* the second disk, attached with ro: VIRTIO_BLK_F_RO (bit 5) offered, reads work, a write gets IOERR (1) */
	devfn = 3 << 3;
	bar = (volatile uint8_t *)(uintptr_t)(cfg_read(0x10) & ~0xfu);
	cfg_write(0x04, cfg_read(0x04) | 2);
	COMMON32(0x00) = 0;
	hostile_check((COMMON32(0x04) >> 5) & 1, "read-only disk", "VIRTIO_BLK_F_RO offered");
	hostile_check(good_read(2), "read-only disk", "a read works");
	memset(data, 0x55, sizeof(data));
	request(1, 2);
	offer(0);
	hostile_check(status_byte == 1 && !(status() & S_NEEDS_RESET), "read-only disk",
		      "a write gets status %u (IOERR 1 expected)", status_byte);
	memset(data, 0, sizeof(data));
	request(0, 2);
	offer(0);
	hostile_check(status_byte == 0 && pattern_ok(2), "read-only disk", "the sector is unchanged");
	return hostile_status();
}
