/* SPDX-License-Identifier: MIT */
/*
 * vswitch.c — hvmm's Ethernet switch between guests (vswitch.h): networks by name, ports with fixed addresses and
 * inboxes, learning and flooding (IEEE 802.1D §7.8, reduced to one address per port), drops counted per receiver.
 */
#include "hvmm/vdev/vswitch.h"

#include <string.h>

static struct vswitch_net nets[VSWITCH_NETS];
static unsigned nnets;

struct vswitch_net *vswitch_net(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= VSWITCH_NAME_MAX)
		return NULL;
	for (unsigned i = 0; i < nnets; i++)
		if (!strcmp(nets[i].name, name))
			return &nets[i];
	if (nnets == VSWITCH_NETS)
		return NULL;
	struct vswitch_net *n = &nets[nnets];
	memcpy(n->name, name, len + 1);
	n->index = nnets++;
	return n;
}

int vswitch_attach(struct vswitch_net *net, struct vswitch_port *p, struct vswitch_frame *inbox, unsigned guest_no,
		   void (*kick)(struct vswitch_port *p), void *owner)
{
	if (net->nports == VSWITCH_PORTS)
		return -1;
	const uint8_t mac[6] = VSWITCH_MAC(net->index, guest_no);
	*p = (struct vswitch_port){ .net = net, .index = net->nports, .kick = kick, .owner = owner, .inbox = inbox };
	memcpy(p->mac, mac, sizeof(mac));
	net->port[net->nports++] = p;
	return 0;
}

/* Queue frame for p, or count it dropped when p's inbox is full. Returns 1 if queued. Lock held. */
static int enqueue(struct vswitch_port *p, const uint8_t *frame, unsigned len)
{
	if (p->closed)
		return 0;
	if (p->head - p->tail == VSWITCH_INBOX) {
		p->dropped++;
		return 0;
	}
	struct vswitch_frame *f = &p->inbox[p->head % VSWITCH_INBOX];
	f->len = (uint16_t)len;
	memcpy(f->data, frame, len);
	__atomic_store_n(&p->head, p->head + 1, __ATOMIC_RELEASE);
	return 1;
}

enum vswitch_verdict vswitch_send(struct vswitch_port *p, const uint8_t *frame, unsigned len)
{
	if (len < VSWITCH_ETH_HDR)
		return VSWITCH_SHORT;
	if (len > VSWITCH_FRAME_MAX)
		return VSWITCH_LONG;
	if (memcmp(frame + 6, p->mac, 6))
		return VSWITCH_SPOOFED;
	struct vswitch_net *n = p->net;
	uint32_t kick = 0; /* ports that got the frame */
	ticket_lock(&n->lock);
	p->learned = 1;
	struct vswitch_port *to = NULL;
	if (!(frame[0] & 1)) /* unicast (IEEE 802 I/G bit clear): a learned port? */
		for (unsigned i = 0; i < n->nports && !to; i++)
			if (n->port[i]->learned && !memcmp(n->port[i]->mac, frame, 6))
				to = n->port[i];
	if (to) {
		if (to != p && enqueue(to, frame, len))
			kick |= 1u << to->index;
	} else {
		for (unsigned i = 0; i < n->nports; i++)
			if (n->port[i] != p && enqueue(n->port[i], frame, len)) {
				n->port[i]->flooded++;
				kick |= 1u << i;
			}
	}
	ticket_unlock(&n->lock);
	for (unsigned i = 0; kick; i++, kick >>= 1)
		if (kick & 1)
			n->port[i]->kick(n->port[i]);
	return VSWITCH_SENT;
}

unsigned vswitch_receive(struct vswitch_port *p, int (*take)(void *arg, const uint8_t *frame, unsigned len), void *arg)
{
	unsigned n = 0;
	ticket_lock(&p->net->lock);
	while (p->tail != p->head) {
		const struct vswitch_frame *f = &p->inbox[p->tail % VSWITCH_INBOX];
		if (!take(arg, f->data, f->len))
			break;
		p->tail++;
		n++;
	}
	ticket_unlock(&p->net->lock);
	return n;
}

int vswitch_waiting(const struct vswitch_port *p)
{
	return __atomic_load_n(&p->head, __ATOMIC_ACQUIRE) != p->tail;
}

void vswitch_close(struct vswitch_port *p)
{
	ticket_lock(&p->net->lock);
	p->closed = 1;
	p->tail = p->head;
	ticket_unlock(&p->net->lock);
}
