/* SPDX-License-Identifier: MIT */
/* virtio_args.h — the virtio devices a guest's module line asks for: rng=on, hvc=on (docs/guest-abi.md);
 * virtio_args.c. */
#ifndef HVMM_VIRTIO_ARGS_H
#define HVMM_VIRTIO_ARGS_H

struct guest;

/* Give g the virtio devices its module line (hvmm's part, hv_args) asks for: an entropy device (rng=on), then a
 * console (hvc=on). Returns 0, or -1 with a static reason in *why (a bad value, no virtual PC, a CPU without RDSEED
 * and RDRAND, no memory). */
int virtio_args_create(struct guest *g, const char *hv_args, const char **why);

#endif
