/* SPDX-License-Identifier: MIT */
/* tsc.c — the TSC frequency. In order: CPUID 15h (TSC/crystal ratio × crystal Hz), CPUID 16h (base MHz), the AMD
 * P0 state (family 17h–19h, MSR C001_0064h), else measured against PIT channel 2 (gate and OUT via port 61h, mode 0
 * one-shot), else against the HPET main counter, else against the ACPI PM timer. A stated frequency is
 * cross-checked against the PIT when there is one. Also reports whether the TSC is invariant (CPUID 8000_0007h
 * EDX[8]). */
#include "hvmm/x86/tsc.h"

#include <string.h>

#include "fmt.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/x86/acpi.h"
#include "hvmm/x86/extable.h"

#define PIT_HZ 1193182ull
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 OUT */
#define PM_TMR_HZ 3579545ull /* ACPI 6.x §4.8.3.3 */
#define CAL_MS 20
#define CAL_ROUNDS 3
#define GIVE_UP_CYCLES (1ull << 31) /* a timer that has not run out by then is absent (20 ms is < 2^28 at 10 GHz) */
#define PLAUSIBLE_MIN_KHZ 100000ull /* 100 MHz; QEMU with -icount shift=0 gives 1 GHz */
#define PLAUSIBLE_MAX_KHZ 10000000ull /* 10 GHz */
#define CROSSCHECK_PERCENT 2 /* a stated frequency further than this from the PIT's is not trusted */

/* AMD MSRs (PPR for family 17h, "MSRC001_0015 HWCR", "MSRC001_0064 P-state 0"). */
#define MSR_AMD_HWCR 0xc0010015u
#define HWCR_TSC_FREQ_SEL (1ull << 24) /* the TSC counts at the P0 frequency */
#define MSR_AMD_PSTATE_DEF0 0xc0010064u
#define PSTATE_EN (1ull << 63)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID80000007_EDX_INVARIANT_TSC (1u << 8)

/* HPET registers (IA-PC HPET Specification 1.0a §2.3): capabilities (bits 63:32 = counter period in fs), general
 * configuration (bit 0 = ENABLE_CNF), main counter. */
#define HPET_CAP 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_ENABLE_CNF 1u
#define HPET_MAX_PERIOD_FS 100000000ull /* the spec's limit: at most 100 ns per tick */
#define HPET_MIN_PERIOD_FS 1000000ull /* 1 ns: a faster counter is implausible (and would overflow 32 bits in CAL_MS) */

uint64_t tsc_khz;

/* One measurement: TSC cycles elapsed while PIT channel 2 counts CAL_MS milliseconds; 0 if OUT never rises. */
static uint64_t pit_once(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint8_t b = inb(PORT_B);
	outb(PORT_B, (b & ~0x02) & ~0x01); /* speaker off, gate low */
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01); /* gate high: start counting */
	uint64_t t0 = rdtsc();
	if (inb(PORT_B) & 0x20)
		return 0; /* OUT is high before the count ran out: no 8254 behind port 61h (it may read 0xff) */
	while (!(inb(PORT_B) & 0x20))
		if (rdtsc() - t0 > GIVE_UP_CYCLES)
			return 0; /* no PIT */
	return rdtsc() - t0;
}

static uint32_t pm_tmr_read(void)
{
	uint32_t v;
	if (acpi.pm_tmr.space_id == ACPI_GAS_IO)
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)acpi.pm_tmr.address));
	else
		v = *(volatile uint32_t *)acpi.pm_tmr.address;
	return acpi.pm_tmr_32bit ? v : v & 0xffffff;
}

/* One measurement: TSC cycles over CAL_MS of the ACPI PM timer; 0 if it does not count. */
static uint64_t pm_tmr_once(void)
{
	uint32_t mask = acpi.pm_tmr_32bit ? 0xffffffffu : 0xffffffu, want = (uint32_t)(PM_TMR_HZ * CAL_MS / 1000);
	uint32_t p0 = pm_tmr_read();
	uint64_t t0 = rdtsc();
	while (((pm_tmr_read() - p0) & mask) < want)
		if (rdtsc() - t0 > GIVE_UP_CYCLES)
			return 0;
	return rdtsc() - t0;
}

static uint64_t hpet_period_fs; /* femtoseconds per HPET tick, set by hpet_usable() */

/* One measurement: TSC cycles over CAL_MS of the HPET main counter (its low 32 bits); 0 if it does not count. */
static uint64_t hpet_once(void)
{
	uint64_t base = acpi.hpet_address;
	uint32_t want = (uint32_t)(CAL_MS * 1000000000000ull / hpet_period_fs);
	uint32_t h0 = (uint32_t)mmio_read32(base + HPET_COUNTER);
	uint64_t t0 = rdtsc();
	while ((uint32_t)mmio_read32(base + HPET_COUNTER) - h0 < want)
		if (rdtsc() - t0 > GIVE_UP_CYCLES)
			return 0;
	return rdtsc() - t0;
}

/* The ACPI HPET table named a counter below 4 GiB (mapped) with a plausible period: start it if it is stopped. */
static int hpet_usable(void)
{
	uint64_t base = acpi.hpet_address;
	if (!base || base >= (4ull << 30) || (base & 0x3ff))
		return 0;
	uint32_t cap_hi = (uint32_t)mmio_read32(base + HPET_CAP + 4);
	if (cap_hi < HPET_MIN_PERIOD_FS || cap_hi > HPET_MAX_PERIOD_FS) {
		hlog("warning: tsc: the HPET at 0x%lx reports a counter period of %u fs; not used", base, cap_hi);
		return 0;
	}
	hpet_period_fs = cap_hi;
	uint32_t cfg = (uint32_t)mmio_read32(base + HPET_CONFIG);
	if (!(cfg & HPET_ENABLE_CNF))
		mmio_write32(base + HPET_CONFIG, cfg | HPET_ENABLE_CNF);
	return 1;
}

/* The shortest of CAL_ROUNDS measurements (the least disturbed), converted to kHz; 0 if the timer did not count or
 * the result is implausible (a port that reads back garbage looks like a timer that ends at once). */
static uint64_t measure(uint64_t (*once)(void), const char *what)
{
	uint64_t best = 0;
	for (int i = 0; i < CAL_ROUNDS; i++) {
		uint64_t c = once();
		if (c && (!best || c < best))
			best = c;
	}
	uint64_t khz = best / CAL_MS;
	if (khz && (khz < PLAUSIBLE_MIN_KHZ || khz > PLAUSIBLE_MAX_KHZ)) {
		hlog("warning: tsc: %s gave an implausible %lu kHz; not used", what, khz);
		return 0;
	}
	return khz;
}

static int pm_tmr_usable(void)
{
	const struct acpi_gas *g = &acpi.pm_tmr;
	return g->address && ((g->space_id == ACPI_GAS_IO && g->address <= 0xffff) ||
			      (g->space_id == ACPI_GAS_MEMORY && g->address < (4ull << 30)));
}

/* The TSC frequency the CPU states (kHz), with the source in how; 0 if it states none hvmm trusts. */
static uint64_t stated_khz(char *how, size_t n)
{
	struct cpuid_regs v = cpuid(0, 0), l1 = cpuid(1, 0);
	char vendor[13];
	memcpy(vendor, &v.ebx, 4);
	memcpy(vendor + 4, &v.edx, 4);
	memcpy(vendor + 8, &v.ecx, 4);
	vendor[12] = 0;
	unsigned family = cpuid_family(), model = cpuid_model();
	int hv = (l1.ecx & CPUID1_ECX_HYPERVISOR) != 0;

	if (v.eax >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx) {
			fmt_snprintf(how, n, "CPUID 15h: %u/%u x %u Hz crystal", r.ebx, r.eax, r.ecx);
			return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
		}
	}
	if (v.eax >= 0x16) {
		struct cpuid_regs r = cpuid(0x16, 0);
		if (r.eax & 0xffff) {
			fmt_snprintf(how, n, "CPUID 16h: base %u MHz", r.eax & 0xffff);
			return (uint64_t)(r.eax & 0xffff) * 1000;
		}
	}
	/* AMD family 17h (Zen 1/2), 18h (Hygon) and 19h (Zen 3/4): CoreCOF = 200 MHz × CpuFid[7:0] / CpuDfsId[13:8]
	 * (PPR "P-state 0", Table "Definitions"). Family 1Ah changed the layout, and older families and hypervisors
	 * may not implement the MSRs: only these families, only on bare metal, and read with rdmsr_safe. */
	int amd = !strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine");
	if (amd && family >= 0x17 && family <= 0x19 && !hv) {
		uint64_t hwcr, p0;
		if (rdmsr_safe(MSR_AMD_HWCR, &hwcr) | rdmsr_safe(MSR_AMD_PSTATE_DEF0, &p0))
			hlog("tsc: RDMSR HWCR or P0 state (C001_0015h, C001_0064h) raised #GP: no stated frequency");
		unsigned fid = p0 & 0xff, did = (p0 >> 8) & 0x3f;
		if ((hwcr & HWCR_TSC_FREQ_SEL) && (p0 & PSTATE_EN) && fid && did) {
			fmt_snprintf(how, n, "AMD P0 state MSR C001_0064h: 200 MHz x CpuFid %u / CpuDfsId %u", fid, did);
			return 200000ull * fid / did;
		}
		hlog("tsc: AMD family 0x%x P0 state not usable (HWCR=0x%lx P0=0x%lx)", family, hwcr, p0);
	}
	hlog("tsc: %s family 0x%x model 0x%x%s states no TSC frequency (max leaf 0x%x; CPUID 15h/16h%s)", vendor, family,
	     model, hv ? " under a hypervisor" : "", v.eax,
	     amd && family >= 0x17 && family <= 0x19 ? ", P0 state" : amd ? "; P-state MSRs need family 17h-19h" : "");
	return 0;
}

/* One line on whether the TSC ticks at a constant rate in every P-state and C-state. */
static void report_invariant(void)
{
	int inv = cpuid(0x80000000, 0).eax >= 0x80000007 &&
		  (cpuid(0x80000007, 0).edx & CPUID80000007_EDX_INVARIANT_TSC);
	hlog("tsc invariant=%d (CPUID 8000_0007h EDX[8]%s)", inv,
	     inv ? "" : ": the TSC rate may change with P-states and C-states; figures in ns assume it does not");
}

void tsc_calibrate(void)
{
	report_invariant();
	char how[128];
	uint64_t stated = stated_khz(how, sizeof(how));
	uint64_t pit = measure(pit_once, "PIT channel 2");

	if (stated) {
		if (!pit) {
			tsc_khz = stated;
			hlog("tsc_khz=%lu (%s; no PIT to cross-check)", tsc_khz, how);
			return;
		}
		uint64_t diff = stated > pit ? stated - pit : pit - stated;
		if (diff * 100 <= stated * CROSSCHECK_PERCENT) {
			tsc_khz = stated;
			hlog("tsc_khz=%lu (%s; PIT channel 2 measured %lu)", tsc_khz, how, pit);
			return;
		}
		hlog("warning: tsc: %s gives %lu kHz but PIT channel 2 measured %lu kHz; using the measurement", how,
		     stated, pit);
	}
	if (pit) {
		tsc_khz = pit;
		hlog("tsc_khz=%lu (calibrated against PIT channel 2 over %d ms)", tsc_khz, CAL_MS);
		return;
	}
	uint64_t hpet = hpet_usable() ? measure(hpet_once, "the HPET") : 0;
	if (hpet) {
		tsc_khz = hpet;
		hlog("tsc_khz=%lu (calibrated against the HPET at 0x%lx, %lu fs/tick, over %d ms; PIT channel 2 did not "
		     "count)", tsc_khz, acpi.hpet_address, hpet_period_fs, CAL_MS);
		return;
	}
	uint64_t pm = pm_tmr_usable() ? measure(pm_tmr_once, "the ACPI PM timer") : 0;
	if (pm) {
		tsc_khz = pm;
		hlog("tsc_khz=%lu (calibrated against the ACPI PM timer over %d ms; PIT channel 2 did not count)", tsc_khz,
		     CAL_MS);
		return;
	}
	tsc_khz = 1000000; /* assume 1 GHz rather than divide by zero */
	hlog("warning: neither PIT channel 2, the HPET nor the ACPI PM timer counted; assuming tsc_khz=%lu", tsc_khz);
}

uint64_t tsc_to_ns(uint64_t cycles)
{
	if (!tsc_khz)
		return 0;
	return cycles / tsc_khz * 1000000u + cycles % tsc_khz * 1000000u / tsc_khz;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t t0 = rdtsc(), wait = tsc_khz * us / 1000;
	while (rdtsc() - t0 < wait)
		pause();
}
