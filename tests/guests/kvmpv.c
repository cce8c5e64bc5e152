/* SPDX-License-Identifier: MIT */
/*
 * kvmpv (test guest): KVM's paravirtual interface as hvmm offers it with kvm=on (docs/guest-abi.md "The KVM
 * paravirtual interface"). Run it with platform=pc kvm=on debug_exit=0xf4 beside another guest: with kvm=on VMMCALL
 * speaks KVM's ABI, so this guest prints through the virtual PC's COM1 and ends through the debug-exit port.
 *
 * Checks, each printed as PASS/FAIL by the reporter of hostile_idt.h (judged by tests/scenarios_hostile.py):
 *  - CPUID: hvmm's signature at 4000_0000h, KVM's at 4000_0100h, the feature bits at 4000_0101h;
 *  - KVM hypercalls: hvmm's own numbers (0, 3 = HVMM_HC_EXIT) and an unknown one return -KVM_ENOSYS and the guest
 *    goes on; KVM_HC_VAPIC_POLL_IRQ returns 0;
 *  - each MSR (wall clock, system time, steal time, PV EOI) with a valid GPA (its structure filled as msr.rst says),
 *    then misaligned, page-crossing and outside-RAM GPAs: #GP each time, and the valid registration stays;
 *  - steal time grows while the other guest runs; kvmclock agrees with the TSC.
 */
#include <string.h>

#include "fmt.h"
#include "hvmm.h"
#include "hvmm/kvm.h"

#define COM1 0x3f8
static void uart_puts(const char *s)
{
	for (; *s; s++)
		__asm__ volatile("outb %b0, %w1" : : "a"(*s), "Nd"((uint16_t)COM1));
}

static int uart_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int uart_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	uart_puts(buf);
	return n;
}

static uint16_t debug_exit_port = 0xf4;
__attribute__((noreturn)) static void debug_exit(int status)
{
	__asm__ volatile("outb %b0, %w1" : : "a"((uint8_t)status), "Nd"(debug_exit_port));
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* hostile_idt.h's reporter prints and exits through hvmm's hypercalls; here through COM1 and debug-exit. */
#define gprintf uart_printf
#define hc_exit debug_exit
#include "hostile_idt.h"

static struct pvclock_vcpu_time_info clock_area __attribute__((aligned(64)));
static struct pvclock_wall_clock wall_area __attribute__((aligned(64)));
static struct kvm_steal_time steal_area __attribute__((aligned(64)));
static volatile uint32_t eoi_word __attribute__((aligned(64)));
static uint8_t page_pair[2 * 4096] __attribute__((aligned(4096))); /* page_pair + 4096: a page boundary */

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static long kvm_hypercall(long nr)
{
	long ret;
	__asm__ volatile(".byte 0x0f, 0x01, 0xd9" : "=a"(ret) : "a"(nr), "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
	return ret;
}

static void cpuid4(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* kvmclock's time now, read under its version seqlock as msr.rst describes; *tsc: the TSC it was computed from. */
static uint64_t kvmclock_ns(const volatile struct pvclock_vcpu_time_info *t, uint64_t *tsc)
{
	uint32_t v;
	uint64_t ns;
	do {
		v = t->version;
		__asm__ volatile("" ::: "memory");
		*tsc = rdtsc();
		uint64_t d = *tsc - t->tsc_timestamp;
		d = t->tsc_shift >= 0 ? d << t->tsc_shift : d >> -t->tsc_shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((v & 1) || v != t->version);
	return ns;
}

/* The three bad GPAs for an MSR whose structure has len bytes at align-byte aligned addresses (bit 0 = enable when
 * enable is 1): misaligned, across a page boundary, outside RAM. Each must raise #GP and leave valid_val in place. */
static void bad_gpas(const char *name, uint32_t msr, uint64_t enable, uint64_t len, uint64_t align, uint64_t mem,
		     uint64_t valid_val)
{
	char what[64];
	uint64_t base = (uint64_t)(uintptr_t)page_pair, half = len < 8 ? 2 : (len / 2) & ~3ull; /* straddles */
	struct { const char *kind; uint64_t gpa; } bad[] = {
		{ "misaligned", base + (align == 64 ? 32 : 2) },
		{ "page-crossing", base + 4096 - half },
		{ "outside RAM", mem },
		{ "outside RAM, last bytes", mem - half },
		{ "far outside RAM", 1ull << 51 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fmt_snprintf(what, sizeof(what), "%s %s gpa=0x%lx", name, bad[i].kind, (unsigned long)bad[i].gpa);
		hostile_expect_vec(what, hidt_wrmsr(msr, bad[i].gpa | enable), 13);
	}
	uint64_t now = rdmsr(msr);
	hostile_check(now == valid_val, name, "the valid registration stays after the refused writes (0x%lx)",
		      (unsigned long)now);
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	uint64_t mem = bi->mem_bytes, khz = rt_tsc_khz(bi);
	uint32_t r[4];

	debug_exit_port = (uint16_t)rt_arg_u64(bi, "debug_exit", 0xf4);
	hidt_install();
	uart_printf("kvmpv start mem=%lu tsc_khz=%lu\n", (unsigned long)mem, (unsigned long)khz);

	cpuid4(0x40000000u, r);
	hostile_check(r[1] == 0x6d6d7668u && r[2] == r[1] && r[3] == r[1], "CPUID 4000_0000h", "hvmm's signature");
	cpuid4(KVM_CPUID_SIGNATURE, r);
	hostile_check(r[0] == KVM_CPUID_FEATURES && r[1] == KVM_CPUID_SIG_EBX && r[2] == KVM_CPUID_SIG_ECX &&
			      r[3] == KVM_CPUID_SIG_EDX,
		      "CPUID 4000_0100h", "KVMKVMKVM, max leaf 0x%x", r[0]);
	cpuid4(KVM_CPUID_FEATURES, r);
	uint32_t want = (1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_NOP_IO_DELAY) |
			(1u << KVM_FEATURE_STEAL_TIME) | (1u << KVM_FEATURE_PV_EOI);
	hostile_check((r[0] & ~(1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT)) == want, "CPUID 4000_0101h",
		      "features eax=0x%x", r[0]);

	long r0 = 0; /* several times: after the first, the world switch's null-hypercall fast path would take them */
	for (int i = 0; i < 4; i++)
		r0 |= kvm_hypercall(0) + KVM_ENOSYS;
	hostile_check(r0 == 0, "KVM hypercall 0", "-KVM_ENOSYS x4 (not hvmm's null call, nor its fast path)");
	hostile_check(kvm_hypercall(HVMM_HC_EXIT) == -KVM_ENOSYS, "KVM hypercall 3", "-KVM_ENOSYS (not hvmm's exit)");
	hostile_check(kvm_hypercall(0x12345) == -KVM_ENOSYS, "KVM hypercall 0x12345", "-KVM_ENOSYS");
	hostile_check(kvm_hypercall(KVM_HC_VAPIC_POLL_IRQ) == 0, "KVM_HC_VAPIC_POLL_IRQ", "0");

	/* kvmclock */
	uint64_t gpa = (uint64_t)(uintptr_t)&clock_area | KVM_MSR_ENABLED;
	hostile_expect_vec("MSR_KVM_SYSTEM_TIME_NEW valid", hidt_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, gpa), HIDT_NONE);
	const volatile struct pvclock_vcpu_time_info *t = &clock_area;
	hostile_check(t->version && !(t->version & 1) && t->tsc_to_system_mul && t->tsc_timestamp,
		      "kvmclock filled", "version=%u mul=%u shift=%d flags=%u", t->version, t->tsc_to_system_mul,
		      t->tsc_shift, t->flags);
	uint64_t c0, c1, n0 = kvmclock_ns(t, &c0);
	while (rdtsc() - c0 < khz * 20) /* 20 ms of TSC time */
		;
	uint64_t n1 = kvmclock_ns(t, &c1);
	uint64_t tsc_ns = (c1 - c0) * 1000000 / khz, pv_ns = n1 - n0;
	hostile_check(pv_ns + pv_ns / 1000 >= tsc_ns && pv_ns <= tsc_ns + tsc_ns / 1000, "kvmclock rate",
		      "%lu ns by kvmclock, %lu ns by the TSC", (unsigned long)pv_ns, (unsigned long)tsc_ns);
	bad_gpas("MSR_KVM_SYSTEM_TIME_NEW", MSR_KVM_SYSTEM_TIME_NEW, KVM_MSR_ENABLED, sizeof(clock_area), 4, mem, gpa);

	/* wall clock */
	gpa = (uint64_t)(uintptr_t)&wall_area;
	hostile_expect_vec("MSR_KVM_WALL_CLOCK_NEW valid", hidt_wrmsr(MSR_KVM_WALL_CLOCK_NEW, gpa), HIDT_NONE);
	hostile_check(wall_area.version && !(wall_area.version & 1) && wall_area.sec > 1600000000u &&
			      wall_area.nsec < 1000000000u,
		      "wall clock filled", "version=%u sec=%u nsec=%u", wall_area.version, wall_area.sec, wall_area.nsec);
	bad_gpas("MSR_KVM_WALL_CLOCK_NEW", MSR_KVM_WALL_CLOCK_NEW, 0, sizeof(wall_area), 4, mem, gpa);

	/* steal time */
	gpa = (uint64_t)(uintptr_t)&steal_area | KVM_MSR_ENABLED;
	hostile_expect_vec("MSR_KVM_STEAL_TIME valid", hidt_wrmsr(MSR_KVM_STEAL_TIME, gpa), HIDT_NONE);
	const volatile struct kvm_steal_time *st = &steal_area;
	uint64_t s0 = st->steal;
	for (c0 = rdtsc(); st->steal == s0 && rdtsc() - c0 < khz * 2000;) /* the others run within 2 s */
		;
	hostile_check(!(st->version & 1) && st->version >= 2 && st->steal > s0, "steal time grows",
		      "version=%u steal %lu -> %lu ns", st->version, (unsigned long)s0, (unsigned long)st->steal);
	bad_gpas("MSR_KVM_STEAL_TIME", MSR_KVM_STEAL_TIME, KVM_MSR_ENABLED, sizeof(steal_area), 64, mem, gpa);

	/* PV EOI */
	gpa = (uint64_t)(uintptr_t)&eoi_word | KVM_MSR_ENABLED;
	hostile_expect_vec("MSR_KVM_PV_EOI_EN valid", hidt_wrmsr(MSR_KVM_PV_EOI_EN, gpa), HIDT_NONE);
	bad_gpas("MSR_KVM_PV_EOI_EN", MSR_KVM_PV_EOI_EN, KVM_MSR_ENABLED, sizeof(eoi_word), 4, mem, gpa);

	hostile_expect_vec("MSR_KVM_ASYNC_PF_EN (not offered)", hidt_wrmsr(MSR_KVM_ASYNC_PF_EN, 0), 13);
	hostile_expect_vec("MSR_KVM_SYSTEM_TIME_NEW disable", hidt_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0), HIDT_NONE);
	hostile_expect_vec("MSR_KVM_STEAL_TIME disable", hidt_wrmsr(MSR_KVM_STEAL_TIME, 0), HIDT_NONE);
	hostile_expect_vec("MSR_KVM_PV_EOI_EN disable", hidt_wrmsr(MSR_KVM_PV_EOI_EN, 0), HIDT_NONE);
	debug_exit(hostile_status());
}
