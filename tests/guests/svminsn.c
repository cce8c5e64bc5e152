/* SPDX-License-Identifier: MIT */
/*
 * svminsn (test guest): executes VMRUN (0f 01 d8) with RAX = 0. A guest must not run SVM instructions: hvmm
 * intercepts VMRUN and must kill the guest (or inject #UD, which with no guest IDT ends in a triple fault).
 */
#include "hvmm.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	(void)bi;
	gprintf("svminsn: executing VMRUN with RAX=0\n");
	__asm__ volatile(".byte 0x0f, 0x01, 0xd8" /* vmrun */ ::"a"(0ul) : "memory");
	gprintf("svminsn: NOT CONTAINED\n");
	return 0;
}
