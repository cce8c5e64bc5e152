/* lapic.c — local APIC (xAPIC MMIO) setup and one-shot timer. APM Vol. 2 §16.3 (enabling), §16.4.1 (timer). */
#include "hvmm/x86/lapic.h"

#include "hvmm/core/arch.h"
#include "hvmm/core/console.h"
#include "hvmm/x86/desc.h"

#define APIC_BASE_ENABLE (1ull << 11) /* APIC_BASE MSR: xAPIC global enable */
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull

/* Register offsets (APM Table 16-2). */
#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LVT_MASKED (1u << 16)
#define SVR_ENABLE (1u << 8)
#define TIMER_DIV_16 0x3
#define CALIBRATE_MS 10

static uint64_t lapic_base;
uint64_t lapic_eoi_reg; /* address of the EOI register, for isr.S's timer handler */
volatile uint32_t *lapic_timer_init_reg; /* the timer's initial-count register (lapic.h) */

static uint32_t lapic_read(uint32_t reg) { return (uint32_t)mmio_read32(lapic_base + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(lapic_base + reg, v); }

uint32_t lapic_init(uint64_t tsc_khz)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	lapic_base = msr & APIC_BASE_ADDR_MASK;
	lapic_eoi_reg = lapic_base + LAPIC_EOI;
	lapic_timer_init_reg = (volatile uint32_t *)(lapic_base + LAPIC_TIMER_INIT);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);

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
	hlog("lapic id=%u base=0x%lx timer=%u ticks/ms (divide by 16, calibrated against the TSC)",
	     lapic_read(LAPIC_ID) >> 24, lapic_base, per_ms);
	return per_ms;
}


void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
