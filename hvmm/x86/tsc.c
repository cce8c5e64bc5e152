/* SPDX-License-Identifier: MIT */
/* tsc.c — the TSC frequency. A stated one — CPUID 15h (TSC/crystal ratio × crystal Hz), CPUID 16h (base MHz), the
 * AMD P0 state (family 17h–19h, MSR C001_0064h) — when the measurement confirms it within 2 %, else the measurement:
 * every reference the machine has (the HPET main counter, the ACPI PM timer, PIT channel 2 free-running in mode 2
 * read through its counter latch) measured by lib/tsccal.c (the median of 5 windows, each bracketed and refused when
 * stalled), and their consensus; when they disagree, measured again, then the one whose windows spread least, with
 * a warning. Also reports whether the TSC is invariant (CPUID 8000_0007h EDX[8]). */
#include "hvmm/x86/tsc.h"

#include <string.h>

#include "fmt.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/core/pcregs.h"
#include "hvmm/x86/acpi.h"
#include "hvmm/x86/extable.h"
#include "tsccal.h"

#define PIT_CH2_PORT (PIT_PORT + 2)
#define PM_TMR_HZ 3579545ull /* ACPI 6.x §4.8.3.3 */
#define CROSSCHECK_PERCENT 2 /* a stated frequency further than this from the PIT's is not trusted */

/* AMD MSRs (PPR for family 17h, "MSRC001_0015 HWCR", "MSRC001_0064 P-state 0"). */
#define MSR_AMD_HWCR 0xc0010015u
#define HWCR_TSC_FREQ_SEL (1ull << 24) /* the TSC counts at the P0 frequency */
#define MSR_AMD_PSTATE_DEF0 0xc0010064u
#define PSTATE_EN (1ull << 63)
#define CPUID80000007_EDX_INVARIANT_TSC (1u << 8)

/* HPET registers (IA-PC HPET Specification 1.0a §2.3): capabilities (bits 63:32 = counter period in fs), general
 * configuration (bit 0 = ENABLE_CNF), main counter. */
#define HPET_CAP 0x000
#define HPET_CONFIG 0x010
#define HPET_COUNTER 0x0f0
#define HPET_ENABLE_CNF 1u
#define HPET_MAX_PERIOD_FS 100000000ull /* the spec's limit: at most 100 ns per tick */
#define HPET_MIN_PERIOD_FS 1000000ull /* 1 ns: a faster counter is implausible */

uint64_t tsc_khz;

static uint64_t read_tsc(void *ctx) { (void)ctx; return rdtsc(); }

/* PIT channel 2 free-running: mode 2 with count 0 (65536), gate high, speaker off; read by latching its count. */
static void pit_start(void)
{
	outb(PORT61, inb(PORT61) & ~(PORT61_SPEAKER | PORT61_GATE2)); /* speaker off, gate low */
	outb(PIT_CONTROL, 0xb4); /* channel 2, lobyte/hibyte, mode 2, binary */
	outb(PIT_CH2_PORT, 0);
	outb(PIT_CH2_PORT, 0);
	outb(PORT61, (inb(PORT61) & ~PORT61_SPEAKER) | PORT61_GATE2); /* gate high: counting */
}

static void pit_latch(void *ctx)
{
	(void)ctx;
	outb(PIT_CONTROL, 0x80); /* counter latch command, channel 2 (Intel 8254 datasheet) */
}

static uint32_t pit_read(void *ctx)
{
	(void)ctx;
	uint32_t lo = inb(PIT_CH2_PORT);
	return lo | (uint32_t)inb(PIT_CH2_PORT) << 8;
}

static uint32_t pm_tmr_read(void *ctx)
{
	uint32_t v;
	(void)ctx;
	if (acpi.pm_tmr.space_id == ACPI_GAS_IO)
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)acpi.pm_tmr.address));
	else
		v = *(volatile uint32_t *)acpi.pm_tmr.address;
	return acpi.pm_tmr_32bit ? v : v & 0xffffff;
}

static uint64_t hpet_period_fs; /* femtoseconds per HPET tick, set by hpet_usable() */

static uint32_t hpet_read(void *ctx)
{
	(void)ctx;
	return (uint32_t)mmio_read32(acpi.hpet_address + HPET_COUNTER);
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
	int amd = cpu_vendor_svm(vendor);
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

enum { REF_HPET, REF_PM, REF_PIT, NREFS }; /* in the order measured: the longest wrap first */

/* Measure every reference the machine has (refs[i].hz == 0: absent); each one's result in res[i]. The first one
 * measured gives the others a lower bound of the rate (half of it) for their stall limit. */
static void measure_all(const struct tsccal_ref *refs, struct tsccal_result *res)
{
	uint64_t slow = 0;
	for (int i = 0; i < NREFS; i++) {
		res[i] = (struct tsccal_result){ 0 };
		if (!refs[i].hz)
			continue;
		if (i == REF_PIT)
			pit_start();
		if (tsccal_measure(&refs[i], slow, &res[i]) && !slow)
			slow = res[i].khz / 2;
		if (res[i].khz == 0 && !res[i].dead)
			hlog("warning: tsc: %s: only %u of %u windows of %d ms undisturbed (%u refused)", refs[i].name,
			     res[i].accepted, TSCCAL_WINDOWS, TSCCAL_WINDOW_MS, res[i].refused);
	}
}

/* "PIT channel 2 2095938 (2095911-2095960, 1 refused)" for each measured reference. */
static void describe(const struct tsccal_ref *refs, const struct tsccal_result *res, char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < NREFS && k < n; i++)
		if (res[i].khz)
			k += (size_t)fmt_snprintf(buf + k, n - k, "%s%s %lu (%lu-%lu, %u refused)", k ? ", " : "",
						  refs[i].name, res[i].khz, res[i].min_khz, res[i].max_khz, res[i].refused);
}

/* The measured rate: the references' consensus, measured again once when they disagree; if they still do, the one
 * whose windows spread least. 0 when no reference counted. */
static uint64_t measured_khz(char *how, size_t n)
{
	struct tsccal_ref refs[NREFS] = { 0 };
	struct tsccal_result res[NREFS];
	static char hpet_name[64];
	if (hpet_usable()) {
		fmt_snprintf(hpet_name, sizeof(hpet_name), "HPET at 0x%lx (%lu fs/tick)", acpi.hpet_address,
			     hpet_period_fs);
		refs[REF_HPET] = (struct tsccal_ref){ hpet_name, 1000000000000000ull / hpet_period_fs, 0xffffffffu, 0, NULL,
						      hpet_read, read_tsc, NULL };
	}
	if (pm_tmr_usable())
		refs[REF_PM] = (struct tsccal_ref){ "ACPI PM timer", PM_TMR_HZ, acpi.pm_tmr_32bit ? 0xffffffffu : 0xffffffu,
						    0, NULL, pm_tmr_read, read_tsc, NULL };
	refs[REF_PIT] = (struct tsccal_ref){ "PIT channel 2", PIT_HZ, 0xffff, 1, pit_latch, pit_read, read_tsc, NULL };

	for (int attempt = 0; attempt < 2; attempt++) {
		uint64_t khz[NREFS];
		unsigned outvoted, count = 0;
		measure_all(refs, res);
		for (int i = 0; i < NREFS; i++)
			khz[i] = res[i].khz, count += res[i].khz != 0;
		uint64_t c = tsccal_consensus(khz, NREFS, &outvoted);
		char list[192];
		describe(refs, res, list, sizeof(list));
		if (!count)
			return 0;
		if (c) {
			fmt_snprintf(how, n, "median of %d windows of %d ms against %s%s", TSCCAL_WINDOWS, TSCCAL_WINDOW_MS,
				     list, outvoted ? "; one outvoted" : "");
			if (outvoted)
				hlog("warning: tsc: the references disagree: %s; using the majority", list);
			return c;
		}
		hlog("warning: tsc: the references disagree by more than %d ppm: %s%s", TSCCAL_AGREE_PPM, list,
		     attempt ? "" : "; measuring again");
	}
	int best = -1; /* still no majority: the reference whose own windows agree best */
	for (int i = 0; i < NREFS; i++)
		if (res[i].khz && (best < 0 || (res[i].max_khz - res[i].min_khz) * res[best].khz <
						       (res[best].max_khz - res[best].min_khz) * res[i].khz))
			best = i;
	fmt_snprintf(how, n, "%s alone, median of %d windows of %d ms: the references disagree", refs[best].name,
		     TSCCAL_WINDOWS, TSCCAL_WINDOW_MS);
	return res[best].khz;
}

void tsc_calibrate(void)
{
	report_invariant();
	char how[128], mhow[320];
	uint64_t stated = stated_khz(how, sizeof(how));
	uint64_t measured = measured_khz(mhow, sizeof(mhow));

	if (stated) {
		if (!measured) {
			tsc_khz = stated;
			hlog("tsc_khz=%lu (%s; no timer to cross-check)", tsc_khz, how);
			return;
		}
		uint64_t diff = stated > measured ? stated - measured : measured - stated;
		if (diff * 100 <= stated * CROSSCHECK_PERCENT) {
			tsc_khz = stated;
			hlog("tsc_khz=%lu (%s; measured %lu)", tsc_khz, how, measured);
			return;
		}
		hlog("warning: tsc: %s gives %lu kHz but the timers measured %lu kHz; using the measurement", how, stated,
		     measured);
	}
	if (measured) {
		tsc_khz = measured;
		hlog("tsc_khz=%lu (%s)", tsc_khz, mhow);
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
