/* SPDX-License-Identifier: MIT */
/* kbcreset.h — the one 8042 keyboard-controller command a PC without a keyboard still answers: FEh at port 64h,
 * "pulse the CPU reset line" (the PC/AT way to reboot). */
#ifndef HVMM_VDEV_KBCRESET_H
#define HVMM_VDEV_KBCRESET_H

#include "hvmm/vdev/vdev.h"

#define KBC_COMMAND 0x64

/* Claim port 64h: reads FFh (no 8042, as the FADT's IAPC_BOOT_ARCH says), a write of FEh resets the guest. */
int kbcreset_init(struct vdev_bus *bus);

#endif
