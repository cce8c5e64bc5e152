/* SPDX-License-Identifier: MIT */
/*
 * hostile_fault (test guest): exceptions. hvmm intercepts none of them (guest-abi: the guest's IDT is its own), so
 * storms of them must cost hvmm nothing. attack= picks one:
 *
 *   storm   with its own IDT (hostile_idt.h): storm= (default 3000) each of #DE (DIV by 0), #UD (UD2), #GP (a
 *           non-canonical load), #PF (a VA its page tables do not map) and #BP (INT3), every one handled by the guest
 *           without a #VMEXIT — the judge checks that hvmm counted only a few dozen exits for it. Then exit 0.
 *   stack   RSP = mem + 4 KiB (outside its RAM), then UD2: the CPU pushes the #UD frame there, a nested page fault
 *           during event delivery: killed.
 */
#include <string.h>

#include "hostile_idt.h"

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "storm", sizeof(attack));
	hidt_install();

	if (!strcmp(attack, "storm")) {
		long n = (long)rt_arg_u64(bi, "storm", 3000);
		static const struct {
			const char *what;
			long vec;
		} kinds[] = { { "#DE storm (div by zero)", 0 }, { "#UD storm (ud2)", 6 },
			      { "#GP storm (non-canonical load)", 13 }, { "#PF storm (unmapped VA)", 14 },
			      { "#BP storm (int3)", 3 } };
		for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			long before = hidt_count, wrong = 0, last = HIDT_NONE;
			uint64_t t0 = rdtsc();
			for (long i = 0; i < n; i++) {
				long v;
				switch (k) {
				case 0:
					v = HIDT_TRY("xor %%ecx, %%ecx\n\tdiv %%rcx", : : : "rax", "rcx", "rdx", "memory");
					break;
				case 1:
					v = HIDT_TRY("ud2", : : : "memory");
					break;
				case 2:
					v = HIDT_TRY("movabs $0x8000000000000000, %%rax\n\tmov (%%rax), %%rax", : : : "rax",
						     "memory");
					break;
				case 3:
					v = HIDT_TRY("movabs $0x00007f0000000000, %%rax\n\tmov (%%rax), %%rax", : : : "rax",
						     "memory");
					break;
				default:
					v = HIDT_TRY("int3", : : : "memory");
					break;
				}
				if (v != kinds[k].vec) {
					wrong++;
					last = v;
				}
			}
			hostile_check(wrong == 0 && hidt_count - before == n, kinds[k].what,
				      "%ld handled by the guest's IDT, %ld wrong (last %s), %llu TSC cycles", n, wrong,
				      hidt_name(last), (unsigned long long)(rdtsc() - t0));
		}
		return hostile_status();
	}
	if (!strcmp(attack, "stack")) {
		gprintf("try stack: RSP outside RAM, then ud2\n");
		__asm__ volatile("mov %0, %%rsp\n\tud2" : : "r"(bi->mem_bytes + 0x1000) : "memory");
		gprintf("NOT CONTAINED: stack returned\n");
		return 1;
	}
	gprintf("FAIL unknown attack=%s\n", attack);
	return 98;
}
