/* SPDX-License-Identifier: MIT */
/* A minimal MP table for a one-CPU guest with an I/O APIC (Intel MultiProcessor Specification 1.4, chapter 4). */
#ifndef HVMM_LIB_MPTABLE_H
#define HVMM_LIB_MPTABLE_H
#include <stddef.h>
#include <stdint.h>

/* MP floating pointer structure (MP spec 1.4 §4.1, Table 4-1), 16 bytes, on a 16-byte boundary. */
struct mp_floating {
	char signature[4]; /* "_MP_" */
	uint32_t physptr; /* physical address of the configuration table */
	uint8_t length; /* in 16-byte units: 1 */
	uint8_t spec_rev; /* 4 = version 1.4 */
	uint8_t checksum; /* all 16 bytes sum to 0 */
	uint8_t feature1; /* 0: a configuration table is present (no default configuration) */
	uint8_t feature2; /* bit 7 IMCRP: PIC mode (the 8259A reaches the CPU through LINT0) */
	uint8_t feature3[3];
} __attribute__((packed));
_Static_assert(sizeof(struct mp_floating) == 16, "MP floating pointer is 16 bytes");
_Static_assert(offsetof(struct mp_floating, physptr) == 4, "physptr");
_Static_assert(offsetof(struct mp_floating, length) == 8, "length");
_Static_assert(offsetof(struct mp_floating, spec_rev) == 9, "spec_rev");
_Static_assert(offsetof(struct mp_floating, feature1) == 11, "feature1");
_Static_assert(offsetof(struct mp_floating, checksum) == 10, "checksum");
_Static_assert(offsetof(struct mp_floating, feature2) == 12, "feature2");

/* MP configuration table header (§4.2, Table 4-2), 44 bytes; the base table's entries follow it. */
struct mp_config {
	char signature[4]; /* "PCMP" */
	uint16_t base_length; /* header and entries, bytes */
	uint8_t spec_rev; /* 4 */
	uint8_t checksum; /* the base table sums to 0 */
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table_ptr;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr; /* the local APIC's MMIO base */
	uint16_t ext_length; /* extended entries: none */
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mp_config) == 44, "MP configuration table header is 44 bytes");
_Static_assert(offsetof(struct mp_config, base_length) == 4, "base_length");
_Static_assert(offsetof(struct mp_config, spec_rev) == 6, "spec_rev");
_Static_assert(offsetof(struct mp_config, checksum) == 7, "checksum");
_Static_assert(offsetof(struct mp_config, oem_id) == 8, "oem_id");
_Static_assert(offsetof(struct mp_config, product_id) == 16, "product_id");
_Static_assert(offsetof(struct mp_config, oem_table_ptr) == 28, "oem_table_ptr");
_Static_assert(offsetof(struct mp_config, entry_count) == 34, "entry_count");
_Static_assert(offsetof(struct mp_config, lapic_addr) == 36, "lapic_addr");
_Static_assert(offsetof(struct mp_config, ext_length) == 40, "ext_length");
_Static_assert(offsetof(struct mp_config, ext_checksum) == 42, "ext_checksum");

/* Processor entry (§4.3.1, Table 4-4), 20 bytes. */
struct mp_processor {
	uint8_t type; /* 0 */
	uint8_t lapic_id;
	uint8_t lapic_version;
	uint8_t cpu_flags; /* bit 0 EN (usable), bit 1 BP (the bootstrap processor) */
	uint32_t cpu_signature; /* CPUID 1 EAX: stepping, model, family */
	uint32_t feature_flags; /* CPUID 1 EDX */
	uint8_t reserved[8];
} __attribute__((packed));
_Static_assert(sizeof(struct mp_processor) == 20, "MP processor entry is 20 bytes");
_Static_assert(offsetof(struct mp_processor, lapic_id) == 1, "lapic_id");
_Static_assert(offsetof(struct mp_processor, cpu_flags) == 3, "cpu_flags");
_Static_assert(offsetof(struct mp_processor, cpu_signature) == 4, "cpu_signature");
_Static_assert(offsetof(struct mp_processor, feature_flags) == 8, "feature_flags");

/* Bus entry (§4.3.2, Table 4-7), 8 bytes. */
struct mp_bus {
	uint8_t type; /* 1 */
	uint8_t bus_id;
	char bus_type[6]; /* "ISA   " */
} __attribute__((packed));
_Static_assert(sizeof(struct mp_bus) == 8, "MP bus entry is 8 bytes");
_Static_assert(offsetof(struct mp_bus, bus_type) == 2, "bus_type");

/* I/O APIC entry (§4.3.3, Table 4-9), 8 bytes. */
struct mp_ioapic {
	uint8_t type; /* 2 */
	uint8_t ioapic_id;
	uint8_t ioapic_version; /* IOAPICVER bits 7:0 */
	uint8_t flags; /* bit 0 EN (usable) */
	uint32_t addr; /* its MMIO base */
} __attribute__((packed));
_Static_assert(sizeof(struct mp_ioapic) == 8, "MP I/O APIC entry is 8 bytes");
_Static_assert(offsetof(struct mp_ioapic, ioapic_version) == 2, "ioapic_version");
_Static_assert(offsetof(struct mp_ioapic, flags) == 3, "flags");
_Static_assert(offsetof(struct mp_ioapic, addr) == 4, "addr");

/* I/O interrupt assignment entry (§4.3.4, Table 4-10), 8 bytes: which I/O APIC input a bus interrupt drives. */
struct mp_io_int {
	uint8_t type; /* 3 */
	uint8_t int_type; /* 0 INT (vectored by the I/O APIC), 3 ExtINT */
	uint16_t flags; /* polarity bits 1:0, trigger bits 3:2; 0 = conforming to the bus (ISA: edge, active high) */
	uint8_t src_bus_id;
	uint8_t src_bus_irq;
	uint8_t dst_ioapic_id;
	uint8_t dst_ioapic_intin;
} __attribute__((packed));
_Static_assert(sizeof(struct mp_io_int) == 8, "MP I/O interrupt entry is 8 bytes");
_Static_assert(offsetof(struct mp_io_int, flags) == 2, "flags");
_Static_assert(offsetof(struct mp_io_int, src_bus_irq) == 5, "src_bus_irq");
_Static_assert(offsetof(struct mp_io_int, dst_ioapic_intin) == 7, "dst_ioapic_intin");

/* Local interrupt assignment entry (§4.3.5, Table 4-12), 8 bytes. */
struct mp_local_int {
	uint8_t type; /* 4 */
	uint8_t int_type; /* 0 INT, 1 NMI, 2 SMI, 3 ExtINT */
	uint16_t flags; /* polarity bits 1:0, trigger bits 3:2; 0 = conforming to the bus */
	uint8_t src_bus_id;
	uint8_t src_bus_irq;
	uint8_t dst_lapic_id; /* 0xff: every local APIC */
	uint8_t dst_lapic_lint; /* 0 = LINT0, 1 = LINT1 */
} __attribute__((packed));
_Static_assert(sizeof(struct mp_local_int) == 8, "MP local interrupt entry is 8 bytes");
_Static_assert(offsetof(struct mp_local_int, flags) == 2, "flags");
_Static_assert(offsetof(struct mp_local_int, src_bus_id) == 4, "src_bus_id");
_Static_assert(offsetof(struct mp_local_int, dst_lapic_id) == 6, "dst_lapic_id");
_Static_assert(offsetof(struct mp_local_int, dst_lapic_lint) == 7, "dst_lapic_lint");

#define MP_IMCRP 0x80 /* feature2: PIC mode */
#define MP_ISA_IRQS 15 /* ISA IRQ 0, 1, 3-15 (IRQ 2 is the 8259A cascade, no device drives it) */
#define MPTABLE_SIZE (sizeof(struct mp_floating) + sizeof(struct mp_config) + sizeof(struct mp_processor) + \
		      sizeof(struct mp_bus) + sizeof(struct mp_ioapic) + MP_ISA_IRQS * sizeof(struct mp_io_int) + \
		      2 * sizeof(struct mp_local_int))

/* The I/O APIC the table names: its ID, version (IOAPICVER bits 7:0) and MMIO base. */
struct mptable_ioapic {
	uint8_t id, version;
	uint32_t addr;
};

/*
 * Write into buf (MPTABLE_SIZE bytes, to be placed at guest-physical gpa, 16-byte aligned, below 4 GiB) an MP
 * floating pointer followed by its configuration table for one processor: the bootstrap CPU (local APIC lapic_id,
 * version lapic_version, CPUID signature and features), one ISA bus, the I/O APIC io with the ISA interrupts on its
 * inputs (IRQ 0 on INTIN2, IRQ n on INTIN n otherwise, edge and active high as the ISA bus), LINT0 = ExtINT (the
 * 8259A) and LINT1 = NMI, PIC mode (IMCRP: the 8259A delivers until the OS switches to the I/O APIC), local APIC at
 * lapic_addr; both checksums filled. Returns the bytes written.
 */
size_t mptable_build(void *buf, uint32_t gpa, uint8_t lapic_id, uint8_t lapic_version, uint32_t lapic_addr,
		     uint32_t cpu_signature, uint32_t feature_flags, const struct mptable_ioapic *io);

#endif
