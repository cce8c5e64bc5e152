/* insn.h — the guest's current instruction: its bytes at CS:RIP (gva.c) and their decoding (lib/x86_decode). */
#ifndef HVMM_INSN_H
#define HVMM_INSN_H
#include <stdint.h>

#include "x86_decode.h"

struct guest;

/* The decoder's mode for g's code segment: CS.L in long mode -> 64-bit, else CS.D -> 32-bit, else 16-bit (real and
 * virtual-8086 mode included). */
enum x86_mode insn_mode(const struct guest *g);

/* Fetch and decode the instruction at g's CS:RIP. Returns 0 and fills *insn, or a negative x86_decode error
 * (X86_ERR_TRUNCATED also when the bytes could not be read: a page not present or outside guest RAM). */
int insn_decode_current(const struct guest *g, struct x86_insn *insn);

/* Read or write the guest register with encoding number reg (enum x86_reg, 0-15; all 64 bits): RAX and RSP live in
 * the VMCB, the others in g->regs. */
uint64_t insn_gpr_get(const struct guest *g, unsigned reg);
void insn_gpr_set(struct guest *g, unsigned reg, uint64_t val);

/* RIP + len, wrapped to the instruction pointer's width (IP, EIP or RIP) as the CPU advances it. */
uint64_t insn_next_rip(const struct guest *g, unsigned len);

#endif
