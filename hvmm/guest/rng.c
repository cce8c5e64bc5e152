/* SPDX-License-Identifier: MIT */
/*
 * rng.c — rng=on|off on a guest's module line: a virtio entropy device (hvmm/vdev/virtio_rng.c) on its PCI bus, fed
 * from the CPU's RDSEED or RDRAND. Without either instruction the guest is rejected with the reason: hvmm has no
 * other entropy source worth passing on (docs/guest-abi.md "virtio devices").
 */
#include "hvmm/guest/rng.h"

#include <string.h>

#include "cmdline.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/guest.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/vdev/virtio_rng.h"

int rng_create(struct guest *g, const char *hv_args, const char **why)
{
	struct cmdline_iter it;
	char key[16], val[8];
	int r, on = 0;
	cmdline_init(&it, hv_args);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0)
		if (!strcmp(key, "rng")) {
			if (r < 0 || (strcmp(val, "on") && strcmp(val, "off"))) {
				*why = "rng= must be on or off";
				return -1;
			}
			on = !strcmp(val, "on");
		}
	if (!on)
		return 0;
	uint8_t devfn, gsi;
	uint32_t bar;
	if (!g->pc) {
		*why = "rng=on needs the virtual PC (platform=pc)";
		return -1;
	}
	if (!vrng_available()) {
		*why = "rng=on: this CPU has neither RDSEED nor RDRAND";
		return -1;
	}
	struct vdev_vrng *d = pmm_alloc(sizeof(*d), PAGE_SIZE);
	if (!d) {
		*why = "not enough free memory for its devices";
		return -1;
	}
	if (vdev_pc_virtio_slot(g->pc, &devfn, &bar, &gsi) || vrng_init(d, &g->pc->pci, devfn, bar, gsi, g->name)) {
		pmm_free(d, sizeof(*d));
		*why = "rng=on: no free PCI slot";
		return -1;
	}
	vdev_pc_virtio_add(g->pc, &d->vp);
	return 0;
}
