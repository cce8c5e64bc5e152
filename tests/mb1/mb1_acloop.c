/* SPDX-License-Identifier: MIT */
/*
 * mb1_acloop (hostile multiboot v1 kernel): the #AC delivery loop of CVE-2015-5307, which needs legacy 32-bit
 * protected mode — in long mode the CPU aligns the stack to 16 bytes before pushing an interrupt frame (APM Vol. 2
 * §8.9.3), so the frame's pushes can never be misaligned.
 *
 * With CR0.AM = 1 and EFLAGS.AC = 1, a misaligned data or stack access at CPL 3 raises #AC (APM Vol. 2 §8.2.19). The
 * #AC gate leads to a CPL-3 code segment, so its delivery pushes the frame on the current CPL-3 stack, with
 * alignment checking. The kernel first checks with an aligned stack that a misaligned load reaches its CPL-3 #AC
 * handler ("PASS: #AC reaches the CPL-3 handler"); a CPU that does not check alignment (QEMU's TCG) prints a SKIP
 * line and exits 0 instead. Then it makes the same load with ESP misaligned: the first push of the delivery raises
 * #AC again, before any instruction of the handler runs, and so forever (#AC is a benign exception: no #DF). hvmm
 * intercepts #AC and must stop the kernel (killed: exception loop). "NOT CONTAINED" if the load ever completes.
 */
#include "../../lib/mb1.h"
#include "rt.h"

int mb1_main(uint32_t magic, const struct mb1_info_raw *mi);

#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 (0x18 | 3)
#define SEL_DATA3 (0x20 | 3)
#define CR0_AM (1u << 18)
#define EFLAGS_AC (1u << 18)
#define EFLAGS_IOPL3 (3u << 12) /* COM1 and the debug-exit port from CPL 3 */

/* Flat 4 GiB segments (Intel SDM Vol. 3A §3.4.5): code 0, data 0, code 3, data 3. */
static const uint64_t gdt[5] __attribute__((aligned(8))) = {
	0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x00cffa000000ffffull, 0x00cff2000000ffffull,
};

static uint8_t user_stack[4096] __attribute__((aligned(16)));
volatile uint32_t ac_count; /* the CPL-3 handler's deliveries */
volatile uint32_t ac_misaligned; /* 1 while the second load is made */
static const uint32_t words[2] __attribute__((aligned(8))) = { 0x11223344, 0x55667788 };

void ac_handler(void);
void user_main(void);
/* CPL-3 #AC handler: count, step over the 3-byte faulting load (8b 43 01: mov 1(%ebx), %eax), return. */
__asm__(".text\n.globl ac_handler\nac_handler:\n"
	"\tlock incl ac_count\n"
	"\tadd $4, %esp\n" /* error code (0) */
	"\taddl $3, (%esp)\n"
	"\tiret\n");

static uint32_t misaligned_load(void)
{
	uint32_t v;
	__asm__ volatile(".byte 0x8b, 0x43, 0x01" : "=a"(v) : "b"((uintptr_t)words) : "memory");
	return v;
}

void user_main(void)
{
	misaligned_load();
	if (!ac_count) {
		rt_printf("SKIP: a misaligned load at CPL 3 with CR0.AM and EFLAGS.AC raised no #AC (this CPU does not "
			  "check alignment)\n");
		rt_exit(0);
	}
	check(ac_count == 1, "#AC reaches the CPL-3 handler", "%u deliveries", ac_count);
	rt_printf("try acloop: ESP misaligned, the same load\n");
	__asm__ volatile("mov %%esp, %%esi\n\t"
			 "lea -2(%%esp), %%esp\n\t"
			 ".byte 0x8b, 0x43, 0x01\n\t"
			 "mov %%esi, %%esp"
			 : : "b"((uintptr_t)words) : "eax", "esi", "memory");
	rt_printf("NOT CONTAINED: the load completed, %u deliveries\n", ac_count);
	rt_exit(rt_done("mb1_acloop"));
}

int mb1_main(uint32_t magic, const struct mb1_info_raw *mi)
{
	(void)magic;
	(void)mi;
	rt_printf("mb1_acloop: start\n");
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp %1, $1f\n"
			 "1:\tmov %2, %%eax\n\t"
			 "mov %%eax, %%ss\n\t"
			 "mov %3, %%eax\n\t"
			 "mov %%eax, %%ds\n\tmov %%eax, %%es\n\tmov %%eax, %%fs\n\tmov %%eax, %%gs"
			 : : "m"(gdtr), "i"(SEL_CODE0), "i"(SEL_DATA0), "i"(SEL_DATA3) : "eax", "memory");
	rt_idt_init();
	/* #AC (17): a 32-bit interrupt gate to the CPL-3 code segment (gate DPL 3; exceptions ignore it). */
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	uint16_t *g = (uint16_t *)(uintptr_t)(idtr.base + 17 * 8);
	uint32_t h = (uint32_t)(uintptr_t)ac_handler;
	g[0] = (uint16_t)h, g[1] = SEL_CODE3, g[2] = 0xee00, g[3] = (uint16_t)(h >> 16);
	uint32_t cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_AM));
	/* To CPL 3 (IRET to an outer level pops SS:ESP too): IF = 0, IOPL 3, AC = 1. */
	uint32_t top = (uint32_t)(uintptr_t)(user_stack + sizeof(user_stack) - 16);
	__asm__ volatile("push %0\n\tpush %1\n\tpush %2\n\tpush %3\n\tpush %4\n\tiret"
			 : : "r"((uint32_t)SEL_DATA3), "r"(top), "r"(EFLAGS_AC | EFLAGS_IOPL3 | 2u), "r"((uint32_t)SEL_CODE3),
			   "r"((uint32_t)(uintptr_t)user_main) : "memory");
	return 1;
}
