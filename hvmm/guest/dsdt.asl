/*
 * SPDX-License-Identifier: MIT
 * dsdt.asl — the Differentiated System Description Table of hvmm's virtual PC (ACPI Specification 6.4 §5.2.11.1,
 * ASL: chapter 19), compiled by acpica-tools' iasl at build time and placed by hvmm/guest/pcacpi.c. The fixed tables
 * (FADT, MADT, HPET) are built in lib/acpitab.c; the addresses here match hvmm/vdev/pc.h and docs/guest-abi.md.
 */
DefinitionBlock ("", "DSDT", 2, "HVMM  ", "HVMMPC  ", 1)
{
    /* S5 (soft off): SLP_TYPa = SLP_TYPb = 5, written with SLP_EN to PM1a_CNT (hvmm/vdev/acpipm.c) */
    Name (\_S5, Package (0x04) { 0x05, 0x05, 0x00, 0x00 })

    Scope (\_SB)
    {
        /* The PCI host bridge (configuration mechanism #1 at CF8h/CFCh, hvmm/vdev/pci.c): bus 0 */
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A03"))
            Name (_UID, 0x00)
            Name (_BBN, 0x00)
            Name (_CRS, ResourceTemplate ()
            {
                WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
                    0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
                IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8)
                WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
                    0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300)
                /* legacy VGA window, then the 32-bit window for BARs: 3 GiB up to the I/O APIC */
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite,
                    0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000)
                DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
                    0x00000000, 0xC0000000, 0xFEBFFFFF, 0x00000000, 0x3EC00000)
            })

            /* PCI interrupt routing (ACPI 6.4 §6.2.13): INTA# of slots 2-7, where the virtio devices sit
             * (hvmm/vdev/pc.h PC_VIRTIO_*), to I/O APIC inputs 16-21; a GSI without a link device is
             * level-triggered, active low */
            Name (_PRT, Package (0x06)
            {
                Package (0x04) { 0x0002FFFF, 0x00, 0x00, 0x10 },
                Package (0x04) { 0x0003FFFF, 0x00, 0x00, 0x11 },
                Package (0x04) { 0x0004FFFF, 0x00, 0x00, 0x12 },
                Package (0x04) { 0x0005FFFF, 0x00, 0x00, 0x13 },
                Package (0x04) { 0x0006FFFF, 0x00, 0x00, 0x14 },
                Package (0x04) { 0x0007FFFF, 0x00, 0x00, 0x15 }
            })

            /* The ISA bridge at 00:01.0 and the ISA devices behind it */
            Device (ISA)
            {
                Name (_ADR, 0x00010000)

                Device (COM1)
                {
                    Name (_HID, EisaId ("PNP0501"))
                    Name (_UID, 0x01)
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x03F8, 0x03F8, 0x08, 0x08)
                        IRQNoFlags () {4}
                    })
                }

                Device (RTC)
                {
                    Name (_HID, EisaId ("PNP0B00"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)
                        IRQNoFlags () {8}
                    })
                }

                Device (TMR)
                {
                    Name (_HID, EisaId ("PNP0100"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0040, 0x0040, 0x01, 0x04)
                        IRQNoFlags () {0}
                    })
                }

                Device (PIC)
                {
                    Name (_HID, EisaId ("PNP0000"))
                    Name (_CRS, ResourceTemplate ()
                    {
                        IO (Decode16, 0x0020, 0x0020, 0x01, 0x02)
                        IO (Decode16, 0x00A0, 0x00A0, 0x01, 0x02)
                        IRQNoFlags () {2}
                    })
                }
            }
        }
    }
}
