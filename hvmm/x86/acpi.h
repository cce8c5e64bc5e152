/* SPDX-License-Identifier: MIT */
/* acpi.h — what hvmm takes from the ACPI tables (ACPI 6.x §5.2): CPUs and I/O APICs (MADT), the PM1 control blocks,
 * the reset register and the PM timer (FADT), and the S5 sleep type (DSDT \_S5_) for power-off. */
#ifndef HVMM_ACPI_H
#define HVMM_ACPI_H
#include <stdint.h>

#include "acpitab.h" /* the table layouts (lib/) */

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8

struct acpi_cpu {
	uint32_t uid; /* ACPI processor UID */
	uint32_t apic_id;
	int enabled; /* flags bit 0; a disabled but "online capable" CPU (bit 1) counts as not enabled */
	int online_capable; /* flags bit 1 of a disabled entry: could be started at run time (hvmm does not) */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct acpi {
	int ok; /* RSDP and RSDT/XSDT valid */
	int revision; /* RSDP revision: 0 = ACPI 1.0 (RSDT), >= 2 (XSDT) */
	char oem[7];

	int has_madt;
	uint32_t lapic_address;
	unsigned ncpus; /* entries in cpu[] (also counted beyond ACPI_MAX_CPUS in ncpus_seen) */
	unsigned ncpus_seen;
	struct acpi_cpu cpu[ACPI_MAX_CPUS];
	unsigned nioapics, nioapics_seen;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];

	int has_fadt;
	uint32_t fadt_flags;
	struct acpi_gas pm1a_cnt, pm1b_cnt; /* address 0 = absent */
	struct acpi_gas pm_tmr; /* ACPI PM timer (3.579545 MHz); address 0 = absent */
	int pm_tmr_32bit; /* FADT flags TMR_VAL_EXT: 32-bit counter, else 24-bit */
	struct acpi_gas sleep_control; /* hardware-reduced platforms (FADT flags HW_REDUCED_ACPI) */
	uint32_t smi_cmd;
	uint8_t acpi_enable; /* value to write to smi_cmd to enter ACPI mode (0 = not needed) */
	int has_reset;
	struct acpi_gas reset_reg;
	uint8_t reset_value;

	int has_s5; /* \_S5_ decoded from the DSDT (or an SSDT) */
	uint8_t slp_typa, slp_typb;

	uint64_t hpet_address; /* from the HPET table; 0 = none */
};

extern struct acpi acpi;

/* Validate bootinfo's RSDP copy and parse RSDT/XSDT, MADT, FADT, DSDT \_S5_ and HPET into `acpi`, printing one line
 * per result. Never fails hvmm: anything missing or broken is reported and left unset. */
void acpi_init(void);

/* Power off through ACPI S5 (SLP_TYPa|SLP_EN to PM1a_CNT, then PM1b_CNT). Returns (with the reason printed) if the
 * tables gave no way to do it or the machine is still running after a short wait. Interrupts must be off. */
void acpi_power_off(void);

#endif
