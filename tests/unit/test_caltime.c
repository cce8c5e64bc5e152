/* SPDX-License-Identifier: MIT */
/* Host unit tests of lib/caltime.c: Unix time <-> Gregorian date, checked against the host's gmtime/timegm. */
#define _DEFAULT_SOURCE
#define UNIT_MODULE "caltime"
#include <stdint.h>
#include <time.h>

#include "caltime.h"
#include "unit.h"

int main(void)
{
	struct caltime c;
	caltime_from_unix(0, &c);
	CHECK(c.year == 1970 && c.month == 1 && c.day == 1 && c.hour == 0 && c.wday == 5, "epoch is Thu 1970-01-01");
	caltime_from_unix(951782400, &c); /* 2000-02-29 */
	CHECK(c.year == 2000 && c.month == 2 && c.day == 29, "leap day 2000-02-29");
	caltime_from_unix(4107542399ull, &c); /* 2100-02-28 23:59:59, 2100 is no leap year */
	CHECK(c.year == 2100 && c.month == 2 && c.day == 28 && c.sec == 59, "2100-02-28 23:59:59");
	CHECK(caltime_to_unix(&(struct caltime){ 2100, 3, 1, 0, 0, 0, 0 }) == 4107542400ull, "2100-03-01 follows");

	uint64_t rng = 12345, bad = 0, n = 0;
	for (int i = 0; i < 200000; i++) {
		uint64_t t = unit_random(&rng) % 8000000000ull; /* up to year 2223 */
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		caltime_from_unix(t, &c);
		n++;
		if (c.year != tm.tm_year + 1900 || c.month != tm.tm_mon + 1 || c.day != tm.tm_mday || c.hour != tm.tm_hour ||
		    c.min != tm.tm_min || c.sec != tm.tm_sec || c.wday != tm.tm_wday + 1 || caltime_to_unix(&c) != t)
			bad++;
	}
	CHECK(bad == 0, "%lu random times agree with gmtime and round-trip (%lu bad)", (unsigned long)n,
	      (unsigned long)bad);
	return unit_done();
}
