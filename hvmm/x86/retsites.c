/* SPDX-License-Identifier: MIT */
/*
 * retsites.c — patch hvmm's return sites at boot (spec_ret.h). The table comes from the linked image itself
 * (tools/retsites, objdump as the reference; tests/retsites.py checks that it lists every site and nothing else).
 * Only the BSP runs this, before the APs start, so no CPU executes code that another one modifies; the CPU that
 * writes a site executes it only after the store (self-modifying code: the processor notices the write).
 */
#include "hvmm/x86/retsites.h"

#include <stddef.h>
#include <stdint.h>

#include "hvmm/core/panic.h"
#include "hvmm/x86/spec_ret.h"

extern const uint32_t __retsites_start[], __retsites_end[]; /* linker.ld */
extern uint8_t __x86_return_thunk[], srso_return_thunk[], srso_alias_return_thunk[]; /* spec_ret.S */

static int32_t rel32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static void put_rel32(uint8_t *p, int64_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)((uint64_t)v >> (8 * i));
}

unsigned retsites_patch(enum spec_ret kind)
{
	uint8_t *thunk = kind == SPEC_RET_SAFE_ZEN12 ? srso_return_thunk
			 : kind == SPEC_RET_SAFE_ZEN34 ? srso_alias_return_thunk
						       : NULL;
	unsigned n = 0;

	for (const uint32_t *e = __retsites_start; e < __retsites_end; e++, n++) {
		uint8_t *site = (uint8_t *)(uintptr_t)*e;
		int jcc = site[0] == 0x0f && (site[1] & 0xf0) == 0x80;
		unsigned len = jcc ? SPEC_RET_SITE_JCC_LEN : SPEC_RET_SITE_LEN;
		if (!(jcc || site[0] == 0xe9) || site + len + rel32(site + len - 4) != __x86_return_thunk)
			panic("return site 0x%lx is not a JMP/Jcc rel32 to __x86_return_thunk: the .retsites table does not "
			      "match the image (rebuild)", (unsigned long)(uintptr_t)site);
		if (thunk) {
			put_rel32(site + len - 4, thunk - (site + len));
		} else if (jcc) { /* J!cc over the RET (APM Vol. 3 Jcc: condition codes in pairs, bit 0 inverts) */
			site[0] = (uint8_t)(0x70 | ((site[1] & 0x0f) ^ 1));
			site[1] = 4;
			site[2] = 0xc3;
			site[3] = site[4] = site[5] = 0xcc;
		} else {
			site[0] = 0xc3;
			site[1] = site[2] = site[3] = site[4] = 0xcc;
		}
	}
	return n;
}
