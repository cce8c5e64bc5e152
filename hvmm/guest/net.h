/* SPDX-License-Identifier: MIT */
/* net.h — a guest's virtio-net device on hvmm's switch (net=<name>, docs/guest-abi.md "Networks"): made from the module
 * line, and its received frames delivered by the CPU that runs the guest; net.c. */
#ifndef HVMM_NET_H
#define HVMM_NET_H
#include <stdint.h>

#include "hvmm/core/percpu.h"

struct guest;

/* Give g a virtio-net device on the network its module line names (net=<name>; none without the key). Returns 0, or
 * -1 with a static reason in *why (a bad name, no virtual PC, too many networks or guests on one, no PCI slot or
 * memory). */
int net_create(struct guest *g, const char *hv_args, const char **why);

extern volatile uint8_t net_due_cpu[MAX_CPUS]; /* frames wait for a guest of this CPU (net_kick from another CPU) */
void net_deliver_due(struct cpu *c);
/* Between two VMRUNs of c: deliver what other CPUs' guests sent to c's guests. */
static inline void net_due(struct cpu *c)
{
	if (__builtin_expect(net_due_cpu[c->id], 0))
		net_deliver_due(c);
}

#endif
