/* SPDX-License-Identifier: MIT */
/* Validation of ELF64 x86-64 executables for identity-mapped guests (ELF-64 Object File Format 1.5; System V gABI). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "elf64.h"

/* ELF-64 Object File Format 1.5, §3 "File header": e_ident indexes and values, and header field offsets. */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62

#define EHDR_SIZE 64
#define EH_TYPE 16 /* Elf64_Half */
#define EH_MACHINE 18 /* Elf64_Half */
#define EH_ENTRY 24 /* Elf64_Addr */
#define EH_PHOFF 32 /* Elf64_Off */
#define EH_PHENTSIZE 54 /* Elf64_Half */
#define EH_PHNUM 56 /* Elf64_Half */

/* §6 "Program header table": Elf64_Phdr field offsets. */
#define PHDR_SIZE 56
#define PH_TYPE 0 /* Elf64_Word */
#define PH_FLAGS 4 /* Elf64_Word */
#define PH_OFFSET 8 /* Elf64_Off */
#define PH_VADDR 16 /* Elf64_Addr */
#define PH_PADDR 24 /* Elf64_Addr */
#define PH_FILESZ 32 /* Elf64_Xword */
#define PH_MEMSZ 40 /* Elf64_Xword */
#define PT_LOAD 1
#define PF_X 1

/* Little-endian loads from a byte array of any alignment (the caller has checked the bounds). */
static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
	return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

/* Check the file header (e_ident, e_type, e_machine) of an image of at least EHDR_SIZE bytes; return a reason or NULL. */
static const char *check_ehdr(const uint8_t *b)
{
	if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return "not an ELF file (bad magic)";
	if (b[EI_CLASS] != ELFCLASS64)
		return "not a 64-bit ELF";
	if (b[EI_DATA] != ELFDATA2LSB)
		return "not little-endian";
	if (b[EI_VERSION] != EV_CURRENT)
		return "unsupported ELF version";
	if (ld16(b + EH_MACHINE) != EM_X86_64)
		return "not an x86-64 ELF";
	if (ld16(b + EH_TYPE) == ET_DYN)
		return "ET_DYN (position-independent) images are not supported";
	if (ld16(b + EH_TYPE) != ET_EXEC)
		return "not an executable (e_type)";
	return NULL;
}

/*
 * Check one PT_LOAD program header (with p_memsz > 0) against the file length and the guest range [lo, hi),
 * and fill *seg from it; return a reason or NULL. Every sum is checked against wrap-around before it is formed.
 */
static const char *check_load(const uint8_t *ph, size_t len, uint64_t lo, uint64_t hi, struct elf64_segment *seg)
{
	uint64_t off = ld64(ph + PH_OFFSET), vaddr = ld64(ph + PH_VADDR), paddr = ld64(ph + PH_PADDR);
	uint64_t filesz = ld64(ph + PH_FILESZ), memsz = ld64(ph + PH_MEMSZ);

	if (filesz > memsz)
		return "segment has p_filesz > p_memsz";
	/* [off, off + filesz) inside [0, len), written so that off + filesz is never formed (it could wrap) */
	if (filesz > 0 && (off > len || filesz > len - off))
		return "segment data outside the file";
	if (vaddr != paddr)
		return "segment p_vaddr != p_paddr";
	if (memsz > UINT64_MAX - paddr) /* the end paddr + memsz (exclusive) must be representable */
		return "segment wraps the address space";
	if (paddr < lo)
		return "segment below the guest load address";
	if (paddr + memsz > hi)
		return "segment beyond guest RAM";
	seg->gpa = paddr;
	seg->file_off = filesz > 0 ? off : 0;
	seg->filesz = filesz;
	seg->memsz = memsz;
	seg->flags = ld32(ph + PH_FLAGS);
	return NULL;
}

/* Validate img[0..len) into *out (see elf64.h); return a reason, or NULL when the image is acceptable. */
static const char *parse(const uint8_t *b, size_t len, uint64_t lo, uint64_t hi, struct elf64_image *out)
{
	const char *why;

	if (len < EHDR_SIZE)
		return "file too small for an ELF header";
	why = check_ehdr(b);
	if (why)
		return why;

	uint64_t phoff = ld64(b + EH_PHOFF);
	unsigned phnum = ld16(b + EH_PHNUM), phentsize = ld16(b + EH_PHENTSIZE);
	if (phnum == 0)
		return "no loadable segment";
	if (phentsize != PHDR_SIZE)
		return "bad program header size";
	/* phnum * PHDR_SIZE <= 0xffff * 56 cannot overflow; phoff + that could, so compare against len - phoff */
	if (phoff > len || (uint64_t)phnum * PHDR_SIZE > len - phoff)
		return "program headers outside the file";

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (size_t)i * PHDR_SIZE;
		if (ld32(ph + PH_TYPE) != PT_LOAD || ld64(ph + PH_MEMSZ) == 0)
			continue;
		if (out->nseg == ELF64_MAX_SEGMENTS)
			return "too many loadable segments";
		struct elf64_segment *seg = &out->seg[out->nseg];
		why = check_load(ph, len, lo, hi, seg);
		if (why)
			return why;
		for (unsigned j = 0; j < out->nseg; j++) {
			const struct elf64_segment *o = &out->seg[j];
			if (seg->gpa < o->gpa + o->memsz && o->gpa < seg->gpa + seg->memsz)
				return "segments overlap";
		}
		out->nseg++;
	}
	if (out->nseg == 0)
		return "no loadable segment";

	out->entry = ld64(b + EH_ENTRY);
	for (unsigned j = 0; j < out->nseg; j++) {
		const struct elf64_segment *s = &out->seg[j];
		if ((s->flags & PF_X) && out->entry >= s->gpa && out->entry - s->gpa < s->memsz)
			return NULL;
	}
	return "entry point outside every executable segment";
}

int elf64_parse(const void *img, size_t len, uint64_t lo, uint64_t hi, struct elf64_image *out, const char **why)
{
	const char *reason = parse(img, len, lo, hi, out);

	if (why)
		*why = reason;
	return reason ? -1 : 0;
}
