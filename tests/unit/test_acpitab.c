/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of lib/acpitab.c: the tables are found and walked the way an OS does (ACPI 6.4 §5.2.5.1: "RSD PTR " on
 * a 16-byte boundary, both RSDP checksums; the XSDT and RSDT list the same tables; every table sums to 0), and say
 * what they were given: the FADT's PM blocks, SCI, reset register, FACS and DSDT, HW_REDUCED_ACPI clear; the MADT's
 * local APICs, I/O APIC, overrides and LAPIC NMI; the HPET table. A too small buffer or a table that is not a DSDT
 * is refused.
 */
#define UNIT_MODULE "acpitab"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "acpitab.h"
#include "unit.h"

#define BASE 0xe0000u

static uint8_t mem[0x10000]; /* guest-physical BASE.. */

static uint8_t sum(const void *b, size_t n)
{
	const uint8_t *p = b;
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static const uint8_t *at(uint64_t pa) { return pa >= BASE && pa < BASE + sizeof(mem) ? mem + (pa - BASE) : NULL; }

/* The table signature sig from the XSDT, or NULL. */
static const uint8_t *find(const struct acpi_rsdp *r, const char *sig)
{
	const uint8_t *x = at(r->xsdt_address);
	struct acpi_header h;
	memcpy(&h, x, sizeof(h));
	for (size_t i = 0; i < (h.length - sizeof(h)) / 8; i++) {
		uint64_t pa;
		memcpy(&pa, x + sizeof(h) + 8 * i, 8);
		const uint8_t *t = at(pa);
		if (t && !memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

int main(void)
{
	uint8_t dsdt[64] = { 0 };
	struct acpi_header dh = { .length = sizeof(dsdt), .revision = 2 };
	memcpy(dh.signature, "DSDT", 4);
	memcpy(dsdt, &dh, sizeof(dh));
	dsdt[40] = 0x5b; /* some AML bytes; the checksum byte is wrong on purpose: acpi_build fixes it */
	struct acpi_config c = { .base = BASE, .ncpus = 2, .lapic_address = 0xfee00000u, .ioapic_address = 0xfec00000u,
				 .ioapic_id = 1, .hpet_address = 0xfed00000u, .hpet_block_id = 0x8086a201u,
				 .sci_irq = 9, .pm1a_evt = 0x600, .pm1a_cnt = 0x604, .pm_tmr = 0x608, .reset_port = 0xcf9,
				 .reset_value = 6, .nisos = 2,
				 .iso = { { 0, 2, 0 }, { 9, 9, ACPI_MPS_ACTIVE_HIGH | ACPI_MPS_LEVEL } },
				 .dsdt = dsdt, .dsdt_len = sizeof(dsdt) };

	size_t n = acpi_build(mem, sizeof(mem), &c);
	CHECK(n > 0 && n < 1024, "built %zu bytes", n);
	long found = -1;
	for (size_t off = 0; off + 36 <= sizeof(mem); off += 16)
		if (!memcmp(mem + off, "RSD PTR ", 8) && sum(mem + off, 20) == 0) {
			found = (long)off;
			break;
		}
	CHECK(found == 0, "RSDP at the area's start, first 20 bytes sum to 0");
	struct acpi_rsdp r;
	memcpy(&r, mem, sizeof(r));
	CHECK(r.revision == 2 && r.length == 36 && sum(mem, 36) == 0, "revision 2, 36 bytes, extended checksum");

	const uint8_t *x = at(r.xsdt_address), *rs = at(r.rsdt_address);
	struct acpi_header xh, rh;
	memcpy(&xh, x, sizeof(xh));
	memcpy(&rh, rs, sizeof(rh));
	CHECK(!memcmp(xh.signature, "XSDT", 4) && sum(x, xh.length) == 0 && !memcmp(rh.signature, "RSDT", 4) &&
		      sum(rs, rh.length) == 0, "XSDT and RSDT sum to 0");
	unsigned nt = (xh.length - 36) / 8;
	CHECK(nt == 3 && (rh.length - 36) / 4 == nt, "3 tables (FACP, APIC, HPET) in both");
	for (unsigned i = 0; i < nt; i++) {
		uint64_t x64 = 0;
		uint32_t r32 = 0;
		memcpy(&x64, x + 36 + 8 * i, 8);
		memcpy(&r32, rs + 36 + 4 * i, 4);
		CHECK(x64 == r32 && x64 % 8 == 0, "entry %u the same in both: 0x%llx", i, (unsigned long long)x64);
	}

	const uint8_t *fp = find(&r, "FACP");
	struct acpi_fadt f;
	CHECK(fp != NULL, "FADT listed");
	memcpy(&f, fp, sizeof(f));
	CHECK(f.h.length == 276 && f.h.revision == 6 && sum(fp, f.h.length) == 0, "FADT revision 6, 276 bytes, sums to 0");
	CHECK(f.pm1a_evt_blk == 0x600 && f.pm1_evt_len == 4 && f.pm1a_cnt_blk == 0x604 && f.pm1_cnt_len == 2 &&
		      f.pm_tmr_blk == 0x608 && f.pm_tmr_len == 4 && f.sci_int == 9 && f.smi_cmd == 0,
	      "PM blocks, SCI 9, no SMI command port");
	CHECK(!(f.flags & ACPI_FADT_HW_REDUCED) && (f.flags & ACPI_FADT_RESET_REG_SUP) && (f.flags & ACPI_FADT_TMR_VAL_EXT),
	      "HW_REDUCED_ACPI clear, reset register supported, 32-bit PM timer: flags 0x%x", f.flags);
	CHECK(f.reset_reg.space_id == ACPI_GAS_IO && f.reset_reg.address == 0xcf9 && f.reset_value == 6 &&
		      f.reset_reg.bit_width == 8, "reset register: I/O 0xcf9 <- 6");
	const uint8_t *facs = at(f.firmware_ctrl), *d = at(f.dsdt);
	CHECK(facs && !memcmp(facs, "FACS", 4) && f.firmware_ctrl % 64 == 0, "FACS at 0x%x, 64-byte aligned",
	      f.firmware_ctrl);
	CHECK(d && !memcmp(d, "DSDT", 4) && sum(d, sizeof(dsdt)) == 0 && d[40] == 0x5b, "DSDT copied, sums to 0");

	const uint8_t *mp = find(&r, "APIC");
	struct acpi_madt m;
	CHECK(mp != NULL, "MADT listed");
	memcpy(&m, mp, sizeof(m));
	CHECK(sum(mp, m.h.length) == 0 && m.lapic_address == 0xfee00000u && (m.flags & 1), "MADT sums to 0, PCAT_COMPAT");
	unsigned cpus = 0, ioapics = 0, isos = 0, nmis = 0;
	for (size_t off = sizeof(m); off < m.h.length; off += mp[off + 1]) {
		CHECK(mp[off + 1] >= 2, "entry length %u at %zu", mp[off + 1], off);
		if (mp[off + 1] < 2)
			break;
		if (mp[off] == 0) {
			struct acpi_madt_lapic l;
			memcpy(&l, mp + off, sizeof(l));
			cpus += l.apic_id == cpus && (l.flags & 1);
		} else if (mp[off] == 1) {
			struct acpi_madt_ioapic io;
			memcpy(&io, mp + off, sizeof(io));
			ioapics += io.address == 0xfec00000u && io.ioapic_id == 1 && io.gsi_base == 0;
		} else if (mp[off] == 2) {
			struct acpi_madt_iso s;
			memcpy(&s, mp + off, sizeof(s));
			isos += (s.source == 0 && s.gsi == 2 && s.flags == 0) || (s.source == 9 && s.gsi == 9 && s.flags == 0xd);
		} else if (mp[off] == 4) {
			nmis += mp[off + 5] == 1;
		}
	}
	CHECK(cpus == 2 && ioapics == 1 && isos == 2 && nmis == 1,
	      "2 local APICs, 1 I/O APIC, overrides IRQ0->GSI2 and SCI level, LINT1 NMI (%u %u %u %u)", cpus, ioapics,
	      isos, nmis);

	const uint8_t *hp = find(&r, "HPET");
	struct acpi_hpet h;
	CHECK(hp != NULL, "HPET table listed");
	memcpy(&h, hp, sizeof(h));
	CHECK(sum(hp, h.h.length) == 0 && h.address.address == 0xfed00000u && h.address.space_id == ACPI_GAS_MEMORY &&
		      h.event_timer_block_id == 0x8086a201u, "HPET table: sums to 0, memory 0xfed00000, block ID");

	c.hpet_address = 0;
	n = acpi_build(mem, sizeof(mem), &c);
	memcpy(&r, mem, sizeof(r));
	CHECK(n > 0 && find(&r, "HPET") == NULL, "no HPET table without an HPET");
	CHECK(acpi_build(mem, 200, &c) == 0, "a 200-byte area is refused");
	memcpy(dsdt, "SSDT", 4);
	CHECK(acpi_build(mem, sizeof(mem), &c) == 0, "a table that is not a DSDT is refused");
	return unit_done();
}
