/* SPDX-License-Identifier: MIT */
/* retsites.h — patching hvmm's return sites at boot (hvmm/x86/spec_ret.h, docs/security.md "Real silicon"). */
#ifndef HVMM_RETSITES_H
#define HVMM_RETSITES_H

#include "spec_policy.h"

/*
 * Rewrite every return site the build listed (section .retsites: one 32-bit address per JMP/Jcc rel32 to
 * __x86_return_thunk) for kind: SPEC_RET_PLAIN makes each a RET (spec_ret.h), the safe kinds retarget it to their
 * thunk. Call once, on the BSP before any AP starts and before any guest runs. Returns the number of sites; a site
 * whose bytes are not such a jump means the table and the image disagree (a build defect) and panics with its address.
 */
unsigned retsites_patch(enum spec_ret kind);

#endif
