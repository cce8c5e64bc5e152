/* SPDX-License-Identifier: MIT */
/*
 * fwcfg.c — QEMU's firmware configuration device as QEMU documents it (docs/specs/fw_cfg.rst): a 16-bit write to
 * 0x510 selects an item and rewinds it, byte reads of 0x510 or 0x511 return the item's bytes in order, then 0; byte
 * writes are ignored; no DMA interface (ID bit 1 clear). Items: signature "QEMU" (0x0000), ID (0x0001, traditional
 * interface), RAM_SIZE (0x0003, u64 LE), NB_CPUS (0x0005, u16 LE), MAX_CPUS (0x000f), FILE_DIR (0x0019: u32 BE count,
 * then per file u32 BE size, u16 BE selector, u16 reserved, char name[56]) with one file, "etc/e820" (0x0020: one
 * RAM entry { u64 address, u64 length, u32 type = 1 } for guest RAM). Every other selector is an empty item.
 */
#include "hvmm/vdev/fwcfg.h"

#include <string.h>

#define FWCFG_PORT 0x510
#define KEY_SIGNATURE 0x0000
#define KEY_ID 0x0001
#define KEY_RAM_SIZE 0x0003
#define KEY_NB_CPUS 0x0005
#define KEY_MAX_CPUS 0x000f
#define KEY_FILE_DIR 0x0019
#define KEY_E820 0x0020 /* the first file selector (FW_CFG_FILE_FIRST) */
#define ID_TRADITIONAL 0x1
#define FILE_NAME_MAX 56
#define E820_RAM 1

struct fwcfg_file { /* FW_CFG_FILE_DIR entry, big-endian fields */
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[FILE_NAME_MAX];
} __attribute__((packed));
_Static_assert(sizeof(struct fwcfg_file) == 64, "fw_cfg file entry is 64 bytes");

struct e820_entry {
	uint64_t address, length;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct e820_entry) == 20, "fw_cfg e820 entry is 20 bytes");
_Static_assert(4 + sizeof(struct fwcfg_file) <= FWCFG_ITEM_MAX, "file directory fits");

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void select_item(struct vdev_fwcfg *f, uint16_t key)
{
	f->selector = key;
	f->offset = 0;
	f->len = 0;
	memset(f->item, 0, sizeof(f->item));
	switch (key) {
	case KEY_SIGNATURE:
		memcpy(f->item, "QEMU", 4);
		f->len = 4;
		break;
	case KEY_ID:
		put_le(f->item, ID_TRADITIONAL, 4);
		f->len = 4;
		break;
	case KEY_RAM_SIZE:
		put_le(f->item, f->ram_bytes, 8);
		f->len = 8;
		break;
	case KEY_NB_CPUS:
	case KEY_MAX_CPUS:
		put_le(f->item, f->ncpus, 2);
		f->len = 2;
		break;
	case KEY_FILE_DIR: {
		struct fwcfg_file *e = (struct fwcfg_file *)(f->item + 4);
		put_be(f->item, 1, 4);
		put_be((uint8_t *)&e->size, sizeof(struct e820_entry), 4);
		put_be((uint8_t *)&e->select, KEY_E820, 2);
		strlcpy(e->name, "etc/e820", sizeof(e->name));
		f->len = 4 + sizeof(*e);
		break;
	}
	case KEY_E820:
		put_le(f->item, 0, 8);
		put_le(f->item + 8, f->ram_bytes, 8);
		put_le(f->item + 16, E820_RAM, 4);
		f->len = sizeof(struct e820_entry);
		break;
	default:
		break;
	}
}

static void fwcfg_port(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size,
		       uint32_t *value)
{
	(void)ctx;
	struct vdev_fwcfg *f = dev;
	if (dir == VDEV_OUT) {
		if (size == 2 && port == FWCFG_PORT)
			select_item(f, (uint16_t)*value);
		return; /* data writes: not supported, ignored (as QEMU does since 2.4) */
	}
	if (size != 1) {
		*value = 0xffffffff;
		return;
	}
	*value = f->offset < f->len ? f->item[f->offset] : 0;
	if (f->offset < f->len)
		f->offset++;
}

int fwcfg_init(struct vdev_fwcfg *f, struct vdev_bus *bus, uint64_t ram_bytes, uint16_t ncpus)
{
	*f = (struct vdev_fwcfg){ .ram_bytes = ram_bytes, .ncpus = ncpus };
	select_item(f, KEY_SIGNATURE);
	return vdev_port_register(bus, FWCFG_PORT, 2, VDEV_SIZE_2, fwcfg_port, f);
}
