/*
 * vmcb_guard.c — vmcb_check=1 (docs/cmdline.md): before each VMRUN of the run loop the guest's VMCB goes through the
 * consistency check (hvmm/svm/vmcb_check.c); a guest that fails it is stopped with the rule named and its VMCB dumped,
 * instead of relying on the CPU (or emulator) to refuse it. nRIP is also compared with the length hvmm decodes.
 */
#include "hvmm/guest/vmcb_guard.h"

#include "fmt.h"
#include "hvmm/core/console.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/insn.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/svm/vmcb_check.h"
#include "hvmm/svm/vmcb_dump.h"

static uint64_t checked, failed, nrip_used, nrip_differ;

int vmcb_guard(struct guest *g)
{
	checked++;
	enum vmcb_rule r = vmcb_check(g->vmcb, &svm_check_caps);
	if (r == VMCB_OK)
		return 0;
	failed++;
	char who[GUEST_NAME_MAX + 8];
	fmt_snprintf(who, sizeof(who), "guest %s", g->name);
	vmcb_dump(who, g->vmcb);
	guest_kill(g, "VMCB check: %s", vmcb_rule_text(r));
	return -1;
}

void vmcb_guard_nrip(struct guest *g, unsigned len)
{
	const struct vmcb *v = g->vmcb;
	uint64_t decoded;
	nrip_used++;
	if (insn_next_rip_fetched(g, len, &decoded) == 0 && decoded != v->control.nrip) {
		nrip_differ++;
		if (!g->nrip_warned)
			hlog("warning: guest %s: nRIP 0x%lx is not the end of the instruction hvmm decodes at RIP 0x%lx "
			     "(0x%lx; exit 0x%lx): the CPU and hvmm disagree about its length", g->name, v->control.nrip,
			     v->save.rip, decoded, v->control.exitcode);
		g->nrip_warned = 1;
	}
}

void vmcb_guard_report(void)
{
	hlog("vmcb_check: %lu VMRUNs checked, %lu failed; nRIP used %lu times, %lu disagreed with the decoder", checked,
	     failed, nrip_used, nrip_differ);
}
