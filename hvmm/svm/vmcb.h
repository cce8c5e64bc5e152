/* SPDX-License-Identifier: MIT */
/*
 * vmcb.h — the Virtual Machine Control Block: control area (APM Vol. 2 Appendix B, Table B-1), state-save area
 * (Table B-2), intercept bits (§15.9–15.13), exit codes (Appendix C) and event-injection format (§15.20).
 * The VMCB is one 4 KiB page, 4 KiB aligned, found by physical address.
 */
#ifndef HVMM_VMCB_H
#define HVMM_VMCB_H
#include <stddef.h>
#include <stdint.h>

/* Segment register in the save area: attrib is the packed 12-bit form (APM Vol. 2 Table B-2). */
struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib; /* type[3:0] S[4] DPL[6:5] P[7] AVL[8] L[9] D/B[10] G[11] */
	uint32_t limit; /* bytes, expanded */
	uint64_t base;
} __attribute__((packed));
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment is 16 bytes");

struct vmcb_control {
	uint16_t intercept_cr_read; /* 000h: bit n = CRn */
	uint16_t intercept_cr_write; /* 002h */
	uint16_t intercept_dr_read; /* 004h */
	uint16_t intercept_dr_write; /* 006h */
	uint32_t intercept_exceptions; /* 008h: bit n = vector n */
	uint32_t intercept_misc1; /* 00Ch: INTERCEPT1_* */
	uint32_t intercept_misc2; /* 010h: INTERCEPT2_* */
	uint32_t intercept_misc3; /* 014h */
	uint8_t reserved_0x018[0x03c - 0x018];
	uint16_t pause_filter_threshold; /* 03Ch */
	uint16_t pause_filter_count; /* 03Eh */
	uint64_t iopm_base_pa; /* 040h */
	uint64_t msrpm_base_pa; /* 048h */
	uint64_t tsc_offset; /* 050h */
	uint32_t asid; /* 058h: never 0 */
	uint8_t tlb_control; /* 05Ch: TLB_CONTROL_* */
	uint8_t reserved_0x05d[3];
	uint32_t int_ctl; /* 060h: V_TPR, V_IRQ, V_INTR_MASKING, ... (INT_CTL_*) */
	uint32_t int_vector; /* 064h */
	uint64_t int_state; /* 068h: bit 0 = interrupt shadow */
	uint64_t exitcode; /* 070h */
	uint64_t exitinfo1; /* 078h */
	uint64_t exitinfo2; /* 080h */
	uint64_t exitintinfo; /* 088h */
	uint64_t np_control; /* 090h: bit 0 = NP_ENABLE */
	uint64_t avic_apic_bar; /* 098h */
	uint64_t ghcb_pa; /* 0A0h */
	uint64_t eventinj; /* 0A8h */
	uint64_t ncr3; /* 0B0h: nested page-table root (host physical) */
	uint64_t virt_ext; /* 0B8h: bit 0 LBR virtualization, bit 1 VMSAVE/VMLOAD virtualization */
	uint32_t clean; /* 0C0h: VMCB clean bits (§15.15) */
	uint32_t reserved_0x0c4;
	uint64_t nrip; /* 0C8h: next sequential RIP (NRIPS) */
	uint8_t insn_len; /* 0D0h: bytes fetched (decode assists) */
	uint8_t insn_bytes[15]; /* 0D1h */
	uint8_t reserved_0x0e0[0x400 - 0x0e0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 400h..45Fh */
	struct vmcb_seg gdtr, ldtr, idtr, tr; /* 460h..49Fh */
	uint8_t reserved_0x4a0[0x4cb - 0x4a0];
	uint8_t cpl; /* 4CBh */
	uint32_t reserved_0x4cc;
	uint64_t efer; /* 4D0h */
	uint8_t reserved_0x4d8[0x548 - 0x4d8];
	uint64_t cr4; /* 548h */
	uint64_t cr3; /* 550h */
	uint64_t cr0; /* 558h */
	uint64_t dr7; /* 560h */
	uint64_t dr6; /* 568h */
	uint64_t rflags; /* 570h */
	uint64_t rip; /* 578h */
	uint8_t reserved_0x580[0x5d8 - 0x580];
	uint64_t rsp; /* 5D8h */
	uint8_t reserved_0x5e0[0x5f8 - 0x5e0];
	uint64_t rax; /* 5F8h */
	uint64_t star; /* 600h */
	uint64_t lstar; /* 608h */
	uint64_t cstar; /* 610h */
	uint64_t sfmask; /* 618h */
	uint64_t kernel_gs_base; /* 620h */
	uint64_t sysenter_cs; /* 628h */
	uint64_t sysenter_esp; /* 630h */
	uint64_t sysenter_eip; /* 638h */
	uint64_t cr2; /* 640h */
	uint8_t reserved_0x648[0x668 - 0x648];
	uint64_t g_pat; /* 668h: guest PAT, used with NP_ENABLE */
	uint64_t dbgctl; /* 670h */
	uint64_t br_from; /* 678h */
	uint64_t br_to; /* 680h */
	uint64_t lastexcpfrom; /* 688h */
	uint64_t lastexcpto; /* 690h */
	uint8_t reserved_0x698[0x1000 - 0x698];
} __attribute__((packed));

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __attribute__((packed, aligned(4096)));

#define VMCB_CHECK(type, field, off) _Static_assert(offsetof(type, field) == (off), #type "." #field " at " #off)
_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area is 400h bytes");
_Static_assert(sizeof(struct vmcb) == 0x1000, "VMCB is one 4 KiB page");
VMCB_CHECK(struct vmcb_control, intercept_exceptions, 0x008);
VMCB_CHECK(struct vmcb_control, intercept_misc1, 0x00c);
VMCB_CHECK(struct vmcb_control, intercept_misc2, 0x010);
VMCB_CHECK(struct vmcb_control, intercept_misc3, 0x014);
VMCB_CHECK(struct vmcb_control, pause_filter_count, 0x03e);
VMCB_CHECK(struct vmcb_control, iopm_base_pa, 0x040);
VMCB_CHECK(struct vmcb_control, msrpm_base_pa, 0x048);
VMCB_CHECK(struct vmcb_control, tsc_offset, 0x050);
VMCB_CHECK(struct vmcb_control, asid, 0x058);
VMCB_CHECK(struct vmcb_control, tlb_control, 0x05c);
VMCB_CHECK(struct vmcb_control, int_ctl, 0x060);
VMCB_CHECK(struct vmcb_control, int_vector, 0x064);
VMCB_CHECK(struct vmcb_control, int_state, 0x068);
VMCB_CHECK(struct vmcb_control, exitcode, 0x070);
VMCB_CHECK(struct vmcb_control, exitinfo1, 0x078);
VMCB_CHECK(struct vmcb_control, exitinfo2, 0x080);
VMCB_CHECK(struct vmcb_control, exitintinfo, 0x088);
VMCB_CHECK(struct vmcb_control, np_control, 0x090);
VMCB_CHECK(struct vmcb_control, eventinj, 0x0a8);
VMCB_CHECK(struct vmcb_control, ncr3, 0x0b0);
VMCB_CHECK(struct vmcb_control, virt_ext, 0x0b8);
VMCB_CHECK(struct vmcb_control, clean, 0x0c0);
VMCB_CHECK(struct vmcb_control, nrip, 0x0c8);
VMCB_CHECK(struct vmcb_control, insn_len, 0x0d0);
VMCB_CHECK(struct vmcb, save.es, 0x400);
VMCB_CHECK(struct vmcb, save.cs, 0x410);
VMCB_CHECK(struct vmcb, save.ss, 0x420);
VMCB_CHECK(struct vmcb, save.ds, 0x430);
VMCB_CHECK(struct vmcb, save.fs, 0x440);
VMCB_CHECK(struct vmcb, save.gs, 0x450);
VMCB_CHECK(struct vmcb, save.gdtr, 0x460);
VMCB_CHECK(struct vmcb, save.ldtr, 0x470);
VMCB_CHECK(struct vmcb, save.idtr, 0x480);
VMCB_CHECK(struct vmcb, save.tr, 0x490);
VMCB_CHECK(struct vmcb, save.cpl, 0x4cb);
VMCB_CHECK(struct vmcb, save.efer, 0x4d0);
VMCB_CHECK(struct vmcb, save.cr4, 0x548);
VMCB_CHECK(struct vmcb, save.cr3, 0x550);
VMCB_CHECK(struct vmcb, save.cr0, 0x558);
VMCB_CHECK(struct vmcb, save.dr7, 0x560);
VMCB_CHECK(struct vmcb, save.dr6, 0x568);
VMCB_CHECK(struct vmcb, save.rflags, 0x570);
VMCB_CHECK(struct vmcb, save.rip, 0x578);
VMCB_CHECK(struct vmcb, save.rsp, 0x5d8);
VMCB_CHECK(struct vmcb, save.rax, 0x5f8);
VMCB_CHECK(struct vmcb, save.star, 0x600);
VMCB_CHECK(struct vmcb, save.kernel_gs_base, 0x620);
VMCB_CHECK(struct vmcb, save.sysenter_eip, 0x638);
VMCB_CHECK(struct vmcb, save.cr2, 0x640);
VMCB_CHECK(struct vmcb, save.g_pat, 0x668);
VMCB_CHECK(struct vmcb, save.dbgctl, 0x670);
VMCB_CHECK(struct vmcb, save.lastexcpto, 0x690);

/* CR/DR intercept words at 000h-006h: bit n = CRn/DRn (exit codes 00h + n read, 10h + n write; 20h + n, 30h + n). */
#define INTERCEPT_DR0_3 0x000fu
#define INTERCEPT_DR4_5 0x0030u /* DR4/DR5: aliases of DR6/DR7 while CR4.DE = 0 */
#define INTERCEPT_DR7 (1u << 7)

/* Intercept word 1 at 00Ch (exit code 60h + bit). */
#define INTERCEPT1_INTR 0
#define INTERCEPT1_NMI 1
#define INTERCEPT1_SMI 2
#define INTERCEPT1_INIT 3
#define INTERCEPT1_VINTR 4
#define INTERCEPT1_RDPMC 15
#define INTERCEPT1_CPUID 18
#define INTERCEPT1_IRET 20
#define INTERCEPT1_INTN 21 /* INTn; under QEMU TCG also INT3 and INTO (guest/exception.c) */
#define INTERCEPT1_INVD 22
#define INTERCEPT1_HLT 24
#define INTERCEPT1_INVLPGA 26
#define INTERCEPT1_IOIO_PROT 27
#define INTERCEPT1_MSR_PROT 28
#define INTERCEPT1_TASK_SWITCH 29
#define INTERCEPT1_FERR_FREEZE 30
#define INTERCEPT1_SHUTDOWN 31
/* Intercept word 2 at 010h (exit code 80h + bit). */
#define INTERCEPT2_VMRUN 0 /* must always be set (APM §15.5.1 consistency checks) */
#define INTERCEPT2_VMMCALL 1
#define INTERCEPT2_VMLOAD 2
#define INTERCEPT2_VMSAVE 3
#define INTERCEPT2_STGI 4
#define INTERCEPT2_CLGI 5
#define INTERCEPT2_SKINIT 6
#define INTERCEPT2_RDTSCP 7
#define INTERCEPT2_ICEBP 8
#define INTERCEPT2_WBINVD 9
#define INTERCEPT2_MONITOR 10
#define INTERCEPT2_MWAIT 11
#define INTERCEPT2_XSETBV 13
#define INTERCEPT2_RDPRU 14

/* Exception intercepts at 008h: bit n = vector n (exit code 40h + n). */
#define INTERCEPT_EXC_DB (1u << 1) /* #DB: CVE-2015-8104, a breakpoint on the guest's own #DB frame */
#define INTERCEPT_EXC_BP (1u << 3) /* #BP: only for the guest gdb= debugs (guest/gdbstub.c) */
#define INTERCEPT_EXC_AC (1u << 17) /* #AC: CVE-2015-5307, #AC while delivering #AC */
#define INTERCEPT_EXC_MC (1u << 18) /* #MC: the host must see machine checks (APM §15.12) */

static inline void vmcb_set_intercept1(struct vmcb *v, unsigned bit) { v->control.intercept_misc1 |= 1u << bit; }
static inline void vmcb_clear_intercept1(struct vmcb *v, unsigned bit) { v->control.intercept_misc1 &= ~(1u << bit); }
static inline void vmcb_set_intercept2(struct vmcb *v, unsigned bit) { v->control.intercept_misc2 |= 1u << bit; }

/* TLB_CONTROL values (APM §15.16.1). */
#define TLB_CONTROL_DO_NOTHING 0x00
#define TLB_CONTROL_FLUSH_ALL 0x01
#define TLB_CONTROL_FLUSH_ASID 0x03

/* int_ctl bits (APM Table B-1, offset 060h). */
#define INT_CTL_V_TPR 0xfu /* bits 3:0: the guest's TPR[7:4] (CR8) */
#define INT_CTL_V_IRQ (1u << 8)
#define INT_CTL_V_IGN_TPR (1u << 20)
#define INT_CTL_V_INTR_MASKING (1u << 24)

#define VMCB_CLEAN_I (1u << 0) /* clean bit: intercepts, TSC offset, pause filter (APM §15.15.3) */
#define VMCB_CLEAN_DRX (1u << 6) /* clean bit: DR6, DR7 */
#define VMCB_CLEAN_TPR (1u << 3) /* clean bit: V_TPR, V_IRQ and the rest of the VINTR control word */

#define NP_ENABLE (1ull << 0)
#define INT_STATE_SHADOW (1ull << 0)

/* EVENTINJ / EXITINTINFO (APM §15.20). */
#define EVENT_VALID (1ull << 31)
#define EVENT_EV (1ull << 11)
#define EVENT_TYPE_MASK (7ull << 8)
#define EVENT_TYPE_INTR (0ull << 8)
#define EVENT_TYPE_NMI (2ull << 8)
#define EVENT_TYPE_EXCEPTION (3ull << 8)
#define EVENT_TYPE_SOFT (4ull << 8)

/* Exit codes (APM Appendix C). */
#define VMEXIT_DR0_READ 0x020
#define VMEXIT_DR3_READ 0x023
#define VMEXIT_DR0_WRITE 0x030
#define VMEXIT_DR3_WRITE 0x033
#define VMEXIT_DR5_WRITE 0x035
#define VMEXIT_DR7_WRITE 0x037
#define VMEXIT_EXCP_BASE 0x040
#define VMEXIT_EXCP_DB 0x041
#define VMEXIT_EXCP_BP 0x043
#define VMEXIT_EXCP_AC 0x051
#define VMEXIT_EXCP_MC 0x052
#define VMEXIT_INTR 0x060
#define VMEXIT_NMI 0x061
#define VMEXIT_SMI 0x062
#define VMEXIT_INIT 0x063
#define VMEXIT_VINTR 0x064
#define VMEXIT_RDPMC 0x06f
#define VMEXIT_CPUID 0x072
#define VMEXIT_IRET 0x074
#define VMEXIT_SWINT 0x075
#define VMEXIT_INVD 0x076
#define VMEXIT_HLT 0x078
#define VMEXIT_INVLPGA 0x07a
#define VMEXIT_IOIO 0x07b
#define VMEXIT_MSR 0x07c
#define VMEXIT_TASK_SWITCH 0x07d
#define VMEXIT_FERR_FREEZE 0x07e
#define VMEXIT_SHUTDOWN 0x07f
#define VMEXIT_VMRUN 0x080
#define VMEXIT_VMMCALL 0x081
#define VMEXIT_VMLOAD 0x082
#define VMEXIT_VMSAVE 0x083
#define VMEXIT_STGI 0x084
#define VMEXIT_CLGI 0x085
#define VMEXIT_SKINIT 0x086
#define VMEXIT_RDTSCP 0x087
#define VMEXIT_ICEBP 0x088
#define VMEXIT_WBINVD 0x089
#define VMEXIT_MONITOR 0x08a
#define VMEXIT_MWAIT 0x08b
#define VMEXIT_XSETBV 0x08d
#define VMEXIT_RDPRU 0x08e
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID 0xffffffffu /* compare the low 32 bits: QEMU 7.2 TCG writes 0x00000000FFFFFFFF */

/* IOIO EXITINFO1 (APM §15.10.2). */
/* EXITINFO1 of #VMEXIT(NPF) (APM Vol. 2 §15.25.6). */
#define NPF_INFO_WRITE (1ull << 1)
#define NPF_INFO_FETCH (1ull << 4)
#define NPF_INFO_GUEST_WALK (1ull << 33) /* the fault hit a guest page-table access */

#define IOIO_TYPE_IN (1u << 0)
#define IOIO_STR (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SZ8 (1u << 4)
#define IOIO_SZ16 (1u << 5)
#define IOIO_SZ32 (1u << 6)
#define IOIO_PORT_SHIFT 16
#define IOIO_SIZE_SHIFT 4 /* bits 6:4 (SZ8, SZ16, SZ32) read as a number are the size in bytes */

/* Packed segment attributes: descriptor bits 47:40 and 55:52 as attrib bits 7:0 and 11:8 (APM Vol. 2 Table
 * B-2). */
#define SEG_ATTR_L (1u << 9) /* CS: 64-bit code */
#define SEG_ATTR_D (1u << 10) /* CS: 32-bit default operand size */
#define SEG_ATTR_CODE64 0x0a9b /* G | L | P | S | type 0xB (execute/read, accessed) */
#define SEG_ATTR_DATA 0x0c93 /* G | D/B | P | S | type 3 (read/write, accessed) */
#define SEG_ATTR_CODE32 0x0c9b /* G | D/B | P | S | type 0xB (execute/read, accessed) */
#define SEG_ATTR_TSS64_BUSY 0x008b /* P | type 0xB */
#define SEG_ATTR_LDT 0x0082 /* P | type 2 */

#define IOPM_BYTES (12 * 1024) /* APM §15.10.1: 12 KiB, 3 contiguous pages */
#define MSRPM_BYTES (8 * 1024) /* APM §15.11: 8 KiB, 2 contiguous pages */

#define GUEST_PAT_DEFAULT 0x0007040600070406ull /* power-on PAT (APM §7.8.2) */

/* Fill in v's control area for a new guest: intercept by default (every port and MSR: iopm and msrpm, IOPM_BYTES and
 * MSRPM_BYTES, are filled with ones), nested paging with root ncr3, ASID 0 until the scheduler assigns one. */
void vmcb_init_control(struct vmcb *v, void *iopm, void *msrpm, uint64_t ncr3);

#endif
