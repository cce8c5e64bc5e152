/* SPDX-License-Identifier: MIT */
/* lib/x86_decode.c's answer against a reference decoder's (x86_ref.h): which field differs, and whether the
 * difference is a known one (an encoding class where the reference is wrong for AMD silicon, with the reason).
 * Shared by test_x86_decode.c and fuzz_x86_decode.c. */
#ifndef HVMM_TESTS_X86_REF_COMPARE_H
#define HVMM_TESTS_X86_REF_COMPARE_H
#include <stddef.h>
#include <stdint.h>

#include "x86_decode.h"
#include "x86_ref.h"

#define XREF_OPERANDS 1 /* the MMIO forms' operands: memory operand, register, sizes, immediate */
#define XREF_MEMORY 2 /* every encoding's memory operand: base, index, scale, displacement, segment */

/* The field that differs ("length", "operand size", "segment", ...) or NULL when ours and the reference agree. */
const char *xref_diff(int mode, const struct x86_insn *in, int rc, const struct ref_insn *r, unsigned what);
/* The reason for a known difference of field `what`, or NULL (a real mismatch). */
const char *xref_known(const uint8_t *b, size_t n, int mode, const struct x86_insn *in, int rc,
		       const struct x86_ref *ref, const struct ref_insn *r, const char *what);

#endif
