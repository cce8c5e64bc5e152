/* SPDX-License-Identifier: MIT */
/*
 * vio_guest.h — what the native virtio test drivers (tests/guests/hostile_virtio.c, hostile_net.c, hvcecho.c) share:
 * PCI configuration mechanism #1 (ports CF8h/CFCh), a split virtqueue of VIO_QS entries (VIRTIO 1.2 §2.7; define
 * VIO_QS before including, else only the PCI part is there) and the modern transport's BAR 0 as hvmm lays it out
 * (docs/guest-abi.md "virtio devices": common configuration at +0, device configuration at +2000h, queue q notified
 * at +3000h + 4q).
 */
#ifndef VIO_GUEST_H
#define VIO_GUEST_H
#include <stdint.h>

static inline void vio_outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint32_t vio_inl(uint16_t p)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
/* Bus 0's function devfn, register reg (dword-aligned). */
static inline uint32_t vio_cfg_read(unsigned devfn, unsigned reg)
{
	vio_outl(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return vio_inl(0xcfc);
}
static inline void vio_cfg_write(unsigned devfn, unsigned reg, uint32_t v)
{
	vio_outl(0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc));
	vio_outl(0xcfc, v);
}

struct vio_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
#define VIO_F_NEXT 1
#define VIO_F_WRITE 2
#define VIO_F_INDIRECT 4

#ifdef VIO_QS
static volatile uint8_t *vio_bar; /* BAR 0 of the device being driven */
#define VR8(off) (*(volatile uint8_t *)(vio_bar + (off)))
#define VR16(off) (*(volatile uint16_t *)(vio_bar + (off)))
#define VR32(off) (*(volatile uint32_t *)(vio_bar + (off)))
#define VR64(off) (*(volatile uint64_t *)(vio_bar + (off)))

struct vio_queue {
	struct vio_desc d[VIO_QS] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[VIO_QS], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[VIO_QS];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
	uint16_t seen; /* used entries the driver took */
};

static inline void vio_barrier(void) { __asm__ volatile("" ::: "memory"); }

/* Find the device at devfn: its BAR 0 into vio_bar, memory decoding on. Returns its vendor:device dword. */
static inline uint32_t vio_find(unsigned devfn)
{
	vio_bar = (volatile uint8_t *)(uintptr_t)(vio_cfg_read(devfn, 0x10) & ~0xfu);
	vio_cfg_write(devfn, 0x04, vio_cfg_read(devfn, 0x04) | 2);
	return vio_cfg_read(devfn, 0x00);
}

/* Queue qi at q (cleared; no interrupts wanted: the drivers poll), enabled. */
static inline void vio_queue_setup(unsigned qi, struct vio_queue *q)
{
	for (unsigned i = 0; i < sizeof(*q); i++)
		((volatile uint8_t *)q)[i] = 0;
	q->avail.flags = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
	VR16(0x16) = (uint16_t)qi;
	VR16(0x18) = VIO_QS;
	VR64(0x20) = (uint64_t)(uintptr_t)q->d;
	VR64(0x28) = (uint64_t)(uintptr_t)&q->avail;
	VR64(0x30) = (uint64_t)(uintptr_t)&q->used;
	VR16(0x1c) = 1;
}

/* Notify queue qi: the device serves it during this write's exit, so the rings are read afresh after it. */
static inline void vio_notify(unsigned qi)
{
	VR16(0x3000 + 4 * qi) = (uint16_t)qi;
	vio_barrier();
}

/* Make chain head available on queue qi and notify it. */
static inline void vio_offer(struct vio_queue *q, unsigned qi, uint16_t head)
{
	q->avail.ring[q->avail.idx % VIO_QS] = head;
	vio_barrier();
	q->avail.idx++;
	vio_notify(qi);
}
#endif

#endif
