/* SPDX-License-Identifier: MIT */
/*
 * lapic.c — this CPU's own local APIC: enable it in xAPIC (MMIO) or x2APIC (MSR) mode, mask its LVTs, calibrate and
 * run the one-shot timer, send IPIs. APM Vol. 2 §16.3 (enabling), §16.4.1 (timer), §16.5 (IPIs through the ICR),
 * §16.11 (x2APIC: register at MMIO offset R is MSR 800h + R/16; ID is all 32 bits of MSR 802h; the ICR is the one
 * 64-bit MSR 830h with the destination in bits 63:32; EXTD = APIC_BASE bit 10).
 *
 * Mode: firmware may hand over the APIC in x2APIC mode (EXTD = 1), where the MMIO page is not decoded; hvmm then
 * stays in x2APIC mode. apic=xapic / apic=x2apic (docs/cmdline.md) force a mode: x2APIC needs CPUID 1 ECX[21], and
 * leaving x2APIC goes through the disabled state (EN = EXTD = 0), the only legal way back (§16.11.1).
 */
#include "hvmm/x86/lapic.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/pcregs.h"
#include "hvmm/core/console.h"
#include "hvmm/x86/desc.h"

#define APIC_BASE_EXTD (1ull << 10) /* APIC_BASE MSR: x2APIC mode */
#define APIC_BASE_ENABLE (1ull << 11) /* APIC_BASE MSR: APIC global enable */
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull
#define CPUID1_ECX_X2APIC (1u << 21)
#define X2APIC_MSR_BASE 0x800u

/* Register offsets (APM Table 16-2). */
#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define TIMER_DIV_16 0x3
#define CALIBRATE_MS 10
#define X2APIC_MSR_ICR 0x830u
#define ICR_DELIVERY_PENDING (1u << 12) /* xAPIC delivery status: the IPI is not sent yet */
#define ICR_SEND_SPINS 1000000

static uint64_t lapic_base;
static int lapic_x2apic;
uint64_t lapic_eoi_reg; /* xAPIC: address of the EOI register, for isr.S's timer handler; x2APIC: 0 */
volatile uint32_t *lapic_timer_init_reg; /* xAPIC: the timer's initial-count register (lapic.h); x2APIC: NULL */

static uint32_t lapic_read(uint32_t reg)
{
	return lapic_x2apic ? (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16) : (uint32_t)mmio_read32(lapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (lapic_x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, v);
	else
		mmio_write32(lapic_base + reg, v);
}

/* Put the APIC in the mode mode asks for (or firmware's), returning 1 for x2APIC; says why when it cannot. */
static int choose_mode(enum lapic_mode mode, uint64_t msr)
{
	int has_x2apic = (cpuid(1, 0).ecx & CPUID1_ECX_X2APIC) != 0;
	int firmware_x2apic = (msr & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) == (APIC_BASE_ENABLE | APIC_BASE_EXTD);
	if (mode == LAPIC_MODE_X2APIC && !has_x2apic) {
		hlog("warning: apic=x2apic but the CPU has no x2APIC (CPUID 1 ECX[21]); using xAPIC");
		mode = LAPIC_MODE_XAPIC;
	}
	if (mode == LAPIC_MODE_X2APIC || (mode == LAPIC_MODE_AUTO && firmware_x2apic)) {
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE | APIC_BASE_EXTD); /* xAPIC -> x2APIC is allowed directly */
		if ((rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD))
			return 1;
		hlog("warning: APIC_BASE.EXTD did not stick; using xAPIC");
	}
	if (msr & APIC_BASE_EXTD) /* x2APIC -> xAPIC only through the disabled state */
		wrmsr(MSR_APIC_BASE, msr & ~(APIC_BASE_ENABLE | APIC_BASE_EXTD));
	wrmsr(MSR_APIC_BASE, (msr & ~APIC_BASE_EXTD) | APIC_BASE_ENABLE);
	return 0;
}

/* Software-enable this CPU's APIC (SVR), TPR 0, LINT0/1 and error masked, timer masked, divide by 16. */
static void lapic_setup(void)
{
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
}

uint32_t lapic_init(uint64_t tsc_khz, enum lapic_mode mode)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	int firmware_x2apic = (msr & APIC_BASE_EXTD) != 0;
	lapic_x2apic = choose_mode(mode, msr);
	lapic_base = msr & APIC_BASE_ADDR_MASK;
	lapic_eoi_reg = lapic_x2apic ? 0 : lapic_base + LAPIC_EOI;
	lapic_timer_init_reg = lapic_x2apic ? NULL : (volatile uint32_t *)(lapic_base + LAPIC_TIMER_INIT);
	lapic_setup();

	/* Count down from the maximum for CALIBRATE_MS of TSC time (masked: no interrupt). */
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	uint64_t t0 = rdtsc(), wait = tsc_khz * CALIBRATE_MS;
	while (rdtsc() - t0 < wait)
		pause();
	uint32_t elapsed = 0xffffffffu - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	uint32_t per_ms = elapsed / CALIBRATE_MS;
	if (per_ms == 0)
		per_ms = 1;
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
	uint32_t id = lapic_read(LAPIC_ID);
	hlog("lapic mode=%s (firmware left %s%s) id=%u base=0x%lx timer=%u ticks/ms (divide by 16, calibrated against "
	     "the TSC)",
	     lapic_x2apic ? "x2apic" : "xapic", firmware_x2apic ? "x2apic" : "xapic",
	     mode == LAPIC_MODE_AUTO ? "" : mode == LAPIC_MODE_X2APIC ? ", apic=x2apic" : ", apic=xapic",
	     lapic_x2apic ? id : id >> 24, lapic_base, per_ms);
	return per_ms;
}

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

void lapic_init_ap(void)
{
	/* The BSP's mode: an AP leaves INIT in xAPIC mode with its APIC enabled; its register addresses are the BSP's. */
	choose_mode(lapic_x2apic ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC, rdmsr(MSR_APIC_BASE));
	lapic_setup();
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
}

int lapic_is_x2apic(void) { return lapic_x2apic; }

uint32_t lapic_id(void) { return lapic_x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24; }

int lapic_send_ipi(uint32_t apic_id, uint32_t icr)
{
	if (lapic_x2apic) { /* one WRMSR sends it; x2APIC has no delivery-status bit (APM §16.11) */
		wrmsr(X2APIC_MSR_ICR, ((uint64_t)apic_id << 32) | icr);
		return 0;
	}
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr); /* this write sends it */
	for (unsigned i = 0; i < ICR_SEND_SPINS; i++) {
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING))
			return 0;
		pause();
	}
	return -1;
}
