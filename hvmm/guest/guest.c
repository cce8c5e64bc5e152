/* SPDX-License-Identifier: MIT */
/* guest.c — the table of loaded guests, guest memory by guest-physical address, and how a guest ends. */
#include "hvmm/guest/guest.h"

#include <stdarg.h>

#include "fmt.h"
#include "jsonw.h"
#include "hvmm/core/config.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/guest_console.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/vdev/virtio_net.h"

_Static_assert(sizeof("[]+ ") - 1 + GUEST_NAME_MAX - 1 + GUEST_LINE_MAX + 1 <= CON_LINE_MAX,
	       "a continuation piece of a guest's console line fits one console line");

struct guest *guests[MAX_GUESTS];
unsigned nguests;

void *guest_ptr(const struct guest *g, uint64_t gpa, uint64_t len)
{
	if (gpa > g->ram_size || len > g->ram_size - gpa)
		return NULL;
	return (void *)(g->ram_hpa + gpa);
}

void guest_stop(struct guest *g, enum guest_state state)
{
	g->state = state;
	for (unsigned k = 0; k < g->nvcpus; k++)
		g->vcpu[k]->state = VCPU_STOPPED;
	if (g->net) /* the switch queues nothing more for it */
		vswitch_close(&g->net->port);
}

void guest_kill(struct vcpu *vcpu, const char *fmt, ...)
{
	struct guest *g = vcpu->guest;
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	guest_console_flush(&g->console, g->name);
	guest_stop(g, GUEST_KILLED);
	hlog("guest %s killed: %s rip=0x%lx", g->name, reason, vcpu->vmcb->save.rip);
	if (config.log_json) {
		char line[CON_LINE_MAX];
		struct jsonw j;
		con_json_begin(&j, line, sizeof(line), "kill");
		jsonw_str(&j, "guest", g->name);
		jsonw_str(&j, "reason", reason);
		jsonw_u64(&j, "rip", vcpu->vmcb->save.rip);
		con_json_end(&j);
	}
}
