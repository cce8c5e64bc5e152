/* SPDX-License-Identifier: MIT */
/*
 * hostile_io (test guest): port I/O. Every port is intercepted (IOPM all ones) and no device is emulated, so IN reads
 * all ones, OUT is dropped and INS/OUTS raise #GP (docs/guest-abi.md). The guest pokes the devices hvmm and QEMU
 * depend on, each with the value that would do the most damage if it reached the hardware:
 *
 *   PIT    0x43 <- 0x30 (channel 0, mode 0), 0x40 <- 0 twice; 0x61 <- 0 (channel-2 gate, speaker)
 *   PIC    0x20/0xa0 <- 0x11 (ICW1: re-initialise), 0x21/0xa1 <- 0xff (mask everything)
 *   COM1   0x3fb <- 0x80 (DLAB: the next bytes set the baud rate), 0x3f8 <- "PWNED!" (would appear in the log)
 *   PCI    0xcf8 <- 0x80000000 (32-bit), 0xcfc -> must read 0xffffffff (no config space)
 *   QEMU   0xf4 <- 0 (isa-debug-exit: would power QEMU off with status 1), 0x604 <- 0x2000 (ACPI S5 on i440fx),
 *          0xb004 <- 0x2000 (old bochs power-off), 0x64 <- 0xfe (keyboard-controller reset), 0xcf9 <- 0x0e
 *          (PCI reset), 0x92 <- 0x01 (fast reset)
 *
 * then every port 0..0xffff with IN (byte, must read 0xff) and OUT (byte 0xfe: a reset command on 0x64 and 0xcf9),
 * 16- and 32-bit IN from 0xffff (the last port; 32-bit IN must zero RAX bits 63:32), and INSB/OUTSB (#GP).
 * If any of it reached the hardware, QEMU would reset or stop, or the serial log would show it. Exit 0.
 */
#include "hostile_idt.h"

static uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	(void)bi;
	hidt_install();

	/* Named devices. Each IN afterwards must still read all ones. */
	outb(0x43, 0x30);
	outb(0x40, 0);
	outb(0x40, 0);
	outb(0x61, 0);
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x3fb, 0x80);
	static const char pwned[] = "PWNED!";
	for (const char *p = pwned; *p; p++)
		outb(0x3f8, (uint8_t)*p);
	outb(0x3fb, 0x03);
	outl(0xcf8, 0x80000000u);
	outb(0xf4, 0);
	outw(0x604, 0x2000);
	outw(0xb004, 0x2000);
	outb(0x64, 0xfe);
	outb(0xcf9, 0x0e);
	outb(0x92, 0x01);
	gprintf("PASS writes to PIT, PIC, COM1, PCI config, debug-exit, ACPI, reset ports: still running\n");

	static const uint16_t named[] = { 0x40, 0x41, 0x42, 0x43, 0x61, 0x20, 0x21, 0xa0, 0xa1, 0x3f8, 0x3f9, 0x3fa,
					  0x3fb, 0x3fc, 0x3fd, 0x64, 0x60, 0x92, 0xf4, 0x70, 0x71, 0xcf9 };
	for (unsigned i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		uint8_t v = inb(named[i]);
		hostile_check(v == 0xff, "in from a device port reads 0xff", "port 0x%x: 0x%x", named[i], v);
	}
	uint64_t rax = 0x1234567812345678ull;
	__asm__ volatile("outl %%eax, %%dx\n\tmovabs $0x1234567812345678, %%rax\n\tinl %%dx, %%eax"
			 : "+a"(rax) : "d"(0xcfc) : "memory");
	hostile_check(rax == 0xffffffffull, "pci config read (0xcf8/0xcfc) reads 0xffffffff, RAX 63:32 cleared",
		      "0x%llx", (unsigned long long)rax);
	uint64_t w = 0x1234567812345678ull, l = 0x1234567812345678ull;
	__asm__ volatile("inw %%dx, %%ax" : "+a"(w) : "d"(0xffff));
	__asm__ volatile("inl %%dx, %%eax" : "+a"(l) : "d"(0xffff));
	hostile_check(w == 0x123456781234ffffull && l == 0xffffffffull, "16- and 32-bit in from port 0xffff",
		      "inw 0x%llx inl 0x%llx", (unsigned long long)w, (unsigned long long)l);

	static char buf[4];
	char *dst = buf;
	long x = HIDT_TRY("rep insb", : "+D"(dst) : "d"(0x3f8), "c"(4ul) : "memory");
	hostile_expect_vec("insb raises #GP", x, 13);
	x = HIDT_TRY("rep outsb", : : "S"(pwned), "d"(0x3f8), "c"(6ul) : "memory");
	hostile_expect_vec("outsb raises #GP", x, 13);

	/* The sweep: 65536 OUTs, then 65536 INs. */
	uint64_t t0 = rdtsc();
	for (uint32_t port = 0; port <= 0xffff; port++)
		outb((uint16_t)port, 0xfe);
	unsigned bad = 0, first_bad = 0;
	for (uint32_t port = 0; port <= 0xffff; port++)
		if (inb((uint16_t)port) != 0xff && bad++ == 0)
			first_bad = port;
	uint64_t cycles = rdtsc() - t0;
	hostile_check(bad == 0, "sweep: out 0xfe to every port, then in from every port reads 0xff",
		      "%u ports read something else (first 0x%x); %llu TSC cycles for 131072 exits", bad, first_bad,
		      (unsigned long long)cycles);
	return hostile_status();
}
