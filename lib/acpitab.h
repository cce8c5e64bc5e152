/* SPDX-License-Identifier: MIT */
/*
 * acpitab.h — the ACPI tables of a guest's virtual PC (ACPI Specification 6.4, chapter 5.2): RSDP, RSDT, XSDT, FACS,
 * FADT, MADT and HPET, built around a DSDT compiled from ASL (hvmm/guest/dsdt.asl) and checksummed.
 */
#ifndef HVMM_LIB_ACPITAB_H
#define HVMM_LIB_ACPITAB_H
#include <stddef.h>
#include <stdint.h>

/* Root System Description Pointer, revision 2 (ACPI 6.4 §5.2.5.3, Table 5.3), 36 bytes on a 16-byte boundary. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum; /* the first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision; /* 2 */
	uint32_t rsdt_address;
	uint32_t length; /* 36 */
	uint64_t xsdt_address;
	uint8_t ext_checksum; /* all 36 bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP is 36 bytes");
_Static_assert(offsetof(struct acpi_rsdp, checksum) == 8, "checksum");
_Static_assert(offsetof(struct acpi_rsdp, revision) == 15, "revision");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "rsdt_address");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "length");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "xsdt_address");
_Static_assert(offsetof(struct acpi_rsdp, ext_checksum) == 32, "ext_checksum");

/* System description table header (§5.2.6, Table 5.4), 36 bytes. */
struct acpi_header {
	char signature[4];
	uint32_t length; /* header and body */
	uint8_t revision;
	uint8_t checksum; /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "SDT header is 36 bytes");
_Static_assert(offsetof(struct acpi_header, length) == 4, "length");
_Static_assert(offsetof(struct acpi_header, revision) == 8, "revision");
_Static_assert(offsetof(struct acpi_header, checksum) == 9, "checksum");
_Static_assert(offsetof(struct acpi_header, oem_id) == 10, "oem_id");
_Static_assert(offsetof(struct acpi_header, oem_table_id) == 16, "oem_table_id");
_Static_assert(offsetof(struct acpi_header, oem_revision) == 24, "oem_revision");
_Static_assert(offsetof(struct acpi_header, creator_id) == 28, "creator_id");
_Static_assert(offsetof(struct acpi_header, creator_revision) == 32, "creator_revision");

/* Generic Address Structure (§5.2.3.2, Table 5.1), 12 bytes. */
struct acpi_gas {
	uint8_t space_id; /* 0 system memory, 1 system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
_Static_assert(offsetof(struct acpi_gas, address) == 4, "address");

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1

/* Firmware ACPI Control Structure (§5.2.10, Table 5.14), 64 bytes on a 64-byte boundary; no header checksum. */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	uint32_t length; /* 64 */
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version; /* 2 */
	uint8_t reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved2[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS is 64 bytes");
_Static_assert(offsetof(struct acpi_facs, global_lock) == 16, "global_lock");
_Static_assert(offsetof(struct acpi_facs, x_firmware_waking_vector) == 24, "x_firmware_waking_vector");
_Static_assert(offsetof(struct acpi_facs, version) == 32, "version");
_Static_assert(offsetof(struct acpi_facs, ospm_flags) == 36, "ospm_flags");

/* Fixed ACPI Description Table, revision 6 (§5.2.9, Table 5.9), 276 bytes. */
struct acpi_fadt {
	struct acpi_header h; /* "FACP" */
	uint32_t firmware_ctrl; /* the FACS */
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int; /* the SCI's ISA IRQ (8259A mode) */
	uint32_t smi_cmd; /* 0: no SMI command port, the platform is always in ACPI mode (SCI_EN set) */
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk, x_pm2_cnt_blk, x_pm_tmr_blk,
		x_gpe0_blk, x_gpe1_blk, sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");
_Static_assert(offsetof(struct acpi_fadt, firmware_ctrl) == 36, "firmware_ctrl");
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "dsdt");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "sci_int");
_Static_assert(offsetof(struct acpi_fadt, smi_cmd) == 48, "smi_cmd");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "pm1a_evt_blk");
_Static_assert(offsetof(struct acpi_fadt, pm1a_cnt_blk) == 64, "pm1a_cnt_blk");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "pm_tmr_blk");
_Static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "pm1_evt_len");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_len) == 91, "pm_tmr_len");
_Static_assert(offsetof(struct acpi_fadt, p_lvl2_lat) == 96, "p_lvl2_lat");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "century");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "iapc_boot_arch");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "reset_reg");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "reset_value");
_Static_assert(offsetof(struct acpi_fadt, minor_version) == 131, "minor_version");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "x_firmware_ctrl");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "x_dsdt");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "x_pm1a_evt_blk");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "x_pm_tmr_blk");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "sleep_control_reg");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "hypervisor_vendor_id");

/* FADT flags (Table 5.10) and IA-PC boot architecture flags (Table 5.11) hvmm sets. */
#define ACPI_FADT_WBINVD (1u << 0)
#define ACPI_FADT_PROC_C1 (1u << 2)
#define ACPI_FADT_PWR_BUTTON (1u << 4) /* set: no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5) /* set: no fixed-feature sleep button */
#define ACPI_FADT_TMR_VAL_EXT (1u << 8) /* the PM timer is 32 bits wide */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)
#define ACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_BOOT_8042 (1u << 1)
#define ACPI_BOOT_VGA_NOT_PRESENT (1u << 2)
#define ACPI_BOOT_MSI_NOT_SUPPORTED (1u << 3)

/* MADT (§5.2.12, Table 5.19): header, local APIC address, flags, then interrupt controller structures. */
struct acpi_madt {
	struct acpi_header h; /* "APIC" */
	uint32_t lapic_address;
	uint32_t flags; /* bit 0 PCAT_COMPAT: a dual 8259A is present too */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT header is 44 bytes");

struct acpi_madt_lapic { /* Processor Local APIC (type 0, §5.2.12.2) */
	uint8_t type, length; /* 0, 8 */
	uint8_t processor_uid, apic_id;
	uint32_t flags; /* bit 0 enabled */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT local APIC entry is 8 bytes");

struct acpi_madt_ioapic { /* I/O APIC (type 1, §5.2.12.3) */
	uint8_t type, length; /* 1, 12 */
	uint8_t ioapic_id, reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT I/O APIC entry is 12 bytes");
_Static_assert(offsetof(struct acpi_madt_ioapic, address) == 4, "address");

struct acpi_madt_iso { /* Interrupt Source Override (type 2, §5.2.12.5) */
	uint8_t type, length; /* 2, 10 */
	uint8_t bus; /* 0 = ISA */
	uint8_t source; /* the ISA IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 (Table 5.26) */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT interrupt source override is 10 bytes");
_Static_assert(offsetof(struct acpi_madt_iso, gsi) == 4, "gsi");
_Static_assert(offsetof(struct acpi_madt_iso, flags) == 8, "flags");

struct acpi_madt_lapic_nmi { /* Local APIC NMI (type 4, §5.2.12.7) */
	uint8_t type, length; /* 4, 6 */
	uint8_t processor_uid; /* 0xff: every processor */
	uint16_t flags;
	uint8_t lint; /* 0 LINT0, 1 LINT1 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT local APIC NMI entry is 6 bytes");
_Static_assert(offsetof(struct acpi_madt_lapic_nmi, lint) == 5, "lint");

#define ACPI_MPS_ACTIVE_HIGH 0x1
#define ACPI_MPS_ACTIVE_LOW 0x3
#define ACPI_MPS_EDGE (0x1 << 2)
#define ACPI_MPS_LEVEL (0x3 << 2)

/* IA-PC HPET Description Table (IA-PC HPET Specification 1.0a §3.2.4, Table 3), 56 bytes. */
struct acpi_hpet {
	struct acpi_header h; /* "HPET", revision 1 */
	uint32_t event_timer_block_id; /* the low 32 bits of the HPET's capabilities register */
	struct acpi_gas address;
	uint8_t hpet_number;
	uint16_t min_clock_tick; /* the smallest periodic tick without lost interrupts, in main-counter ticks */
	uint8_t page_protection;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table is 56 bytes");
_Static_assert(offsetof(struct acpi_hpet, address) == 40, "address");
_Static_assert(offsetof(struct acpi_hpet, hpet_number) == 52, "hpet_number");
_Static_assert(offsetof(struct acpi_hpet, min_clock_tick) == 53, "min_clock_tick");

#define ACPI_MAX_ISOS 4

/* What the tables describe: the virtual PC's devices and where the tables go. */
struct acpi_config {
	uint32_t base; /* guest-physical address of buf (16-byte aligned, below 1 MiB for the RSDP scan) */
	uint8_t ncpus; /* local APIC IDs 0..ncpus-1 */
	uint32_t lapic_address;
	uint32_t ioapic_address; /* one I/O APIC, ID ioapic_id, GSI 0..23 */
	uint8_t ioapic_id;
	uint32_t hpet_address; /* 0: no HPET table */
	uint32_t hpet_block_id; /* its capabilities register, bits 31:0 */
	uint16_t sci_irq;
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr; /* I/O ports: PM1a event block (4 bytes), control (2), PM timer (4) */
	uint16_t reset_port; /* FADT reset register (I/O, 8 bits) and the value that resets */
	uint8_t reset_value;
	unsigned nisos; /* interrupt source overrides */
	struct {
		uint8_t irq;
		uint32_t gsi;
		uint16_t flags;
	} iso[ACPI_MAX_ISOS];
	const void *dsdt; /* the compiled DSDT (AML with its own header and checksum) */
	uint32_t dsdt_len;
};

/*
 * Write the tables into buf (size bytes, guest-physical cfg->base): the RSDP first (at buf, so an OS finds it at
 * cfg->base), then FACS, RSDT, XSDT, FADT, MADT, HPET (if any) and the DSDT, each checksummed. Returns the bytes
 * used, or 0 if size is too small or the DSDT is not a DSDT.
 */
size_t acpi_build(void *buf, size_t size, const struct acpi_config *cfg);
/* The byte that makes b[0..n) sum to 0 modulo 256. */
uint8_t acpi_checksum(const void *b, size_t n);

#endif
