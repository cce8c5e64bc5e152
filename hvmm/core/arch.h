/* SPDX-License-Identifier: MIT */
/* arch.h — thin inline wrappers for x86-64 instructions, MSR numbers and control-register bits (AMD APM Vol. 2). */
#ifndef HVMM_ARCH_H
#define HVMM_ARCH_H
#include <stdint.h>

#define MSR_TSC 0x00000010u
#define MSR_APIC_BASE 0x0000001bu
#define MSR_TSC_DEADLINE 0x000006e0u /* IA32_TSC_DEADLINE (Intel SDM Vol. 3A §11.5.4.1) */
#define APIC_BASE_BSP (1u << 8) /* APIC_BASE MSR: bootstrap processor */
#define APIC_BASE_EN (1u << 11) /* ... xAPIC globally enabled */
#define MSR_PAT 0x00000277u
#define MSR_SPEC_CTRL 0x00000048u
#define MSR_PRED_CMD 0x00000049u /* bit 0: IBPB */
#define MSR_EFER 0xc0000080u
#define MSR_TSC_AUX 0xc0000103u /* ECX of RDTSCP, the result of RDPID (APM Vol. 3 "RDTSCP", "RDPID") */
#define CPUID80000001_EDX_RDTSCP (1u << 27)
#define CPUID7_ECX_RDPID (1u << 22)
#define MSR_VM_CR 0xc0010114u /* APM §15.30.1 */
#define MSR_VM_HSAVE_PA 0xc0010117u /* APM §15.30.4 */

#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EFER_SVME (1ull << 12)
#define EFER_AIBRSE (1ull << 21) /* Automatic IBRS enable (CPUID 8000_0021h EAX[8]) */

#define VM_CR_LOCK (1ull << 3)
#define VM_CR_SVMDIS (1ull << 4)

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_MCE (1ull << 6)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_LA57 (1ull << 12) /* 5-level paging (APM Vol. 2 §3.1.3) */
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_RESERVED1 (1ull << 1)
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_AF (1ull << 4)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_OF (1ull << 11)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_VM (1ull << 17)

/* Debug registers (APM Vol. 2 §13.1.1): reset values, DR6.BS (single step), DR7's enable bits L0-G3. */
#define DR6_RESET 0xffff0ff0ull
#define DR6_BS (1ull << 14)
#define DR7_RESET 0x400ull
#define DR7_ENABLES 0xffull

/* Page-table entry bits (APM Vol. 2 §5.4). */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)

#define PAGE_SIZE 4096ull
#define LARGE_PAGE_SIZE (2ull << 20)

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
	return r;
}

/* Does the CPU have the TSC_AUX MSR: RDTSCP (CPUID 8000_0001h EDX[27]) or RDPID (CPUID 7 ECX[22])? */
static inline int cpu_has_tsc_aux(void)
{
	return (cpuid(0x80000000u, 0).eax >= 0x80000001u && (cpuid(0x80000001u, 0).edx & CPUID80000001_EDX_RDTSCP)) ||
	       (cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ecx & CPUID7_ECX_RDPID));
}

#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID7_EBX_RDSEED (1u << 18)

/* RDSEED / RDRAND into *v: 1 if the CPU delivered a value (CF = 1), 0 if it had none ready (APM Vol. 3 "RDSEED",
 * "RDRAND"). Only where CPUID says the instruction exists. */
static inline int rdseed64(uint64_t *v)
{
	uint8_t ok;
	__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok;
}
static inline int rdrand64(uint64_t *v)
{
	uint8_t ok;
	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
	return ok;
}

/* The display family and model of CPUID leaf 1 EAX (APM Vol. 3 Appendix E.3.2: extended family counts when the base
 * family is 0Fh; extended model then too, and on Intel also for base family 6). */
static inline unsigned cpuid_family(void)
{
	uint32_t eax = cpuid(1, 0).eax, f = (eax >> 8) & 0xf;
	return f == 0xf ? f + ((eax >> 20) & 0xff) : f;
}
/* CPUID 1 ECX[31]: a hypervisor runs this CPU (reserved as 0 on bare metal; APM Vol. 3 Appendix E, Fn0000_0001_ECX). */
#define CPUID1_ECX_HYPERVISOR (1u << 31)

/* The vendor string of CPUID 0 (EBX, EDX, ECX) into vendor (13 bytes); 1 if it is one of SVM's vendors
 * ("AuthenticAMD", "HygonGenuine"). */
static inline int cpu_vendor_svm(char vendor[13])
{
	struct cpuid_regs r = cpuid(0, 0);
	__builtin_memcpy(vendor, &r.ebx, 4);
	__builtin_memcpy(vendor + 4, &r.edx, 4);
	__builtin_memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = 0;
	return !__builtin_strcmp(vendor, "AuthenticAMD") || !__builtin_strcmp(vendor, "HygonGenuine");
}

static inline unsigned cpuid_model(void)
{
	uint32_t eax = cpuid(1, 0).eax;
	uint32_t f = (eax >> 8) & 0xf;
	return ((eax >> 4) & 0xf) | (f == 0xf || f == 0x6 ? ((eax >> 16) & 0xf) << 4 : 0);
}

/* Serialising TSC read for measurement: mfence; lfence; rdtsc; lfence (AMD APM Vol. 3, RDTSC). */
static inline uint64_t rdtsc_fenced(void)
{
	uint32_t lo, hi;
	__asm__ volatile("mfence; lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

static inline uint64_t read_dr7(void) { uint64_t v; __asm__ volatile("mov %%dr7, %0" : "=r"(v)); return v; }
static inline void write_dr6(uint64_t v) { __asm__ volatile("mov %0, %%dr6" : : "r"(v)); }
static inline void write_dr7(uint64_t v) { __asm__ volatile("mov %0, %%dr7" : : "r"(v) : "memory"); }

/* XCR0 (APM Vol. 2 §11.5.2); XGETBV/XSETBV need CR4.OSXSAVE. */
static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}
static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" : : "a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(0) : "memory");
}

static inline void cli(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void sti(void) { __asm__ volatile("sti" : : : "memory"); }
static inline void pause(void) { __asm__ volatile("pause"); }
__attribute__((noreturn)) static inline void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static inline uint64_t mmio_read32(uint64_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }

#endif
