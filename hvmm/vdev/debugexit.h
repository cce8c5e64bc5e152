/* SPDX-License-Identifier: MIT */
/* debugexit.h — QEMU's isa-debug-exit port for one guest: a write ends the guest with status (value << 1) | 1. */
#ifndef HVMM_VDEV_DEBUGEXIT_H
#define HVMM_VDEV_DEBUGEXIT_H
#include <stdint.h>

#include "hvmm/vdev/vdev.h"

#define DEBUGEXIT_PORTS 4 /* iosize, as in -device isa-debug-exit,iobase=0xf4,iosize=0x04 */

/* Claim ports [port, port + 4). */
int debugexit_init(struct vdev_bus *bus, uint16_t port);

#endif
