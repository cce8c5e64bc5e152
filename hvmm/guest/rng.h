/* SPDX-License-Identifier: MIT */
/* rng.h — a guest's virtio entropy device, asked for with rng=on on its module line (docs/guest-abi.md); rng.c. */
#ifndef HVMM_RNG_H
#define HVMM_RNG_H

struct guest;

/* Give g a virtio-rng device if its module line (hvmm's part, hv_args) says rng=on. Returns 0, or -1 with a static
 * reason in *why (a bad value, no virtual PC, a CPU without RDSEED and RDRAND, no memory). */
int rng_create(struct guest *g, const char *hv_args, const char **why);

#endif
