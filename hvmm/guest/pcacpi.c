/* SPDX-License-Identifier: MIT */
/*
 * pcacpi.c — the ACPI tables of a guest's virtual PC (lib/acpitab.c builds them, hvmm/guest/dsdt.asl is the DSDT
 * compiled by iasl): one CPU, the I/O APIC with ISA IRQ 0 on pin 2 and the SCI level-triggered, the HPET, the ACPI PM
 * registers, the reset register at CF9h (value 06h: RST_CPU with SYS_RST).
 */
#include "hvmm/guest/pcacpi.h"

#include "acpitab.h"
#include "mptable.h"
#include "pcbios.h"
#include "hvmm/guest/guest.h"
#include "hvmm/vdev/pc.h"

_Static_assert(HVMM_PC_ACPI_GPA % 16 == 0 && HVMM_PC_ACPI_GPA >= 0xe0000 && HVMM_PC_ACPI_GPA + HVMM_PC_ACPI_SIZE <=
	       ((uint32_t)PCBIOS_SEG << 4) + PCBIOS_IRQ_MASTER_OFF, "the RSDP lies in the BIOS area an OS scans, below the BIOS code");
_Static_assert(HVMM_PC_BIOS_GPA + MPTABLE_SIZE <= HVMM_PC_ACPI_GPA, "the ACPI tables follow the MP table");

extern const uint8_t hvmm_dsdt_aml[], hvmm_dsdt_aml_end[]; /* dsdt_aml.S */

int pcacpi_build(struct guest *g, const char **why)
{
	struct acpi_config c = {
		.base = HVMM_PC_ACPI_GPA,
		.ncpus = 1,
		.lapic_address = (uint32_t)LAPIC_BASE,
		.ioapic_address = (uint32_t)IOAPIC_BASE,
		.ioapic_id = IOAPIC_ID,
		.hpet_address = (uint32_t)HPET_BASE,
		.hpet_block_id = hpet_block_id(),
		.sci_irq = ACPIPM_SCI_IRQ,
		.pm1a_evt = ACPIPM_EVT,
		.pm1a_cnt = ACPIPM_CNT,
		.pm_tmr = ACPIPM_TMR,
		.reset_port = PCI_RESET_CONTROL,
		.reset_value = 0x06,
		.nisos = 2,
		.iso = { { 0, PC_ISA_GSI(0), 0 }, /* the PIT: conforming to the ISA bus (edge, active high) */
			 { ACPIPM_SCI_IRQ, PC_ISA_GSI(ACPIPM_SCI_IRQ), ACPI_MPS_ACTIVE_HIGH | ACPI_MPS_LEVEL } },
		.dsdt = hvmm_dsdt_aml,
		.dsdt_len = (uint32_t)(hvmm_dsdt_aml_end - hvmm_dsdt_aml),
	};
	void *area = guest_ptr(g, HVMM_PC_ACPI_GPA, HVMM_PC_ACPI_SIZE);
	if (!area || !acpi_build(area, HVMM_PC_ACPI_SIZE, &c)) {
		*why = "ACPI tables do not fit";
		return -1;
	}
	return 0;
}
