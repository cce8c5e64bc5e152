/* SPDX-License-Identifier: MIT */
/*
 * vswitch.h — the Ethernet switch inside hvmm that joins the virtio-net devices of guests naming the same network
 * (net=<name>, docs/guest-abi.md "Networks"). Each device is a port with a fixed MAC address (VSWITCH_MAC) and an
 * inbox: a ring of VSWITCH_INBOX frames copied out of the sender's memory, waiting for the receiver's CPU to copy
 * them into its receive queue. Forwarding (IEEE 802.1D's learning bridge, reduced): a port's address is learned from
 * the first frame it sends; a frame to a learned unicast address goes to that port only; broadcast, multicast and
 * unlearned unicast go to every other port (flooded). A frame whose source is not the sender's own address is
 * dropped, so no port can learn another's address and draw its unicast. A full inbox drops the frame for that
 * receiver only (counted there): the sender never waits. One lock per network guards its ports' tables and inboxes.
 */
#ifndef HVMM_VDEV_VSWITCH_H
#define HVMM_VDEV_VSWITCH_H
#include <stdint.h>

#include "hvmm/core/spinlock.h"

#define VSWITCH_NETS 8 /* distinct network names */
#define VSWITCH_PORTS 16 /* guests on one network */
#define VSWITCH_NAME_MAX 16 /* bytes of a network's name, with the NUL */
#define VSWITCH_ETH_HDR 14 /* destination, source, EtherType */
#define VSWITCH_MTU 1500
#define VSWITCH_FRAME_MAX (VSWITCH_ETH_HDR + VSWITCH_MTU) /* 1514: no FCS, no VLAN tag */
#define VSWITCH_INBOX 64 /* frames waiting per port (a power of two) */
/* The MAC address of guest number g on network number n: 02:68:76:6d:<n>:<g>, locally administered, unicast
 * (IEEE 802 bit 1 of the first octet set, bit 0 clear); 68 76 6d spell "hvm". */
#define VSWITCH_MAC(n, g) { 0x02, 0x68, 0x76, 0x6d, (uint8_t)(n), (uint8_t)(g) }

struct vswitch_frame {
	uint16_t len;
	uint8_t data[VSWITCH_FRAME_MAX];
};

struct vswitch_net;

/* One guest's attachment. The owner's kick is called (with no lock held) after frames were put in its inbox. */
struct vswitch_port {
	struct vswitch_net *net;
	unsigned index; /* in net->port[] */
	uint8_t mac[6];
	uint8_t learned; /* it has sent a frame: unicast to mac goes to it alone */
	uint8_t closed; /* its guest ended: nothing more is queued for it */
	void (*kick)(struct vswitch_port *p);
	void *owner;
	uint32_t head, tail; /* inbox[tail % VSWITCH_INBOX] is the oldest waiting frame; head - tail waiting */
	struct vswitch_frame *inbox; /* VSWITCH_INBOX frames */
	uint64_t dropped; /* frames for it lost to a full inbox */
	uint64_t flooded; /* frames it received by flooding (broadcast, multicast, unlearned) */
};

struct vswitch_net {
	char name[VSWITCH_NAME_MAX];
	unsigned index; /* number in VSWITCH_MAC */
	struct ticket_lock lock;
	unsigned nports;
	struct vswitch_port *port[VSWITCH_PORTS];
};

/* The network called name, made if new: NULL when VSWITCH_NETS exist already or the name is empty or too long. */
struct vswitch_net *vswitch_net(const char *name);
/* Attach p (its inbox of VSWITCH_INBOX frames given, zeroed by the caller's allocation) to net for guest number
 * guest_no (its MAC's last octet), kick(p) to be called with owner in p->owner. Before guests run. Returns 0, or -1
 * when net has VSWITCH_PORTS ports. */
int vswitch_attach(struct vswitch_net *net, struct vswitch_port *p, struct vswitch_frame *inbox, unsigned guest_no,
		   void (*kick)(struct vswitch_port *p), void *owner);

/* Why vswitch_send refused a frame (its return value), or VSWITCH_SENT. */
enum vswitch_verdict { VSWITCH_SENT, VSWITCH_SHORT, VSWITCH_LONG, VSWITCH_SPOOFED };
/* Send frame[0, len) from p: forwarded or flooded to the other open ports' inboxes, then their kicks called.
 * Refused (nothing queued) under VSWITCH_ETH_HDR or over VSWITCH_FRAME_MAX bytes, or with a source address that
 * is not p's. */
enum vswitch_verdict vswitch_send(struct vswitch_port *p, const uint8_t *frame, unsigned len);
/* Give p's waiting frames, oldest first, to take(arg, frame, len) until it returns 0 (no room in the guest): the
 * frames taken leave the inbox. Returns the number taken. The network's lock is held meanwhile: take must not send. */
unsigned vswitch_receive(struct vswitch_port *p, int (*take)(void *arg, const uint8_t *frame, unsigned len), void *arg);
/* Does a frame wait in p's inbox? (A hint without the lock.) */
int vswitch_waiting(const struct vswitch_port *p);
/* p's guest ended: drop what waits for it and queue nothing more. */
void vswitch_close(struct vswitch_port *p);

#endif
