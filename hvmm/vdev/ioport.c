/* SPDX-License-Identifier: MIT */
/*
 * ioport.c — a guest's port-I/O dispatch table: port ranges → handler (one signature, vdev.h). A port nobody claims
 * behaves as an empty ISA bus — reads all ones, writes are ignored — and every such access is counted per port for
 * the guest's summary line. Accesses wider than a handler takes are split into byte accesses, as the ISA bus splits
 * a 16-bit access to an 8-bit device.
 */
#include "hvmm/vdev/vdev.h"

#include "fmt.h"

int vdev_port_register(struct vdev_bus *bus, uint16_t base, uint16_t count, uint8_t sizes, vdev_port_fn *fn,
		       void *dev)
{
	if (bus->nranges == VDEV_PORT_RANGES || count == 0 || (uint32_t)base + count > 0x10000)
		return -1;
	for (unsigned i = 0; i < bus->nranges; i++) {
		const struct vdev_port_range *r = &bus->range[i];
		if (base < r->base + r->count && r->base < base + count)
			return -1;
	}
	bus->range[bus->nranges++] = (struct vdev_port_range){ base, count, sizes | VDEV_SIZE_1, fn, dev };
	return 0;
}

/* The range holding port, or NULL, searched from the first. */
static inline __attribute__((always_inline)) const struct vdev_port_range *search(struct vdev_bus *bus, uint16_t port)
{
	for (unsigned i = 0; i < bus->nranges; i++) {
		const struct vdev_port_range *r = &bus->range[i];
		if ((uint16_t)(port - r->base) < r->count) {
			bus->last = i;
			return r;
		}
	}
	return NULL;
}

/* The range holding port, or NULL. The range of the previous access is tried first: a driver polls one device's
 * registers over and over (the 8250 console: THR, then LSR, for every byte). */
static inline __attribute__((always_inline)) const struct vdev_port_range *find(struct vdev_bus *bus, uint16_t port)
{
	const struct vdev_port_range *r = &bus->range[bus->last];
	if (bus->last < bus->nranges && (uint16_t)(port - r->base) < r->count)
		return r;
	return search(bus, port);
}

static void count_unclaimed(struct vdev_bus *bus, uint16_t port)
{
	bus->unclaimed++;
	for (unsigned i = 0; i < bus->nports; i++)
		if (bus->port[i] == port) {
			bus->count[i]++;
			return;
		}
	if (bus->nports < VDEV_UNCLAIMED_PORTS) {
		bus->port[bus->nports] = port;
		bus->count[bus->nports++] = 1;
		return;
	}
	bus->unclaimed_other++;
}

/* r's handler takes the whole access. */
static inline __attribute__((always_inline)) void range_io(struct vdev_ctx *ctx, const struct vdev_port_range *r,
							   enum vdev_dir dir, uint16_t port, unsigned size,
							   uint32_t *value)
{
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	uint32_t v = dir == VDEV_OUT ? *value & mask : 0; /* OUT AL writes AL only: a handler sees size bytes */
	r->fn(ctx, r->dev, dir, port, size, &v);
	if (dir == VDEV_IN)
		*value = v & mask;
}

/* An access the previous access's range does not take whole (vdev_port_io tried it): its range searched; one that no
 * range takes whole goes byte by byte, unclaimed bytes counted. */
static __attribute__((noinline)) void port_io_any(struct vdev_ctx *ctx, struct vdev_bus *bus, enum vdev_dir dir,
						  uint16_t port, unsigned size, uint32_t *value)
{
	const struct vdev_port_range *r = search(bus, port);
	if (r && (r->sizes & size) && (uint32_t)(port - r->base) + size <= r->count) {
		range_io(ctx, r, dir, port, size, value);
		return;
	}
	uint32_t in = 0;
	for (unsigned i = 0; i < size; i++) { /* byte by byte; the port number wraps at 0xffff as on the bus */
		uint16_t p = (uint16_t)(port + i);
		uint32_t b = dir == VDEV_OUT ? (*value >> (8 * i)) & 0xff : 0xff;
		const struct vdev_port_range *rb = i == 0 ? r : find(bus, p);
		if (rb)
			rb->fn(ctx, rb->dev, dir, p, 1, &b);
		else
			count_unclaimed(bus, p);
		in |= (b & 0xff) << (8 * i);
	}
	if (dir == VDEV_IN)
		*value = in;
}

void vdev_port_io(struct vdev_ctx *ctx, struct vdev_bus *bus, enum vdev_dir dir, uint16_t port, unsigned size,
		  uint32_t *value)
{
	/* The common case inline, without port_io_any's registers to save: the previous access's range takes this one
	 * whole. */
	const struct vdev_port_range *r = &bus->range[bus->last];
	uint32_t off = (uint16_t)(port - r->base);
	if (__builtin_expect(bus->last < bus->nranges && off + size <= r->count && (r->sizes & size), 1)) {
		range_io(ctx, r, dir, port, size, value);
		return;
	}
	port_io_any(ctx, bus, dir, port, size, value);
}

void vdev_bus_report(const struct vdev_bus *bus, char *buf, unsigned size)
{
	int len = 0;
	buf[0] = 0;
	if (!bus->unclaimed)
		return;
	len = fmt_snprintf(buf, size, " unclaimed=%lu ports=", bus->unclaimed);
	for (unsigned i = 0; i < bus->nports && len < (int)size; i++)
		len += fmt_snprintf(buf + len, size - len, "%s0x%x:%lu", i ? "," : "", bus->port[i], bus->count[i]);
	if (bus->unclaimed_other && len < (int)size)
		fmt_snprintf(buf + len, size - len, " other=%lu", bus->unclaimed_other);
}
