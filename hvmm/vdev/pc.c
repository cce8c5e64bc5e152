/* SPDX-License-Identifier: MIT */
/* pc.c — a guest's virtual PC: create its devices, route each ISA line both to the 8259A pair (whose output reaches
 * the CPU through the local APIC's LINT0 while it is unmasked in ExtINT mode) and to the I/O APIC (whose entries
 * start masked): the guest's choice of one, masking the other, decides which delivers, as on a PC. Poll the timers,
 * dispatch the device pages, broadcast level-triggered EOIs to the I/O APIC. */
#include "hvmm/vdev/pc.h"

#include "hvmm/vdev/kbcreset.h"

int vdev_pc_init(struct vdev_pc *pc, struct vdev_bus *bus, uint64_t tsc_khz, const struct vdev_pc_config *cfg,
		 const char **why)
{
	if (pic_init(&pc->pic, bus) || pit_init(&pc->pit, bus, tsc_khz) ||
	    uart_init(&pc->com1, bus, PC_COM1, PC_COM1_IRQ) ||
	    rtc_init(&pc->rtc, bus, tsc_khz, cfg->unix_time, cfg->tsc, cfg->ram_bytes) ||
	    fwcfg_init(&pc->fwcfg, bus, cfg->ram_bytes, cfg->ncpus) ||
	    acpipm_init(&pc->acpipm, bus, tsc_khz, cfg->tsc) || pci_init(&pc->pci, bus) || kbcreset_init(bus)) {
		*why = "device ports overlap or the port table is full";
		return -1;
	}
	vlapic_init(&pc->lapic, tsc_khz);
	ioapic_init(&pc->ioapic);
	hpet_init(&pc->hpet, tsc_khz);
	pc->isa_next_event = 0; /* the first poll updates every timer */
	return 0;
}

static void isa_line(struct vdev_pc *pc, unsigned irq, int level)
{
	pc->gen++;
	pc->irqs_raised += level != 0;
	pic_set_irq(&pc->pic, irq, level);
	ioapic_set_pin(&pc->ioapic, &pc->lapic, PC_ISA_GSI(irq), level);
}

void vdev_irq_set(struct vdev_ctx *ctx, unsigned irq, int level)
{
	struct vdev_pc *pc = ctx->pc;
	if (!pc || irq >= 16 || ((irq == 0 || irq == 8) && hpet_legacy(&pc->hpet)))
		return;
	isa_line(pc, irq, level);
}

void vdev_legacy_irq_set(struct vdev_ctx *ctx, unsigned irq, int level)
{
	if (ctx->pc && irq < 16)
		isa_line(ctx->pc, irq, level);
}

void vdev_gsi_set(struct vdev_ctx *ctx, unsigned gsi, int level)
{
	struct vdev_pc *pc = ctx->pc;
	if (!pc)
		return;
	pc->gen++;
	pc->irqs_raised += level != 0;
	ioapic_set_pin(&pc->ioapic, &pc->lapic, gsi, level);
}

void vdev_changed(struct vdev_ctx *ctx)
{
	if (ctx->pc)
		vdev_pc_changed(ctx->pc);
}

/* A virtio BAR's access (vdev_pc_mmio), kept out of line: the APIC's accesses do not pay for its frame. */
static __attribute__((noinline)) int virtio_mmio(struct vdev_pc *pc, struct vdev_ctx *ctx, enum vdev_dir dir,
						  uint64_t gpa, unsigned size, uint64_t *value)
{
	struct virtio_pci *vp = vdev_pc_virtio_at(pc, gpa);
	if (!vp)
		return -1;
	virtio_pci_mmio(ctx, vp, dir, gpa, size, value);
	return 0;
}

int vdev_pc_mmio(struct vdev_pc *pc, struct vdev_ctx *ctx, enum vdev_dir dir, uint64_t gpa, unsigned size,
		 uint64_t *value)
{
	if (dir == VDEV_OUT)
		pc->gen++; /* a register of a device page written (reads have no side effects but through lines) */
	if (gpa - LAPIC_BASE < LAPIC_SIZE) {
		vlapic_mmio(ctx, &pc->lapic, dir, (uint32_t)(gpa - LAPIC_BASE), size, value);
		if (pc->lapic.eoi_level >= 0) { /* EOI of a level-triggered interrupt: broadcast (82093AA §2.4) */
			uint8_t v = (uint8_t)pc->lapic.eoi_level;
			pc->lapic.eoi_level = -1;
			ioapic_eoi(&pc->ioapic, &pc->lapic, v);
		}
		return 0;
	}
	if (gpa - IOAPIC_BASE < IOAPIC_SIZE) {
		ioapic_mmio(&pc->ioapic, &pc->lapic, dir, (uint32_t)(gpa - IOAPIC_BASE), size, value);
		return 0;
	}
	if (gpa - HPET_BASE < HPET_SIZE) {
		hpet_mmio(&pc->hpet, ctx, dir, (uint32_t)(gpa - HPET_BASE), size, value);
		vdev_pc_changed(pc); /* its next match may have moved */
		return 0;
	}
	return virtio_mmio(pc, ctx, dir, gpa, size, value);
}

struct virtio_pci *vdev_pc_virtio_at(const struct vdev_pc *pc, uint64_t gpa)
{
	for (unsigned i = 0; i < pc->nvirtio; i++)
		if (virtio_pci_claims(pc->virtio[i], gpa))
			return pc->virtio[i];
	return NULL;
}

int vdev_pc_virtio_slot(const struct vdev_pc *pc, uint8_t *devfn, uint32_t *bar, uint8_t *gsi)
{
	if (pc->nvirtio == PC_VIRTIO_MAX)
		return -1;
	*devfn = PCI_DEVFN(PC_VIRTIO_SLOT0 + pc->nvirtio, 0);
	*bar = PC_VIRTIO_BAR0 + pc->nvirtio * VIRTIO_BAR_SIZE;
	*gsi = (uint8_t)(PC_VIRTIO_GSI0 + pc->nvirtio);
	return 0;
}

void vdev_pc_virtio_add(struct vdev_pc *pc, struct virtio_pci *vp)
{
	if (pc->nvirtio < PC_VIRTIO_MAX)
		pc->virtio[pc->nvirtio++] = vp;
}

/* Does IRQ 0 reach the CPU through the I/O APIC (pin 2 unmasked, edge, fixed or lowest priority)? Then its vector. */
static int irq0_ioapic_vector(const struct vdev_pc *pc)
{
	uint64_t e = pc->ioapic.redir[PC_ISA_GSI(0)];
	if ((e & (IOAPIC_RTE_MASK | IOAPIC_RTE_LEVEL)) || ((e >> IOAPIC_RTE_DM_SHIFT) & 7) > 1)
		return -1;
	return (int)(e & IOAPIC_RTE_VECTOR);
}

/* Ticks of IRQ 0 coalesced by the last timer update: kept for later while the I/O APIC routes IRQ 0, and delivered
 * one at a time once the guest took the previous one (its vector no longer in IRR): a guest that counts ticks
 * (Linux's check that the timer works, jiffies) sees them even when it did not run for a while. */
static void irq0_catch_up(struct vdev_pc *pc, uint64_t missed)
{
	int v = irq0_ioapic_vector(pc);
	if (v < 0) {
		pc->irq0_backlog = 0;
		return;
	}
	missed += pc->irq0_backlog;
	pc->irq0_backlog = missed > PC_IRQ0_BACKLOG ? PC_IRQ0_BACKLOG : (uint32_t)missed;
	if (pc->irq0_backlog && !(pc->lapic.irr[v >> 5] & (1u << (v & 31)))) {
		pc->irq0_backlog--;
		pc->irq0_caught_up++;
		isa_line(pc, 0, 1);
		isa_line(pc, 0, 0);
	}
}

/* Does an interrupt wait for the CPU: the local APIC's (above the PPR), or the 8259A's INTR through LINT0? The
 * APIC's vector is kept for vdev_pc_ack. */
static int interrupt_waits(struct vdev_pc *pc)
{
	pc->lapic_vector = vlapic_pending(&pc->lapic);
	return pc->lapic_vector >= 0 || (pic_intr(&pc->pic) && vlapic_accepts_extint(&pc->lapic));
}

int vdev_pc_poll(struct vdev_pc *pc, struct vdev_ctx *ctx, uint64_t now)
{
	uint64_t missed = 0;
	if (now >= pc->isa_next_event) { /* otherwise neither has anything to do before isa_next_event */
		uint64_t edges = pc->pit.ch[0].edges;
		pit_update(&pc->pit, ctx, now);
		if (pc->pit.ch[0].edges > edges + 1 && !hpet_legacy(&pc->hpet))
			missed = pc->pit.ch[0].edges - edges - 1;
		rtc_update(&pc->rtc, ctx, now);
		hpet_update(&pc->hpet, ctx, now);
		uint64_t a = pit_deadline(&pc->pit), b = rtc_deadline(&pc->rtc), c = hpet_deadline(&pc->hpet);
		a = a < b ? a : b;
		pc->isa_next_event = a < c ? a : c;
		missed += pc->hpet.missed0;
		pc->hpet.missed0 = 0;
	}
	if (missed || pc->irq0_backlog)
		irq0_catch_up(pc, missed);
	vlapic_update(&pc->lapic, now);
	return interrupt_waits(pc);
}

int vdev_pc_pending(struct vdev_pc *pc)
{
	if (pc->irq0_backlog)
		irq0_catch_up(pc, 0);
	return interrupt_waits(pc);
}

uint8_t vdev_pc_ack(struct vdev_pc *pc)
{
	int v = pc->lapic_vector; /* as the poll found it, nothing changed since */
	if (v >= 0) {
		vlapic_ack(&pc->lapic, (unsigned)v);
		return (uint8_t)v;
	}
	return pic_ack(&pc->pic);
}

/* Can ISA line irq reach the CPU: through the 8259A (unmasked there, its INTR taken through LINT0 in ExtINT mode)
 * or through the I/O APIC (its pin unmasked)? */
static int isa_routed(const struct vdev_pc *pc, unsigned irq)
{
	return (vlapic_accepts_extint(&pc->lapic) && pic_unmasked(&pc->pic, irq)) ||
	       !(pc->ioapic.redir[PC_ISA_GSI(irq)] & IOAPIC_RTE_MASK);
}

uint64_t vdev_pc_deadline(const struct vdev_pc *pc)
{
	uint64_t a = isa_routed(pc, PIT_IRQ) ? pit_deadline(&pc->pit) : UINT64_MAX;
	uint64_t b = isa_routed(pc, RTC_IRQ) ? rtc_deadline(&pc->rtc) : UINT64_MAX;
	uint64_t c = vlapic_deadline(&pc->lapic), d = hpet_deadline(&pc->hpet);
	a = a < b ? a : b;
	c = c < d ? c : d;
	return a < c ? a : c;
}

int vdev_pc_input_wakes(const struct vdev_pc *pc)
{
	return uart_rx_irq_enabled(&pc->com1) && isa_routed(pc, PC_COM1_IRQ);
}

uint64_t vdev_pc_next_event(const struct vdev_pc *pc)
{
	uint64_t l = vlapic_deadline(&pc->lapic);
	return pc->isa_next_event < l ? pc->isa_next_event : l;
}
