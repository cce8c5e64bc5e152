/* SPDX-License-Identifier: MIT */
/*
 * virtio_pci.h — the virtio 1.x "modern" PCI transport (Virtual I/O Device (VIRTIO) Version 1.2, §4.1) that every
 * virtio device of a guest's PC sits behind: PCI vendor 1AF4h, device 1040h + the device type, revision 1, its
 * configuration structures in one 16-KiB memory BAR (BAR 0) that vendor-specific PCI capabilities point to (§4.1.4:
 * common configuration, notifications, ISR status, device-specific configuration, and the PCI configuration access
 * window), feature negotiation (VIRTIO_F_VERSION_1 required), split virtqueues (lib/virtq.h), and INTx# (pin A)
 * through the I/O APIC (no MSI-X). The device type plugs in through struct virtio_ops.
 */
#ifndef HVMM_VDEV_VIRTIO_PCI_H
#define HVMM_VDEV_VIRTIO_PCI_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/vdev/pci.h"
#include "hvmm/vdev/vdev.h"
#include "virtq.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE(type) (0x1040 + (type)) /* §4.1.2.1 */
#define VIRTIO_BAR_SIZE 0x4000 /* BAR 0: the four structures, one page each */
#define VIRTIO_MAX_QUEUES 4

/* Feature bits (§6) every device here offers, beside its own. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* device_status (§2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* §4.1.4 "Virtio Structure PCI Capabilities": struct virtio_pci_cap, and the notification capability's tail. */
struct virtio_pci_cap {
	uint8_t cap_vndr; /* 09h: vendor-specific */
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type; /* VIRTIO_PCI_CAP_* */
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset; /* in the BAR */
	uint32_t length;
};
_Static_assert(sizeof(struct virtio_pci_cap) == 16 && offsetof(struct virtio_pci_cap, offset) == 8,
	       "virtio_pci_cap layout (§4.1.4)");
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* §4.1.4.3 struct virtio_pci_common_cfg: offsets of its fields. */
#define VIRTIO_COMMON_DFSELECT 0x00
#define VIRTIO_COMMON_DF 0x04
#define VIRTIO_COMMON_GFSELECT 0x08
#define VIRTIO_COMMON_GF 0x0c
#define VIRTIO_COMMON_MSIX 0x10
#define VIRTIO_COMMON_NUMQ 0x12
#define VIRTIO_COMMON_STATUS 0x14
#define VIRTIO_COMMON_CFGGEN 0x15
#define VIRTIO_COMMON_Q_SELECT 0x16
#define VIRTIO_COMMON_Q_SIZE 0x18
#define VIRTIO_COMMON_Q_MSIX 0x1a
#define VIRTIO_COMMON_Q_ENABLE 0x1c
#define VIRTIO_COMMON_Q_NOFF 0x1e
#define VIRTIO_COMMON_Q_DESC 0x20
#define VIRTIO_COMMON_Q_AVAIL 0x28
#define VIRTIO_COMMON_Q_USED 0x30
#define VIRTIO_COMMON_SIZE 0x38
/* Where each structure lies in BAR 0. */
#define VIRTIO_BAR_COMMON 0x0000
#define VIRTIO_BAR_ISR 0x1000
#define VIRTIO_BAR_DEVICE 0x2000
#define VIRTIO_BAR_NOTIFY 0x3000
#define VIRTIO_NOTIFY_MULTIPLIER 4 /* queue n is notified at VIRTIO_BAR_NOTIFY + 4n */
#define VIRTIO_ISR_QUEUE 1u
#define VIRTIO_ISR_CONFIG 2u
#define VIRTIO_NO_VECTOR 0xffff /* no MSI-X */

struct virtio_pci;

/* Serve one chain taken from q: the bytes written into its device-writable buffers, or -1 with *why for a chain the
 * device cannot answer (a VIRTQ_E_* from virtq_next: virtq_error's name). */
typedef int64_t virtio_chain_fn(struct virtio_pci *vp, struct virtq *q, struct virtq_chain *c, const char **why);

/* What a device type provides. */
struct virtio_ops {
	uint16_t type; /* §5: 2 block, ... */
	uint32_t class_rev; /* PCI class code (base, sub, interface) << 8; the revision is set to 1 */
	uint64_t features; /* its own feature bits (the transport adds INDIRECT_DESC, EVENT_IDX, VERSION_1) */
	uint16_t nqueues;
	uint16_t queue_max; /* entries of each queue (a power of two) */
	const void *config; /* its device-specific configuration, config_len bytes, read-only to the driver */
	uint32_t config_len;
	/* Serves each chain the driver makes available on any of its queues (virtio_pci_serve). */
	virtio_chain_fn *serve;
	/* Or, when not NULL, takes every notification of a queue (enabled, DRIVER_OK, the device not broken) itself: a
	 * device whose queues are served differently (the receive queues of virtio-net and virtio-console). */
	void (*notify)(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned q);
	/* The device was reset (status 0 written): forget any request state. May be NULL. */
	void (*reset)(struct virtio_pci *vp);
	/* Format its statistics (" key=value" words) into buf. May be NULL. */
	void (*report)(const struct virtio_pci *vp, char *buf, unsigned size);
};

struct virtio_queue {
	uint16_t size; /* as the driver set it (queue_size) */
	uint16_t enabled;
	uint64_t desc, avail, used; /* guest-physical addresses as written */
	struct virtq vq; /* valid while enabled */
};

struct virtio_pci {
	const struct virtio_ops *ops;
	void *dev; /* the device type's state */
	const char *guest_name; /* for the log line of a malformed queue */
	const char *dev_name; /* "virtio-blk", ... */
	uint8_t devfn;
	uint8_t gsi; /* the I/O APIC input INTx# (pin A) drives (hvmm/guest/dsdt.asl _PRT) */
	struct pci_config cfg; /* the configuration space as the guest reads it */
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint8_t status;
	uint8_t isr;
	uint8_t line; /* INTx# asserted */
	uint16_t qselect;
	struct virtio_queue q[VIRTIO_MAX_QUEUES];
	uint64_t notifies, interrupts; /* statistics */
};

/* Make vp a virtio device of type ops at bus 0's devfn, its BAR 0 preset to bar (firmware-style, in the PCI window of
 * the DSDT), INTx# on I/O APIC input gsi, and plug it into pci. Returns 0, or -1 if devfn is taken. */
int virtio_pci_init(struct virtio_pci *vp, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
		    const struct virtio_ops *ops, void *dev, const char *guest_name, const char *dev_name);
/* Does guest-physical gpa lie in vp's BAR 0 while its memory decoding is on? */
int virtio_pci_claims(const struct virtio_pci *vp, uint64_t gpa);
/* An access of size bytes (1, 2, 4, 8) at gpa inside vp's BAR 0 (virtio_pci_claims); *value is the data. */
void virtio_pci_mmio(struct vdev_ctx *ctx, struct virtio_pci *vp, enum vdev_dir dir, uint64_t gpa, unsigned size,
		     uint64_t *value);
/* Queue q if the driver enabled it and the device is not broken, else NULL. */
struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q);
/* The device found queue q malformed (a VIRTQ_E_* code or why): set DEVICE_NEEDS_RESET (§2.1.2), stop using every
 * queue until the driver resets the device, log one line, and interrupt the driver (configuration change). */
void virtio_pci_broken(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned q, const char *why);
/* Format "<dev_name> 00:<slot>.0 status=0x<status> notifies=<n> interrupts=<n>" and the device's own statistics (the
 * summary's line, docs/serial-log.md) into buf. */
void virtio_pci_report(const struct virtio_pci *vp, char *buf, unsigned size);
/* The driver notified queue qi (enabled, device not broken, DRIVER_OK): serve its available chains with fn, at most a queue size of them (the budget of one
 * notification: a driver refilling the ring from another CPU cannot hold this one here), return each through the
 * used ring, interrupt as the queue asks; a malformed queue or chain makes the device broken (virtio_pci_broken). */
void virtio_pci_serve(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned qi, virtio_chain_fn *fn);
/* Chains were returned on queue q: interrupt the driver if the queue asks for it (virtq_should_interrupt). */
void virtio_pci_used(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned q);

#endif
