/* SPDX-License-Identifier: MIT */
/*
 * gdb_regs.h — the gdb stub's register layouts (gdb_regs.c): the 'g' and 'G' packets of GDB's remote serial protocol
 * for a vCPU, in the order GDB's amd64 or i386 architecture numbers the registers, chosen by the guest's mode.
 */
#ifndef HVMM_GDB_REGS_H
#define HVMM_GDB_REGS_H
#include <stddef.h>
#include <stdint.h>

#include "hvmm/guest/vcpu.h"

/* The 'g' reply of vcpu as hex digits at out (room for GDB_REGS_HEX_MAX); returns their number. Long mode
 * (EFER.LMA): GDB's amd64 order (rax rbx rcx rdx rsi rdi rbp rsp r8-r15 rip, 8 bytes each; eflags cs ss ds es fs gs,
 * 4 bytes each); otherwise GDB's i386 order (eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs, 4 bytes
 * each), also for 16-bit code. No x87/SSE registers: GDB shows them as unavailable. */
#define GDB_REGS_HEX_MAX (2 * (17 * 8 + 7 * 4))
size_t gdb_regs_read(const struct vcpu *vcpu, char *out);
/* 'G': set vcpu's registers from nbytes bytes in that layout (a shorter packet sets the leading registers).
 * Segment selectors are not written (a selector without its descriptor would be meaningless); RFLAGS keeps its
 * reserved bit 1 set. Returns 0, or -1 when nbytes is longer than the layout or cuts a register in two. */
int gdb_regs_write(struct vcpu *vcpu, const uint8_t *bytes, size_t nbytes);

#endif
