/* SPDX-License-Identifier: MIT */
/*
 * mbmodule.h — a boot module as both multiboot parsers report it (multiboot2 spec 3.6.6, multiboot 0.6.96 §3.3):
 * bytes [mod_start, mod_end) of physical memory and its command line, and the bounded list they fill.
 */
#ifndef HVMM_LIB_MBMODULE_H
#define HVMM_LIB_MBMODULE_H
#include <stdint.h>

struct mb_module {
	uint32_t mod_start, mod_end; /* physical addresses, mod_start <= mod_end */
	const char *cmdline; /* NUL-terminated, inside the boot information; "" when the loader gave none */
};

/* Keep one more module in mod[0 .. max-1], or count it in *dropped when the list is full. */
static inline void mb_module_keep(struct mb_module *mod, uint32_t max, uint32_t *n, uint32_t *dropped,
				    uint32_t start, uint32_t end, const char *cmdline)
{
	if (*n < max)
		mod[(*n)++] = (struct mb_module){ start, end, cmdline };
	else
		(*dropped)++;
}

#endif
