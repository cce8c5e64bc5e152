/* SPDX-License-Identifier: MIT */
/* The ACPI tables of a guest's virtual PC (ACPI Specification 6.4 §5.2; layout and fields: acpitab.h). */
#include "acpitab.h"

#include <string.h>

#define OEM_ID "HVMM  "
#define OEM_TABLE_ID "HVMMPC  "
#define CREATOR_ID "HVMM"

uint8_t acpi_checksum(const void *b, size_t n)
{
	const uint8_t *p = b;
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* A builder over buf: tables appended at aligned offsets. */
struct out {
	uint8_t *buf;
	size_t size, used;
	uint32_t base;
	int full;
};

/* Reserve len bytes aligned to align; returns the offset (full is set if it does not fit). */
static size_t take(struct out *o, size_t len, size_t align)
{
	size_t off = (o->used + align - 1) & ~(align - 1);
	if (off + len > o->size) {
		o->full = 1;
		return 0;
	}
	o->used = off + len;
	return off;
}

/* Copy a finished table in at an 8-byte aligned offset and checksum it; returns its guest-physical address. */
static uint32_t put(struct out *o, const void *table, size_t len)
{
	size_t off = take(o, len, 8);
	if (o->full)
		return 0;
	memcpy(o->buf + off, table, len);
	o->buf[off + offsetof(struct acpi_header, checksum)] = 0;
	o->buf[off + offsetof(struct acpi_header, checksum)] = acpi_checksum(o->buf + off, len);
	return o->base + (uint32_t)off;
}

static uint32_t put_fadt(struct out *o, const struct acpi_config *c, uint32_t facs, uint32_t dsdt)
{
	struct acpi_fadt f = { 0 };
	header(&f.h, "FACP", sizeof(f), 6);
	f.firmware_ctrl = facs;
	f.dsdt = dsdt;
	f.sci_int = c->sci_irq;
	f.pm1a_evt_blk = c->pm1a_evt;
	f.pm1a_cnt_blk = c->pm1a_cnt;
	f.pm_tmr_blk = c->pm_tmr;
	f.pm1_evt_len = 4;
	f.pm1_cnt_len = 2;
	f.pm_tmr_len = 4;
	f.p_lvl2_lat = 101; /* > 100: no C2 (Table 5.9) */
	f.p_lvl3_lat = 1001; /* > 1000: no C3 */
	f.century = 0x32; /* the RTC's century byte (CMOS 32h) */
	/* Legacy ISA devices (PIT, RTC, COM1), no 8042, no VGA, no MSI (no PCI device uses it) */
	f.iapc_boot_arch = ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_VGA_NOT_PRESENT | ACPI_BOOT_MSI_NOT_SUPPORTED;
	f.flags = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_PWR_BUTTON | ACPI_FADT_SLP_BUTTON |
		  ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP; /* HW_REDUCED_ACPI clear: the fixed hardware exists */
	f.reset_reg = (struct acpi_gas){ .space_id = ACPI_GAS_IO, .bit_width = 8, .access_size = 1,
					 .address = c->reset_port };
	f.reset_value = c->reset_value;
	f.minor_version = 4;
	/* The X_ fields stay 0: the 32-bit ones above say it all (§5.2.9: an OS uses them when X_ is 0). */
	return put(o, &f, sizeof(f));
}

static uint32_t put_madt(struct out *o, const struct acpi_config *c)
{
	uint8_t t[sizeof(struct acpi_madt) + 255 * sizeof(struct acpi_madt_lapic) + sizeof(struct acpi_madt_ioapic) +
		  ACPI_MAX_ISOS * sizeof(struct acpi_madt_iso) + sizeof(struct acpi_madt_lapic_nmi)];
	struct acpi_madt m = { .lapic_address = c->lapic_address, .flags = 1 /* PCAT_COMPAT */ };
	size_t n = sizeof(m);

	memset(t, 0, sizeof(t));
	for (unsigned i = 0; i < c->ncpus; i++) {
		struct acpi_madt_lapic l = { .type = 0, .length = sizeof(l), .processor_uid = (uint8_t)i,
					     .apic_id = (uint8_t)i, .flags = 1 };
		memcpy(t + n, &l, sizeof(l));
		n += sizeof(l);
	}
	struct acpi_madt_ioapic io = { .type = 1, .length = sizeof(io), .ioapic_id = c->ioapic_id,
				       .address = c->ioapic_address, .gsi_base = 0 };
	memcpy(t + n, &io, sizeof(io));
	n += sizeof(io);
	for (unsigned i = 0; i < c->nisos && i < ACPI_MAX_ISOS; i++) {
		struct acpi_madt_iso s = { .type = 2, .length = sizeof(s), .bus = 0, .source = c->iso[i].irq,
					   .gsi = c->iso[i].gsi, .flags = c->iso[i].flags };
		memcpy(t + n, &s, sizeof(s));
		n += sizeof(s);
	}
	struct acpi_madt_lapic_nmi nmi = { .type = 4, .length = sizeof(nmi), .processor_uid = 0xff,
					   .flags = ACPI_MPS_ACTIVE_HIGH | ACPI_MPS_EDGE, .lint = 1 };
	memcpy(t + n, &nmi, sizeof(nmi));
	n += sizeof(nmi);
	header(&m.h, "APIC", (uint32_t)n, 5);
	memcpy(t, &m, sizeof(m));
	return put(o, t, n);
}

static uint32_t put_hpet(struct out *o, const struct acpi_config *c)
{
	struct acpi_hpet h = { .event_timer_block_id = c->hpet_block_id,
			       .address = { .space_id = ACPI_GAS_MEMORY, .bit_width = 64, .address = c->hpet_address },
			       .hpet_number = 0, .min_clock_tick = 0x80, .page_protection = 0 };
	header(&h.h, "HPET", sizeof(h), 1);
	return put(o, &h, sizeof(h));
}

size_t acpi_build(void *buf, size_t size, const struct acpi_config *c)
{
	struct out o = { .buf = buf, .size = size, .base = c->base };
	struct acpi_header dh;
	uint32_t tables[4];
	unsigned nt = 0;

	if (c->dsdt_len < sizeof(dh) || (memcpy(&dh, c->dsdt, sizeof(dh)), memcmp(dh.signature, "DSDT", 4)) ||
	    dh.length != c->dsdt_len || c->ncpus == 0)
		return 0;
	memset(buf, 0, size);
	size_t rsdp_off = take(&o, sizeof(struct acpi_rsdp), 16);

	size_t facs_off = take(&o, sizeof(struct acpi_facs), 64);
	if (o.full)
		return 0;
	struct acpi_facs facs = { .length = sizeof(facs), .version = 2 };
	memcpy(facs.signature, "FACS", 4);
	memcpy(o.buf + facs_off, &facs, sizeof(facs));

	uint32_t dsdt = put(&o, c->dsdt, c->dsdt_len); /* checksummed again: harmless, and any patching stays valid */
	tables[nt++] = put_fadt(&o, c, o.base + (uint32_t)facs_off, dsdt);
	tables[nt++] = put_madt(&o, c);
	if (c->hpet_address)
		tables[nt++] = put_hpet(&o, c);

	uint8_t rsdt[sizeof(struct acpi_header) + 4 * sizeof(uint32_t)], xsdt[sizeof(struct acpi_header) + 4 * 8];
	struct acpi_header h = { 0 };
	header(&h, "RSDT", (uint32_t)(sizeof(h) + nt * 4), 1);
	memcpy(rsdt, &h, sizeof(h));
	header(&h, "XSDT", (uint32_t)(sizeof(h) + nt * 8), 1);
	memcpy(xsdt, &h, sizeof(h));
	for (unsigned i = 0; i < nt; i++) {
		uint64_t x = tables[i];
		memcpy(rsdt + sizeof(h) + 4 * i, &tables[i], 4);
		memcpy(xsdt + sizeof(h) + 8 * i, &x, 8);
	}
	uint32_t rsdt_pa = put(&o, rsdt, sizeof(h) + nt * 4), xsdt_pa = put(&o, xsdt, sizeof(h) + nt * 8);
	if (o.full)
		return 0;

	struct acpi_rsdp r = { .revision = 2, .rsdt_address = rsdt_pa, .length = sizeof(r), .xsdt_address = xsdt_pa };
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, OEM_ID, 6);
	r.checksum = acpi_checksum(&r, 20);
	r.ext_checksum = acpi_checksum(&r, sizeof(r));
	memcpy(o.buf + rsdp_off, &r, sizeof(r));
	return o.used;
}
