/* SPDX-License-Identifier: MIT */
/* ioapic.h — mask every I/O APIC redirection entry firmware left routed (82093AA I/O APIC datasheet §3.2). */
#ifndef HVMM_IOAPIC_H
#define HVMM_IOAPIC_H

/* Mask all redirection entries of every I/O APIC the MADT lists (acpi.ioapic[]); print one line per I/O APIC with
 * the number of entries that were unmasked. hvmm takes no device interrupts, so nothing may arrive through them. */
void ioapic_mask_all(void);

#endif
