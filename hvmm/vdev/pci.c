/* SPDX-License-Identifier: MIT */
/*
 * pci.c — configuration mechanism #1 (PCI Local Bus Specification 3.0 §3.2.2.3.2): a doubleword written to CF8h
 * selects bus, device, function and register; CFCh-CFFh read or write the selected doubleword's bytes. Only bus 0
 * exists; an absent function (or another bus, or the enable bit clear) reads all ones and ignores writes, as a
 * master abort does. Byte, word and non-CF8h accesses to CF8h-CFBh are not CONFIG_ADDRESS (§3.2.2.3.2): the byte
 * at CF9h is the reset control register of Intel's chipsets (82371AB PIIX4 datasheet §4.1.17), whose RST_CPU bit
 * resets the guest (hvmm ends it with exit=reboot). The two functions here are an Intel 82441FX host bridge
 * (8086:1237) and an 82371SB PIIX3 ISA bridge (8086:7000): IDs Linux knows, with no registers beyond the header.
 */
#include "hvmm/vdev/pci.h"

#include <string.h>

#define ADDR_ENABLE (1u << 31)
#define ADDR_WRITABLE 0x80fffffcu /* enable, bus, device, function, register */
#define RCR_SYS_RST (1u << 1)
#define RCR_RST_CPU (1u << 2)
#define RCR_FULL_RST (1u << 3)

#define REG_COMMAND 0x04
#define REG_BAR0 0x10

void pci_config_init(struct pci_config *c, uint16_t vendor, uint16_t device, uint32_t class_rev, uint8_t header)
{
	memset(c, 0, sizeof(*c));
	c->bytes[0] = (uint8_t)vendor, c->bytes[1] = (uint8_t)(vendor >> 8);
	c->bytes[2] = (uint8_t)device, c->bytes[3] = (uint8_t)(device >> 8);
	for (unsigned i = 0; i < 4; i++)
		c->bytes[8 + i] = (uint8_t)(class_rev >> (8 * i)); /* revision ID, programming interface, class */
	c->bytes[0x0e] = header;
	c->wmask[REG_COMMAND] = 0x07; /* I/O space, memory space, bus master enables */
	c->wmask[REG_COMMAND + 1] = 0x04; /* interrupt disable */
	c->wmask[0x0c] = 0xff; /* cache line size */
	c->wmask[0x0d] = 0xff; /* latency timer */
	c->wmask[0x3c] = 0xff; /* interrupt line: for the OS's notes */
}

void pci_config_bar(struct pci_config *c, unsigned n, uint32_t size, uint32_t flags)
{
	uint32_t mask = ~(size - 1) & ((flags & 1) ? ~3u : ~15u);
	for (unsigned i = 0; i < 4; i++) {
		c->bytes[REG_BAR0 + 4 * n + i] = (uint8_t)(flags >> (8 * i));
		c->wmask[REG_BAR0 + 4 * n + i] = (uint8_t)(mask >> (8 * i));
	}
}

void pci_config_access(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, unsigned reg, unsigned size,
		       uint32_t *value)
{
	struct pci_config *c = dev;
	(void)ctx;
	if (dir == VDEV_IN) {
		uint32_t v = 0;
		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)c->bytes[reg + i] << (8 * i);
		*value = v;
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = c->wmask[reg + i], b = (uint8_t)(*value >> (8 * i));
		c->bytes[reg + i] = (uint8_t)((c->bytes[reg + i] & ~m) | (b & m));
	}
}

int pci_register(struct vdev_pci *pci, uint8_t devfn, pci_cfg_fn *fn, void *dev)
{
	if (pci->nfunctions == PCI_MAX_FUNCTIONS)
		return -1;
	for (unsigned i = 0; i < pci->nfunctions; i++)
		if (pci->function[i].devfn == devfn)
			return -1;
	pci->function[pci->nfunctions].devfn = devfn;
	pci->function[pci->nfunctions].fn = fn;
	pci->function[pci->nfunctions++].dev = dev;
	return 0;
}

/* The configuration access at CONFIG_DATA + byte: the selected function's register, or all ones. */
static void config_data(struct vdev_ctx *ctx, struct vdev_pci *pci, enum vdev_dir dir, unsigned byte, unsigned size,
			uint32_t *value)
{
	uint32_t a = pci->address;
	if (dir == VDEV_IN)
		*value = 0xffffffffu;
	if (!(a & ADDR_ENABLE) || ((a >> 16) & 0xff) != 0)
		return;
	uint8_t devfn = (uint8_t)(a >> 8);
	for (unsigned i = 0; i < pci->nfunctions; i++)
		if (pci->function[i].devfn == devfn) {
			pci->function[i].fn(ctx, pci->function[i].dev, dir, (a & 0xfc) + byte, size, value);
			return;
		}
}

static void io(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, uint16_t port, unsigned size, uint32_t *value)
{
	struct vdev_pci *pci = dev;
	if (port >= PCI_CONFIG_DATA) {
		unsigned byte = port - PCI_CONFIG_DATA;
		if (byte % size) { /* a misaligned access inside CONFIG_DATA: its bytes one by one */
			uint32_t in = 0;
			for (unsigned i = 0; i < size; i++) {
				uint32_t b = (*value >> (8 * i)) & 0xff;
				config_data(ctx, pci, dir, byte + i, 1, &b);
				in |= (b & 0xff) << (8 * i);
			}
			*value = in;
			return;
		}
		config_data(ctx, pci, dir, byte, size, value);
		return;
	}
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		if (dir == VDEV_IN)
			*value = pci->address;
		else
			pci->address = *value & ADDR_WRITABLE;
		return;
	}
	if (port == PCI_RESET_CONTROL && size == 1) {
		if (dir == VDEV_IN) {
			*value = pci->reset_control;
			return;
		}
		uint8_t v = (uint8_t)*value & (RCR_SYS_RST | RCR_RST_CPU | RCR_FULL_RST);
		if ((v & RCR_RST_CPU) && !(pci->reset_control & RCR_RST_CPU))
			ctx->host->power(ctx->guest, VDEV_POWER_RESET);
		pci->reset_control = v & (uint8_t)~RCR_RST_CPU; /* RST_CPU reads back 0 after the reset */
		return;
	}
	if (dir == VDEV_IN) /* other bytes and words of CF8h-CFBh: nothing decodes them */
		*value = 0xffffffffu;
}

int pci_init(struct vdev_pci *pci, struct vdev_bus *bus)
{
	memset(pci, 0, sizeof(*pci));
	pci_config_init(&pci->host_bridge, 0x8086, 0x1237, 0x06000002u, 0x00); /* class 06h/00h: host bridge */
	pci_config_init(&pci->isa_bridge, 0x8086, 0x7000, 0x06010000u, 0x00); /* class 06h/01h: ISA bridge */
	pci->host_bridge.bytes[REG_COMMAND] = 0x06; /* memory space, bus master: a host bridge forwards both */
	pci->isa_bridge.bytes[REG_COMMAND] = 0x07;
	if (pci_register(pci, PCI_DEVFN(0, 0), pci_config_access, &pci->host_bridge) ||
	    pci_register(pci, PCI_DEVFN(1, 0), pci_config_access, &pci->isa_bridge))
		return -1;
	return vdev_port_register(bus, PCI_CONFIG_ADDRESS, 8, VDEV_SIZE_1 | VDEV_SIZE_2 | VDEV_SIZE_4, io, pci);
}
