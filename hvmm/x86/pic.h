/* SPDX-License-Identifier: MIT */
/* pic.h — silence the legacy 8259 PICs so only the local APIC interrupts hvmm. */
#ifndef HVMM_PIC_H
#define HVMM_PIC_H
/* Remap both 8259s to VEC_PIC_BASE (away from the exception vectors) and mask every IRQ. */
void pic_disable(void);
#endif
