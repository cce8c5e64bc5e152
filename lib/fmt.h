/* SPDX-License-Identifier: MIT */
/* Formatted printing into a buffer (freestanding subset of C99 snprintf). */
#ifndef HVMM_LIB_FMT_H
#define HVMM_LIB_FMT_H
#include <stdarg.h>
#include <stddef.h>

/*
 * Format like C99 vsnprintf into buf[0..size): writes at most size-1 characters and a NUL (when size > 0),
 * and returns the length the full output would have had (bytes, without the NUL).
 * Conversions: %% %c %s %d %i %u %x %X %o %p; flags '-' '0' '+' ' ' '#'; width and precision (also '*');
 * length modifiers hh h l ll z t j. %s of NULL prints "(null)". An unknown conversion is copied literally.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
