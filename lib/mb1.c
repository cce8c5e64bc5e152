/* SPDX-License-Identifier: MIT */
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
			mb_module_keep(out->mod, MB1_MAX_MODULES, &out->nmod, &out->nmod_dropped, start, end, s);
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

/* ---- the OS image (§3.1) ---- */

#define EM_386 3
#define ET_EXEC 2
#define PT_LOAD 1
#define ELF32_EHDR 52
#define ELF32_PHDR 32
#define MB1_HDR_KNOWN (MB1_HDR_PAGE_ALIGN | MB1_HDR_MEMORY_INFO | MB1_HDR_VIDEO_MODE)

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The free RAM a segment may occupy (image_parse's arguments). */
struct ram_ranges {
	const struct mb1_range *r;
	unsigned n;
};

/* Why [pa, pa + memsz) is not inside one range of ram, or NULL. */
static const char *outside_ram(const struct ram_ranges *ram, uint64_t pa, uint64_t memsz)
{
	uint64_t top = 0;
	for (unsigned i = 0; i < ram->n; i++) {
		const struct mb1_range *r = &ram->r[i];
		if (pa >= r->lo && pa <= r->hi && memsz <= r->hi - pa)
			return NULL;
		top = r->hi > top ? r->hi : top;
	}
	if (pa >= top || memsz > top - pa)
		return "segment beyond guest RAM";
	return "segment overlaps memory that is not free RAM (the loader's boot data, the EBDA or the BIOS area below "
	       "1 MiB)";
}

/* Record a segment after checking it against ram and the segments before it; NULL or the reason. */
static const char *add_segment(struct mb1_image *im, uint64_t pa, uint64_t off, uint64_t filesz, uint64_t memsz,
			       size_t len, const struct ram_ranges *ram)
{
	if (filesz > memsz)
		return "segment has more file bytes than memory bytes";
	if (off > len || filesz > len - off)
		return "segment data beyond the end of the file";
	const char *why = outside_ram(ram, pa, memsz);
	if (why)
		return why;
	for (unsigned i = 0; i < im->nseg; i++)
		if (pa < im->seg[i].pa + im->seg[i].memsz && im->seg[i].pa < pa + memsz)
			return "segments overlap";
	if (im->nseg == MB1_IMAGE_MAX_SEGMENTS)
		return "too many segments (at most 16)";
	im->seg[im->nseg++] = (struct mb1_segment){ pa, off, filesz, memsz };
	if (pa + memsz > im->end)
		im->end = pa + memsz;
	return NULL;
}

static const char *load_aout(const uint8_t *b, size_t len, const struct ram_ranges *ram, struct mb1_image *im)
{
	const struct mb1_header *h = &im->hdr;
	if (h->load_addr > h->header_addr)
		return "multiboot header: load_addr above header_addr";
	if (h->header_addr - h->load_addr > im->header_off)
		return "multiboot header: load_addr before the start of the file";
	uint64_t off = im->header_off - (h->header_addr - h->load_addr);
	uint64_t filesz = h->load_end_addr ? (uint64_t)h->load_end_addr - h->load_addr : len - off;
	if (h->load_end_addr && h->load_end_addr <= h->load_addr)
		return "multiboot header: load_end_addr not above load_addr";
	uint64_t memsz = filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + filesz)
			return "multiboot header: bss_end_addr below load_end_addr";
		memsz = (uint64_t)h->bss_end_addr - h->load_addr;
	}
	(void)b;
	const char *why = add_segment(im, h->load_addr, off, filesz, memsz, len, ram);
	if (why)
		return why;
	im->entry = h->entry_addr;
	return NULL;
}

static const char *load_elf32(const uint8_t *b, size_t len, const struct ram_ranges *ram, struct mb1_image *im)
{
	if (len < ELF32_EHDR || memcmp(b, "\177ELF", 4) != 0)
		return "not an ELF file and no address fields in the multiboot header (flags bit 16)";
	if (b[4] != 1)
		return "not a 32-bit ELF (multiboot v1 kernels are ELF32 or use the header's address fields)";
	if (b[5] != 1)
		return "not a little-endian ELF";
	if (ld16(b + 16) != ET_EXEC)
		return "not an executable ELF (ET_EXEC)";
	if (ld16(b + 18) != EM_386)
		return "not an i386 ELF (EM_386)";
	uint32_t entry = ld32(b + 24), phoff = ld32(b + 28);
	uint16_t phentsize = ld16(b + 42), phnum = ld16(b + 44);
	if (phnum == 0 || phentsize < ELF32_PHDR)
		return "no program headers";
	if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
		return "program headers beyond the end of the file";
	int entry_done = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (size_t)i * phentsize;
		if (ld32(ph) != PT_LOAD || ld32(ph + 20) == 0)
			continue;
		uint32_t off = ld32(ph + 4), vaddr = ld32(ph + 8), paddr = ld32(ph + 12);
		uint32_t filesz = ld32(ph + 16), memsz = ld32(ph + 20);
		const char *why = add_segment(im, paddr, off, filesz, memsz, len, ram);
		if (why)
			return why;
		if (!entry_done && entry >= vaddr && entry - vaddr < memsz) {
			im->entry = paddr + (entry - vaddr);
			entry_done = 1;
		}
	}
	if (im->nseg == 0)
		return "no loadable segment";
	if (!entry_done)
		im->entry = entry;
	return NULL;
}

long mb1_find_header(const void *img, size_t len)
{
	const uint8_t *b = img;
	size_t search = len < MB1_SEARCH ? len : MB1_SEARCH;
	for (size_t off = 0; off + 12 <= search; off += 4) {
		uint32_t magic = ld32(b + off), flags = ld32(b + off + 4), sum = ld32(b + off + 8);
		if (magic == MB1_HEADER_MAGIC && (uint32_t)(magic + flags + sum) == 0)
			return (long)off;
	}
	return -1;
}

static const char *image_parse(const uint8_t *b, size_t len, const struct ram_ranges *ram, struct mb1_image *im)
{
	long found = mb1_find_header(b, len);
	if (found < 0)
		return "no multiboot v1 header in the first 8192 bytes";
	size_t off = (size_t)found;
	im->header_off = (uint32_t)off;
	size_t hlen = sizeof(im->hdr);
	uint32_t flags = ld32(b + off + 4);
	size_t need = (flags & MB1_HDR_VIDEO_MODE) ? 48 : (flags & MB1_HDR_AOUT_KLUDGE) ? 32 : 12;
	if (len - off < need)
		return "multiboot header cut short by the end of the file";
	memcpy(&im->hdr, b + off, need < hlen ? need : hlen);
	if (flags & 0xffffu & ~MB1_HDR_KNOWN)
		return "multiboot header requires a feature this loader lacks (flags bits 3-15)";
	im->aout_kludge = (flags & MB1_HDR_AOUT_KLUDGE) != 0;
	const char *why = im->aout_kludge ? load_aout(b, len, ram, im) : load_elf32(b, len, ram, im);
	if (why)
		return why;
	for (unsigned i = 0; i < im->nseg; i++)
		if (im->entry >= im->seg[i].pa && im->entry - im->seg[i].pa < im->seg[i].memsz)
			return NULL;
	return "entry point outside the loaded image";
}

int mb1_image_parse(const void *img, size_t len, const struct mb1_range *ram, unsigned nram, struct mb1_image *out,
		    const char **why)
{
	const struct ram_ranges rr = { ram, nram };
	memset(out, 0, sizeof(*out));
	const char *reason = image_parse(img, len, &rr, out);
	if (reason) {
		*why = reason;
		return -1;
	}
	return 0;
}
