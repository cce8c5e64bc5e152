/* SPDX-License-Identifier: MIT */
/*
 * triplefault (test guest): loads an IDT with limit 0 and executes UD2. #UD cannot be delivered (#GP), nor can that
 * (#DF), so the CPU shuts down: a triple fault, which hvmm must turn into killing this guest only.
 */
#include "hvmm.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { 0, 0 };

	(void)bi;
	gprintf("triplefault: empty IDT, then ud2\n");
	__asm__ volatile("lidt %0; ud2" ::"m"(idtr) : "memory");
	gprintf("triplefault: NOT CONTAINED\n");
	return 0;
}
