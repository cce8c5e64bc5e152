/* SPDX-License-Identifier: MIT */
/* caltime.h — Unix time (seconds since 1970-01-01 00:00:00 UTC) to and from a proleptic Gregorian date and time. */
#ifndef HVMM_CALTIME_H
#define HVMM_CALTIME_H
#include <stdint.h>

struct caltime {
	int32_t year; /* e.g. 2026 */
	uint8_t month; /* 1-12 */
	uint8_t day; /* 1-31 */
	uint8_t hour, min, sec; /* 0-23, 0-59, 0-59 */
	uint8_t wday; /* day of the week, 1 = Sunday ... 7 = Saturday (the MC146818 convention) */
};

/* The date and time of Unix time t (t >= 0). */
void caltime_from_unix(uint64_t t, struct caltime *out);
/* Unix time of c (fields taken as given: an out-of-range month or day is folded arithmetically; year >= 1970). */
uint64_t caltime_to_unix(const struct caltime *c);

#endif
