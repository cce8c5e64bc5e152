/* SPDX-License-Identifier: MIT */
/*
 * virtio_args.c — rng=on|off and hvc=on|off on a guest's module line: a virtio entropy device
 * (hvmm/vdev/virtio_rng.c) fed from the CPU's RDSEED or RDRAND, and a virtio console (hvmm/vdev/virtio_console.c)
 * printing to the guest's line console, on its PCI bus in that order. Without either instruction rng=on rejects the
 * guest with the reason: hvmm has no other entropy source worth passing on (docs/guest-abi.md "virtio devices").
 */
#include "hvmm/guest/virtio_args.h"

#include <string.h>

#include "cmdline.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/net.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/vdev/virtio_console.h"
#include "hvmm/vdev/virtio_rng.h"

/* The last on|off value of key in hv_args into *on: 0, or -1 for another value. */
static int on_off(const char *hv_args, const char *key, int *on)
{
	struct cmdline_iter it;
	char k[16], val[8];
	int r;
	cmdline_init(&it, hv_args);
	while ((r = cmdline_next(&it, k, sizeof(k), val, sizeof(val))) != 0)
		if (!strcmp(k, key)) {
			if (r < 0 || (strcmp(val, "on") && strcmp(val, "off")))
				return -1;
			*on = !strcmp(val, "on");
		}
	return 0;
}

/* Memory for a device of size bytes and the next PCI slot's place, or NULL with *why. */
static void *device(struct guest *g, uint64_t size, uint8_t *devfn, uint32_t *bar, uint8_t *gsi, const char **why)
{
	void *d = NULL;
	if (vdev_pc_virtio_slot(g->pc, devfn, bar, gsi))
		*why = "no free PCI slot for a virtio device";
	else if (!(d = pmm_alloc(size, PAGE_SIZE)))
		*why = "not enough free memory for its devices";
	return d;
}

int virtio_args_create(struct guest *g, const char *hv_args, const char **why)
{
	int rng = 0, hvc = 0;
	uint8_t devfn, gsi;
	uint32_t bar;
	if (on_off(hv_args, "rng", &rng) || on_off(hv_args, "hvc", &hvc)) {
		*why = "rng= and hvc= must be on or off";
		return -1;
	}
	if ((rng || hvc) && !g->pc) {
		*why = "rng=on and hvc=on need the virtual PC (platform=pc)";
		return -1;
	}
	if (rng) {
		struct vdev_vrng *d;
		if (!vrng_available()) {
			*why = "rng=on: this CPU has neither RDSEED nor RDRAND";
			return -1;
		}
		if (!(d = device(g, sizeof(*d), &devfn, &bar, &gsi, why)))
			return -1;
		if (vrng_init(d, &g->pc->pci, devfn, bar, gsi, g->name)) {
			*why = "no free PCI slot for a virtio device";
			return -1;
		}
		vdev_pc_virtio_add(g->pc, &d->vp);
	}
	if (hvc) {
		struct vdev_vcon *d = device(g, sizeof(struct vdev_vcon), &devfn, &bar, &gsi, why);
		if (!d)
			return -1;
		if (vcon_init(d, &g->pc->pci, devfn, bar, gsi, g->vcpu[0]->vctx.host, g, g->name)) {
			*why = "no free PCI slot for a virtio device";
			return -1;
		}
		vdev_pc_virtio_add(g->pc, &d->vp);
		g->hvc = d;
	}
	return net_create(g, hv_args, why);
}
