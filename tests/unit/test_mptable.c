/* SPDX-License-Identifier: MIT */
/*
 * Host unit tests of lib/mptable.c: the table is found and walked the way an OS does (MP spec 1.4 §4: the "_MP_"
 * floating pointer on a 16-byte boundary with a zero checksum, its physptr to a "PCMP" table with a zero checksum over
 * base_length, entry_count entries of the sizes their type gives), and says what hvmm's virtual PC is: one enabled
 * bootstrap CPU, an ISA bus, the I/O APIC with ISA IRQ 0 on INTIN2 and IRQ 1, 3-15 on their own inputs (none for the
 * cascade IRQ 2), LINT0 ExtINT and LINT1 NMI, PIC mode, the local APIC address.
 */
#define UNIT_MODULE "mptable"
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mptable.h"
#include "unit.h"

#define GPA 0xf0000u

static uint8_t sum(const uint8_t *b, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + b[i]);
	return s;
}

int main(void)
{
	static uint8_t mem[0x10000]; /* guest-physical 0xf0000..0xfffff */
	const struct mptable_ioapic io = { .id = 1, .version = 0x11, .addr = 0xfec00000u };
	size_t n = mptable_build(mem, GPA, 0, 0x14, 0xfee00000u, 0x00a00f11u, 0x078ba9ffu, &io);

	CHECK(n == MPTABLE_SIZE && n == 16 + 44 + 20 + 8 + 8 + 15 * 8 + 8 + 8, "size %zu bytes", n);
	/* scan as Linux's smp_scan_config does: 16-byte steps, signature, length 1, checksum */
	long found = -1;
	for (size_t off = 0; off + 16 <= sizeof(mem); off += 16)
		if (!memcmp(mem + off, "_MP_", 4) && mem[off + 8] == 1 && sum(mem + off, 16) == 0) {
			found = (long)off;
			break;
		}
	CHECK(found == 0, "floating pointer found at 0x%lx with a zero checksum", (unsigned long)(GPA + found));
	struct mp_floating fp;
	memcpy(&fp, mem, sizeof(fp));
	CHECK(fp.spec_rev == 4 && fp.feature1 == 0 && fp.feature2 == MP_IMCRP && fp.physptr == GPA + 16,
	      "revision 1.4, configuration table present, PIC mode, physptr 0x%x", fp.physptr);
	struct mp_config cfg;
	const uint8_t *t = mem + (fp.physptr - GPA);
	memcpy(&cfg, t, sizeof(cfg));
	CHECK(!memcmp(cfg.signature, "PCMP", 4) && cfg.spec_rev == 4 && cfg.base_length == n - 16 &&
		      sum(t, cfg.base_length) == 0 && cfg.ext_length == 0,
	      "PCMP table: base_length %u, zero checksum, no extended entries", cfg.base_length);
	CHECK(cfg.lapic_addr == 0xfee00000u && cfg.entry_count == 20, "local APIC at 0x%x, %u entries", cfg.lapic_addr,
	      cfg.entry_count);
	/* walk the entries by type, as the OS does */
	size_t off = sizeof(cfg);
	int cpus = 0, buses = 0, ioapics = 0, extint = 0, nmi = 0, bad = 0;
	int intin_of[16];
	for (int i = 0; i < 16; i++)
		intin_of[i] = -1;
	for (unsigned i = 0; i < cfg.entry_count && off < cfg.base_length; i++) {
		switch (t[off]) {
		case 0: {
			struct mp_processor p;
			memcpy(&p, t + off, sizeof(p));
			cpus++;
			if (p.lapic_id != 0 || p.cpu_flags != 3 || p.lapic_version != 0x14 || p.cpu_signature != 0x00a00f11u)
				bad++;
			off += 20;
			break;
		}
		case 1:
			buses += !memcmp(t + off + 2, "ISA   ", 6);
			off += 8;
			break;
		case 2: {
			struct mp_ioapic a;
			memcpy(&a, t + off, sizeof(a));
			ioapics++;
			if (a.ioapic_id != 1 || a.ioapic_version != 0x11 || a.flags != 1 || a.addr != 0xfec00000u)
				bad++;
			off += 8;
			break;
		}
		case 3: {
			struct mp_io_int e;
			memcpy(&e, t + off, sizeof(e));
			if (e.int_type != 0 || e.flags != 0 || e.src_bus_id != 0 || e.src_bus_irq > 15 || e.dst_ioapic_id != 1 ||
			    intin_of[e.src_bus_irq] >= 0)
				bad++;
			else
				intin_of[e.src_bus_irq] = e.dst_ioapic_intin;
			off += 8;
			break;
		}
		case 4:
			if (t[off + 1] == 3 && t[off + 7] == 0 && t[off + 6] == 0xff)
				extint++;
			else if (t[off + 1] == 1 && t[off + 7] == 1 && t[off + 6] == 0xff)
				nmi++;
			else
				bad++;
			off += 8;
			break;
		default:
			bad++;
			off += 8;
		}
	}
	CHECK(off == cfg.base_length, "entries end exactly at base_length (%zu)", off);
	CHECK(cpus == 1 && buses == 1 && ioapics == 1 && extint == 1 && nmi == 1 && bad == 0,
	      "one enabled bootstrap CPU, an ISA bus, one I/O APIC, LINT0 ExtINT and LINT1 NMI (%d %d %d %d %d bad %d)",
	      cpus, buses, ioapics, extint, nmi, bad);
	int routing_ok = intin_of[0] == 2 && intin_of[2] == -1;
	for (int i = 1; i < 16; i++)
		routing_ok &= i == 2 || intin_of[i] == i;
	CHECK(routing_ok, "ISA IRQ 0 on INTIN2, IRQ 1 and 3-15 on INTIN n, no entry for IRQ 2 (IRQ 0 -> %d, 4 -> %d)",
	      intin_of[0], intin_of[4]);
	/* elsewhere (an EBDA, say): the pointer follows the address given, both checksums still hold */
	static uint8_t other[MPTABLE_SIZE];
	mptable_build(other, 0x9fc00u, 0, 0x14, 0xfee00000u, 0, 0, &io);
	memcpy(&fp, other, sizeof(fp));
	CHECK(fp.physptr == 0x9fc10u && sum(other, 16) == 0 && sum(other + 16, MPTABLE_SIZE - 16) == 0,
	      "at 0x9fc00: physptr 0x%x, checksums zero", fp.physptr);
	return unit_done();
}
