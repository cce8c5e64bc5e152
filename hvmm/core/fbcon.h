/* SPDX-License-Identifier: MIT */
/*
 * fbcon.h — text console on a linear framebuffer (multiboot2 framebuffer tag type 1, RGB, 32 or 24 bits per pixel):
 * a scrolling text area drawn with a built-in bitmap font, and one status line at the bottom of the screen.
 */
#ifndef HVMM_FBCON_H
#define HVMM_FBCON_H
#include <stddef.h>
#include <stdint.h>

#include "mb2.h"

/* The font, generated at build time by tools/font2c from a PSF console font (build/gen/fbcon_font.c). */
#define FBCON_FONT_GLYPHS 95 /* code points 0x20..0x7e */
#define FBCON_FONT_HMAX 32 /* rows per glyph, at most */
extern const unsigned fbcon_font_width, fbcon_font_height; /* pixels; width <= 16 */
/* Glyph of code point 0x20 + i; bit (width - 1 - x) of row y lights pixel (x, y). */
extern const uint16_t fbcon_font[FBCON_FONT_GLYPHS][FBCON_FONT_HMAX];

/*
 * Take over the framebuffer fb (already identity-mapped: it must lie below 4 GiB): clear it and start drawing.
 * Returns 0, or -1 with a static reason in *why (nothing is drawn then).
 */
int fbcon_init(const struct mb2_framebuffer *fb, const char **why);
/* 1 once fbcon_init succeeded. */
int fbcon_active(void);
/* Text area size in characters (0 before fbcon_init). */
unsigned fbcon_cols(void);
unsigned fbcon_rows(void);
/* Draw n bytes of console text ('\n' ends a line, '\t' advances to a multiple of 8, other controls show as '?'). */
void fbcon_write(const char *s, size_t n);
/* Show text (one line, cut at the screen width) in the status line; the caller owns the status line from then on. */
void fbcon_status(const char *text);
/* As fbcon_status, but ignored once anyone has called fbcon_status (console.c's fallback status). */
void fbcon_status_default(const char *text);

#endif
