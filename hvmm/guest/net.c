/* SPDX-License-Identifier: MIT */
/*
 * net.c — net=<name> on a guest's module line: a virtio-net device (hvmm/vdev/virtio_net.c) on the network of that
 * name in hvmm's switch (hvmm/vdev/vswitch.c), and the delivery of the frames sent to it. A guest's devices are used
 * only by the CPU that runs it (input.c), so a frame for a guest of this CPU is delivered at once; for another CPU's
 * guest the frame waits in its inbox, that CPU is flagged and sent an IPI (VEC_WAKE: it leaves the host HLT of an idle
 * wait, platform_idle) that makes the guest it runs exit (platform_after_exit), and it delivers then, between two
 * VMRUNs; if the IPI came while that CPU was in hvmm, at its scheduler's next pass (slice end, HLT, idle).
 */
#include "hvmm/guest/net.h"

#include <string.h>

#include "cmdline.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/platform.h"
#include "hvmm/vdev/pc.h"
#include "hvmm/vdev/virtio_net.h"
#include "hvmm/x86/desc.h"
#include "hvmm/x86/lapic.h"

volatile uint8_t net_due_cpu[MAX_CPUS];

/* The switch has frames for p's guest: deliver now on its CPU, else flag and wake that CPU. */
static void kick(struct vswitch_port *p)
{
	struct guest *g = p->owner;
	struct vcpu *v = g->vcpu[0];
	if (g->state != GUEST_RUNNING)
		return;
	if (v->cpu == this_cpu()->id) {
		vnet_deliver(&v->vctx, g->net);
		return;
	}
	__atomic_store_n(&g->net_due, 1, __ATOMIC_RELEASE);
	if (!__atomic_exchange_n(&net_due_cpu[v->cpu], 1, __ATOMIC_ACQ_REL)) {
		platform_kicked[v->cpu] = 1;
		lapic_send_ipi(cpus[v->cpu].apic_id, ICR_VECTOR(VEC_WAKE));
	}
}

void net_deliver_due(struct cpu *c)
{
	__atomic_store_n(&net_due_cpu[c->id], 0, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < nguests; i++) {
		struct guest *g = guests[i];
		if (g->net && g->vcpu[0]->cpu == c->id && __atomic_exchange_n(&g->net_due, 0, __ATOMIC_ACQ_REL) &&
		    g->state == GUEST_RUNNING)
			vnet_deliver(&g->vcpu[0]->vctx, g->net);
	}
}

int net_create(struct guest *g, const char *hv_args, const char **why)
{
	platform_kick_work = net_deliver_due; /* the IPI's exit delivers at once (platform_after_exit) */
	struct cmdline_iter it;
	char k[16], name[VSWITCH_NAME_MAX + 1] = "";
	int r, found = 0;
	cmdline_init(&it, hv_args);
	while ((r = cmdline_next(&it, k, sizeof(k), name, sizeof(name))) != 0)
		if (!strcmp(k, "net")) {
			found = 1;
			if (r < 0 || !name[0] || strlen(name) >= VSWITCH_NAME_MAX) {
				*why = "net= must name a network (1 to 15 characters)";
				return -1;
			}
			break;
		}
	if (!found)
		return 0;
	if (!g->pc) {
		*why = "net= needs the virtual PC (platform=pc)";
		return -1;
	}
	struct vswitch_net *net = vswitch_net(name);
	if (!net) {
		*why = "net=: more than 8 networks";
		return -1;
	}
	uint8_t devfn, gsi;
	uint32_t bar;
	if (vdev_pc_virtio_slot(g->pc, &devfn, &bar, &gsi)) {
		*why = "no free PCI slot for a virtio device";
		return -1;
	}
	struct vdev_vnet *n = pmm_alloc(sizeof(*n), PAGE_SIZE);
	struct vswitch_frame *inbox = n ? pmm_alloc(VSWITCH_INBOX * sizeof(*inbox), PAGE_SIZE) : NULL;
	if (!inbox) {
		*why = "not enough free memory for its devices";
		return -1;
	}
	if (vnet_init(n, &g->pc->pci, devfn, bar, gsi, net, g->id, inbox, kick, g, g->name)) {
		*why = "net=: more than 16 guests on one network";
		return -1;
	}
	g->net = n;
	vdev_pc_virtio_add(g->pc, &n->vp);
	return 0;
}
