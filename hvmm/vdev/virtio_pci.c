/* SPDX-License-Identifier: MIT */
/*
 * virtio_pci.c — the virtio 1.x modern PCI transport (VIRTIO 1.2 §4.1): the configuration header and the
 * vendor-specific capabilities (§4.1.4), BAR 0's common configuration (§4.1.4.3), ISR status (§4.1.4.5), device
 * configuration (§4.1.4.6) and notification (§4.1.4.4) structures, the PCI configuration access window (§4.1.4.9),
 * feature negotiation (§2.2, §3.1.1) and device reset. Interrupts are INTx# pin A, level-triggered: asserted while the
 * ISR status is non-zero and the command register's Interrupt Disable bit is clear (PCI Local Bus Specification 3.0
 * §6.2.2); the driver reads the ISR to acknowledge. MSI-X is not offered (config_msix_vector reads NO_VECTOR).
 */
#include "hvmm/vdev/virtio_pci.h"

#include <string.h>

#include "fmt.h"
#include "hvmm/core/console.h"

#define REG_COMMAND 0x04
#define REG_STATUS 0x06
#define REG_BAR0 0x10
#define REG_SUBSYS 0x2c
#define REG_CAP_PTR 0x34
#define REG_INT_LINE 0x3c
#define REG_INT_PIN 0x3d
#define CMD_MEMORY (1u << 1)
#define CMD_INTX_DISABLE (1u << 10)
#define STATUS_INTX (1u << 3) /* Interrupt Status */
#define STATUS_CAP_LIST (1u << 4)
#define CAP_VENDOR 0x09

/* Where the capabilities lie in configuration space (a chain from REG_CAP_PTR). */
#define CAP_COMMON 0x40
#define CAP_NOTIFY 0x50 /* 20 bytes: + notify_off_multiplier */
#define CAP_ISR 0x64
#define CAP_DEVICE 0x74
#define CAP_PCI_CFG 0x84 /* 20 bytes: + pci_cfg_data */
#define CAP_PCI_CFG_DATA (CAP_PCI_CFG + 16)

static uint64_t offered(const struct virtio_pci *vp)
{
	return vp->ops->features | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC |
	       1ull << VIRTIO_F_EVENT_IDX;
}

static uint16_t command(const struct virtio_pci *vp)
{
	return (uint16_t)(vp->cfg.bytes[REG_COMMAND] | vp->cfg.bytes[REG_COMMAND + 1] << 8);
}

/* Drive INTx# from the ISR status and the Interrupt Disable bit; mirror it in the status register. */
static void update_line(struct vdev_ctx *ctx, struct virtio_pci *vp)
{
	uint8_t level = vp->isr && !(command(vp) & CMD_INTX_DISABLE);
	if (vp->isr)
		vp->cfg.bytes[REG_STATUS] |= STATUS_INTX;
	else
		vp->cfg.bytes[REG_STATUS] &= (uint8_t)~STATUS_INTX;
	if (level != vp->line) {
		vp->line = level;
		vp->interrupts += level;
		vdev_gsi_set(ctx, vp->gsi, level);
	}
}

static void reset(struct vdev_ctx *ctx, struct virtio_pci *vp)
{
	vp->status = 0;
	vp->driver_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->qselect = 0;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->q[i] = (struct virtio_queue){ .size = vp->ops->queue_max };
	vp->isr = 0;
	update_line(ctx, vp);
	if (vp->ops->reset)
		vp->ops->reset(vp);
}

struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q)
{
	if (q >= vp->ops->nqueues || !vp->q[q].enabled || (vp->status & VIRTIO_STATUS_NEEDS_RESET))
		return NULL;
	return &vp->q[q].vq;
}

void virtio_pci_broken(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned q, const char *why)
{
	if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	hlog("guest %s %s (00:%02x.0) queue %u: %s: DEVICE_NEEDS_RESET", vp->guest_name, vp->dev_name, vp->devfn >> 3, q,
	     why);
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK) { /* §2.1.2: a configuration change notification */
		vp->isr |= VIRTIO_ISR_CONFIG;
		update_line(ctx, vp);
	}
}

void virtio_pci_report(const struct virtio_pci *vp, char *buf, unsigned size)
{
	int k = fmt_snprintf(buf, size, "%s 00:%02x.0 status=0x%02x notifies=%lu interrupts=%lu", vp->dev_name,
			     vp->devfn >> 3, vp->status, vp->notifies, vp->interrupts);
	if (vp->ops->report && k >= 0 && (unsigned)k < size)
		vp->ops->report(vp, buf + k, size - (unsigned)k);
}

void virtio_pci_used(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned q)
{
	struct virtq *vq = virtio_pci_queue(vp, q);
	if (vq && virtq_should_interrupt(vq)) {
		vp->isr |= VIRTIO_ISR_QUEUE;
		update_line(ctx, vp);
	}
}

void virtio_pci_serve(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned qi, virtio_chain_fn *fn)
{
	struct virtq *q = virtio_pci_queue(vp, qi);
	unsigned budget = q ? q->size : 0;
	while (q && budget) {
		struct virtq_chain c;
		const char *why = NULL;
		int e = virtq_pop(q, &c);
		if (e == 0) {
			virtio_pci_used(ctx, vp, qi); /* publishes avail_event: look once more after it */
			if (!virtq_pending(q))
				return;
			continue;
		}
		int64_t written = e < 0 ? -1 : fn(vp, q, &c, &why);
		if (written < 0) {
			virtio_pci_broken(ctx, vp, qi, why ? why : virtq_error(e));
			return;
		}
		virtq_push(q, c.head, (uint32_t)written);
		budget--;
	}
	virtio_pci_used(ctx, vp, qi);
}

/* The driver enables the selected queue (§4.1.4.3.2): its size and addresses are checked now, once. */
static void queue_enable(struct vdev_ctx *ctx, struct virtio_pci *vp, struct virtio_queue *q)
{
	if (q->enabled)
		return;
	int e = q->size > vp->ops->queue_max ? VIRTQ_E_SIZE :
		virtq_setup(&q->vq, q->size, q->desc, q->avail, q->used,
			    (vp->driver_features >> VIRTIO_F_EVENT_IDX) & 1, (vp->driver_features >> VIRTIO_F_INDIRECT_DESC) & 1,
			    ctx->host->mem, ctx->guest);
	if (e) {
		virtio_pci_broken(ctx, vp, vp->qselect, virtq_error(e));
		return;
	}
	q->enabled = 1;
}

/* The field of the common configuration that holds offset off: its offset and width, or 0 if none. */
static unsigned common_field(unsigned off, unsigned *base)
{
	static const uint8_t width[VIRTIO_COMMON_SIZE] = {
		[VIRTIO_COMMON_DFSELECT] = 4, [VIRTIO_COMMON_DF] = 4, [VIRTIO_COMMON_GFSELECT] = 4,
		[VIRTIO_COMMON_GF] = 4, [VIRTIO_COMMON_MSIX] = 2, [VIRTIO_COMMON_NUMQ] = 2, [VIRTIO_COMMON_STATUS] = 1,
		[VIRTIO_COMMON_CFGGEN] = 1, [VIRTIO_COMMON_Q_SELECT] = 2, [VIRTIO_COMMON_Q_SIZE] = 2,
		[VIRTIO_COMMON_Q_MSIX] = 2, [VIRTIO_COMMON_Q_ENABLE] = 2, [VIRTIO_COMMON_Q_NOFF] = 2,
		[VIRTIO_COMMON_Q_DESC] = 8, [VIRTIO_COMMON_Q_AVAIL] = 8, [VIRTIO_COMMON_Q_USED] = 8,
	};
	for (unsigned b = 0; b < VIRTIO_COMMON_SIZE; b++)
		if (width[b] && off >= b && off < b + width[b]) {
			*base = b;
			return width[b];
		}
	return 0;
}

static uint64_t common_read(const struct virtio_pci *vp, unsigned field)
{
	const struct virtio_queue *q = vp->qselect < vp->ops->nqueues ? &vp->q[vp->qselect] : NULL;
	switch (field) {
	case VIRTIO_COMMON_DFSELECT: return vp->dfselect;
	case VIRTIO_COMMON_DF: return vp->dfselect < 2 ? (uint32_t)(offered(vp) >> (32 * vp->dfselect)) : 0;
	case VIRTIO_COMMON_GFSELECT: return vp->gfselect;
	case VIRTIO_COMMON_GF: return vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0;
	case VIRTIO_COMMON_NUMQ: return vp->ops->nqueues;
	case VIRTIO_COMMON_STATUS: return vp->status;
	case VIRTIO_COMMON_CFGGEN: return 0; /* the configuration never changes */
	case VIRTIO_COMMON_Q_SELECT: return vp->qselect;
	case VIRTIO_COMMON_MSIX:
	case VIRTIO_COMMON_Q_MSIX: return VIRTIO_NO_VECTOR;
	}
	if (!q)
		return 0; /* §4.1.4.3.1: a queue that does not exist has size 0 */
	switch (field) {
	case VIRTIO_COMMON_Q_SIZE: return q->size;
	case VIRTIO_COMMON_Q_ENABLE: return q->enabled;
	case VIRTIO_COMMON_Q_NOFF: return vp->qselect;
	case VIRTIO_COMMON_Q_DESC: return q->desc;
	case VIRTIO_COMMON_Q_AVAIL: return q->avail;
	default: return q->used; /* VIRTIO_COMMON_Q_USED */
	}
}

/* The driver writes the status (§2.1, §3.1.1): 0 resets; FEATURES_OK only sticks for features offered including
 * VIRTIO_F_VERSION_1 (§2.2.2); DEVICE_NEEDS_RESET stays until the reset. */
static void status_write(struct vdev_ctx *ctx, struct virtio_pci *vp, uint8_t v)
{
	if (v == 0) {
		reset(ctx, vp);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vp->driver_features & ~offered(vp)) || !(vp->driver_features >> VIRTIO_F_VERSION_1 & 1)))
		v &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	vp->status = (uint8_t)((v & ~VIRTIO_STATUS_NEEDS_RESET) | (vp->status & VIRTIO_STATUS_NEEDS_RESET));
}

static void common_write(struct vdev_ctx *ctx, struct virtio_pci *vp, unsigned field, uint64_t v)
{
	struct virtio_queue *q = vp->qselect < vp->ops->nqueues ? &vp->q[vp->qselect] : NULL;
	switch (field) {
	case VIRTIO_COMMON_DFSELECT: vp->dfselect = (uint32_t)v; return;
	case VIRTIO_COMMON_GFSELECT: vp->gfselect = (uint32_t)v; return;
	case VIRTIO_COMMON_GF:
		if (vp->gfselect < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned sh = 32 * vp->gfselect;
			vp->driver_features = (vp->driver_features & ~(0xffffffffull << sh)) | ((uint64_t)(uint32_t)v << sh);
		}
		return;
	case VIRTIO_COMMON_STATUS: status_write(ctx, vp, (uint8_t)v); return;
	case VIRTIO_COMMON_Q_SELECT: vp->qselect = (uint16_t)v; return;
	}
	if (!q || q->enabled) /* a queue's settings are fixed once enabled (§4.1.4.3.2) */
		return;
	switch (field) {
	case VIRTIO_COMMON_Q_SIZE: q->size = (uint16_t)v; return;
	case VIRTIO_COMMON_Q_ENABLE:
		if ((uint16_t)v == 1)
			queue_enable(ctx, vp, q);
		return;
	case VIRTIO_COMMON_Q_DESC: q->desc = v; return;
	case VIRTIO_COMMON_Q_AVAIL: q->avail = v; return;
	case VIRTIO_COMMON_Q_USED: q->used = v; return;
	}
}

/* An access of size bytes at offset off of the common configuration: one whole field, or either half of a 64-bit
 * one (§4.1.3.1); other accesses read 0 and are ignored. */
static void common_access(struct vdev_ctx *ctx, struct virtio_pci *vp, enum vdev_dir dir, unsigned off, unsigned size,
			  uint64_t *value)
{
	unsigned base, width = common_field(off, &base);
	unsigned shift = 8 * (off - base);
	if (!width || !((size == width && off == base) || (width == 8 && size == 4 && (off - base) % 4 == 0))) {
		if (dir == VDEV_IN)
			*value = 0;
		return;
	}
	uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1, cur = common_read(vp, base);
	if (dir == VDEV_IN) {
		*value = (cur >> shift) & mask;
		return;
	}
	common_write(ctx, vp, base, (cur & ~(mask << shift)) | ((*value & mask) << shift));
}

/* An access at offset off of BAR 0. */
static void bar_access(struct vdev_ctx *ctx, struct virtio_pci *vp, enum vdev_dir dir, uint32_t off, unsigned size,
		       uint64_t *value)
{
	uint64_t in = 0;
	if (off < VIRTIO_BAR_COMMON + VIRTIO_COMMON_SIZE) {
		common_access(ctx, vp, dir, off - VIRTIO_BAR_COMMON, size, value);
		return;
	}
	if (off == VIRTIO_BAR_ISR) { /* reading acknowledges (§4.1.4.5.1) */
		if (dir == VDEV_IN) {
			in = vp->isr;
			vp->isr = 0;
			update_line(ctx, vp);
		}
	} else if (off >= VIRTIO_BAR_DEVICE && off < VIRTIO_BAR_DEVICE + vp->ops->config_len) {
		const uint8_t *c = vp->ops->config;
		for (unsigned i = 0; i < size && off - VIRTIO_BAR_DEVICE + i < vp->ops->config_len; i++)
			in |= (uint64_t)c[off - VIRTIO_BAR_DEVICE + i] << (8 * i);
	} else if (dir == VDEV_OUT && off >= VIRTIO_BAR_NOTIFY && (off - VIRTIO_BAR_NOTIFY) % VIRTIO_NOTIFY_MULTIPLIER == 0) {
		unsigned q = (off - VIRTIO_BAR_NOTIFY) / VIRTIO_NOTIFY_MULTIPLIER;
		vp->notifies++;
		if (q < vp->ops->nqueues && (vp->status & VIRTIO_STATUS_DRIVER_OK) &&
		    virtio_pci_queue(vp, q)) {
			if (vp->ops->notify)
				vp->ops->notify(ctx, vp, q);
			else
				virtio_pci_serve(ctx, vp, q, vp->ops->serve);
		}
	}
	if (dir == VDEV_IN)
		*value = in;
}

static uint32_t cfg32(const struct virtio_pci *vp, unsigned reg)
{
	const uint8_t *b = vp->cfg.bytes + reg;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t bar_base(const struct virtio_pci *vp) { return cfg32(vp, REG_BAR0) & ~(VIRTIO_BAR_SIZE - 1u); }

int virtio_pci_claims(const struct virtio_pci *vp, uint64_t gpa)
{
	return (command(vp) & CMD_MEMORY) && bar_base(vp) && gpa - bar_base(vp) < VIRTIO_BAR_SIZE;
}

void virtio_pci_mmio(struct vdev_ctx *ctx, struct virtio_pci *vp, enum vdev_dir dir, uint64_t gpa, unsigned size,
		     uint64_t *value)
{
	bar_access(ctx, vp, dir, (uint32_t)(gpa - bar_base(vp)), size, value);
}

/* Configuration space: the header and capabilities as held in vp->cfg, the Interrupt Disable bit acted on, and the
 * PCI configuration access window (§4.1.4.9): pci_cfg_data reaches BAR 0 at the capability's offset, with its length
 * (1, 2 or 4, aligned) as the access size. */
static void config(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, unsigned reg, unsigned size, uint32_t *value)
{
	struct virtio_pci *vp = dev;
	if (reg >= CAP_PCI_CFG_DATA && reg < CAP_PCI_CFG_DATA + 4) {
		uint8_t bar = vp->cfg.bytes[CAP_PCI_CFG + 4];
		uint32_t off = cfg32(vp, CAP_PCI_CFG + 8), len = cfg32(vp, CAP_PCI_CFG + 12);
		uint64_t v = dir == VDEV_OUT ? (uint64_t)*value << (8 * (reg - CAP_PCI_CFG_DATA)) : 0;
		if (bar == 0 && (len == 1 || len == 2 || len == 4) && off % len == 0 && off < VIRTIO_BAR_SIZE)
			bar_access(ctx, vp, dir, off, len, &v);
		if (dir == VDEV_IN)
			*value = (uint32_t)(v >> (8 * (reg - CAP_PCI_CFG_DATA)));
		return;
	}
	pci_config_access(ctx, &vp->cfg, dir, reg, size, value);
	if (dir == VDEV_OUT && reg < REG_COMMAND + 2 && reg + size > REG_COMMAND)
		update_line(ctx, vp);
}

/* Write capability (type, offset and length in BAR 0) at reg, linked to next; extra bytes beyond the 16. */
static void put_cap(struct pci_config *c, unsigned reg, unsigned next, uint8_t type, uint32_t off, uint32_t len,
		    unsigned bytes)
{
	struct virtio_pci_cap cap = { .cap_vndr = CAP_VENDOR, .cap_next = (uint8_t)next, .cap_len = (uint8_t)bytes,
				      .cfg_type = type, .bar = 0, .offset = off, .length = len };
	memcpy(c->bytes + reg, &cap, sizeof(cap));
}

int virtio_pci_init(struct virtio_pci *vp, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi,
		    const struct virtio_ops *ops, void *dev, const char *guest_name, const char *dev_name)
{
	memset(vp, 0, sizeof(*vp));
	*vp = (struct virtio_pci){ .ops = ops, .dev = dev, .guest_name = guest_name, .dev_name = dev_name,
				   .devfn = devfn, .gsi = gsi };
	struct pci_config *c = &vp->cfg;
	pci_config_init(c, VIRTIO_PCI_VENDOR, (uint16_t)VIRTIO_PCI_DEVICE(ops->type), ops->class_rev | 1u, 0x00);
	pci_config_bar(c, 0, VIRTIO_BAR_SIZE, 0x0); /* 32-bit memory, not prefetchable */
	memcpy(c->bytes + REG_BAR0, &bar, 4);
	c->bytes[REG_SUBSYS] = (uint8_t)VIRTIO_PCI_VENDOR, c->bytes[REG_SUBSYS + 1] = VIRTIO_PCI_VENDOR >> 8;
	c->bytes[REG_SUBSYS + 2] = 0x00, c->bytes[REG_SUBSYS + 3] = 0x11; /* subsystem 1100h */
	c->bytes[REG_STATUS] = STATUS_CAP_LIST;
	c->bytes[REG_CAP_PTR] = CAP_COMMON;
	c->bytes[REG_INT_LINE] = gsi;
	c->bytes[REG_INT_PIN] = 1; /* INTA# */
	put_cap(c, CAP_COMMON, CAP_NOTIFY, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_BAR_COMMON, VIRTIO_COMMON_SIZE, 16);
	put_cap(c, CAP_NOTIFY, CAP_ISR, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_BAR_NOTIFY,
		VIRTIO_NOTIFY_MULTIPLIER * ops->nqueues, 20);
	uint32_t mult = VIRTIO_NOTIFY_MULTIPLIER;
	memcpy(c->bytes + CAP_NOTIFY + 16, &mult, 4);
	/* a device without configuration (virtio-rng) has no device capability: drivers refuse one of length 0 */
	put_cap(c, CAP_ISR, ops->config_len ? CAP_DEVICE : CAP_PCI_CFG, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_BAR_ISR, 1, 16);
	if (ops->config_len)
		put_cap(c, CAP_DEVICE, CAP_PCI_CFG, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_BAR_DEVICE, ops->config_len, 16);
	put_cap(c, CAP_PCI_CFG, 0, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20);
	memset(c->wmask + CAP_PCI_CFG + 4, 0xff, 1); /* bar */
	memset(c->wmask + CAP_PCI_CFG + 8, 0xff, 8); /* offset, length */
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->q[i].size = ops->queue_max;
	return pci_register(pci, devfn, config, vp);
}
