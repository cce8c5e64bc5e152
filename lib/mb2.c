/* SPDX-License-Identifier: MIT */
/* Parsing and validation of the multiboot2 boot information (MBI). Multiboot2 specification 1.0, §3.6. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mb2.h"

/* Tag types (spec §3.6.2 and following). */
#define TAG_END 0
#define TAG_CMDLINE 1 /* §3.6.3: string at +8 */
#define TAG_LOADER_NAME 2 /* §3.6.4: string at +8 */
#define TAG_MODULE 3 /* §3.6.6: u32 mod_start +8, u32 mod_end +12, string at +16 */
#define TAG_MMAP 6 /* §3.6.8: u32 entry_size +8, u32 entry_version +12, entries at +16 */
#define TAG_FRAMEBUFFER 8 /* §3.6.12: u64 addr +8, u32 pitch +16, u32 width +20, u32 height +24, u8 bpp +28, u8 type +29 */
#define TAG_ACPI_OLD 14 /* §3.6.15: copy of the ACPI 1.0 RSDP at +8 */
#define TAG_ACPI_NEW 15 /* §3.6.16: copy of the ACPI 2.0+ RSDP at +8 */

#define MBI_HEADER 8 /* u32 total_size, u32 reserved (§3.6.1) */
#define TAG_HEADER 8 /* u32 type, u32 size (§3.6.2) */
#define FB_MIN_SIZE 30 /* bytes of a framebuffer tag that we read (up to framebuffer_type at +29) */
#define MMAP_ENTRY_MIN 24 /* sizeof(struct mb2_mmap_entry) */

/* Little-endian loads from a byte array of any alignment (the caller has checked the bounds). */
static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

/* Return s if a NUL terminates it within its n bytes (the rest of its tag), else NULL. */
static const char *tag_string(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == 0)
			return (const char *)s;
	}
	return NULL;
}

/* Take one tag t of size bytes (already checked: >= 8 and inside total_size) into *out; return a reason or NULL. */
static const char *take_tag(const uint8_t *t, uint32_t type, uint32_t size, struct mb2_info *out)
{
	const char *s;

	switch (type) {
	case TAG_CMDLINE:
	case TAG_LOADER_NAME:
		s = tag_string(t + 8, size - 8);
		if (!s)
			return type == TAG_CMDLINE ? "command line tag is not NUL-terminated"
						   : "boot loader name tag is not NUL-terminated";
		/* a second tag of the same type is ignored: the first one wins */
		if (type == TAG_CMDLINE && !out->cmdline)
			out->cmdline = s;
		if (type == TAG_LOADER_NAME && !out->loader_name)
			out->loader_name = s;
		return NULL;
	case TAG_MODULE: {
		if (size < 16)
			return "module tag too small";
		uint32_t start = ld32(t + 8), end = ld32(t + 12);
		if (start > end)
			return "module with mod_start > mod_end";
		s = tag_string(t + 16, size - 16);
		if (!s)
			return "module command line is not NUL-terminated";
		mb_module_keep(out->mod, MB2_MAX_MODULES, &out->nmod, &out->nmod_dropped, start, end, s);
		return NULL;
	}
	case TAG_MMAP: {
		if (size < 16)
			return "memory map tag too small";
		uint32_t esize = ld32(t + 8);
		if (esize < MMAP_ENTRY_MIN || esize % 8 != 0)
			return "memory map entry_size is not a multiple of 8 of at least 24";
		if (!out->mmap) { /* trailing bytes shorter than one entry are ignored */
			out->mmap = t + 16;
			out->mmap_entry_size = esize;
			out->mmap_count = (size - 16) / esize;
		}
		return NULL;
	}
	case TAG_FRAMEBUFFER:
		if (size < FB_MIN_SIZE)
			return "framebuffer tag too small";
		if (!out->has_fb) {
			out->has_fb = 1;
			out->fb.addr = ld64(t + 8);
			out->fb.pitch = ld32(t + 16);
			out->fb.width = ld32(t + 20);
			out->fb.height = ld32(t + 24);
			out->fb.bpp = t[28];
			out->fb.type = t[29];
		}
		return NULL;
	case TAG_ACPI_OLD: /* the RSDP's own length and checksum are for the ACPI code to check */
		if (!out->rsdp_v1) {
			out->rsdp_v1 = t + 8;
			out->rsdp_v1_len = size - 8;
		}
		return NULL;
	case TAG_ACPI_NEW:
		if (!out->rsdp_v2) {
			out->rsdp_v2 = t + 8;
			out->rsdp_v2_len = size - 8;
		}
		return NULL;
	default: /* unknown or unused tag types are skipped (§3.6.2) */
		return NULL;
	}
}

/* Validate the MBI b[0..avail) into *out (see mb2.h); return a reason, or NULL when it is acceptable. */
static const char *parse(const uint8_t *b, size_t avail, struct mb2_info *out)
{
	memset(out, 0, sizeof(*out));
	if (!b || avail < MBI_HEADER)
		return "MBI header not readable";
	if ((uintptr_t)b % 8 != 0) /* §3.6.1: the MBI starts 8-byte aligned, so tags are 8-byte aligned in memory */
		return "MBI is not 8-byte aligned";
	uint32_t total = ld32(b);
	if (total < MBI_HEADER + TAG_HEADER)
		return "MBI total_size too small";
	if (total > avail)
		return "MBI total_size beyond the readable area";
	out->total_size = total;

	/* §3.6.2: tags follow the fixed part, each padded so that the next starts 8-byte aligned */
	uint64_t off = MBI_HEADER;
	for (;;) {
		if (off + TAG_HEADER > total)
			return "missing end tag";
		const uint8_t *t = b + off;
		uint32_t type = ld32(t), size = ld32(t + 4);
		if (size < TAG_HEADER)
			return "tag smaller than 8 bytes";
		if (size > total - off)
			return "tag extends beyond total_size";
		if (type == TAG_END)
			return NULL;
		const char *why = take_tag(t, type, size, out);
		if (why)
			return why;
		off += ((uint64_t)size + 7) & ~(uint64_t)7;
	}
}

int mb2_parse(const void *mbi, size_t avail, struct mb2_info *out, const char **why)
{
	const char *reason = parse(mbi, avail, out);

	if (why)
		*why = reason;
	return reason ? -1 : 0;
}

void mb2_mmap_get(const struct mb2_info *info, uint32_t i, struct mb2_mmap_entry *e)
{
	if (!info->mmap || i >= info->mmap_count) { /* outside the contract: give an empty entry rather than read */
		memset(e, 0, sizeof(*e));
		return;
	}
	const uint8_t *p = info->mmap + (size_t)i * info->mmap_entry_size;
	e->base_addr = ld64(p);
	e->length = ld64(p + 8);
	e->type = ld32(p + 16);
	e->reserved = ld32(p + 20);
}
