/* SPDX-License-Identifier: MIT */
/* create.c — create guests from boot modules (rejecting bad ones with a reason), and attach for= modules to them. */
#include "hvmm/guest/create.h"

#include <string.h>

#include "cmdline.h"
#include "fmt.h"
#include "hvmm/abi.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/pmm.h"
#include "hvmm/guest/disk.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/kvm_pv.h"
#include "hvmm/guest/loader.h"
#include "hvmm/guest/pclowmem.h"
#include "hvmm/guest/platform.h"
#include "hvmm/guest/virtio_args.h"
#include "hvmm/guest/xstate.h"
#include "hvmm/svm/npt.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/x86/tsc.h"

static const char *const hvmm_keys[] = GUEST_HVMM_KEYS;
static const char *const module_keys[] = { "for", NULL }; /* a for= module's line: hvmm takes only for= */
/* Scratch for splitting module lines (guests are created one at a time, on the boot CPU): hvmm's part, and a
 * module's own line. */
static char hv_args[GUEST_CMDLINE_MAX], module_args[GUEST_CMDLINE_MAX];

/* Release everything guest_create allocated for g (NULL members are skipped). */
static void guest_free(struct guest *g)
{
	if (g->ram_hpa)
		pmm_free((void *)g->ram_hpa, g->ram_size);
	if (g->ncr3)
		pmm_free((void *)g->ncr3, npt_table_bytes(g->ram_size));
	for (unsigned k = 0; k < GUEST_VCPUS_MAX; k++) {
		struct vcpu *vcpu = g->vcpu[k];
		if (!vcpu)
			continue;
		pmm_free(vcpu->vmcb, sizeof(struct vmcb));
		pmm_free(vcpu->xsave, xstate_caps.area_bytes);
		pmm_free(vcpu, sizeof(*vcpu));
	}
	pmm_free(g->iopm, IOPM_BYTES);
	pmm_free(g->msrpm, MSRPM_BYTES);
	platform_free(g);
	pmm_free(g, sizeof(*g));
}

/* Give g its vCPU number g->nvcpus with a VMCB and an extended-state area; -1 when memory runs out. */
static int vcpu_create(struct guest *g)
{
	struct vcpu *vcpu = pmm_alloc(sizeof(*vcpu), PAGE_SIZE);
	if (!vcpu)
		return -1;
	g->vcpu[g->nvcpus] = vcpu;
	vcpu->guest = g;
	vcpu->id = g->nvcpus++;
	vcpu->stop_tsc = g->stop_tsc;
	vcpu->vmcb = pmm_alloc(sizeof(struct vmcb), PAGE_SIZE);
	vcpu->xsave = pmm_alloc(xstate_caps.area_bytes, PAGE_SIZE);
	if (!vcpu->vmcb || !vcpu->xsave)
		return -1;
	vmcb_init_control(vcpu->vmcb, g->iopm, g->msrpm, g->ncr3);
	msr_state_init(&vcpu->msr, g->ram_size);
	xstate_guest_init(vcpu, vcpu->xsave);
	return 0;
}

/* A name tools can find in the log: "[<name>] " prefixes and "guest <name> ..." words (docs/serial-log.md). */
static int name_valid(const char *s)
{
	for (; *s; s++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '.' || ch == '-'))
			return 0;
	}
	return 1;
}

#define TIME_LIMIT_MAX_US 1000000000000ull /* 10^6 s: a TSC of a few GHz stays far from overflowing */

/* Parse name=, mem=, cpu= and time_limit= from the module command line into g. name= is taken first, wherever it stands, so that a
 * rejection for another option names the guest. Returns 0, or -1 with *why. */
static int guest_parse_args(struct guest *g, const char *cmdline, const char **why)
{
	struct cmdline_iter it;
	char key[32], val[64];
	int r;

	g->ram_size = HVMM_GUEST_MEM_DEFAULT;
	g->pin = -1;
	for (int pass = 0; pass < 2; pass++) { /* pass 0: name=; pass 1: the others */
		cmdline_init(&it, cmdline);
		while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0) {
			int is_name = !strcmp(key, "name");
			if (is_name != (pass == 0))
				continue;
			if (r < 0) {
				if (is_name || !strcmp(key, "mem")) {
					*why = is_name ? "name= is too long" : "mem= value is too long";
					return -1;
				}
				continue; /* the guest's own long option */
			}
			if (is_name) {
				if (!val[0] || strlen(val) >= GUEST_NAME_MAX) {
					*why = "name= must have 1 to 31 characters";
					return -1;
				}
				if (!name_valid(val)) {
					*why = "name= may hold only letters, digits, '_', '.' and '-'";
					return -1;
				}
				strlcpy(g->name, val, sizeof(g->name));
			} else if (!strcmp(key, "mem")) {
				uint64_t bytes;
				if (parse_size(val, &bytes)) {
					*why = "mem= is not a size (use e.g. 16M, 512K, 1G)";
					return -1;
				}
				if (bytes < HVMM_GUEST_MEM_MIN || bytes > HVMM_GUEST_MEM_MAX) {
					*why = "mem= must be between 2M and 16G";
					return -1;
				}
				g->ram_size = (bytes + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);
			} else if (!strcmp(key, "time_limit")) {
				uint64_t us;
				if (parse_time_us(val, &us) || us == 0 || us > TIME_LIMIT_MAX_US) {
					*why = "time_limit= must be a time from 1us to 1000000s (e.g. 30s)";
					return -1;
				}
				g->stop_tsc = rdtsc() + us * (tsc_khz / 1000) + us * (tsc_khz % 1000) / 1000;
			} else if (!strcmp(key, "cpu")) {
				uint64_t n;
				if (parse_u64(val, &n) || n > 0xffff) {
					*why = "cpu= is not a CPU number (0 = the first CPU)";
					return -1;
				}
				g->pin = (int)n;
			}
		}
	}
	for (unsigned i = 0; i < nguests; i++)
		if (!strcmp(guests[i]->name, g->name)) {
			*why = "another guest already has this name";
			return -1;
		}
	return 0;
}

struct guest *guest_create(const void *image, uint64_t len, const char *cmdline, int cmdline_truncated,
			   unsigned index)
{
	const char *why = NULL;
	struct guest *g = pmm_alloc(sizeof(*g), PAGE_SIZE);
	char fallback[GUEST_NAME_MAX];

	fmt_snprintf(fallback, sizeof(fallback), "guest%u", index);
	if (!g) {
		hlog("guest %s rejected: out of memory for its state", fallback);
		return NULL;
	}
	g->id = nguests;
	strlcpy(g->name, fallback, sizeof(g->name));
	/* hvmm's keys and the guest's own line (both no longer than the module line, so neither is cut short) */
	cmdline_split(cmdline, hvmm_keys, hv_args, sizeof(hv_args), g->cmdline, sizeof(g->cmdline));
	if (nguests == MAX_GUESTS) {
		why = "too many guests (hvmm supports 64)";
		goto reject;
	}
	if (guest_parse_args(g, hv_args, &why))
		goto reject;
	if (cmdline_truncated) { /* checked after name= so the rejection names the guest */
		why = "module command line longer than 4095 bytes";
		goto reject;
	}
	/* Validate before allocating: RAM is zero-filled, which costs time for every rejected image. */
	if (loader_check(g, image, len, &why) || platform_check(g, g->format->pc_default, hv_args, &why))
		goto reject;

	g->ram_hpa = (uint64_t)pmm_alloc_high(g->ram_size, LARGE_PAGE_SIZE); /* above 4 GiB first (pmm.h) */
	if (!g->ram_hpa)
		g->ram_hpa = (uint64_t)pmm_alloc(g->ram_size, LARGE_PAGE_SIZE);
	if (!g->ram_hpa) {
		why = "not enough free memory for its RAM (mem=)";
		goto reject;
	}
	void *npt = pmm_alloc(npt_table_bytes(g->ram_size), PAGE_SIZE);
	g->iopm = pmm_alloc(IOPM_BYTES, PAGE_SIZE);
	g->msrpm = pmm_alloc(MSRPM_BYTES, PAGE_SIZE);
	if (!npt || !g->iopm || !g->msrpm) {
		pmm_free(npt, npt_table_bytes(g->ram_size));
		why = "not enough free memory for its VMCB and tables";
		goto reject;
	}
	g->ncr3 = npt_build(npt, g->ram_hpa, g->ram_size);
	if (vcpu_create(g)) {
		why = "not enough free memory for its VMCB and tables";
		goto reject;
	}
	platform_attach(g);
	if (loader_load(g, image, len, &why) || platform_create(g, &why) || kvm_pv_create(g, hv_args, &why) ||
	    virtio_args_create(g, hv_args, &why))
		goto reject;
	if (g->format->pc_lowmem)
		pclowmem_build(g, (enum pc_lowmem)g->format->pc_lowmem);

	g->state = GUEST_RUNNING;
	guests[nguests++] = g;
	hlog("guest %s loaded: id=%u mem=%luM entry=0x%lx ram_hpa=0x%lx", g->name, g->id, g->ram_size >> 20,
	     g->vcpu[0]->vmcb->save.rip, g->ram_hpa);
	return g;

reject:
	hlog("guest %s rejected: %s", g->name, why);
	guest_free(g);
	return NULL;
}

/* The value of for= in cmdline (before any "--") into name (size bytes); 1 if present. The module's own line is left
 * in module_args. */
static int module_for(const char *cmdline, char *name, size_t size)
{
	struct cmdline_iter it;
	char key[8], val[GUEST_NAME_MAX + 1];
	int r;
	cmdline_split(cmdline, module_keys, hv_args, sizeof(hv_args), module_args, sizeof(module_args));
	cmdline_init(&it, hv_args);
	while ((r = cmdline_next(&it, key, sizeof(key), val, sizeof(val))) != 0)
		if (!strcmp(key, "for")) {
			strlcpy(name, r > 0 ? val : "(too long)", size);
			return 1;
		}
	return 0;
}

int guest_is_module(const char *cmdline)
{
	char name[GUEST_NAME_MAX + 1];
	return module_for(cmdline, name, sizeof(name));
}

int guest_attach_module(const void *data, uint64_t len, const char *cmdline, unsigned index)
{
	char name[GUEST_NAME_MAX + 1];
	const char *why = "no loaded guest has this name", *args = module_args;
	struct guest *g = NULL;

	module_for(cmdline, name, sizeof(name)); /* and the module's own line: every word but for= */
	for (unsigned i = 0; i < nguests; i++)
		if (!strcmp(guests[i]->name, name))
			g = guests[i];
	if (g && disk_wanted(args)) {
		if (disk_attach(g, data, len, args, &why) == 0) {
			hlog("module %u attached to guest %s as a virtio disk: %lu bytes, \"%s\"", index, g->name, len, args);
			return 0;
		}
	} else if (g && !(g->format && g->format->attach))
		why = "the guest's image format takes no modules (multiboot v1 kernels and Linux guests do)";
	else if (g && g->format->attach(g, data, len, args, &why) == 0) {
		hlog("module %u attached to guest %s: %lu bytes, \"%s\"", index, g->name, len, args);
		return 0;
	}
	hlog("module %u for guest %s rejected: %s", index, name, why);
	return -1;
}
