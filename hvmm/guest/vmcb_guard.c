/* SPDX-License-Identifier: MIT */
/*
 * vmcb_guard.c — vmcb_check=1 (docs/cmdline.md): before each VMRUN of the run loop the guest's VMCB goes through the
 * consistency check (hvmm/svm/vmcb_check.c). A guest whose VMCB breaks a rule VMRUN enforces is stopped with the rule
 * named and its VMCB dumped, instead of relying on the CPU (or emulator) to refuse it; a processor-state rule that VMRUN
 * does not enforce (segment types, TR, canonical bases, ...) is a warning, once per guest, and the guest runs on, as it
 * would on silicon. nRIP is also compared with the length hvmm decodes.
 */
#include "hvmm/guest/vmcb_guard.h"

#include "fmt.h"
#include "hvmm/core/console.h"
#include "hvmm/core/percpu.h"
#include "hvmm/guest/guest.h"
#include "hvmm/guest/insn.h"
#include "hvmm/svm/svm.h"
#include "hvmm/svm/vmcb.h"
#include "hvmm/svm/vmcb_check.h"
#include "hvmm/svm/vmcb_dump.h"

/* Counted per CPU (a guest only ever runs on vcpu->cpu), so CPUs never write the same counter; summed by the report. */
static struct guard_count {
	uint64_t checked, failed, nrip_used, nrip_differ;
} guard_count[MAX_CPUS];

int vmcb_guard(struct vcpu *vcpu)
{
	struct guard_count *n = &guard_count[vcpu->cpu];
	n->checked++;
	enum vmcb_rule r = vmcb_check(vcpu->vmcb, &svm_check_caps);
	if (r == VMCB_OK)
		return 0;
	if (!vmcb_rule_refused_by_vmrun(r)) {
		if (!vcpu->vmcb_state_warned)
			hlog("warning: guest %s: VMCB check: %s at rip=0x%lx: VMRUN does not refuse it, the guest runs on",
			     vcpu->guest->name, vmcb_rule_text(r), vcpu->vmcb->save.rip);
		vcpu->vmcb_state_warned = 1;
		return 0;
	}
	n->failed++;
	char who[GUEST_NAME_MAX + 8];
	fmt_snprintf(who, sizeof(who), "guest %s", vcpu->guest->name);
	vmcb_dump(who, vcpu->vmcb);
	guest_kill(vcpu, "VMCB check: %s", vmcb_rule_text(r));
	return -1;
}

void vmcb_guard_nrip(struct vcpu *vcpu, unsigned len)
{
	const struct vmcb *v = vcpu->vmcb;
	uint64_t decoded;
	struct guard_count *n = &guard_count[vcpu->cpu];
	n->nrip_used++;
	if (insn_next_rip_fetched(vcpu, len, &decoded) == 0 && decoded != v->control.nrip) {
		n->nrip_differ++;
		if (!vcpu->nrip_warned)
			hlog("warning: guest %s: nRIP 0x%lx is not the end of the instruction hvmm decodes at RIP 0x%lx "
			     "(0x%lx; exit 0x%lx): the CPU and hvmm disagree about its length", vcpu->guest->name, v->control.nrip,
			     v->save.rip, decoded, v->control.exitcode);
		vcpu->nrip_warned = 1;
	}
}

void vmcb_guard_report(void)
{
	uint64_t checked = 0, failed = 0, nrip_used = 0, nrip_differ = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		checked += guard_count[i].checked;
		failed += guard_count[i].failed;
		nrip_used += guard_count[i].nrip_used;
		nrip_differ += guard_count[i].nrip_differ;
	}
	hlog("vmcb_check: %lu VMRUNs checked, %lu failed; nRIP used %lu times, %lu disagreed with the decoder", checked,
	     failed, nrip_used, nrip_differ);
}
