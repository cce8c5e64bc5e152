/* SPDX-License-Identifier: MIT */
/*
 * fbcon.c — text console on a linear framebuffer. The text lives in a character grid; text[] is what the screen
 * should show and shown[] what is drawn, and flush() redraws only the cells that differ, so scrolling (a move of the
 * grid) costs the glyphs that change, never a read of video memory (which may be mapped uncached and slow).
 *
 * Colours are greys (equal red, green and blue), so the pixel's channel order does not matter and the MBI's colour
 * field positions are not needed: every channel byte of a pixel gets the same value.
 */
#include "hvmm/core/fbcon.h"

#include <string.h>

#define COLS_MAX 480 /* 3840 pixels of an 8-pixel font */
#define ROWS_MAX 160
#define GREY_FG 0xaa /* text: light grey on black, like VGA text */
#define GREY_BG 0x00
#define GREY_STATUS_FG 0x00 /* status line: black on light grey */
#define GREY_STATUS_BG 0xc0

static struct {
	int active;
	uint8_t *base; /* VA = PA */
	uint32_t pitch, width, height, bytespp;
	unsigned fw, fh; /* glyph size */
	unsigned cols, rows; /* text area, in characters (the status line is below it) */
	unsigned row, col; /* where the next character goes */
	int status_owned; /* fbcon_status has been called */
	uint8_t row_dirty[ROWS_MAX];
	char text[ROWS_MAX][COLS_MAX];
	char shown[ROWS_MAX][COLS_MAX];
	char status[COLS_MAX], status_shown[COLS_MAX];
} fb;

/* Fill n pixels at p with grey level v. */
static void fill_px(uint8_t *p, unsigned n, uint8_t v)
{
	if (fb.bytespp == 4) {
		volatile uint32_t *q = (volatile uint32_t *)p;
		uint32_t px = v * 0x01010101u;
		for (unsigned i = 0; i < n; i++)
			q[i] = px;
	} else {
		volatile uint8_t *q = p;
		for (unsigned i = 0; i < n * 3; i++)
			q[i] = v;
	}
}

/* Draw character c with its top-left pixel at (x, y). */
static void draw_glyph(unsigned x, unsigned y, char c, uint8_t fg, uint8_t bg)
{
	unsigned idx = (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? (unsigned)c - 0x20 : '?' - 0x20;
	const uint16_t *g = fbcon_font[idx];
	for (unsigned r = 0; r < fb.fh; r++) {
		uint8_t *p = fb.base + (uint64_t)(y + r) * fb.pitch + (uint64_t)x * fb.bytespp;
		uint16_t bits = g[r];
		if (fb.bytespp == 4) {
			volatile uint32_t *q = (volatile uint32_t *)p;
			uint32_t on = fg * 0x01010101u, off = bg * 0x01010101u;
			for (unsigned i = 0; i < fb.fw; i++)
				q[i] = (bits >> (fb.fw - 1 - i)) & 1 ? on : off;
		} else {
			volatile uint8_t *q = p;
			for (unsigned i = 0; i < fb.fw; i++) {
				uint8_t v = (bits >> (fb.fw - 1 - i)) & 1 ? fg : bg;
				q[3 * i] = v;
				q[3 * i + 1] = v;
				q[3 * i + 2] = v;
			}
		}
	}
}

/* Redraw the cells of dirty rows whose character changed since they were drawn. */
static void flush(void)
{
	for (unsigned r = 0; r < fb.rows; r++) {
		if (!fb.row_dirty[r])
			continue;
		fb.row_dirty[r] = 0;
		for (unsigned c = 0; c < fb.cols; c++) {
			if (fb.text[r][c] == fb.shown[r][c])
				continue;
			draw_glyph(c * fb.fw, r * fb.fh, fb.text[r][c], GREY_FG, GREY_BG);
			fb.shown[r][c] = fb.text[r][c];
		}
	}
}

static void newline(void)
{
	fb.col = 0;
	if (fb.row + 1 < fb.rows) {
		fb.row++;
		return;
	}
	memmove(fb.text[0], fb.text[1], (size_t)(fb.rows - 1) * sizeof(fb.text[0]));
	memset(fb.text[fb.rows - 1], ' ', sizeof(fb.text[0]));
	memset(fb.row_dirty, 1, fb.rows);
}

static void put(char c)
{
	if (c == '\n') {
		newline();
		return;
	}
	if (c == '\r')
		return;
	if (c == '\t') {
		do
			put(' ');
		while (fb.col % 8 && fb.col != 0);
		return;
	}
	if (fb.col == fb.cols)
		newline();
	fb.text[fb.row][fb.col++] = (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?';
	fb.row_dirty[fb.row] = 1;
}

int fbcon_init(const struct mb2_framebuffer *f, const char **why)
{
	if (f->type != 1) {
		*why = f->type == 2 ? "EGA text, not a linear framebuffer" : "indexed colour, not RGB";
		return -1;
	}
	if (f->bpp != 32 && f->bpp != 24) {
		*why = "not 24 or 32 bits per pixel";
		return -1;
	}
	if (f->addr == 0 || f->width == 0 || f->height == 0 || f->pitch < f->width * (f->bpp / 8u)) {
		*why = "implausible geometry";
		return -1;
	}
	/* boot.S identity-maps only the first 4 GiB. */
	if (f->addr >= (1ull << 32) || (uint64_t)f->pitch * f->height > (1ull << 32) - f->addr) {
		*why = "above 4 GiB (outside hvmm's identity map)";
		return -1;
	}
	if (fbcon_font_width == 0 || fbcon_font_width > 16 || fbcon_font_height == 0 ||
	    fbcon_font_height > FBCON_FONT_HMAX || f->height < 2 * fbcon_font_height || f->width < fbcon_font_width) {
		*why = "screen too small for the font";
		return -1;
	}
	fb.base = (uint8_t *)(uintptr_t)f->addr;
	fb.pitch = f->pitch;
	fb.width = f->width;
	fb.height = f->height;
	fb.bytespp = f->bpp / 8u;
	fb.fw = fbcon_font_width;
	fb.fh = fbcon_font_height;
	fb.cols = fb.width / fb.fw < COLS_MAX ? fb.width / fb.fw : COLS_MAX;
	fb.rows = fb.height / fb.fh - 1 < ROWS_MAX ? fb.height / fb.fh - 1 : ROWS_MAX;
	fb.row = fb.col = 0;
	memset(fb.text, ' ', sizeof(fb.text));
	memset(fb.shown, ' ', sizeof(fb.shown));
	memset(fb.status, ' ', sizeof(fb.status));
	memset(fb.status_shown, 0, sizeof(fb.status_shown)); /* draw the status bar on the first update */
	for (uint32_t y = 0; y < fb.height; y++)
		fill_px(fb.base + (uint64_t)y * fb.pitch, fb.width, GREY_BG);
	fb.active = 1;
	return 0;
}

int fbcon_active(void) { return fb.active; }
unsigned fbcon_cols(void) { return fb.active ? fb.cols : 0; }
unsigned fbcon_rows(void) { return fb.active ? fb.rows : 0; }

void fbcon_write(const char *s, size_t n)
{
	if (!fb.active)
		return;
	for (size_t i = 0; i < n; i++)
		put(s[i]);
	flush();
}

static void status_draw(const char *text)
{
	size_t n = strlen(text);
	for (unsigned c = 0; c < fb.cols; c++)
		fb.status[c] = c < n && (unsigned char)text[c] >= 0x20 && (unsigned char)text[c] < 0x7f ? text[c] : ' ';
	unsigned y = fb.height - fb.fh; /* the bottom character row of the screen */
	for (unsigned c = 0; c < fb.cols; c++) {
		if (fb.status[c] == fb.status_shown[c])
			continue;
		draw_glyph(c * fb.fw, y, fb.status[c], GREY_STATUS_FG, GREY_STATUS_BG);
		fb.status_shown[c] = fb.status[c];
	}
}

void fbcon_status(const char *text)
{
	fb.status_owned = 1;
	if (fb.active)
		status_draw(text);
}

void fbcon_status_default(const char *text)
{
	if (fb.active && !fb.status_owned)
		status_draw(text);
}
