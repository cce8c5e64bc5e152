/* SPDX-License-Identifier: MIT */
/*
 * acpipm.c — ACPI fixed hardware registers (ACPI Specification 6.4 §4.8.3): PM1_STS (write 1 to clear), PM1_EN,
 * PM1_CNT and the PM timer (§4.8.3.3: a free-running 3.579545 MHz counter, 32 bits wide as the FADT's TMR_VAL_EXT
 * says). Writing SLP_EN with SLP_TYP = 5 (the DSDT's \_S5) powers the guest off; other sleep types are not offered
 * (the DSDT declares none) and are ignored. No fixed event is ever raised here (no power or sleep button, no timer
 * overflow event: TMR_STS stays 0), so the SCI line stays low.
 */
#include "hvmm/vdev/acpipm.h"

#define CNT_SCI_EN (1u << 0)
#define CNT_SLP_TYP_SHIFT 10
#define CNT_SLP_EN (1u << 13)
#define CNT_WRITABLE 0x1c07u /* SCI_EN, BM_RLD, GBL_RLS, SLP_TYP */
#define EN_WRITABLE 0x0721u /* TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN */

static void io(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size, uint32_t *value)
{
	struct vdev_acpipm *pm = dev;
	unsigned off = port - ACPIPM_BASE;
	if (dir == VDEV_IN) {
		if (off >= 8) { /* PM_TMR, any width: the counter's bytes from off */
			uint32_t t = (uint32_t)clock_ticks(&pm->clock, vdev_now(ctx) - pm->start);
			*value = t >> (8 * (off - 8));
		} else {
			uint64_t regs = pm->sts | (uint64_t)pm->en << 16 | (uint64_t)pm->cnt << 32;
			*value = (uint32_t)(regs >> (8 * off));
		}
		(void)size;
		return;
	}
	for (unsigned i = 0; i < size && off + i < 8; i++) { /* byte by byte: PM1 registers are 16 bits wide */
		unsigned o = off + i, sh = 8 * (o & 1);
		uint16_t b = (uint16_t)(((*value >> (8 * i)) & 0xff) << sh);
		if (o < 2)
			pm->sts &= (uint16_t)~b;
		else if (o < 4)
			pm->en = (uint16_t)((pm->en & ~(0xffu << sh)) | (b & EN_WRITABLE));
		else if (o < 6) {
			uint16_t w = (uint16_t)((pm->cnt & ~(0xffu << sh)) | b);
			pm->cnt = w & CNT_WRITABLE;
			if ((w & CNT_SLP_EN) && ((w >> CNT_SLP_TYP_SHIFT) & 7) == ACPIPM_SLP_TYP_S5)
				ctx->host->power(ctx->guest, VDEV_POWER_OFF);
		}
	}
}

int acpipm_init(struct vdev_acpipm *pm, struct vdev_bus *bus, uint64_t tsc_khz, uint64_t now)
{
	*pm = (struct vdev_acpipm){ .cnt = CNT_SCI_EN, .start = now };
	clock_init(&pm->clock, ACPIPM_TIMER_HZ, tsc_khz);
	return vdev_port_register(bus, ACPIPM_BASE, ACPIPM_PORTS, VDEV_SIZE_1 | VDEV_SIZE_2 | VDEV_SIZE_4, io, pm);
}
