/* SPDX-License-Identifier: MIT */
/* vmcb_guard.h — with vmcb_check=1: the VMCB consistency check before each VMRUN, and nRIP against hvmm's decoder. */
#ifndef HVMM_VMCB_GUARD_H
#define HVMM_VMCB_GUARD_H

struct vcpu;

/* Check vcpu's VMCB (hvmm/svm/vmcb_check.h). Return 0 if it may run; else dump the VMCB, kill its guest naming the
 * rule it breaks ("hvmm: guest <name> killed: VMCB check: <rule> rip=..."), and return -1. */
int vmcb_guard(struct vcpu *vcpu);

/* exit_skip_insn with vmcb_check=1 on a CPU that saved nRIP: count it, and warn once per guest if nRIP is not the end
 * of the instruction hvmm decodes at RIP (plain_len as for insn_next_rip_fetched): the CPU and hvmm disagree. */
void vmcb_guard_nrip(struct vcpu *vcpu, unsigned plain_len);

/* Print "hvmm: vmcb_check: <n> VMRUNs checked, <n> failed; nRIP used <n> times, <n> disagreed with the decoder". */
void vmcb_guard_report(void);

#endif
