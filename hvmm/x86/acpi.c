/* SPDX-License-Identifier: MIT */
/* acpi.c — read the ACPI tables the firmware left (ACPI 6.x §5.2): RSDP → RSDT/XSDT → MADT, FADT, DSDT/SSDT \_S5_,
 * HPET; and power off through S5 (§4.8.3.2 PM1 control, §7.4.2 \_S5, §16.1.6 sleeping). Tables are read in place:
 * hvmm identity-maps 0–4 GiB, so a table above 4 GiB is refused with a message. */
#include "hvmm/x86/acpi.h"

#include <stddef.h>
#include <string.h>

#include "fmt.h"
#include "hvmm/core/arch.h"
#include "hvmm/core/bootinfo.h"
#include "hvmm/core/console.h"
#include "hvmm/x86/tsc.h"

#define ACPI_LIMIT (4ull << 30) /* what hvmm maps */
#define ACPI_TABLE_MAX (16u << 20) /* a sanity bound on one table's length (DSDTs run to a few hundred KiB) */
#define ACPI_MAX_SSDTS 16
#define ACPI_MAX_TABLES 64

struct acpi acpi;

/* Does this FADT (of length len) contain field f? */
#define FADT_HAS(fa, len, f) (offsetof(struct acpi_fadt, f) + sizeof((fa)->f) <= (len))


/* PM1 control register bits (§4.8.3.2.1) and the hardware-reduced sleep control register (§4.8.3.7). */
#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7u << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1u << 13)
#define SLEEP_CTL_TYP_SHIFT 2
#define SLEEP_CTL_SLP_EN (1u << 5)

/* MADT (§5.2.12): after the header, the local APIC address (u32) and flags (u32), then typed entries. */
#define MADT_ENTRIES 44
#define MADT_LAPIC 0 /* u8 uid, u8 apic_id, u32 flags */
#define MADT_IOAPIC 1 /* u8 id, u8 reserved, u32 address, u32 gsi_base */
#define MADT_LAPIC_OVERRIDE 5 /* u16 reserved, u64 address */
#define MADT_X2APIC 9 /* u16 reserved, u32 x2apic_id, u32 flags, u32 uid */
#define MADT_ENABLED (1u << 0)
#define MADT_ONLINE_CAPABLE (1u << 1) /* ACPI 6.3+: a disabled CPU the OS may enable at run time */

/* AML opcodes for the \_S5_ package (§20.2.3, §20.2.5). */
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_NAME 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_PACKAGE 0x12
#define AML_ROOT_CHAR 0x5c

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint8_t sum8(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The table at physical address pa, if it lies below 4 GiB, has a sane length and a valid checksum; else NULL with
 * the reason printed (what names the table in the message). */
static const struct acpi_header *map_table(uint64_t pa, const char *what)
{
	if (pa == 0 || pa >= ACPI_LIMIT - sizeof(struct acpi_header)) {
		hlog("warning: acpi: %s at 0x%lx is not below 4 GiB (hvmm maps only 0-4 GiB); ignored", what, pa);
		return NULL;
	}
	const struct acpi_header *h = (const struct acpi_header *)pa;
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX || pa + h->length > ACPI_LIMIT) {
		hlog("warning: acpi: %s at 0x%lx has a bad length %u; ignored", what, pa, h->length);
		return NULL;
	}
	if (sum8(h, h->length) != 0) {
		hlog("warning: acpi: %s at 0x%lx (\"%.4s\") has a bad checksum; ignored", what, pa, h->signature);
		return NULL;
	}
	return h;
}

/* "io:0x604", "mem:0xfed00000", "space3:0x..." or "none" (address 0) into buf. */
static const char *gas_str(const struct acpi_gas *g, char *buf, size_t n)
{
	if (!g->address)
		fmt_snprintf(buf, n, "none");
	else if (g->space_id == ACPI_GAS_IO || g->space_id == ACPI_GAS_MEMORY)
		fmt_snprintf(buf, n, "%s:0x%lx", g->space_id == ACPI_GAS_IO ? "io" : "mem", g->address);
	else
		fmt_snprintf(buf, n, "space%u:0x%lx", g->space_id, g->address);
	return buf;
}

/* A register from the 32-bit I/O port field of an old FADT (width in bytes). */
static struct acpi_gas gas_io(uint32_t port, unsigned bytes)
{
	struct acpi_gas g = {ACPI_GAS_IO, (uint8_t)(bytes * 8), 0, 0, port};
	return g;
}

/* Is g a register hvmm can reach (I/O port, or memory below 4 GiB)? */
static int gas_usable(const struct acpi_gas *g)
{
	if (g->address == 0)
		return 0;
	if (g->space_id == ACPI_GAS_IO)
		return g->address <= 0xffff;
	return g->space_id == ACPI_GAS_MEMORY && g->address < ACPI_LIMIT;
}

static uint32_t gas_read(const struct acpi_gas *g)
{
	unsigned w = g->bit_width ? g->bit_width : 16;
	if (g->space_id == ACPI_GAS_IO) {
		uint16_t port = (uint16_t)g->address;
		return w <= 8 ? inb(port) : w <= 16 ? inw(port) : inl(port);
	}
	if (w <= 8)
		return *(volatile uint8_t *)g->address;
	if (w <= 16)
		return *(volatile uint16_t *)g->address;
	return *(volatile uint32_t *)g->address;
}

static void gas_write(const struct acpi_gas *g, uint32_t v)
{
	unsigned w = g->bit_width ? g->bit_width : 16;
	if (g->space_id == ACPI_GAS_IO) {
		uint16_t port = (uint16_t)g->address;
		if (w <= 8)
			outb(port, (uint8_t)v);
		else if (w <= 16)
			outw(port, (uint16_t)v);
		else
			outl(port, v);
		return;
	}
	if (w <= 8)
		*(volatile uint8_t *)g->address = (uint8_t)v;
	else if (w <= 16)
		*(volatile uint16_t *)g->address = (uint16_t)v;
	else
		*(volatile uint32_t *)g->address = v;
}

/* Busy-wait about ms milliseconds with the TSC (an assumed 1 GHz before calibration). */
static void delay_ms(unsigned ms)
{
	uint64_t khz = tsc_khz ? tsc_khz : 1000000, t0 = rdtsc();
	while (rdtsc() - t0 < khz * ms)
		pause();
}

static void parse_madt(const struct acpi_header *h)
{
	const uint8_t *t = (const uint8_t *)h, *end = t + h->length;
	if (h->length < MADT_ENTRIES) {
		hlog("warning: acpi: MADT too short (%u bytes)", h->length);
		return;
	}
	acpi.has_madt = 1;
	acpi.lapic_address = get32(t + 36);
	for (const uint8_t *e = t + MADT_ENTRIES; e + 2 <= end; e += e[1]) {
		uint8_t type = e[0], len = e[1];
		if (len < 2 || e + len > end) {
			hlog("warning: acpi: MADT entry of type %u at offset %ld has a bad length %u; rest ignored", type,
			     (long)(e - t), len);
			break;
		}
		if ((type == MADT_LAPIC && len >= 8) || (type == MADT_X2APIC && len >= 16)) {
			struct acpi_cpu c;
			uint32_t flags = get32(e + (type == MADT_LAPIC ? 4 : 8));
			if (type == MADT_LAPIC)
				c = (struct acpi_cpu){ e[2], e[3], 0, 0 };
			else
				c = (struct acpi_cpu){ get32(e + 12), get32(e + 4), 0, 0 };
			c.enabled = (flags & MADT_ENABLED) != 0;
			c.online_capable = !c.enabled && (flags & MADT_ONLINE_CAPABLE); /* meaningful only if not enabled */
			acpi.ncpus_seen++;
			if (acpi.ncpus < ACPI_MAX_CPUS)
				acpi.cpu[acpi.ncpus++] = c;
		} else if (type == MADT_IOAPIC && len >= 12) {
			acpi.nioapics_seen++;
			if (acpi.nioapics < ACPI_MAX_IOAPICS)
				acpi.ioapic[acpi.nioapics++] = (struct acpi_ioapic){e[2], get32(e + 4), get32(e + 8)};
		} else if (type == MADT_LAPIC_OVERRIDE && len >= 12) {
			uint64_t a = get64(e + 4);
			if (a < ACPI_LIMIT)
				acpi.lapic_address = (uint32_t)a;
		}
	}

	char ids[CON_LINE_MAX / 2];
	size_t n = 0;
	unsigned enabled = 0;
	ids[0] = 0;
	for (unsigned i = 0; i < acpi.ncpus; i++) {
		if (!acpi.cpu[i].enabled)
			continue;
		enabled++;
		int w = fmt_snprintf(ids + n, sizeof(ids) - n, "%s%u", n ? "," : "", acpi.cpu[i].apic_id);
		if (w < 0 || (size_t)w >= sizeof(ids) - n) {
			ids[n] = 0;
			break;
		}
		n += (size_t)w;
	}
	hlog("acpi madt cpus=%u apic_ids=%s ioapics=%u lapic=0x%x (%u processor entries, %u disabled)", enabled,
	     ids[0] ? ids : "none", acpi.nioapics_seen, acpi.lapic_address, acpi.ncpus_seen,
	     acpi.ncpus - enabled + (acpi.ncpus_seen - acpi.ncpus));
	for (unsigned i = 0; i < acpi.nioapics; i++)
		hlog("acpi ioapic id=%u address=0x%x gsi_base=%u", acpi.ioapic[i].id, acpi.ioapic[i].address,
		     acpi.ioapic[i].gsi_base);
}

/* Decode one AML integer of the \_S5_ package at *pp (Zero, One, BytePrefix/WordPrefix/DWordPrefix data).
 * Returns 0 and advances *pp, or -1 for anything else. */
static int aml_integer(const uint8_t **pp, const uint8_t *end, uint32_t *v)
{
	const uint8_t *p = *pp;
	if (p >= end)
		return -1;
	switch (p[0]) {
	case AML_ZERO: *v = 0; *pp = p + 1; return 0;
	case AML_ONE: *v = 1; *pp = p + 1; return 0;
	case AML_BYTE_PREFIX:
		if (p + 2 > end) return -1;
		*v = p[1]; *pp = p + 2; return 0;
	case AML_WORD_PREFIX:
		if (p + 3 > end) return -1;
		*v = (uint32_t)(p[1] | p[2] << 8); *pp = p + 3; return 0;
	case AML_DWORD_PREFIX:
		if (p + 5 > end) return -1;
		*v = get32(p + 1); *pp = p + 5; return 0;
	default:
		return -1;
	}
}

/* Find `Name(_S5_, Package(){SLP_TYPa, SLP_TYPb, ...})` in an AML table and decode the two sleep types.
 * Returns 0, 1 if the table has no _S5_ name, or -1 if it has one this minimal parser cannot decode (reason in why). */
static int find_s5(const struct acpi_header *h, uint8_t *a, uint8_t *b, const char **why)
{
	const uint8_t *t = (const uint8_t *)h, *end = t + h->length;
	int seen = 0;
	for (const uint8_t *p = t + sizeof(*h); p + 4 <= end; p++) {
		if (memcmp(p, "_S5_", 4) != 0)
			continue;
		seen = 1;
		/* NameOp NameString: 08 '_S5_' or 08 '\' '_S5_'. Anything else (a Method, a reference) is not the definition. */
		const uint8_t *q = p - 1;
		if (q > t && *q == AML_ROOT_CHAR)
			q--;
		if (q < t + sizeof(*h) || *q != AML_NAME) {
			*why = "_S5_ is not a Name() (a Method or a reference)";
			continue;
		}
		q = p + 4;
		if (q >= end || *q != AML_PACKAGE) {
			*why = "Name(_S5_) is not a Package";
			continue;
		}
		q++;
		/* PkgLength (§20.2.4): bits 7:6 of the lead byte give the number of bytes that follow (0–3). */
		if (q >= end)
			break;
		q += 1 + (*q >> 6);
		if (q >= end)
			break;
		uint8_t nelem = *q++;
		uint32_t va, vb;
		if (nelem < 1 || aml_integer(&q, end, &va)) {
			*why = "\\_S5_ package element 0 is not an integer constant";
			continue;
		}
		if (nelem < 2 || aml_integer(&q, end, &vb))
			vb = va; /* a one-element package: the same type for PM1b */
		*a = (uint8_t)(va & 7);
		*b = (uint8_t)(vb & 7);
		return 0;
	}
	if (seen && !*why)
		*why = "\\_S5_ package truncated";
	return seen ? -1 : 1;
}

static void parse_fadt(const struct acpi_header *h, const struct acpi_header **dsdt)
{
	const struct acpi_fadt *f = (const struct acpi_fadt *)h;
	uint32_t len = h->length;
	*dsdt = NULL;
	if (!FADT_HAS(f, len, pm_tmr_len)) {
		hlog("warning: acpi: FADT too short (%u bytes)", len);
		return;
	}
	acpi.has_fadt = 1;
	acpi.fadt_flags = FADT_HAS(f, len, flags) ? f->flags : 0;
	acpi.smi_cmd = f->smi_cmd;
	acpi.acpi_enable = f->acpi_enable;

	/* The 64-bit X_ fields win when present and non-zero (§5.2.9). */
	if (FADT_HAS(f, len, x_pm1a_cnt_blk) && f->x_pm1a_cnt_blk.address)
		acpi.pm1a_cnt = f->x_pm1a_cnt_blk;
	else if (f->pm1a_cnt_blk)
		acpi.pm1a_cnt = gas_io(f->pm1a_cnt_blk, f->pm1_cnt_len ? f->pm1_cnt_len : 2);
	if (FADT_HAS(f, len, x_pm1b_cnt_blk) && f->x_pm1b_cnt_blk.address)
		acpi.pm1b_cnt = f->x_pm1b_cnt_blk;
	else if (f->pm1b_cnt_blk)
		acpi.pm1b_cnt = gas_io(f->pm1b_cnt_blk, f->pm1_cnt_len ? f->pm1_cnt_len : 2);
	if (FADT_HAS(f, len, x_pm_tmr_blk) && f->x_pm_tmr_blk.address)
		acpi.pm_tmr = f->x_pm_tmr_blk;
	else if (f->pm_tmr_blk && f->pm_tmr_len == 4)
		acpi.pm_tmr = gas_io(f->pm_tmr_blk, 4);
	acpi.pm_tmr.bit_width = 32; /* the register is read as 32 bits; TMR_VAL_EXT says how many of them count */
	acpi.pm_tmr_32bit = (acpi.fadt_flags & ACPI_FADT_TMR_VAL_EXT) != 0;
	if (FADT_HAS(f, len, sleep_control_reg) && (acpi.fadt_flags & ACPI_FADT_HW_REDUCED))
		acpi.sleep_control = f->sleep_control_reg;
	if (FADT_HAS(f, len, reset_value) && (acpi.fadt_flags & ACPI_FADT_RESET_REG_SUP) && f->reset_reg.address) {
		acpi.has_reset = 1;
		acpi.reset_reg = f->reset_reg;
		acpi.reset_value = f->reset_value;
	}

	char a[32], b[32], t[32], r[48] = "none";
	if (acpi.has_reset) {
		size_t rl = strlen(gas_str(&acpi.reset_reg, r, sizeof(r)));
		fmt_snprintf(r + rl, sizeof(r) - rl, " value=0x%x", acpi.reset_value);
	}
	hlog("acpi fadt rev=%u pm1a_cnt=%s pm1b_cnt=%s pm_tmr=%s/%d reset=%s sci_int=%u smi_cmd=0x%x acpi_enable=0x%x "
	     "hw_reduced=%d",
	     h->revision, gas_str(&acpi.pm1a_cnt, a, sizeof(a)), gas_str(&acpi.pm1b_cnt, b, sizeof(b)),
	     gas_str(&acpi.pm_tmr, t, sizeof(t)), acpi.pm_tmr_32bit ? 32 : 24, r, f->sci_int, acpi.smi_cmd,
	     acpi.acpi_enable, (acpi.fadt_flags & ACPI_FADT_HW_REDUCED) != 0);

	uint64_t dsdt_pa = FADT_HAS(f, len, x_dsdt) && f->x_dsdt ? f->x_dsdt : f->dsdt;
	*dsdt = map_table(dsdt_pa, "DSDT");
	if (*dsdt && memcmp((*dsdt)->signature, "DSDT", 4) != 0) {
		hlog("warning: acpi: the FADT's DSDT pointer 0x%lx holds \"%.4s\"; ignored", dsdt_pa, (*dsdt)->signature);
		*dsdt = NULL;
	}
}

/* Validate the RSDP copy; return the root table (XSDT preferred when valid) and its entry size, or NULL. */
static const struct acpi_header *root_table(unsigned *entry_size)
{
	const struct acpi_rsdp *r = (const struct acpi_rsdp *)bootinfo.rsdp;
	if (bootinfo.rsdp_len < 20) {
		hlog("warning: acpi: no RSDP (neither multiboot2 tag 14/15 nor, under multiboot v1, the BIOS area); no ACPI");
		return NULL;
	}
	if (memcmp(r->signature, "RSD PTR ", 8) != 0 || sum8(r, 20) != 0) {
		hlog("warning: acpi: RSDP copy has a bad signature or checksum; no ACPI");
		return NULL;
	}
	acpi.revision = r->revision;
	memcpy(acpi.oem, r->oem_id, 6);
	for (int i = 0; i < 6; i++)
		if (acpi.oem[i] < 0x20 || acpi.oem[i] > 0x7e)
			acpi.oem[i] = '?';
	if (r->revision >= 2) {
		if (bootinfo.rsdp_len < sizeof(*r) || r->length < sizeof(*r) || r->length > bootinfo.rsdp_len ||
		    sum8(r, r->length) != 0) {
			hlog("warning: acpi: RSDP rev %u: extended part missing or bad checksum (copied %u bytes); using "
			     "the RSDT", r->revision, bootinfo.rsdp_len);
		} else {
			const struct acpi_header *x = map_table(r->xsdt_address, "XSDT");
			if (x && memcmp(x->signature, "XSDT", 4) == 0) {
				hlog("acpi rsdp rev=%u oem=\"%s\" xsdt=0x%lx (from %s)", r->revision, acpi.oem,
				     r->xsdt_address, bootinfo.rsdp_from);
				*entry_size = 8;
				return x;
			}
			hlog("warning: acpi: no usable XSDT; trying the RSDT");
		}
	}
	const struct acpi_header *t = map_table(r->rsdt_address, "RSDT");
	if (!t || memcmp(t->signature, "RSDT", 4) != 0) {
		hlog("warning: acpi: no usable RSDT; no ACPI");
		return NULL;
	}
	hlog("acpi rsdp rev=%u oem=\"%s\" rsdt=0x%x (from %s)", r->revision, acpi.oem, r->rsdt_address,
	     bootinfo.rsdp_from);
	*entry_size = 4;
	return t;
}

void acpi_init(void)
{
	unsigned esz = 0;
	const struct acpi_header *root = root_table(&esz);
	if (!root)
		return;
	acpi.ok = 1;

	const struct acpi_header *dsdt = NULL, *ssdt[ACPI_MAX_SSDTS], *tables[ACPI_MAX_TABLES];
	unsigned nssdt = 0, ntables = 0, n = (root->length - sizeof(*root)) / esz;
	char sigs[CON_LINE_MAX / 2];
	size_t sl = 0;
	sigs[0] = 0;
	for (unsigned i = 0; i < n && ntables < ACPI_MAX_TABLES; i++) {
		const uint8_t *e = (const uint8_t *)(root + 1) + i * esz;
		const struct acpi_header *h = map_table(esz == 8 ? get64(e) : get32(e), "table");
		if (!h)
			continue;
		tables[ntables++] = h;
		if (sl + 6 < sizeof(sigs))
			sl += (size_t)fmt_snprintf(sigs + sl, sizeof(sigs) - sl, "%s%.4s", sl ? " " : "", h->signature);
	}
	hlog("acpi tables: %s%s", sigs[0] ? sigs : "none", n > ACPI_MAX_TABLES ? " (more ignored)" : "");
	for (unsigned i = 0; i < ntables; i++) {
		const struct acpi_header *h = tables[i];
		if (!memcmp(h->signature, "APIC", 4) && !acpi.has_madt)
			parse_madt(h);
		else if (!memcmp(h->signature, "FACP", 4) && !acpi.has_fadt)
			parse_fadt(h, &dsdt);
		else if (!memcmp(h->signature, "SSDT", 4) && nssdt < ACPI_MAX_SSDTS)
			ssdt[nssdt++] = h;
		else if (!memcmp(h->signature, "HPET", 4) && h->length >= 56) {
			/* HPET table (IA-PC HPET spec §3.2.4): a GAS at offset 40; only system memory makes sense. */
			const struct acpi_gas *g = (const struct acpi_gas *)((const uint8_t *)h + 40);
			if (g->space_id == ACPI_GAS_MEMORY && g->address && g->address < ACPI_LIMIT)
				acpi.hpet_address = g->address;
		}
	}
	if (!acpi.has_madt)
		hlog("warning: acpi: no MADT (\"APIC\"); CPU list unknown");
	if (!acpi.has_fadt)
		hlog("warning: acpi: no FADT (\"FACP\"); no ACPI power-off");
	if (acpi.hpet_address)
		hlog("acpi hpet address=0x%lx", acpi.hpet_address);

	/* \_S5_ lives in the DSDT on nearly every machine; some firmware puts it in an SSDT. */
	const char *why = NULL, *where = "DSDT";
	int r = dsdt ? find_s5(dsdt, &acpi.slp_typa, &acpi.slp_typb, &why) : 1;
	for (unsigned i = 0; r != 0 && i < nssdt; i++) {
		int rs = find_s5(ssdt[i], &acpi.slp_typa, &acpi.slp_typb, &why);
		if (rs == 0)
			where = "SSDT";
		if (rs <= 0)
			r = rs;
	}
	if (r == 0) {
		acpi.has_s5 = 1;
		hlog("acpi s5 slp_typa=%u slp_typb=%u (%s \\_S5_)", acpi.slp_typa, acpi.slp_typb, where);
	} else if (acpi.has_fadt) {
		hlog("warning: acpi: %s; no ACPI power-off", why ? why : "no \\_S5_ object in the DSDT or SSDTs");
	}
}

/* Switch the chipset to ACPI mode (SCI_EN set) if the firmware left it in legacy mode (§4.8.2.1, §16.3.1). */
static void enter_acpi_mode(void)
{
	if (!gas_usable(&acpi.pm1a_cnt) || (gas_read(&acpi.pm1a_cnt) & PM1_SCI_EN))
		return;
	if (!acpi.smi_cmd || !acpi.acpi_enable || acpi.smi_cmd > 0xffff)
		return;
	outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable);
	for (int i = 0; i < 300 && !(gas_read(&acpi.pm1a_cnt) & PM1_SCI_EN); i++)
		delay_ms(1);
	if (!(gas_read(&acpi.pm1a_cnt) & PM1_SCI_EN))
		hlog("warning: acpi: SCI_EN still clear after writing 0x%x to SMI_CMD 0x%x", acpi.acpi_enable,
		     acpi.smi_cmd);
	else
		hlog("acpi mode entered (SCI_EN set after writing 0x%x to SMI_CMD 0x%x)", acpi.acpi_enable, acpi.smi_cmd);
}

/* Write SLP_TYP, then SLP_TYP|SLP_EN, into one PM1 control register, keeping its other bits (as Linux does). */
static void pm1_sleep(const struct acpi_gas *g, uint8_t typ, int enable)
{
	uint32_t v = gas_read(g) & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
	v |= (uint32_t)typ << PM1_SLP_TYP_SHIFT;
	gas_write(g, enable ? v | PM1_SLP_EN : v);
}

void acpi_power_off(void)
{
	char a[32], b[32];
	if (!acpi.has_s5) {
		hlog("acpi power-off not possible: %s", !acpi.ok ? "no ACPI tables" : !acpi.has_fadt ? "no FADT"
											     : "no \\_S5_ sleep type");
		return;
	}
	if (gas_usable(&acpi.sleep_control) && !gas_usable(&acpi.pm1a_cnt)) {
		hlog("power off: ACPI S5 (hardware-reduced SLEEP_CONTROL_REG %s SLP_TYP=%u)",
		     gas_str(&acpi.sleep_control, a, sizeof(a)), acpi.slp_typa);
		gas_write(&acpi.sleep_control,
			  ((uint32_t)(acpi.slp_typa & 7) << SLEEP_CTL_TYP_SHIFT) | SLEEP_CTL_SLP_EN);
	} else if (gas_usable(&acpi.pm1a_cnt)) {
		enter_acpi_mode(); /* its "acpi mode entered" line comes before the power-off line it leads to */
		hlog("power off: ACPI S5 (PM1a_CNT %s SLP_TYPa=%u, PM1b_CNT %s SLP_TYPb=%u)",
		     gas_str(&acpi.pm1a_cnt, a, sizeof(a)), acpi.slp_typa, gas_str(&acpi.pm1b_cnt, b, sizeof(b)),
		     acpi.slp_typb);
		__asm__ volatile("wbinvd" ::: "memory"); /* §16.1.6: flush caches before entering a sleep state */
		int b = gas_usable(&acpi.pm1b_cnt);
		pm1_sleep(&acpi.pm1a_cnt, acpi.slp_typa, 0);
		if (b)
			pm1_sleep(&acpi.pm1b_cnt, acpi.slp_typb, 0);
		pm1_sleep(&acpi.pm1a_cnt, acpi.slp_typa, 1);
		if (b)
			pm1_sleep(&acpi.pm1b_cnt, acpi.slp_typb, 1);
	} else {
		hlog("acpi power-off not possible: the FADT gives no usable PM1a_CNT or SLEEP_CONTROL register");
		return;
	}
	delay_ms(500);
	hlog("ACPI S5 power-off did not take effect within 500 ms");
}
