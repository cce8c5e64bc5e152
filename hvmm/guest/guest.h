/* SPDX-License-Identifier: MIT */
/* guest.h — one guest: its RAM, VMCB, nested page tables, permission maps, registers, state and statistics. */
#ifndef HVMM_GUEST_H
#define HVMM_GUEST_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/core/bootinfo.h"
#include "hvmm/guest/gva.h"
#include "hvmm/svm/cpuid_cache.h"
#include "hvmm/svm/gpregs.h"
#include "hvmm/vdev/vdev.h"
#include "msr_policy.h"

#define MAX_GUESTS 64
#define GUEST_NAME_MAX 32 /* bytes, with the NUL */
#define GUEST_CMDLINE_MAX BOOT_MODULE_CMDLINE_MAX
/* The module-line keys that are hvmm's, not the guest's (docs/cmdline.md, "Guests"): NULL-terminated. */
#define GUEST_HVMM_KEYS { "name", "mem", "cpu", "platform", "debug_exit", "for", "time_limit", NULL }
#define GUEST_LINE_MAX 200 /* console line buffer (bytes); longer lines are split */

enum guest_state {
	GUEST_RUNNABLE,
	GUEST_EXITED, /* called HVMM_HC_EXIT */
	GUEST_KILLED, /* stopped by hvmm for a fault or a forbidden instruction */
	GUEST_HALTED, /* a platform guest in HLT with interrupts enabled, until an interrupt is pending (platform.c) */
};

struct vmcb;

struct guest {
	unsigned id;
	char name[GUEST_NAME_MAX];
	char cmdline[GUEST_CMDLINE_MAX]; /* the guest's own command line: the module line without hvmm's keys */
	enum guest_state state;
	int64_t exit_status;

	uint64_t ram_hpa; /* host-physical base of guest RAM (2 MiB aligned) */
	uint64_t ram_size; /* bytes, multiple of 2 MiB; GPA [0, ram_size) */
	struct vmcb *vmcb; /* VA = PA */
	uint64_t ncr3; /* nested PML4 (host physical) */
	uint8_t *iopm; /* 12 KiB */
	uint8_t *msrpm; /* 8 KiB */
	uint32_t asid;
	uint64_t asid_generation; /* cpu generation the ASID belongs to */
	int pin; /* cpu= of the module command line, -1 = none */
	uint64_t stop_tsc; /* time_limit=: the TSC at which the scheduler stops the guest (sched.c); 0 = never */
	unsigned cpu; /* the hvmm CPU that runs this guest, for its whole life (sched_assign) */
	unsigned slot; /* its index in that CPU's run queue */

	struct gpregs regs;
	struct cpuid_cache cpuid; /* right after regs: vmrun.S finds it there (svm/cpuid_cache.h); filled by cpuid.c */
	struct gva_cache fetch_cache; /* the translation of the page at CS:RIP (insn.c); right after cpuid: vmrun.S
					 checks it for the fast paths without nRIP (asserted in gva.c) */
	uint8_t *xsave; /* XSAVE (or FXSAVE) area, xstate_caps.area_bytes; holds the state while another guest runs */
	uint64_t xcr0; /* the guest's XCR0 while another guest runs (xstate.c) */
	int yield; /* give up the CPU after this exit */
	int nrip_warned; /* vmcb_check=1 reported an nRIP that is not RIP + length (vmcb_guard.c) */
	int vmcb_state_warned; /* vmcb_check=1 reported a processor-state rule VMRUN does not enforce (vmcb_guard.c) */
	uint64_t dr[4]; /* DR0-DR3 while another guest owns the debug registers (exit.c) */
	struct { /* loop guard of the #DB/#AC reflection (exception.c) */
		uint64_t rip, rsp;
		unsigned vec, count;
	} exc_loop;
	uint64_t exc_reflected; /* #DB/#AC exits reflected into the guest */
	struct msr_state msr; /* the MSRs lib/msr_policy.c keeps per guest (msr.c) */

	/* Console (hypercall.c): output is flushed one whole line at a time. */
	char line[GUEST_LINE_MAX];
	uint32_t line_len;
	uint8_t line_continues; /* the buffered line continues a piece already printed */
	struct pending_write { /* an HVMM_HC_WRITE in progress: the VMMCALL at rip, done of len bytes at buf */
		uint64_t rip, buf, len, done;
	} write;

	/* Virtual devices (platform.c): the port table every guest has, and the PC platform when it is enabled. */
	struct vdev_ctx vctx;
	struct vdev_bus bus;
	struct vdev_pc *pc; /* NULL: no devices, every port is an empty bus */
	uint8_t pc_default; /* the image format's choice when the module line has no platform= (loader) */
	const struct image_format *format; /* the loader that loaded it (loader.h); attaches its for= modules */
	uint64_t mb1_next_module; /* multiboot v1 kernels: GPA for the next for= module; 0 for other formats */
	uint64_t irqs_injected; /* interrupts delivered through EVENTINJ */

	/* Statistics. */
	uint64_t switches_in; /* times scheduled in from another guest */
	uint64_t exits;
	uint64_t runtime; /* TSC cycles spent in guest mode */
	uint64_t exit_counts[8]; /* by class, see exit.c */
	uint64_t console_throttled; /* HVMM_HC_WRITE exits that stopped at a full console ring (hypercall.c) */
};
_Static_assert(offsetof(struct guest, cpuid) == offsetof(struct guest, regs) + GPREGS_SIZE,
	       "vmrun.S finds the CPUID cache right after the guest's registers");

extern struct guest *guests[MAX_GUESTS];
extern unsigned nguests;

/* Create a guest from boot module number index (image[0..len), its command line, cut short if cmdline_truncated).
 * Its name is name= or "guest<index>". On failure print "hvmm: guest <name> rejected: <reason>", free what was
 * allocated and return NULL. */
struct guest *guest_create(const void *image, uint64_t len, const char *cmdline, int cmdline_truncated,
			   unsigned index);

/* Does the module command line name a guest with for=<name> (a module of that guest, not a guest itself)? */
int guest_is_module(const char *cmdline);
/* Attach boot module number index (data[0..len), command line cmdline with for=<name>) to the guest it names, as
 * that guest's module with cmdline minus the for= word. Prints "hvmm: module <index> attached to guest <name>: ..."
 * or "hvmm: module <index> for guest <name> rejected: <reason>". Returns 0, or -1 if rejected. */
int guest_attach_module(const void *data, uint64_t len, const char *cmdline, unsigned index);

/* Stop g: print "hvmm: guest <name> killed: <reason> rip=<hex>" and mark it killed. */
void guest_kill(struct guest *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Translate guest-physical [gpa, gpa+len) to a host pointer if it lies entirely inside guest RAM, else NULL. */
void *guest_ptr(const struct guest *g, uint64_t gpa, uint64_t len);

#endif
