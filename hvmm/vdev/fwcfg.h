/* SPDX-License-Identifier: MIT */
/* fwcfg.h — QEMU's fw_cfg interface, port-I/O flavour (selector 0x510, data 0x511), for kernels written for QEMU. */
#ifndef HVMM_VDEV_FWCFG_H
#define HVMM_VDEV_FWCFG_H
#include <stdint.h>

#include "hvmm/vdev/vdev.h"

#define FWCFG_ITEM_MAX 128 /* bytes of the largest item (the file directory) */

struct vdev_fwcfg {
	uint64_t ram_bytes;
	uint16_t ncpus;
	uint16_t selector;
	uint32_t offset; /* next byte of the selected item */
	uint32_t len; /* bytes in item[] */
	uint8_t item[FWCFG_ITEM_MAX]; /* the selected item, built at selection */
};

/* Claim ports 0x510-0x511 for a guest of ram_bytes of RAM and ncpus CPUs. */
int fwcfg_init(struct vdev_fwcfg *f, struct vdev_bus *bus, uint64_t ram_bytes, uint16_t ncpus);

#endif
