/* SPDX-License-Identifier: MIT */
/*
 * hostile_dr (test guest): breakpoints at addresses that are not the guest's own. Arguments:
 *
 *   dr0= dr1= dr2= dr3=   the linear addresses for DR0-DR3 (the scenario passes hvmm's own code and data addresses
 *                         from `nm build/hvmm.elf`, and another guest's code and data addresses)
 *   type=                 four letters, one per register: x = instruction, w = data write, a = data read/write
 *                         (DR7 R/W = 00, 01, 11; data breakpoints watch 8 bytes: LEN = 10)
 *   rounds=               yields (default 40)
 *   alias=1               write DR7 through DR5 (its alias while CR4.DE is clear, AMD APM Vol. 2 §13.1)
 *
 * It loads DR0-DR3, enables all four in DR7 (L0-L3 and G0-G3), then runs `rounds` rounds of a yield, a CPUID, a
 * null hypercall and a console line, so that hvmm's exit and switch paths and the other guests run while its
 * breakpoints are set. Its own #DB handler counts the traps it takes itself and resumes with RF = 1. Expected
 * (docs/security.md): hvmm never stops (no PANIC), the other guests finish with correct results, and this guest
 * reads its own DR0-DR3 and DR7 back after every round; then it exits 0.
 */
#include <string.h>

#include "hostile_idt.h"

#define RFLAGS_RF (1ul << 16)

volatile uint64_t dr_traps, dr_last_rip, dr_last_dr6;

__asm__(".text\n"
	".globl dr_db\n"
	"dr_db:\n"
	"  push %rax\n"
	"  incq dr_traps(%rip)\n"
	"  mov 8(%rsp), %rax\n"
	"  mov %rax, dr_last_rip(%rip)\n"
	"  mov %dr6, %rax\n"
	"  mov %rax, dr_last_dr6(%rip)\n"
	"  orq $0x10000, 24(%rsp)\n" /* RF: do not trap again on the same instruction */
	"  mov $0xffff0ff0, %eax\n"
	"  mov %rax, %dr6\n"
	"  pop %rax\n"
	"  iretq\n");
void dr_db(void);

#define DR_READ(n)                                                                                         \
	({                                                                                                 \
		uint64_t _v;                                                                               \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(_v));                                         \
		_v;                                                                                        \
	})

int guest_main(const struct hvmm_bootinfo *bi)
{
	hidt_install();
	hidt_table[1] = rt_intr_gate(dr_db);

	uint64_t dr[4];
	static const char *const keys[4] = { "dr0", "dr1", "dr2", "dr3" };
	for (int i = 0; i < 4; i++)
		dr[i] = rt_arg_u64(bi, keys[i], 0);
	char type[8];
	if (!rt_arg_str(bi, "type", type, sizeof(type)) || strlen(type) != 4)
		strlcpy(type, "xxxx", sizeof(type));
	unsigned rounds = (unsigned)rt_arg_u64(bi, "rounds", 40);

	uint64_t dr7 = 0x400;
	for (int i = 0; i < 4; i++) {
		uint64_t rw = type[i] == 'w' ? 1 : type[i] == 'a' ? 3 : 0, len = rw ? 2 : 0; /* LEN 10b: 8 bytes */
		if (rw)
			dr[i] &= ~7ull; /* a data breakpoint's address is aligned to its length */
		dr7 |= (3ull << (2 * i)) | (rw << (16 + 4 * i)) | (len << (18 + 4 * i));
	}
	gprintf("try breakpoints dr0=0x%llx dr1=0x%llx dr2=0x%llx dr3=0x%llx type=%s dr7=0x%llx\n",
		(unsigned long long)dr[0], (unsigned long long)dr[1], (unsigned long long)dr[2],
		(unsigned long long)dr[3], type, (unsigned long long)dr7);
	__asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
			 : : "r"(dr[0]), "r"(dr[1]), "r"(dr[2]), "r"(dr[3]) : "memory");
	if (rt_arg_u64(bi, "alias", 0))
		__asm__ volatile(".byte 0x0f, 0x23, 0xe8" : : "a"(dr7) : "memory"); /* mov %rax, %dr5 */
	else
		__asm__ volatile("mov %0, %%dr7" : : "r"(dr7) : "memory");

	unsigned wrong = 0;
	for (unsigned r = 0; r < rounds; r++) {
		hc_yield();
		uint32_t eax = 0, ebx, ecx = 0, edx;
		__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
		hc_nop();
		if (r % 8 == 0)
			gprintf("round %u: %llu traps taken by this guest\n", r, (unsigned long long)dr_traps);
		uint64_t now[5] = { DR_READ(0), DR_READ(1), DR_READ(2), DR_READ(3), DR_READ(7) };
		wrong += now[0] != dr[0] || now[1] != dr[1] || now[2] != dr[2] || now[3] != dr[3] ||
			 (now[4] & 0xffff00ffull) != (dr7 & 0xffff00ffull);
	}
	__asm__ volatile("mov %0, %%dr7" : : "r"(0x400ull));
	hostile_check(wrong == 0, "own DR0-DR3 and DR7 read back after every round", "%u of %u rounds differed", wrong,
		      rounds);
	gprintf("breakpoints done: %u rounds, %llu traps in this guest (last rip=0x%llx dr6=0x%llx)\n", rounds,
		(unsigned long long)dr_traps, (unsigned long long)dr_last_rip, (unsigned long long)dr_last_dr6);
	return hostile_status();
}
