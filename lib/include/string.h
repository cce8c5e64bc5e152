/* SPDX-License-Identifier: MIT */
/* Freestanding <string.h> for hvmm and its guests (host builds use libc's). Implemented in lib/string.c. */
#ifndef HVMM_LIB_STRING_H
#define HVMM_LIB_STRING_H
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* Copy at most size-1 bytes of src into dst, always NUL-terminate (size > 0); return strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
