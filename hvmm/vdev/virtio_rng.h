/* SPDX-License-Identifier: MIT */
/*
 * virtio_rng.h — a virtio entropy device (VIRTIO 1.2 §5.4, device type 4, PCI 1AF4:1044) fed from the CPU's RDSEED,
 * else RDRAND (docs/guest-abi.md "virtio devices"): one request queue, no features or configuration of its own.
 */
#ifndef HVMM_VDEV_VIRTIO_RNG_H
#define HVMM_VDEV_VIRTIO_RNG_H
#include <stdint.h>

#include "hvmm/vdev/virtio_pci.h"

#define VIRTIO_ID_ENTROPY 4
#define VRNG_QUEUE_SIZE 64
#define VRNG_MAX_PER_CHAIN 4096 /* bytes filled per chain at most */

struct vdev_vrng {
	struct virtio_pci vp;
	struct virtio_ops ops;
	uint8_t seed, rand; /* RDSEED, RDRAND available */
	uint64_t bytes, shortfalls; /* statistics: bytes given; chains the CPU could not fill */
};

/* Does this CPU have RDSEED or RDRAND (CPUID 7 EBX[18], 1 ECX[30])? */
int vrng_available(void);
/* Make r an entropy device plugged into pci at devfn, BAR 0 at bar, INTx# on gsi. Returns 0 or -1. */
int vrng_init(struct vdev_vrng *r, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
	      const char *guest_name);

#endif
