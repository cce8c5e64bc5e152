/* Parsing and validation of the multiboot v1 boot information (specification 0.6.96, §3.3) inside a window of
 * physical memory. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mb1.h"

#define MMAP_RECORD_MIN 20 /* a record's size field counts base_addr, length and type: 8 + 8 + 4 bytes */

/* Little-endian loads from a byte array of any alignment (the caller has checked the bounds). */
static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

/* The bytes at physical [pa, pa + n) inside the window, or NULL when any of them lies outside it. */
static const uint8_t *at(const struct mb1_window *w, uint64_t pa, uint64_t n)
{
	if (pa < w->pa || n > w->len || pa - w->pa > w->len - n)
		return NULL;
	return w->base + (pa - w->pa);
}

/* The NUL-terminated string at physical pa, or NULL when it does not end inside the window. */
static const char *string_at(const struct mb1_window *w, uint64_t pa)
{
	const uint8_t *s = at(w, pa, 1);
	if (!s)
		return NULL;
	uint64_t room = w->len - (pa - w->pa);
	return strnlen((const char *)s, room) < room ? (const char *)s : NULL;
}

/* Validate the boot information into *out (see mb1.h); return a reason, or NULL when it is acceptable. */
static const char *parse(const struct mb1_window *w, uint64_t info_pa, struct mb1_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!w || !w->base)
		return "no memory window";
	const uint8_t *b = at(w, info_pa, sizeof(struct mb1_info_raw));
	if (!b)
		return "boot information not readable";
	uint32_t flags = ld32(b + offsetof(struct mb1_info_raw, flags));
	out->flags = flags;
	if (flags & MB1_INFO_MEMORY) {
		out->mem_lower = ld32(b + offsetof(struct mb1_info_raw, mem_lower));
		out->mem_upper = ld32(b + offsetof(struct mb1_info_raw, mem_upper));
	}
	if (flags & MB1_INFO_CMDLINE) {
		out->cmdline = string_at(w, ld32(b + offsetof(struct mb1_info_raw, cmdline)));
		if (!out->cmdline)
			return "command line not NUL-terminated in readable memory";
	}
	if (flags & MB1_INFO_LOADER_NAME) {
		out->loader_name = string_at(w, ld32(b + offsetof(struct mb1_info_raw, boot_loader_name)));
		if (!out->loader_name)
			return "boot loader name not NUL-terminated in readable memory";
	}
	if (flags & MB1_INFO_MODS) {
		uint32_t count = ld32(b + offsetof(struct mb1_info_raw, mods_count));
		uint32_t addr = ld32(b + offsetof(struct mb1_info_raw, mods_addr));
		const uint8_t *m = at(w, addr, (uint64_t)count * sizeof(struct mb1_module));
		if (!m)
			return "module array not readable";
		for (uint32_t i = 0; i < count; i++, m += sizeof(struct mb1_module)) {
			uint32_t start = ld32(m + offsetof(struct mb1_module, mod_start));
			uint32_t end = ld32(m + offsetof(struct mb1_module, mod_end));
			uint32_t str = ld32(m + offsetof(struct mb1_module, string));
			if (start > end)
				return "module with mod_start > mod_end";
			const char *s = str ? string_at(w, str) : "";
			if (!s)
				return "module command line not NUL-terminated in readable memory";
			if (out->nmod < MB1_MAX_MODULES) {
				out->mod[out->nmod].mod_start = start;
				out->mod[out->nmod].mod_end = end;
				out->mod[out->nmod].cmdline = s;
				out->nmod++;
			} else {
				out->nmod_dropped++;
			}
		}
	}
	if (flags & MB1_INFO_MMAP) {
		uint32_t len = ld32(b + offsetof(struct mb1_info_raw, mmap_length));
		uint32_t addr = ld32(b + offsetof(struct mb1_info_raw, mmap_addr));
		const uint8_t *m = at(w, addr, len);
		if (!m)
			return "memory map not readable";
		/* §3.3: records of size + 4 bytes each; a partial record at the end is refused, not guessed at */
		uint64_t off = 0;
		uint32_t n = 0;
		while (off < len) {
			if (len - off < 4)
				return "memory map ends inside a record's size field";
			uint32_t size = ld32(m + off);
			if (size < MMAP_RECORD_MIN)
				return "memory map record smaller than 20 bytes";
			if (size > len - off - 4)
				return "memory map record extends beyond mmap_length";
			off += (uint64_t)size + 4;
			n++;
		}
		out->mmap = m;
		out->mmap_count = n;
	}
	if (flags & MB1_INFO_FRAMEBUFFER) {
		out->has_fb = 1;
		out->fb_addr = ld64(b + offsetof(struct mb1_info_raw, framebuffer_addr));
		out->fb_pitch = ld32(b + offsetof(struct mb1_info_raw, framebuffer_pitch));
		out->fb_width = ld32(b + offsetof(struct mb1_info_raw, framebuffer_width));
		out->fb_height = ld32(b + offsetof(struct mb1_info_raw, framebuffer_height));
		out->fb_bpp = b[offsetof(struct mb1_info_raw, framebuffer_bpp)];
		out->fb_type = b[offsetof(struct mb1_info_raw, framebuffer_type)];
	}
	return NULL;
}

int mb1_parse(const struct mb1_window *w, uint64_t info_pa, struct mb1_info *out, const char **why)
{
	const char *reason = parse(w, info_pa, out);

	if (why)
		*why = reason;
	return reason ? -1 : 0;
}

void mb1_mmap_get(const struct mb1_info *info, uint32_t i, uint64_t *base, uint64_t *length, uint32_t *type)
{
	*base = *length = 0;
	*type = 0;
	if (!info->mmap || i >= info->mmap_count) /* outside the contract: an empty record rather than a read */
		return;
	const uint8_t *p = info->mmap;
	for (uint32_t k = 0; k < i; k++) /* mb1_parse checked every record's size */
		p += (size_t)ld32(p) + 4;
	*base = ld64(p + offsetof(struct mb1_mmap_entry, base_addr));
	*length = ld64(p + offsetof(struct mb1_mmap_entry, length));
	*type = ld32(p + offsetof(struct mb1_mmap_entry, type));
}

const char *mb1_cmdline_args(const char *cmdline)
{
	const char *p = cmdline;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}
