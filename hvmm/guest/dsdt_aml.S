/* SPDX-License-Identifier: MIT */
/* dsdt_aml.S — the DSDT as iasl compiled it from hvmm/guest/dsdt.asl (Makefile: build/gen/dsdt.aml). */
	.section .rodata
	.balign 16
	.globl hvmm_dsdt_aml, hvmm_dsdt_aml_end
hvmm_dsdt_aml:
	.incbin "dsdt.aml" /* build/gen, through -Wa,-I (Makefile) */
hvmm_dsdt_aml_end:
