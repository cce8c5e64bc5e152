/* tsc.c — TSC calibration against the 8254 PIT channel 2 (gate and OUT via port 61h, mode 0 one-shot). */
#include "hvmm/tsc.h"

#include "hvmm/console.h"
#include "hvmm/x86.h"

#define PIT_HZ 1193182ull
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61 /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 OUT */
#define CAL_MS 20
#define CAL_ROUNDS 3

uint64_t tsc_khz;

/* One measurement: TSC cycles elapsed while PIT channel 2 counts CAL_MS milliseconds. */
static uint64_t measure_once(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CAL_MS / 1000);
	uint8_t b = inb(PORT_B);
	outb(PORT_B, (b & ~0x02) & ~0x01); /* speaker off, gate low */
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01); /* gate high: start counting */
	uint64_t t0 = rdtsc();
	for (uint64_t spins = 0; !(inb(PORT_B) & 0x20); spins++)
		if (spins > 100000000ull)
			return 0; /* no PIT */
	return rdtsc() - t0;
}

void tsc_calibrate(void)
{
	uint64_t best = 0;
	for (int i = 0; i < CAL_ROUNDS; i++) {
		uint64_t c = measure_once();
		if (c && (!best || c < best))
			best = c; /* the shortest is the least disturbed */
	}
	if (!best) {
		tsc_khz = 1000000; /* assume 1 GHz rather than divide by zero */
		hlog("warning: PIT channel 2 did not count; assuming tsc_khz=%lu", tsc_khz);
		return;
	}
	tsc_khz = best / CAL_MS;
	hlog("tsc_khz=%lu (calibrated against PIT channel 2 over %d ms)", tsc_khz, CAL_MS);
}

uint64_t tsc_to_ns(uint64_t cycles)
{
	if (!tsc_khz)
		return 0;
	return cycles / tsc_khz * 1000000u + cycles % tsc_khz * 1000000u / tsc_khz;
}
