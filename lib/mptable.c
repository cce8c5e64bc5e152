/* SPDX-License-Identifier: MIT */
/* A minimal MP table for a one-CPU guest: the 8259A in PIC mode, the ISA interrupts also on an I/O APIC (Intel
 * MultiProcessor Specification 1.4). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mptable.h"

/* The byte that makes b[0..n) sum to 0 modulo 256 (MP spec 1.4 §4.1, §4.2). */
static uint8_t checksum(const uint8_t *b, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + b[i]);
	return (uint8_t)-sum;
}

size_t mptable_build(void *buf, uint32_t gpa, uint8_t lapic_id, uint8_t lapic_version, uint32_t lapic_addr,
		     uint32_t cpu_signature, uint32_t feature_flags, const struct mptable_ioapic *io)
{
	uint8_t *b = buf;
	struct mp_floating fp = { .length = 1, .spec_rev = 4, .feature2 = MP_IMCRP };
	struct mp_config cfg = { .spec_rev = 4, .entry_count = 5 + MP_ISA_IRQS, .lapic_addr = lapic_addr };
	struct mp_processor cpu = { .type = 0, .lapic_id = lapic_id, .lapic_version = lapic_version,
				    .cpu_flags = 0x3, .cpu_signature = cpu_signature, .feature_flags = feature_flags };
	struct mp_bus isa = { .type = 1, .bus_id = 0 };
	struct mp_local_int extint = { .type = 4, .int_type = 3, .dst_lapic_id = 0xff, .dst_lapic_lint = 0 };
	struct mp_local_int nmi = { .type = 4, .int_type = 1, .dst_lapic_id = 0xff, .dst_lapic_lint = 1 };
	size_t off = sizeof(fp);

	memcpy(fp.signature, "_MP_", 4);
	fp.physptr = gpa + (uint32_t)sizeof(fp);
	memcpy(cfg.signature, "PCMP", 4);
	memcpy(cfg.oem_id, "HVMM    ", 8);
	memcpy(cfg.product_id, "VIRTUAL PC  ", 12);
	memcpy(isa.bus_type, "ISA   ", 6);
	cfg.base_length = (uint16_t)(MPTABLE_SIZE - sizeof(fp));

	memset(b, 0, MPTABLE_SIZE);
	memcpy(b + off, &cfg, sizeof(cfg));
	off += sizeof(cfg);
	memcpy(b + off, &cpu, sizeof(cpu));
	off += sizeof(cpu);
	memcpy(b + off, &isa, sizeof(isa));
	off += sizeof(isa);
	struct mp_ioapic ioapic = { .type = 2, .ioapic_id = io->id, .ioapic_version = io->version, .flags = 1,
				    .addr = io->addr };
	memcpy(b + off, &ioapic, sizeof(ioapic));
	off += sizeof(ioapic);
	for (uint8_t irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		struct mp_io_int e = { .type = 3, .int_type = 0, .src_bus_id = 0, .src_bus_irq = irq,
				       .dst_ioapic_id = io->id, .dst_ioapic_intin = irq == 0 ? 2 : irq };
		memcpy(b + off, &e, sizeof(e));
		off += sizeof(e);
	}
	memcpy(b + off, &extint, sizeof(extint));
	off += sizeof(extint);
	memcpy(b + off, &nmi, sizeof(nmi));
	off += sizeof(nmi);
	b[sizeof(fp) + offsetof(struct mp_config, checksum)] = checksum(b + sizeof(fp), cfg.base_length);
	memcpy(b, &fp, sizeof(fp));
	b[offsetof(struct mp_floating, checksum)] = checksum(b, sizeof(fp));
	return off;
}
