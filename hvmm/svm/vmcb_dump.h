/* SPDX-License-Identifier: MIT */
/* vmcb_dump.h — print a VMCB for a human: control area, exit information, registers, segments, tables. */
#ifndef HVMM_VMCB_DUMP_H
#define HVMM_VMCB_DUMP_H

struct vmcb;

/* Print v's fields as "hvmm: <who>: vmcb <group>: field=value ..." lines (six lines; docs/serial-log.md). */
void vmcb_dump(const char *who, const struct vmcb *v);

#endif
