/* hypercall.h — the VMMCALL interface of hvmm/guest_abi.h and the guests' line-buffered console. */
#ifndef HVMM_HYPERCALL_H
#define HVMM_HYPERCALL_H

struct guest;

/* Print g's buffered partial console line, if any (at exit or kill, so no output is lost). */
void hypercall_flush_console(struct guest *g);

#endif
