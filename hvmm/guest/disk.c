/* SPDX-License-Identifier: MIT */
/*
 * disk.c — a boot module as a guest's virtio disk (docs/guest-abi.md "Disks"): its line says as=disk, optionally ro
 * (read-only) and name= (the ID the device reports: tools/mkiso sets it to the file's name). hvmm copies the image
 * into memory of its own that belongs to this guest alone (the module's pages are freed as every module's are), and
 * plugs a virtio-blk device (hvmm/vdev/virtio_blk.c) into the guest's PCI bus. The guest's writes change that copy
 * only: they are lost when the machine powers off.
 */
#include "hvmm/guest/disk.h"

#include <string.h>

#include "cmdline.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/guest.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/vdev/virtio_blk.h"

int disk_wanted(const char *args)
{
	struct cmdline_iter it;
	char key[8], val[8];
	int r;
	cmdline_init(&it, args);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0)
		if (r > 0 && !strcmp(key, "as") && !strcmp(val, "disk"))
			return 1;
	return 0;
}

int disk_attach(struct guest *g, const void *data, uint64_t len, const char *args, const char **why)
{
	struct cmdline_iter it;
	char key[16], val[VBLK_ID_BYTES + 1], id[VBLK_ID_BYTES + 1] = "hvmm-disk";
	int r, ro = 0;
	cmdline_init(&it, args);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0) {
		if (!strcmp(key, "name")) /* the ID: its first 20 bytes */
			strlcpy(id, val, sizeof(id));
		else if (r > 0 && !strcmp(key, "ro") && !val[0])
			ro = 1;
		else if (r < 0 || strcmp(key, "as")) {
			*why = "a disk's line takes as=disk, ro and name= only";
			return -1;
		}
	}
	uint8_t devfn, gsi;
	uint32_t bar;
	if (!g->pc) {
		*why = "a disk needs the guest's virtual PC (platform=pc)";
		return -1;
	}
	if (len < VBLK_SECTOR) {
		*why = "a disk image must hold at least one 512-byte sector";
		return -1;
	}
	if (vdev_pc_virtio_slot(g->pc, &devfn, &bar, &gsi)) {
		*why = "the guest has its 6 virtio devices already";
		return -1;
	}
	uint8_t *copy = pmm_alloc_high(len, PAGE_SIZE);
	if (!copy)
		copy = pmm_alloc(len, PAGE_SIZE);
	struct vdev_vblk *b = pmm_alloc(sizeof(*b), PAGE_SIZE);
	*why = !copy || !b ? "not enough free memory for the disk's copy" : NULL;
	if (!*why) {
		memcpy(copy, data, len);
		if (vblk_init(b, &g->pc->pci, devfn, bar, gsi, copy, len, ro, id, g->name))
			*why = "its PCI slot is taken";
	}
	if (*why) {
		if (copy)
			pmm_free(copy, len);
		if (b)
			pmm_free(b, sizeof(*b));
		return -1;
	}
	vdev_pc_virtio_add(g->pc, &b->vp);
	return 0;
}
