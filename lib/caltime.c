/* SPDX-License-Identifier: MIT */
/*
 * caltime.c — civil date arithmetic for the virtual RTC: days since 1970-01-01 to year/month/day and back, in the
 * proleptic Gregorian calendar (era = 400 years = 146097 days; years counted from March so the leap day is last).
 */
#include "caltime.h"

#define SECS_PER_DAY 86400u
#define DAYS_1970_FROM_0000_03_01 719468u /* days from 0000-03-01 to 1970-01-01 */

void caltime_from_unix(uint64_t t, struct caltime *out)
{
	uint64_t days = t / SECS_PER_DAY, s = t % SECS_PER_DAY;
	out->hour = (uint8_t)(s / 3600);
	out->min = (uint8_t)(s / 60 % 60);
	out->sec = (uint8_t)(s % 60);
	out->wday = (uint8_t)((days + 4) % 7 + 1); /* 1970-01-01 was a Thursday (5) */

	uint64_t z = days + DAYS_1970_FROM_0000_03_01;
	uint64_t era = z / 146097, doe = z % 146097; /* day of era */
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* year of era, 0-399 */
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* day of the March-based year, 0-365 */
	uint64_t mp = (5 * doy + 2) / 153; /* March = 0 */
	out->day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	out->month = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
	out->year = (int32_t)(yoe + era * 400 + (out->month <= 2));
}

uint64_t caltime_to_unix(const struct caltime *c)
{
	int64_t y = c->year, m = c->month ? c->month : 1;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	y -= m <= 2;
	int64_t era = y / 400, yoe = y - era * 400;
	int64_t mp = m > 2 ? m - 3 : m + 9;
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)c->day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - DAYS_1970_FROM_0000_03_01;
	if (days < 0)
		return 0;
	return (uint64_t)days * SECS_PER_DAY + (uint64_t)c->hour * 3600 + (uint64_t)c->min * 60 + c->sec;
}
