/* SPDX-License-Identifier: MIT */
/*
 * virtio_blk.c — the virtio block device (VIRTIO 1.2 §5.2) over a disk image in hvmm's memory. A request (§5.2.6) is
 * a 16-byte header (type, reserved, sector) in the device-readable buffers, data, and a status byte: the last byte of
 * the device-writable buffers; any framing is taken (§2.7.4, VIRTIO_F_ANY_LAYOUT is implied in 1.x). Requests:
 * VIRTIO_BLK_T_IN, _OUT (VIRTIO_BLK_S_IOERR on a read-only disk), _FLUSH (nothing to write back), _GET_ID; others
 * VIRTIO_BLK_S_UNSUPP. A transfer that is not whole sectors or runs past the capacity gets VIRTIO_BLK_S_IOERR. A
 * request the driver cannot have meant (no status byte, a header under 16 bytes, more than VBLK_MAX_BUFS buffers) and
 * every malformed queue (lib/virtq.c) set DEVICE_NEEDS_RESET.
 */
#include "hvmm/vdev/virtio_blk.h"

#include <string.h>

#include "fmt.h"

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* §5.2.6 struct virtio_blk_req's header. */
struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct vblk_hdr) == 16, "virtio_blk_req header is 16 bytes");

/* Copy len bytes between p and the buffers buf[0, n) seen as one byte stream from offset skip; to_guest says the
 * direction. The caller has checked that the buffers hold skip + len bytes. */
static void xfer(const struct virtq_buf *buf, unsigned n, uint64_t skip, uint8_t *p, uint64_t len, int to_guest)
{
	for (unsigned i = 0; i < n && len; i++) {
		if (skip >= buf[i].len) {
			skip -= buf[i].len;
			continue;
		}
		uint64_t k = buf[i].len - skip < len ? buf[i].len - skip : len;
		uint8_t *g = (uint8_t *)buf[i].ptr + skip;
		if (to_guest)
			memcpy(g, p, k);
		else
			memcpy(p, g, k);
		p += k, len -= k, skip = 0;
	}
}

/* Is [sector, sector + bytes / 512) a whole number of sectors inside the disk? */
static int in_disk(const struct vdev_vblk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t cap = b->config.capacity;
	return bytes % VBLK_SECTOR == 0 && sector <= cap && bytes / VBLK_SECTOR <= cap - sector;
}

/* Serve the request in b->buf[0, n) (nr readable buffers first): the bytes written into the writable ones, or -1
 * with *why for a request the device cannot answer. */
static int64_t serve(struct vdev_vblk *b, unsigned n, unsigned nr, const char **why)
{
	uint64_t r = 0, w = 0;
	for (unsigned i = 0; i < n; i++)
		*(i < nr ? &r : &w) += b->buf[i].len;
	if (r < sizeof(struct vblk_hdr)) {
		*why = "request header shorter than 16 bytes";
		return -1;
	}
	if (w < 1) {
		*why = "request without a writable status byte";
		return -1;
	}
	struct vblk_hdr h;
	xfer(b->buf, nr, 0, (uint8_t *)&h, sizeof(h), 0);
	uint8_t status = VIRTIO_BLK_S_OK;
	uint64_t written = 0, data;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		data = w - 1;
		if (!in_disk(b, h.sector, data)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		xfer(b->buf + nr, n - nr, 0, b->data + h.sector * VBLK_SECTOR, data, 1);
		written = data;
		b->reads++, b->bytes_read += data;
		break;
	case VIRTIO_BLK_T_OUT:
		data = r - sizeof(h);
		if (b->ro || !in_disk(b, h.sector, data)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		xfer(b->buf, nr, sizeof(h), b->data + h.sector * VBLK_SECTOR, data, 0);
		b->writes++, b->bytes_written += data;
		break;
	case VIRTIO_BLK_T_FLUSH: /* the disk is memory: nothing is cached */
		b->flushes++;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t k = w - 1 < VBLK_ID_BYTES ? w - 1 : VBLK_ID_BYTES;
		xfer(b->buf + nr, n - nr, 0, (uint8_t *)b->id, k, 1);
		written = k;
		b->ids++;
		break;
	}
	default:
		status = VIRTIO_BLK_S_UNSUPP;
	}
	b->errors += status != VIRTIO_BLK_S_OK;
	xfer(b->buf + nr, n - nr, w - 1, &status, 1, 1);
	return (int64_t)written + 1;
}

/* Gather the chain's buffers into b->buf, then serve the request. */
static int64_t chain(struct virtio_pci *vp, struct virtq *q, struct virtq_chain *c, const char **why)
{
	struct vdev_vblk *b = vp->dev;
	struct virtq_buf buf;
	unsigned n = 0, nr = 0;
	int e;
	while ((e = virtq_next(q, c, &buf)) == 1) {
		if (n == VBLK_MAX_BUFS) {
			*why = "request of more buffers than seg_max + 2";
			return -1;
		}
		b->buf[n++] = buf;
		nr += !buf.write;
	}
	if (e < 0) {
		*why = virtq_error(e);
		return -1;
	}
	return serve(b, n, nr, why);
}

static void report(const struct virtio_pci *vp, char *buf, unsigned size)
{
	const struct vdev_vblk *b = vp->dev;
	fmt_snprintf(buf, size, " reads=%lu writes=%lu flushes=%lu ids=%lu errors=%lu bytes_read=%lu bytes_written=%lu",
		     b->reads, b->writes, b->flushes, b->ids, b->errors, b->bytes_read, b->bytes_written);
}

int vblk_init(struct vdev_vblk *b, struct vdev_pci *pci, uint8_t devfn, uint32_t bar, uint8_t gsi, uint8_t *data,
	      uint64_t bytes, int ro, const char *id, const char *guest_name)
{
	memset(b, 0, sizeof(*b));
	b->data = data;
	b->bytes = bytes;
	b->ro = !!ro;
	for (unsigned i = 0; i < sizeof(b->id) && id[i]; i++) /* not NUL-terminated when 20 bytes long */
		b->id[i] = id[i];
	b->config = (struct virtio_blk_config){ .capacity = bytes / VBLK_SECTOR, .seg_max = VBLK_SEG_MAX,
						.blk_size = VBLK_SECTOR, .num_queues = 1 };
	b->ops = (struct virtio_ops){
		.type = VIRTIO_ID_BLOCK,
		.class_rev = 0x01800000u, /* class 01h (mass storage) / 80h (other) */
		.features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH |
			    (ro ? 1ull << VIRTIO_BLK_F_RO : 0),
		.nqueues = 1,
		.queue_max = VBLK_QUEUE_SIZE,
		.config = &b->config,
		.config_len = sizeof(b->config),
		.serve = chain,
		.report = report,
	};
	return virtio_pci_init(&b->vp, pci, devfn, bar, gsi, &b->ops, b, guest_name, "virtio-blk");
}
