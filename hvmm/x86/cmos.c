/* SPDX-License-Identifier: MIT */
/*
 * cmos.c — read the real RTC once (MC146818 datasheet): wait for the update-in-progress bit to clear, read the time
 * registers until two reads agree, decode BCD or binary and 12- or 24-hour mode from status register B. The virtual
 * RTCs of guests start from this time (vdev/rtc.c).
 */
#include "hvmm/x86/cmos.h"

#include "caltime.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/pcregs.h"

#define NMI_DISABLE 0x80 /* keep NMIs masked while the index is set */

static uint8_t cmos_get(uint8_t reg)
{
	outb(CMOS_INDEX, NMI_DISABLE | reg);
	return inb(CMOS_DATA);
}

static void snapshot(uint8_t r[8])
{
	static const uint8_t regs[8] = { RTC_SEC, RTC_MIN, RTC_HOUR, RTC_DAY, RTC_MONTH, RTC_YEAR, CMOS_CENTURY, RTC_REG_B };
	for (unsigned spin = 0; spin < 1000000 && (cmos_get(RTC_REG_A) & RTC_A_UIP); spin++)
		;
	for (unsigned i = 0; i < 8; i++)
		r[i] = cmos_get(regs[i]);
}

static unsigned bcd(uint8_t v, int binary) { return binary ? v : (v >> 4) * 10 + (v & 0xf); }

uint64_t cmos_read_unix(void)
{
	uint8_t a[8], b[8];
	int same = 0;
	snapshot(a);
	for (int tries = 0; tries < 5 && !same; tries++) {
		snapshot(b);
		same = 1;
		for (unsigned i = 0; i < 8; i++)
			same &= a[i] == b[i];
		for (unsigned i = 0; i < 8; i++)
			a[i] = b[i];
	}
	int bin = (a[7] & RTC_B_DM_BINARY) != 0;
	unsigned hour = bcd(a[2] & (uint8_t)~RTC_HOUR_PM, bin);
	if (!(a[7] & RTC_B_24H)) { /* 12-hour mode: 12 means 0 */
		hour %= 12;
		if (a[2] & RTC_HOUR_PM)
			hour += 12;
	}
	unsigned century = bcd(a[6], bin);
	if (century < 19 || century > 30)
		century = 20;
	struct caltime c = { .year = (int32_t)(century * 100 + bcd(a[5], bin)), .month = (uint8_t)bcd(a[4], bin),
			     .day = (uint8_t)bcd(a[3], bin), .hour = (uint8_t)hour, .min = (uint8_t)bcd(a[1], bin),
			     .sec = (uint8_t)bcd(a[0], bin) };
	if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > 31 || c.hour > 23 || c.min > 59 || c.sec > 59)
		return 0;
	return caltime_to_unix(&c);
}
