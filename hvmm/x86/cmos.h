/* SPDX-License-Identifier: MIT */
/* cmos.h — the machine's real-time clock (MC146818-compatible CMOS at ports 0x70/0x71), read once at boot. */
#ifndef HVMM_CMOS_H
#define HVMM_CMOS_H
#include <stdint.h>

/* The RTC's date and time as Unix seconds (the RTC is taken to hold UTC), or 0 if it reads as nonsense. */
uint64_t cmos_read_unix(void);

#endif
