/* SPDX-License-Identifier: MIT */
/*
 * pci.h — the PCI bus of a guest's PC: configuration mechanism #1 (PCI Local Bus Specification 3.0 §3.2.2.3.2:
 * CONFIG_ADDRESS at CF8h, CONFIG_DATA at CFCh-CFFh) on bus 0, one configuration-space dispatch that every device
 * function plugs into (pci_register), a generic type-0 configuration header with sizable BARs (struct pci_config),
 * the host bridge at 00:00.0 and the ISA bridge at 00:01.0, and the reset control register at CF9h.
 */
#ifndef HVMM_VDEV_PCI_H
#define HVMM_VDEV_PCI_H
#include <stdint.h>

#include "hvmm/vdev/vdev.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_RESET_CONTROL 0xcf9 /* byte accesses: the reset control register (as on Intel's PIIX/ICH chipsets) */
#define PCI_CONFIG_DATA 0xcfc
#define PCI_MAX_FUNCTIONS 8 /* functions on bus 0 */
#define PCI_DEVFN(dev, fn) ((uint8_t)((dev) << 3 | (fn)))

/* A function's configuration space access: size bytes (1, 2, 4) at reg (aligned to size, < 256). */
typedef void pci_cfg_fn(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, unsigned reg, unsigned size,
			uint32_t *value);

/* A type-0 configuration space held in memory: bytes as the guest reads them, and which bits it may write (BARs:
 * the address bits above the size, so writing all ones and reading back sizes the BAR). */
struct pci_config {
	uint8_t bytes[256];
	uint8_t wmask[256];
};

struct vdev_pci {
	uint32_t address; /* CONFIG_ADDRESS as written (bit 31 enable, bus 23:16, device 15:11, function 10:8, reg 7:2) */
	uint8_t reset_control; /* CF9h: SYS_RST (bit 1), RST_CPU (bit 2: 0 -> 1 resets), FULL_RST (bit 3) */
	unsigned nfunctions;
	struct {
		uint8_t devfn;
		pci_cfg_fn *fn;
		void *dev;
	} function[PCI_MAX_FUNCTIONS];
	struct pci_config host_bridge, isa_bridge;
};

/* Claim CF8h-CFFh and plug in the host bridge (00:00.0) and the ISA bridge (00:01.0). */
int pci_init(struct vdev_pci *pci, struct vdev_bus *bus);
/* Plug fn(dev) in as bus 0's function devfn. Returns 0, or -1 if devfn is taken or the table is full. */
int pci_register(struct vdev_pci *pci, uint8_t devfn, pci_cfg_fn *fn, void *dev);

/* A configuration header: vendor, device, class (base, sub, programming interface), revision, header type. */
void pci_config_init(struct pci_config *c, uint16_t vendor, uint16_t device, uint32_t class_rev, uint8_t header);
/* BAR n (0-5): size bytes (a power of two), flags its low bits (bit 0: I/O space; bits 2:1 type, bit 3 prefetch). */
void pci_config_bar(struct pci_config *c, unsigned n, uint32_t size, uint32_t flags);
/* A pci_cfg_fn for a struct pci_config (dev). */
void pci_config_access(struct vdev_ctx *ctx, void *dev, enum vdev_dir dir, unsigned reg, unsigned size,
		       uint32_t *value);

#endif
