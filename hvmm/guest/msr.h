/* SPDX-License-Identifier: MIT */
/* msr.h — what msr.c shares beyond its exit handler: the TSC_AUX MSR, which VMRUN does not switch (APM Vol. 2
 * §15.5.1), so the CPU's MSR holds the running vCPU's value. */
#ifndef HVMM_GUEST_MSR_H
#define HVMM_GUEST_MSR_H
#include "hvmm/core/arch.h"
#include "hvmm/core/percpu.h"
#include "hvmm/guest/vcpu.h"

/* 1 when the CPU has TSC_AUX (RDTSCP or RDPID): guests may then use it; else its RDMSR/WRMSR raise #GP. */
extern int tsc_aux_offered;

/* Once at boot, before any guest is created. */
void msr_init(void);

/* Put vcpu's TSC_AUX into c's MSR unless it is there already: one compare on the switch path, a WRMSR only when
 * two vCPUs on c use different values. */
static inline void tsc_aux_load(struct cpu *c, const struct vcpu *vcpu)
{
	if (vcpu->tsc_aux != c->tsc_aux) {
		wrmsr(MSR_TSC_AUX, vcpu->tsc_aux);
		c->tsc_aux = vcpu->tsc_aux;
	}
}

#endif
