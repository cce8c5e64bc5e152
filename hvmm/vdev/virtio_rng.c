/* SPDX-License-Identifier: MIT */
/*
 * virtio_rng.c — the virtio entropy device (VIRTIO 1.2 §5.4): every device-writable byte of a chain (at most
 * VRNG_MAX_PER_CHAIN) is filled from RDSEED (an entropy source's output), or from RDRAND (a DRBG reseeded from it)
 * when RDSEED has nothing ready after a few tries or does not exist (APM Vol. 3 "RDSEED", "RDRAND"); the used length
 * says how many. A chain the CPU cannot fill at all returns 0 bytes (counted); device-readable buffers are ignored.
 */
#include "hvmm/vdev/virtio_rng.h"

#include <string.h>

#include "fmt.h"
#include "hvmm/core/arch.h"

#define TRIES 10

int vrng_available(void)
{
	int rand = (cpuid(1, 0).ecx & CPUID1_ECX_RDRAND) != 0;
	int seed = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_RDSEED);
	return rand || seed;
}

/* One 64-bit random value: 1, or 0 when neither instruction delivered one in TRIES attempts. */
static int random64(const struct vdev_vrng *r, uint64_t *v)
{
	for (unsigned i = 0; r->seed && i < TRIES; i++)
		if (rdseed64(v))
			return 1;
	for (unsigned i = 0; r->rand && i < TRIES; i++)
		if (rdrand64(v))
			return 1;
	return 0;
}

/* Fill the chain's device-writable buffers, VRNG_MAX_PER_CHAIN bytes at most. */
static int64_t chain(struct virtio_pci *vp, struct virtq *q, struct virtq_chain *c, const char **why)
{
	struct vdev_vrng *r = vp->dev;
	struct virtq_buf b;
	uint32_t filled = 0;
	int dry = 0, e;
	while ((e = virtq_next(q, c, &b)) == 1)
		for (uint32_t i = 0; b.write && !dry && i < b.len && filled < VRNG_MAX_PER_CHAIN; i += 8) {
			uint64_t v;
			uint32_t k = b.len - i < 8 ? b.len - i : 8;
			if (VRNG_MAX_PER_CHAIN - filled < k)
				k = VRNG_MAX_PER_CHAIN - filled;
			if (!random64(r, &v)) {
				dry = 1;
				break;
			}
			memcpy((uint8_t *)b.ptr + i, &v, k);
			filled += k;
		}
	if (e < 0) {
		*why = virtq_error(e);
		return -1;
	}
	r->bytes += filled;
	r->shortfalls += dry;
	return filled;
}

static void report(const struct virtio_pci *vp, char *buf, unsigned size)
{
	const struct vdev_vrng *r = vp->dev;
	fmt_snprintf(buf, size, " bytes=%lu shortfalls=%lu source=%s", r->bytes, r->shortfalls,
		     r->seed ? "rdseed" : "rdrand");
}

int vrng_init(struct vdev_vrng *r, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
	      const char *guest_name)
{
	memset(r, 0, sizeof(*r));
	r->rand = (cpuid(1, 0).ecx & CPUID1_ECX_RDRAND) != 0;
	r->seed = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID7_EBX_RDSEED);
	r->ops = (struct virtio_ops){
		.type = VIRTIO_ID_ENTROPY,
		.class_rev = 0x00ff0000u, /* class 00h (before class codes) / FFh */
		.nqueues = 1,
		.queue_max = VRNG_QUEUE_SIZE,
		.serve = chain,
		.report = report,
	};
	return virtio_pci_init(&r->vp, pci, devfn, bar, gsi, &r->ops, r, guest_name, "virtio-rng");
}
