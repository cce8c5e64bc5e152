/* SPDX-License-Identifier: MIT */
/*
 * vdev.h — the narrow interface between a guest's virtual devices and the rest of hvmm, and the port-I/O dispatch
 * table. guest/ fills in a struct vdev_host (the services a device may use: guest memory, the guest's console line,
 * time, stopping the guest) and calls vdev_port_io for every intercepted IN/OUT; devices never see struct guest.
 */
#ifndef HVMM_VDEV_H
#define HVMM_VDEV_H
#include <stdint.h>

enum vdev_dir { VDEV_IN, VDEV_OUT };
enum vdev_power { VDEV_POWER_OFF, VDEV_POWER_RESET }; /* what the platform asked for (ACPI S5, a reset) */

/* The shortest period of a periodic timer interrupt (local APIC timer, PIT channel 0, RTC, HPET comparators): a
 * guest programming a shorter one gets this one (KVM's min_timer_period_us has the same default), so an interrupt
 * storm leaves it instructions between interrupts and costs hvmm at most one injection per source and period.
 * docs/guest-abi.md "Time". */
#define VDEV_MIN_PERIOD_US 200
/* That period in ticks of a clock of hz, rounded up. */
#define VDEV_MIN_PERIOD_TICKS(hz) (((uint64_t)(hz) * VDEV_MIN_PERIOD_US + 999999) / 1000000)

/* What guest/ provides to the devices of one guest. Every callback gets vdev_ctx.guest back. */
struct vdev_host {
	/* Host pointer to guest-physical [gpa, gpa + len) if it lies entirely inside guest RAM, else NULL. */
	void *(*mem)(void *guest, uint64_t gpa, uint64_t len);
	/* Append one byte to the guest's line console ("[<name>] ..." lines). */
	void (*putc)(void *guest, char ch);
	/* The guest-visible TSC: the time base of every virtual clock (it keeps running while the guest is not). */
	uint64_t (*now)(void *guest);
	/* Stop the guest as if it had exited with status (isa-debug-exit). */
	void (*stop)(void *guest, int64_t status);
	/* The guest powered itself off or reset its platform: stop it with that result (exit=poweroff, exit=reboot). */
	void (*power)(void *guest, enum vdev_power what);
};

struct vdev_pc;

/* A device's view of its guest, as one virtual CPU of it reaches the device: the host services, the TSC
 * (guest-visible time), the interrupt lines and the port table. */
struct vdev_bus;
struct vdev_ctx {
	const struct vdev_host *host;
	void *guest; /* opaque to vdev/ */
	struct vdev_pc *pc; /* the platform the device belongs to (interrupt routing: vdev_irq_set) */
	struct vdev_bus *bus; /* the guest's port table (vdev_port_io) */
	uint64_t tsc_khz; /* TSC frequency (kHz): devices derive their clocks from the TSC */
};

/* The guest's TSC now (time base of every device clock). */
static inline uint64_t vdev_now(const struct vdev_ctx *ctx) { return ctx->host->now(ctx->guest); }
/* Drive ISA interrupt line irq (0-15) of the guest's platform to level 0 or 1 (pc.c routes it to the 8259A and the
 * I/O APIC; IRQ 0 and 8 of the PIT and the RTC are cut off while the HPET's legacy replacement routes them). */
void vdev_irq_set(struct vdev_ctx *ctx, unsigned irq, int level);
/* The HPET's legacy replacement route onto ISA IRQ 0 or 8. */
void vdev_legacy_irq_set(struct vdev_ctx *ctx, unsigned irq, int level);
/* Drive I/O APIC input gsi (0-23) directly (a route that bypasses the 8259A). */
void vdev_gsi_set(struct vdev_ctx *ctx, unsigned gsi, int level);
/* A port access changed what decides the guest's pending interrupts or a timer's next event other than through the
 * two calls above (a register of the 8259A, the PIT, port 61h, the RTC): the next VMRUN brings the timers up to date
 * and looks for an interrupt to inject again. Before a VMRUN that follows a port access, hvmm skips that work while
 * no device called one of these three and no device deadline has passed (guest/platform.c), so a device whose port
 * handler changes interrupt state any other way must call this. */
void vdev_changed(struct vdev_ctx *ctx);

/*
 * A port handler: an access of size bytes (1, 2 or 4) at port. For VDEV_IN it stores the value read in *value (the
 * low size bytes count); for VDEV_OUT *value holds the value written. dev is the pointer given at registration.
 */
typedef void vdev_port_fn(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
			  uint32_t *value);

#define VDEV_PORT_RANGES 24 /* registered ranges per guest */
#define VDEV_UNCLAIMED_PORTS 8 /* distinct unclaimed ports counted one by one (the rest as "other") */

struct vdev_port_range {
	uint16_t base, count; /* ports [base, base + count) */
	uint8_t sizes; /* access sizes the handler takes whole (bit n = 2^n bytes); others are split into bytes */
	vdev_port_fn *fn;
	void *dev;
};

/* A guest's port-I/O bus: the registered ranges and the accounting of accesses nobody claims. */
struct vdev_bus {
	unsigned nranges;
	unsigned last; /* range[] index of the latest access: a device's ports are polled in runs (ioport.c) */
	struct vdev_port_range range[VDEV_PORT_RANGES];
	uint64_t unclaimed; /* accesses (IN or OUT) to unclaimed ports */
	unsigned nports; /* entries used in port[]/count[] */
	uint16_t port[VDEV_UNCLAIMED_PORTS]; /* the first distinct unclaimed ports, in order of first access */
	uint64_t count[VDEV_UNCLAIMED_PORTS];
	uint64_t unclaimed_other; /* accesses to unclaimed ports beyond the first VDEV_UNCLAIMED_PORTS */
};

#define VDEV_SIZE_1 (1u << 0)
#define VDEV_SIZE_2 (1u << 1)
#define VDEV_SIZE_4 (1u << 2)

/* Claim ports [base, base + count) for fn(dev). Returns 0, or -1 if the table is full or a port is already claimed. */
int vdev_port_register(struct vdev_bus *bus, uint16_t base, uint16_t count, uint8_t sizes, vdev_port_fn *fn,
		       void *dev);
/*
 * One IN or OUT of size bytes (1, 2, 4) at port. An access its handler does not take whole is split into byte
 * accesses at port, port + 1, ...; a byte nobody claims reads 0xff and ignores writes, and is counted. For VDEV_IN,
 * *value receives the bytes read (zero-extended to 32 bits).
 */
void vdev_port_io(struct vdev_ctx *ctx, struct vdev_bus *bus, enum vdev_dir dir, uint16_t port, unsigned size,
		  uint32_t *value);
/* Format " unclaimed=<n>[ ports=<port>:<n>,...[ other=<n>]]" (the summary line's tail) into buf. */
void vdev_bus_report(const struct vdev_bus *bus, char *buf, unsigned size);

#endif
