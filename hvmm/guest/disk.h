/* SPDX-License-Identifier: MIT */
/* disk.h — a boot module as a guest's virtio disk: `module2 <image> for=<guest> as=disk [ro]` (docs/guest-abi.md
 * "Disks"); disk.c. */
#ifndef HVMM_DISK_H
#define HVMM_DISK_H
#include <stdint.h>

struct guest;

/* Does a for= module's own line (args) make it a disk (as=disk)? */
int disk_wanted(const char *args);
/* Give g a virtio-blk device over a copy of data[0, len) as args say (as=disk, ro, name=: the ID). Returns 0, or -1
 * with a static reason in *why. */
int disk_attach(struct guest *g, const void *data, uint64_t len, const char *args, const char **why);

#endif
