/* SPDX-License-Identifier: MIT */
/*
 * acpipm.h — the ACPI fixed hardware of a guest's PC (ACPI Specification 6.4 §4.8): the PM1a event block
 * (PM1_STS, PM1_EN), the PM1a control block (SCI_EN, SLP_TYP, SLP_EN: sleep state S5 powers the guest off) and the
 * 32-bit power-management timer at 3.579545 MHz on the guest TSC, at ports ACPIPM_BASE.. (the FADT's blocks).
 */
#ifndef HVMM_VDEV_ACPIPM_H
#define HVMM_VDEV_ACPIPM_H
#include <stdint.h>

#include "hvmm/vdev/clock.h"
#include "hvmm/vdev/vdev.h"

#define ACPIPM_BASE 0x600 /* PM1a_EVT_BLK (4 bytes), then PM1a_CNT_BLK (2) at +4 and PM_TMR_BLK (4) at +8 */
#define ACPIPM_PORTS 12
#define ACPIPM_EVT ACPIPM_BASE
#define ACPIPM_CNT (ACPIPM_BASE + 4)
#define ACPIPM_TMR (ACPIPM_BASE + 8)
#define ACPIPM_TIMER_HZ 3579545u
#define ACPIPM_SCI_IRQ 9
#define ACPIPM_SLP_TYP_S5 5 /* the DSDT's \_S5 package (hvmm/guest/dsdt.asl) */

struct vdev_acpipm {
	uint16_t sts, en, cnt; /* PM1_STS, PM1_EN, PM1_CNT (SLP_EN reads 0) */
	uint64_t start; /* TSC at which the PM timer read 0 */
	struct vdev_clock clock; /* ACPIPM_TIMER_HZ on the TSC */
};

/* Reset (SCI_EN set: with no SMI command port the platform is always in ACPI mode) and claim the ports. */
int acpipm_init(struct vdev_acpipm *pm, struct vdev_bus *bus, uint64_t tsc_khz, uint64_t now);

#endif
