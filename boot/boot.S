/* SPDX-License-Identifier: MIT */
/*
 * boot.S — multiboot2 and multiboot v1 headers and 32-bit entry: check the loader magic and long mode, build identity page tables for
 * the first 4 GiB (2 MiB pages), enable PAE, EFER.LME (and NXE when present) and paging, load a 64-bit GDT, clear BSS
 * and call hvmm_main(magic, mbi) with GS base = the BSP's struct cpu. Multiboot2 spec §3.1 (header) and §3.3 (machine state: EAX = magic, EBX = MBI,
 * protected mode, paging off, interrupts off); Multiboot 0.6.96 §3.1 and §3.2 (the same state, EAX = 0x2badb002).
 * AMD APM Vol. 2 §14.6 (enabling long mode).
 *
 * A failed check prints one line on COM1 and VGA text memory and halts.
 */
#include "hvmm/core/percpu.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB1_HEADER_MAGIC 0x1badb002
#define MB1_BOOTLOADER_MAGIC 0x2badb002
/* Multiboot 0.6.96 §3.1.2: modules page aligned (bit 0), memory map wanted (bit 1), address fields valid (bit 16). */
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))
#define COM1 0x3f8

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long 0 /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + 0 + (mb2_header_end - mb2_header))
	/*
	 * Console flags tag (spec §3.1.9), optional: EGA text is supported (bit 1), no console required. With the
	 * framebuffer tag below, GRUB may fall back to EGA text when it cannot set a graphics mode (BIOS).
	 */
	.balign 8
	.word 4, 1
	.long 12
	.long 1 << 1
	/*
	 * Framebuffer tag (spec §3.1.10), optional: prefer 1024x768 at 32 bpp (GRUB takes the nearest mode it has, or
	 * keeps text). Under UEFI there is no text mode, so a linear framebuffer is the only screen (hvmm/core/fbcon.c).
	 */
	.balign 8
	.word 5, 1
	.long 20
	.long 1024, 768, 32
	/* end tag (spec §3.1.3) */
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:

	/*
	 * Multiboot v1 header (0.6.96 §3.1.1) for loaders without multiboot2, such as QEMU's -kernel. QEMU loads no
	 * ELF64 image, so the address fields say where the file goes: the file from __image_start's offset is copied
	 * to __image_start up to __load_end, zeroed up to __bss_end (linker.ld keeps file offsets and addresses in
	 * step), and entered at _start. Within the first 8192 bytes of the file, 4-byte aligned.
	 */
	.balign 4
mb1_header:
	.long MB1_HEADER_MAGIC
	.long MB1_FLAGS
	.long -(MB1_HEADER_MAGIC + MB1_FLAGS)
	.long mb1_header /* header_addr */
	.long __image_start /* load_addr */
	.long __load_end /* load_end_addr */
	.long __bss_end /* bss_end_addr */
	.long _start /* entry_addr */

	.section .text.boot32, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov $boot_stack_top, %esp
	mov %eax, %edi /* magic */
	mov %ebx, %esi /* MBI physical address */

	cmp $MB2_BOOTLOADER_MAGIC, %edi
	je 1f
	cmp $MB1_BOOTLOADER_MAGIC, %edi
	jne .Lbad_magic
1:

	/* Long mode: CPUID 8000_0001h EDX bit 29. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb .Lno_long_mode
	mov $0x80000001, %eax
	cpuid
	bt $29, %edx
	jnc .Lno_long_mode
	mov %edx, %ebp /* keep EDX: bit 20 = NX */

	/* CR4.PAE (bit 5). */
	mov %cr4, %eax
	or $(1 << 5), %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3

	/* EFER (C000_0080h): LME (bit 8), NXE (bit 11) when CPUID reports NX. */
	mov $0xc0000080, %ecx
	rdmsr
	or $(1 << 8), %eax
	bt $20, %ebp
	jnc 1f
	or $(1 << 11), %eax
1:	wrmsr

	/* CR0: PE | WP | PG. */
	mov %cr0, %eax
	or $0x80010001, %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_entry

/* Print the NUL-terminated string at %esi on COM1 and the first VGA text line, then halt forever. */
.Lbad_magic:
	mov $msg_bad_magic, %esi
	jmp boot_fail
.Lno_long_mode:
	mov $msg_no_long_mode, %esi
boot_fail:
	/* 16550 at 115200 8N1: DLAB, divisor 1, 8N1, FIFO on. */
	mov $(COM1 + 1), %dx; xor %al, %al; out %al, %dx
	mov $(COM1 + 3), %dx; mov $0x80, %al; out %al, %dx
	mov $(COM1 + 0), %dx; mov $1, %al; out %al, %dx
	mov $(COM1 + 1), %dx; xor %al, %al; out %al, %dx
	mov $(COM1 + 3), %dx; mov $0x03, %al; out %al, %dx
	mov $(COM1 + 2), %dx; mov $0xc7, %al; out %al, %dx
	mov $0xb8000, %edi
2:	lodsb
	test %al, %al
	jz 4f
	mov %al, %bl
	mov $(COM1 + 5), %dx
3:	in %dx, %al
	test $0x20, %al
	jz 3b
	mov $COM1, %dx
	mov %bl, %al
	out %al, %dx
	mov $0x4f, %ah /* white on red */
	mov %bl, %al
	mov %ax, (%edi)
	add $2, %edi
	jmp 2b
4:	cli
	hlt
	jmp 4b

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	mov %edi, %r12d
	mov %esi, %r13d
	/* Clear BSS (the stack is empty, so clearing it too is harmless). */
	mov $__bss_start, %rdi
	mov $__bss_end, %rcx
	sub %rdi, %rcx
	xor %eax, %eax
	rep stosb
	/* The BSP's struct cpu (hvmm/core/percpu.h): cpus[0].self = &cpus[0], GS base = &cpus[0], for this_cpu(). */
	lea cpus(%rip), %rax
	mov %rax, cpus + CPU_SELF(%rip)
	mov %rax, %rdx
	shr $32, %rdx
	mov $MSR_GS_BASE, %ecx
	wrmsr
	mov %r12d, %edi
	mov %r13d, %esi
	call hvmm_main
5:	cli
	hlt
	jmp 5b

	.section .rodata
msg_bad_magic:
	.asciz "hvmm: error: bad multiboot magic in EAX (boot hvmm with a multiboot2 or multiboot v1 loader: GRUB 2, QEMU -kernel)\r\n"
msg_no_long_mode:
	.asciz "hvmm: error: CPU has no long mode (CPUID 8000_0001h EDX bit 29 is clear)\r\n"

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff /* 0x10: flat data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

/*
 * Boot page tables as data: PML4[0] -> PDPT; PDPT[0..3] -> 4 PDs; each PD maps 1 GiB with 2 MiB pages
 * (P | RW | PS = 0x83). The 3-4 GiB range (MMIO: LAPIC, IOAPIC, HPET) is mapped uncacheable (PCD | PWT).
 * hvmm runs on this identity map until paging_init (hvmm/x86/paging.c) replaces it with one built from the memory map.
 */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad boot_pdpt + 0x3
	.fill 511, 8, 0
boot_pdpt:
	.quad boot_pd + 0x0000 + 0x3
	.quad boot_pd + 0x1000 + 0x3
	.quad boot_pd + 0x2000 + 0x3
	.quad boot_pd + 0x3000 + 0x3
	.fill 508, 8, 0
boot_pd:
	.set i, 0
	.rept 2048
	.if i >= 1536
	.quad (i << 21) | 0x9b
	.else
	.quad (i << 21) | 0x83
	.endif
	.set i, i + 1
	.endr

	.section .bss
	.balign 16
	.globl boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
