/* SPDX-License-Identifier: MIT */
/*
 * hostile_step (test guest): where a guest resumes after an instruction hvmm completes for it. attack= picks (default
 * step):
 *
 *   step  single-step (RFLAGS.TF = 1) over each instruction hvmm intercepts and emulates — CPUID, VMMCALL (NOP and
 *         TSC_KHZ), RDMSR, WRMSR, WBINVD, INVD, RDPMC, HLT, IN, OUT — and over a NOP as the control: the #DB trap must
 *         come exactly once, with the RIP right after the instruction and DR6.BS set (AMD APM Vol. 2 §13.1, §8.2.2),
 *         as on a CPU that ran the instruction itself.
 *   len   the same instructions with prefixes the architecture ignores (segment overrides, operand and address size,
 *         REX; up to the 15-byte limit): the guest must resume right after the whole instruction, on a CPU without
 *         nRIP (QEMU TCG, pre-NRIPS silicon) too. Each runs once plainly — it must neither fault nor run twice (CPUID
 *         and VMMCALL results are checked: a second run returns something else) — and once single-stepped, where
 *         the trap's RIP shows the resume point exactly. 2E CPUID runs once more in compatibility mode (a 32-bit
 *         code segment of its own GDT), where the linear address and the decoder's mode follow CS.
 *   poke  code that changes between two exits at the same RIP, as Linux's text_poke does: CPUID and the null
 *         VMMCALL in a 4 KiB page of a window this guest maps itself, run plainly (what hvmm completes without C)
 *         and then, at the same linear address, (a) rewritten in place with a 2E prefix, (b) the page remapped by
 *         its PTE to another page that holds the prefixed form, (c) remapped by the PDE to another page table. A
 *         length remembered from before the change, or the bytes read through a stale translation, resumes the
 *         guest inside the instruction (a fault or wrong results); hvmm must fall back to its decoder each time.
 *   mmio  the same changes under an MMIO load from the local APIC's version register (needs platform=pc), whose
 *         decoding hvmm remembers: MOV EAX, [RAX] becomes MOV EBX, [RAX] and 2E MOV EBX, [RAX] in place, and
 *         through the PTE and the PDE. A decoding or a translation kept from before the change loads the wrong
 *         register or resumes inside the instruction.
 *
 * Every instruction sits in a stub (stubs below): optional TF on, the instruction, the label <stub>_end, then a
 * jump over 8 guard bytes 0x80 (so that a resume inside the instruction runs into a fault, not into the next
 * stub), TF off, return. case_run() calls a stub with RAX, RCX, RDX and catches any exception (hostile_idt.h's
 * handlers resume at case_run's recovery label, which restores RSP). The #DB handler records the first trap's RIP
 * and DR6, counts them, clears TF and returns.
 */
#include <string.h>

#include "hostile_idt.h"

#define RFLAGS_TF 0x100ul
#define DR6_BS (1ul << 14)

volatile uint64_t step_rip, step_dr6, step_count, case_rsp, case_out[4];

__asm__(".text\n"
	/* #DB: frame RIP at 8(%rsp) after our push, RFLAGS at 24(%rsp). */
	".globl step_db\n"
	"step_db:\n"
	"  push %rax\n"
	"  cmpq $0, step_count(%rip)\n"
	"  jne 1f\n"
	"  mov 8(%rsp), %rax\n"
	"  mov %rax, step_rip(%rip)\n"
	"  mov %dr6, %rax\n"
	"  mov %rax, step_dr6(%rip)\n"
	"1: incq step_count(%rip)\n"
	"  andq $~0x100, 24(%rsp)\n"
	"  mov $0xffff0ff0, %eax\n"
	"  mov %rax, %dr6\n"
	"  pop %rax\n"
	"  iretq\n"
	/* long case_run(void (*stub)(void), long rax, long rcx, long rdx, long tf): RAX of the stub, or whatever an
	 * exception left; case_out[] = RAX, RBX, RCX, RDX after it; hidt_vec = the exception or -1. */
	".globl case_run\n"
	"case_run:\n"
	"  push %rbx\n"
	"  push %rbp\n"
	"  mov %rsp, case_rsp(%rip)\n"
	"  movq $-1, hidt_vec(%rip)\n"
	"  lea 9f(%rip), %rax\n"
	"  mov %rax, hidt_resume(%rip)\n"
	"  mov %rdi, %r10\n"
	"  mov %rsi, %rax\n"
	"  mov %rcx, %r9\n"
	"  mov %rdx, %rcx\n"
	"  mov %r9, %rdx\n"
	"  call *%r10\n"
	"9: mov case_rsp(%rip), %rsp\n"
	"  movq $0, hidt_resume(%rip)\n"
	"  mov %rax, case_out(%rip)\n"
	"  mov %rbx, case_out+8(%rip)\n"
	"  mov %rcx, case_out+16(%rip)\n"
	"  mov %rdx, case_out+24(%rip)\n"
	"  pop %rbp\n"
	"  pop %rbx\n"
	"  ret\n"
	/* STUB name, bytes: see the top of the file. R8 != 0 turns TF on right before the instruction. */
	".macro STUB name, bytes:vararg\n"
	"\\name:\n"
	"  test %r8, %r8\n"
	"  jz 1f\n"
	"  pushfq\n  orq $0x100, (%rsp)\n  popfq\n"
	"1: .byte \\bytes\n"
	".globl \\name\\()_end\n"
	"\\name\\()_end:\n"
	"  jmp 2f\n"
	"  .byte 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80\n"
	"2: pushfq\n  andq $~0x100, (%rsp)\n  popfq\n"
	"  ret\n"
	".endm\n"
	"STUB s_nop, 0x90\n"
	"STUB s_cpuid, 0x0f, 0xa2\n"
	"STUB s_vmmcall, 0x0f, 0x01, 0xd9\n"
	"STUB s_rdmsr, 0x0f, 0x32\n"
	"STUB s_wrmsr, 0x0f, 0x30\n"
	"STUB s_wbinvd, 0x0f, 0x09\n"
	"STUB s_invd, 0x0f, 0x08\n"
	"STUB s_rdpmc, 0x0f, 0x33\n"
	"STUB s_hlt, 0xf4\n"
	"STUB s_in, 0xe4, 0x80\n"
	"STUB s_out, 0xe6, 0x80\n"
	"STUB p_cpuid1, 0x2e, 0x0f, 0xa2\n"
	"STUB p_cpuid2, 0x2e, 0x3e, 0x0f, 0xa2\n"
	"STUB p_cpuid6, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x0f, 0xa2\n"
	"STUB p_cpuid13, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x48, 0x0f, 0xa2\n"
	"STUB p_cpuidrex, 0x66, 0x48, 0x0f, 0xa2\n"
	"STUB p_vmmcall1, 0x2e, 0x0f, 0x01, 0xd9\n"
	"STUB p_vmmcall3, 0x2e, 0x3e, 0x26, 0x0f, 0x01, 0xd9\n"
	"STUB p_rdmsr, 0x2e, 0x0f, 0x32\n"
	"STUB p_wrmsr, 0x3e, 0x0f, 0x30\n"
	"STUB p_wbinvd, 0x2e, 0x0f, 0x09\n"
	"STUB p_invd, 0x3e, 0x3e, 0x0f, 0x08\n"
	"STUB p_rdpmc, 0x2e, 0x0f, 0x33\n"
	"STUB p_hlt1, 0x2e, 0xf4\n"
	"STUB p_hlt2, 0x2e, 0x3e, 0xf4\n"
	"STUB p_in, 0x2e, 0xe4, 0x80\n"
	/* The same in compatibility mode (CS = 0x38, a 32-bit code segment of step_gdt): far return into it, TF from
	 * EBP (R8 does not exist there), 2E CPUID, far jump back to 64-bit code. */
	".globl c_cpuid\n"
	"c_cpuid:\n"
	"  mov %r8d, %ebp\n"
	"  lea 1f(%rip), %r9\n"
	"  pushq $0x38\n"
	"  push %r9\n"
	"  lretq\n"
	".code32\n"
	"1: test %ebp, %ebp\n"
	"  jz 2f\n"
	"  pushfl\n  orl $0x100, (%esp)\n  popfl\n"
	"2: .byte 0x2e, 0x0f, 0xa2\n"
	".globl c_cpuid_end\n"
	"c_cpuid_end:\n"
	"  ljmpl $0x08, $3f\n"
	".code64\n"
	"3: pushfq\n  andq $~0x100, (%rsp)\n  popfq\n"
	"  ret\n");

long case_run(void (*stub)(void), long rax, long rcx, long rdx, long tf);
void step_db(void);

#define MSR_EFER 0xc0000080u
#define MSR_PAT 0x277u
#define CHECK_NONE 0
#define CHECK_CPUID 1 /* EAX = 0 in: EAX = the highest leaf and EBX:EDX:ECX = the vendor, as a plain CPUID gave */
#define CHECK_KHZ 2   /* RAX = HVMM_HC_TSC_KHZ in: RAX = the TSC kHz (a second run would return -38) */
#define CHECK_NOP 3   /* RAX = HVMM_HC_NOP in: 0 */
#define CHECK_EFER 4  /* RDMSR EFER: the value a plain RDMSR gave */

struct step_case {
	const char *name;
	void (*stub)(void);
	const char *end;
	long rax, rcx;
	int check;
};

#define STUB_DECL(n)                                                                                       \
	void n(void);                                                                                      \
	extern const char n##_end[];
STUB_DECL(s_nop)
STUB_DECL(s_cpuid)
STUB_DECL(s_vmmcall)
STUB_DECL(s_rdmsr)
STUB_DECL(s_wrmsr)
STUB_DECL(s_wbinvd)
STUB_DECL(s_invd)
STUB_DECL(s_rdpmc)
STUB_DECL(s_hlt)
STUB_DECL(s_in)
STUB_DECL(s_out)
STUB_DECL(p_cpuid1)
STUB_DECL(p_cpuid2)
STUB_DECL(p_cpuid6)
STUB_DECL(p_cpuid13)
STUB_DECL(p_cpuidrex)
STUB_DECL(p_vmmcall1)
STUB_DECL(p_vmmcall3)
STUB_DECL(p_rdmsr)
STUB_DECL(p_wrmsr)
STUB_DECL(p_wbinvd)
STUB_DECL(p_invd)
STUB_DECL(p_rdpmc)
STUB_DECL(p_hlt1)
STUB_DECL(p_hlt2)
STUB_DECL(p_in)
STUB_DECL(c_cpuid)

/* hvmm's guest GDT (docs/guest-abi.md) plus a 32-bit code segment at 0x38, for c_cpuid. */
static uint64_t step_gdt[8] __attribute__((aligned(16)));

static void compat_gdt_install(void)
{
	const uint64_t *hvmm_gdt = (const uint64_t *)(uintptr_t)HVMM_GDT_GPA;
	for (int i = 0; i < 5; i++)
		step_gdt[i] = hvmm_gdt[i];
	step_gdt[7] = 0x00cf9a000000ffffull; /* 32-bit code, DPL 0, flat */
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(step_gdt) - 1, (uint64_t)(uintptr_t)step_gdt };
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
}

#define C(n, what, rax, rcx, chk) { what, n, n##_end, rax, rcx, chk }

static uint64_t pat, efer, khz;
static uint32_t vendor_leaf[4]; /* a plain CPUID 0: EAX, EBX, ECX, EDX */

/* Run one case with TF off and with TF on; check the result, exceptions and the single-step trap. */
static void run_case(const struct step_case *k, int plain_too)
{
	long rdx = k->stub == s_wrmsr || k->stub == p_wrmsr ? (long)(pat >> 32) : 0;
	long rax = k->stub == s_wrmsr || k->stub == p_wrmsr ? (long)(uint32_t)pat : k->rax;
	if (plain_too) {
		step_count = 0;
		case_run(k->stub, rax, k->rcx, rdx, 0);
		long vec = hidt_vec;
		int ok = vec == HIDT_NONE;
		if (k->check == CHECK_CPUID)
			ok = ok && (uint32_t)case_out[0] == vendor_leaf[0] && (uint32_t)case_out[1] == vendor_leaf[1] &&
			     (uint32_t)case_out[2] == vendor_leaf[2] && (uint32_t)case_out[3] == vendor_leaf[3];
		else if (k->check == CHECK_KHZ)
			ok = ok && case_out[0] == (uint64_t)khz;
		else if (k->check == CHECK_NOP)
			ok = ok && case_out[0] == 0;
		else if (k->check == CHECK_EFER)
			ok = ok && (uint32_t)case_out[0] == (uint32_t)efer && (uint32_t)case_out[3] == (uint32_t)(efer >> 32);
		hostile_check(ok, "resumes right after the whole instruction, once", "%s: %s, rax=0x%llx", k->name,
			      hidt_name(vec), (unsigned long long)case_out[0]);
	}
	step_count = step_rip = step_dr6 = 0;
	case_run(k->stub, rax, k->rcx, rdx, 1);
	long vec = hidt_vec;
	uint64_t want = (uint64_t)(uintptr_t)k->end;
	hostile_check(vec == HIDT_NONE && step_count == 1 && step_rip == want && (step_dr6 & DR6_BS),
		      "single-step trap right after the instruction, DR6.BS set",
		      "%s: %s, %llu traps, first at 0x%llx (end 0x%llx, %+lld), dr6=0x%llx", k->name, hidt_name(vec),
		      (unsigned long long)step_count, (unsigned long long)step_rip, (unsigned long long)want,
		      (long long)(step_rip - want), (unsigned long long)step_dr6);
}

/* attack=poke: a window at 3 GiB (hvmm's identity map covers at least 4 GiB, 2 MiB pages) that the guest maps with a
 * page table of its own; code at POKE_OFF of the page mapped at POKE_VA. */
#define POKE_VA 0xc0000000ul
#define POKE_OFF 0x100
#define PTE_P_RW 3ul
static uint8_t poke_page[2][4096] __attribute__((aligned(4096)));
static uint64_t poke_pt[2][512] __attribute__((aligned(4096)));

/* Each form ends with RET, then UD2s: a resume at the wrong byte faults or runs the wrong instruction. */
static const uint8_t poke_cpuid[] = { 0x0f, 0xa2, 0xc3, 0x0f, 0x0b, 0x0f, 0x0b };
static const uint8_t poke_cpuid_2e[] = { 0x2e, 0x0f, 0xa2, 0xc3, 0x0f, 0x0b, 0x0f, 0x0b };
static const uint8_t poke_vmmcall[] = { 0x0f, 0x01, 0xd9, 0xc3, 0x0f, 0x0b, 0x0f, 0x0b };
static const uint8_t poke_vmmcall_2e[] = { 0x2e, 0x0f, 0x01, 0xd9, 0xc3, 0x0f, 0x0b, 0x0f, 0x0b };

static void poke_write(int page, const uint8_t *code, unsigned len)
{
	volatile uint8_t *dst = poke_page[page] + POKE_OFF;
	for (unsigned i = 0; i < len; i++)
		dst[i] = code[i];
	__asm__ volatile("" : : : "memory");
}

static uint64_t *poke_pde(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	const uint64_t mask = 0x000ffffffffff000ul;
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(cr3 & mask);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(POKE_VA >> 39) & 511] & mask);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(POKE_VA >> 30) & 511] & mask);
	return &pd[(POKE_VA >> 21) & 511];
}

/* Map POKE_VA through page table pt to page. */
static void poke_map(int pt, int page)
{
	poke_pt[pt][0] = (uint64_t)(uintptr_t)poke_page[page] | PTE_P_RW;
	*poke_pde() = (uint64_t)(uintptr_t)poke_pt[pt] | PTE_P_RW;
	__asm__ volatile("invlpg (%0)" : : "r"(POKE_VA) : "memory");
}

/* The runs of one poke() sequence, checked and printed only at its end: a console write in between would be an
 * exit through C at another RIP, which replaces the cached translation the change must be caught against. */
static struct poke_result {
	const char *what;
	int run;
	long vec;
	int ok;
	uint64_t rax;
} poke_results[16];
static unsigned poke_n;

/* Run the code at POKE_VA + POKE_OFF `times` times; note the results of what it holds (is_cpuid: CPUID 0, else the
 * null hypercall) and whether anything faulted. */
static void poke_run(const char *what, int is_cpuid, int times)
{
	for (int i = 0; i < times && poke_n < sizeof(poke_results) / sizeof(poke_results[0]); i++) {
		case_run((void (*)(void))(POKE_VA + POKE_OFF), is_cpuid ? 0 : HVMM_HC_NOP, 0, 0, 0);
		long vec = hidt_vec;
		int ok = vec == HIDT_NONE && (is_cpuid ? (uint32_t)case_out[0] == vendor_leaf[0] &&
							  (uint32_t)case_out[1] == vendor_leaf[1] &&
							  (uint32_t)case_out[2] == vendor_leaf[2] &&
							  (uint32_t)case_out[3] == vendor_leaf[3]
						: case_out[0] == 0);
		poke_results[poke_n++] = (struct poke_result){ what, i + 1, vec, ok, case_out[0] };
	}
}

/* attack=mmio: the three forms, each followed by RET and UD2s. */
#define APIC_VERSION_GPA 0xfee00030ul
static const uint8_t mmio_eax[] = { 0x8b, 0x00, 0xc3, 0x0f, 0x0b, 0x0f, 0x0b };       /* MOV EAX, [RAX] */
static const uint8_t mmio_ebx[] = { 0x8b, 0x18, 0xc3, 0x0f, 0x0b, 0x0f, 0x0b };       /* MOV EBX, [RAX] */
static const uint8_t mmio_ebx_2e[] = { 0x2e, 0x8b, 0x18, 0xc3, 0x0f, 0x0b, 0x0f, 0x0b }; /* 2E MOV EBX, [RAX] */
static uint32_t apic_version;

/* Run the MMIO load at POKE_VA + POKE_OFF `times` times, with RAX = the version register's address: the version must
 * land in EBX (to_ebx, RAX unchanged) or EAX. */
static void mmio_run(const char *what, int to_ebx, int times)
{
	for (int i = 0; i < times && poke_n < sizeof(poke_results) / sizeof(poke_results[0]); i++) {
		case_run((void (*)(void))(POKE_VA + POKE_OFF), (long)APIC_VERSION_GPA, 0, 0, 0);
		long vec = hidt_vec;
		int ok = vec == HIDT_NONE && (to_ebx ? case_out[0] == APIC_VERSION_GPA && case_out[1] == apic_version
						     : case_out[0] == apic_version);
		poke_results[poke_n++] = (struct poke_result){ what, i + 1, vec, ok, to_ebx ? case_out[1] : case_out[0] };
	}
}

static void mmio_poke(void)
{
	apic_version = *(volatile uint32_t *)APIC_VERSION_GPA;
	poke_n = 0;
	poke_write(0, mmio_eax, sizeof(mmio_eax));
	poke_map(0, 0);
	mmio_run("MOV EAX, [APIC] in the window", 0, 3);
	poke_write(0, mmio_ebx, sizeof(mmio_ebx)); /* rewritten in place: another register, the same length */
	mmio_run("rewritten in place as MOV EBX, [APIC]", 1, 2);
	poke_write(0, mmio_ebx_2e, sizeof(mmio_ebx_2e)); /* and one byte longer */
	mmio_run("rewritten in place as 2E MOV EBX, [APIC]", 1, 2);
	poke_write(0, mmio_eax, sizeof(mmio_eax));
	mmio_run("MOV EAX, [APIC]", 0, 2);
	poke_write(1, mmio_ebx_2e, sizeof(mmio_ebx_2e));
	poke_map(0, 1);
	mmio_run("page remapped (PTE) to 2E MOV EBX, [APIC]", 1, 2);
	poke_map(0, 0);
	mmio_run("MOV EAX, [APIC] again", 0, 2);
	poke_map(1, 1);
	mmio_run("page remapped (PDE) to 2E MOV EBX, [APIC]", 1, 2);
	poke_map(0, 0);
	mmio_run("MOV EAX, [APIC] once more", 0, 1);
	for (unsigned i = 0; i < poke_n; i++) {
		const struct poke_result *r = &poke_results[i];
		hostile_check(r->ok, "loads the register the instruction names as it is now",
			      "%s (run %d): %s, loaded 0x%llx, version 0x%x", r->what, r->run, hidt_name(r->vec),
			      (unsigned long long)r->rax, apic_version);
	}
}

static void poke(int is_cpuid)
{
	const uint8_t *plain = is_cpuid ? poke_cpuid : poke_vmmcall, *pre = is_cpuid ? poke_cpuid_2e : poke_vmmcall_2e;
	unsigned plain_len = is_cpuid ? sizeof(poke_cpuid) : sizeof(poke_vmmcall);
	unsigned pre_len = is_cpuid ? sizeof(poke_cpuid_2e) : sizeof(poke_vmmcall_2e);
	const char *insn = is_cpuid ? "CPUID" : "VMMCALL NOP";
	static char what[4][96];

	fmt_snprintf(what[0], sizeof(what[0]), "%s in the window", insn);
	fmt_snprintf(what[1], sizeof(what[1]), "%s rewritten in place as 2E %s", insn, insn);
	fmt_snprintf(what[2], sizeof(what[2]), "%s page remapped (PTE) to 2E %s", insn, insn);
	fmt_snprintf(what[3], sizeof(what[3]), "%s page remapped (PDE) to 2E %s", insn, insn);
	poke_n = 0;
	poke_write(0, plain, plain_len);
	poke_map(0, 0);
	poke_run(what[0], is_cpuid, 3);
	poke_write(0, pre, pre_len); /* (a) text_poke: the same page, rewritten */
	poke_run(what[1], is_cpuid, 2);
	poke_write(0, plain, plain_len);
	poke_run(insn, is_cpuid, 2);
	poke_write(1, pre, pre_len); /* (b) the PTE now points at the other page */
	poke_map(0, 1);
	poke_run(what[2], is_cpuid, 2);
	poke_map(0, 0);
	poke_run(insn, is_cpuid, 2);
	poke_map(1, 1); /* (c) the PDE now points at the other page table */
	poke_run(what[3], is_cpuid, 2);
	poke_map(0, 0);
	poke_run(insn, is_cpuid, 1);
	for (unsigned i = 0; i < poke_n; i++) {
		const struct poke_result *r = &poke_results[i];
		hostile_check(r->ok, "resumes right after the instruction as it is now", "%s (run %d): %s, rax=0x%llx",
			      r->what, r->run, hidt_name(r->vec), (unsigned long long)r->rax);
	}
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "step", sizeof(attack));
	hidt_install();
	hidt_table[1] = rt_intr_gate(step_db);

	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_PAT));
	pat = ((uint64_t)hi << 32) | lo;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	efer = ((uint64_t)hi << 32) | lo;
	__asm__ volatile("cpuid"
			 : "=a"(vendor_leaf[0]), "=b"(vendor_leaf[1]), "=c"(vendor_leaf[2]), "=d"(vendor_leaf[3])
			 : "a"(0), "c"(0));
	khz = (uint64_t)hc_tsc_khz();

	static const struct step_case plain[] = {
		C(s_nop, "NOP (not intercepted)", 0, 0, CHECK_NONE),
		C(s_cpuid, "CPUID", 0, 0, CHECK_CPUID),
		C(s_vmmcall, "VMMCALL NOP", HVMM_HC_NOP, 0, CHECK_NOP),
		C(s_vmmcall, "VMMCALL TSC_KHZ", HVMM_HC_TSC_KHZ, 0, CHECK_KHZ),
		C(s_rdmsr, "RDMSR EFER", 0, MSR_EFER, CHECK_EFER),
		C(s_wrmsr, "WRMSR PAT", 0, MSR_PAT, CHECK_NONE),
		C(s_wbinvd, "WBINVD", 0, 0, CHECK_NONE),
		C(s_invd, "INVD", 0, 0, CHECK_NONE),
		C(s_rdpmc, "RDPMC 0", 0, 0, CHECK_NONE),
		C(s_hlt, "HLT", 0, 0, CHECK_NONE),
		C(s_in, "IN AL, 0x80", 0, 0, CHECK_NONE),
		C(s_out, "OUT 0x80, AL", 0, 0, CHECK_NONE),
	};
	static const struct step_case prefixed[] = {
		C(p_cpuid1, "2E CPUID", 0, 0, CHECK_CPUID),
		C(p_cpuid2, "2E 3E CPUID", 0, 0, CHECK_CPUID),
		C(p_cpuid6, "6 segment prefixes + CPUID", 0, 0, CHECK_CPUID),
		C(p_cpuid13, "13 prefixes + CPUID (15 bytes)", 0, 0, CHECK_CPUID),
		C(p_cpuidrex, "66 REX.W CPUID", 0, 0, CHECK_CPUID),
		C(p_vmmcall1, "2E VMMCALL TSC_KHZ", HVMM_HC_TSC_KHZ, 0, CHECK_KHZ),
		C(p_vmmcall3, "2E 3E 26 VMMCALL TSC_KHZ", HVMM_HC_TSC_KHZ, 0, CHECK_KHZ),
		C(p_rdmsr, "2E RDMSR EFER", 0, MSR_EFER, CHECK_EFER),
		C(p_wrmsr, "3E WRMSR PAT", 0, MSR_PAT, CHECK_NONE),
		C(p_wbinvd, "2E WBINVD", 0, 0, CHECK_NONE),
		C(p_invd, "3E 3E INVD", 0, 0, CHECK_NONE),
		C(p_rdpmc, "2E RDPMC 0", 0, 0, CHECK_NONE),
		C(p_hlt1, "2E HLT", 0, 0, CHECK_NONE),
		C(p_hlt2, "2E 3E HLT", 0, 0, CHECK_NONE),
		C(p_in, "2E IN AL, 0x80", 0, 0, CHECK_NONE),
		C(c_cpuid, "2E CPUID in compatibility mode", 0, 0, CHECK_CPUID),
	};
	if (!strcmp(attack, "step")) {
		for (unsigned i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
			run_case(&plain[i], 0);
	} else if (!strcmp(attack, "poke")) {
		poke(1);
		poke(0);
	} else if (!strcmp(attack, "mmio")) {
		mmio_poke();
	} else if (!strcmp(attack, "len")) {
		compat_gdt_install();
		for (unsigned i = 0; i < sizeof(prefixed) / sizeof(prefixed[0]); i++)
			run_case(&prefixed[i], 1);
	} else {
		gprintf("FAIL unknown attack=%s\n", attack);
		return 98;
	}
	return hostile_status();
}
