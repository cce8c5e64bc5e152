/* SPDX-License-Identifier: MIT */
/*
 * mb1_fwcfg (multiboot v1 test kernel): QEMU's fw_cfg through ports 0x510/0x511 (QEMU docs/specs/fw_cfg.rst): the
 * signature, the ID (traditional interface), RAM_SIZE against the multiboot memory information, NB_CPUS and MAX_CPUS,
 * reads past an item's end and re-selection, an unused selector, and the file directory with etc/e820 (whose RAM
 * entries add up to RAM_SIZE).
 */
#include "../../lib/mb1.h"
#include "rt.h"

int mb1_main(uint32_t magic, const struct mb1_info_raw *mi);

static void sel(uint16_t key) { outw(0x510, key); }
static uint8_t byte(void) { return inb(0x511); }
static uint32_t le(unsigned n)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)byte() << (8 * i);
	return v;
}
static uint32_t be(unsigned n)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | byte();
	return v;
}

int mb1_main(uint32_t magic, const struct mb1_info_raw *mi)
{
	(void)magic;
	rt_printf("mb1_fwcfg: start\n");
	sel(0x0000);
	char sig[5] = { (char)byte(), (char)byte(), (char)byte(), (char)byte(), 0 };
	uint8_t past = byte();
	check(str_eq(sig, "QEMU"), "signature (0x0000) is \"QEMU\"", "\"%s\"", sig);
	check(past == 0, "a read past the end of an item gives 0", "0x%x", past);
	sel(0x0000);
	check(byte() == 'Q', "selecting again rewinds the item", "");
	sel(0x0001);
	check(le(4) & 1, "ID (0x0001): traditional interface", "");
	sel(0x0003);
	uint32_t lo = le(4), hi = le(4);
	uint64_t ram = (uint64_t)hi << 32 | lo;
	uint64_t upper = ((uint64_t)mi->mem_upper + 1024) * 1024;
	check(ram >= upper && ram - upper <= (1u << 20), "RAM_SIZE (0x0003) matches mem_upper (within 1 MiB)",
	      "ram=%llu mem_upper=%u KiB", ram, mi->mem_upper);
	sel(0x0005);
	uint32_t ncpus = le(2);
	sel(0x000f);
	uint32_t maxcpus = le(2);
	check(ncpus == 1 && maxcpus >= ncpus, "NB_CPUS (0x0005) = 1, MAX_CPUS (0x000f) >= NB_CPUS", "%u %u", ncpus,
	      maxcpus);
	sel(0x0123);
	check(byte() == 0 && byte() == 0, "an unused selector reads as an empty item", "");

	sel(0x0019);
	uint32_t count = be(4), e820_size = 0, e820_sel = 0;
	for (uint32_t i = 0; i < count && i < 256; i++) {
		uint32_t size = be(4), select = be(2);
		be(2);
		char name[56];
		for (unsigned k = 0; k < 56; k++)
			name[k] = (char)byte();
		name[55] = 0;
		if (str_eq(name, "etc/e820"))
			e820_size = size, e820_sel = select;
	}
	check(count >= 1 && count < 256, "FILE_DIR (0x0019): a big-endian count of files", "count=%u", count);
	check(e820_sel >= 0x20 && e820_size && e820_size % 20 == 0, "FILE_DIR lists etc/e820 (20-byte entries)",
	      "select=0x%x size=%u", e820_sel, e820_size);
	if (e820_sel) {
		sel((uint16_t)e820_sel);
		uint64_t total = 0, first_addr = ~0ull;
		for (uint32_t i = 0; i < e820_size / 20; i++) {
			uint32_t a0 = le(4), a1 = le(4), l0 = le(4), l1 = le(4), type = le(4);
			uint64_t addr = (uint64_t)a1 << 32 | a0, len = (uint64_t)l1 << 32 | l0;
			if (type == 1) {
				total += len;
				if (addr < first_addr)
					first_addr = addr;
			}
		}
		check(first_addr == 0 && total == ram, "etc/e820: RAM from 0 adding up to RAM_SIZE", "first=0x%llx total=%llu",
		      first_addr, total);
	}
	return rt_done("mb1_fwcfg");
}
