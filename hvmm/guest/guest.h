/* SPDX-License-Identifier: MIT */
/* guest.h — one guest (a virtual machine): its RAM, nested page tables, permission maps, devices, console, name and
 * result, and its virtual CPUs (struct vcpu, vcpu.h). */
#ifndef HVMM_GUEST_H
#define HVMM_GUEST_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/core/bootinfo.h"
#include "hvmm/guest/guest_console.h"
#include "hvmm/guest/vcpu.h"
#include "hvmm/vdev/vdev.h"

struct vdev_vcon;
struct vdev_vnet;

#define MAX_GUESTS 64
#define GUEST_NAME_MAX 32 /* bytes, with the NUL */
#define GUEST_CMDLINE_MAX BOOT_MODULE_CMDLINE_MAX
/* The module-line keys that are hvmm's, not the guest's (docs/cmdline.md, "Guests"): NULL-terminated. */
#define GUEST_HVMM_KEYS { "name", "mem", "cpu", "platform", "kvm", "debug_exit", "for", "time_limit", "rng", "hvc", "net", NULL }
#define GUEST_VCPUS_MAX 1 /* virtual CPUs per guest */

enum guest_state {
	GUEST_RUNNING,
	GUEST_EXITED, /* called HVMM_HC_EXIT (or wrote its isa-debug-exit port) */
	GUEST_KILLED, /* stopped by hvmm for a fault or a forbidden instruction */
};

struct guest {
	unsigned id;
	char name[GUEST_NAME_MAX];
	char cmdline[GUEST_CMDLINE_MAX]; /* the guest's own command line: the module line without hvmm's keys */
	enum guest_state state;
	int64_t exit_status;
	int pin; /* cpu= of the module command line, -1 = none */
	uint64_t stop_tsc; /* time_limit=: the TSC at which the scheduler stops the guest (sched.c); 0 = never */
	enum guest_end { GUEST_END_EXIT, GUEST_END_POWEROFF, GUEST_END_REBOOT } end; /* how an exited guest ended:
			 * HVMM_HC_EXIT or debug-exit, ACPI S5, a platform reset (summary exit=poweroff|reboot) */

	uint64_t ram_hpa; /* host-physical base of guest RAM (2 MiB aligned) */
	uint64_t ram_size; /* bytes, multiple of 2 MiB; GPA [0, ram_size) */
	uint64_t ncr3; /* nested PML4 (host physical) */
	uint8_t *iopm; /* 12 KiB */
	uint8_t *msrpm; /* 8 KiB */

	unsigned nvcpus;
	struct vcpu *vcpu[GUEST_VCPUS_MAX]; /* vcpu[0] is the boot CPU */

	uint8_t request; /* the monitor's request to its CPU (enum input_request, input.c), 0 = none */
	struct guest_console console; /* its output, printed one whole line at a time (guest_console.c) */

	/* Virtual devices (platform.c): the port table every guest has, and the PC platform when it is enabled. */
	struct vdev_bus bus;
	struct vdev_pc *pc; /* NULL: no devices, every port is an empty bus */
	struct vdev_vnet *net; /* its virtio-net device (net=, net.c), or NULL */
	struct vdev_vcon *hvc; /* its virtio console (hvc=on, virtio_args.c): console input goes there too */
	uint8_t net_due; /* frames from another CPU wait in its inbox (net.c) */
	uint8_t pc_wanted; /* platform=, or its image format's default (platform_check) */
	uint16_t debug_exit; /* debug_exit= port, or 0 (platform_check) */
	const struct image_format *format; /* the loader that loaded it (loader.h); attaches its for= modules */
	uint64_t mb1_next_module; /* multiboot v1 kernels: GPA for the next for= module; 0 for other formats */
};

extern struct guest *guests[MAX_GUESTS];
extern unsigned nguests;

/* Stop the guest of vcpu: print "hvmm: guest <name> killed: <reason> rip=<hex>" (the vCPU's RIP) and mark it
 * killed, its vCPUs stopped. */
void guest_kill(struct vcpu *vcpu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* g ended with state (GUEST_EXITED or GUEST_KILLED): its vCPUs never run again. */
void guest_stop(struct guest *g, enum guest_state state);

/* Translate guest-physical [gpa, gpa+len) to a host pointer if it lies entirely inside guest RAM, else NULL. */
void *guest_ptr(const struct guest *g, uint64_t gpa, uint64_t len);

#endif
