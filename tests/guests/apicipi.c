/* SPDX-License-Identifier: MIT */
/*
 * apicipi (test guest, platform=pc): local APIC IPIs as a one-CPU machine delivers them (docs/guest-abi.md "The
 * local APIC"): fixed IPIs to itself by physical and logical (flat, cluster) destination, by the shorthands self and
 * all-including-self, none by all-excluding-self or to an absent APIC ID; INIT and STARTUP to absent APIC IDs and
 * STARTUP to itself have no effect; NMI to itself is taken at once, also with IF = 0, and an NMI sent from the NMI
 * handler waits until the handler's IRET has completed (APM Vol. 2 §8.2.3): it interrupts the instruction the IRET
 * returned to, never the handler. attack=init sends INIT to itself: hvmm stops the guest (a processor reset).
 * button=lint1 (platform=pc) and button=direct (platform=none) wait instead for the monitor's `nmi` (docs/running.md
 * "The monitor"), typed by the console-nmi scenario: lint1 takes one NMI through LVT LINT1 (delivery mode NMI), then
 * masks LINT1 ("lint1 masked") and reads a byte from COM1 (typed after the masked press: no NMI may have come), then
 * sets LINT1 to fixed vector 0x40 ("lint1 fixed") and takes that interrupt; direct takes one NMI without an APIC.
 * Output: PASS/FAIL lines and "hostile done fails=N"; exit status N (tests/scenarios_platform.py, apic-ipi).
 */
#include <string.h>

#include "hostile_idt.h"

#define APIC 0xfee00000ul
#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_LDR 0xd0
#define REG_DFR 0xe0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define DM_FIXED (0u << 8)
#define DM_NMI (4u << 8)
#define DM_INIT (5u << 8)
#define DM_STARTUP (6u << 8)
#define DEST_LOGICAL (1u << 11)
#define LEVEL_ASSERT (1u << 14)
#define SH_SELF (1u << 18)
#define SH_ALL (2u << 18)
#define SH_OTHERS (3u << 18)
#define VEC 0x40

static void apic_write(unsigned reg, uint32_t v) { *(volatile uint32_t *)(APIC + reg) = v; }
static uint32_t apic_read(unsigned reg) { return *(volatile uint32_t *)(APIC + reg); }

/* Send an IPI; the NMI (if any) is taken right after the ICR write, so the label after it is where it lands. */
static void ipi(uint32_t dest, uint32_t lo)
{
	apic_write(REG_ICR_HI, dest << 24);
	apic_write(REG_ICR_LO, lo);
}

volatile unsigned fixed_count, nmi_count, nmi_depth, nmi_max_depth, nmi_nested_sent;
volatile uint64_t nmi_rip[4];

/* The fixed vector: count, EOI. */
void fixed_c(void) __attribute__((used));
void fixed_c(void)
{
	fixed_count++;
	apic_write(REG_EOI, 0);
}

/* NMI: record the interrupted RIP and the nesting depth; the first one sends another NMI from inside the handler. */
void nmi_c(uint64_t *frame) __attribute__((used));
void nmi_c(uint64_t *frame)
{
	nmi_depth++;
	if (nmi_depth > nmi_max_depth)
		nmi_max_depth = nmi_depth;
	if (nmi_count < 4)
		nmi_rip[nmi_count] = frame[0];
	nmi_count++;
	if (nmi_nested_sent == 1) {
		nmi_nested_sent = 2;
		ipi(0, DM_NMI | LEVEL_ASSERT | SH_SELF);
		for (volatile int i = 0; i < 1000; i++)
			;
		hostile_check(nmi_count == 1, "an NMI sent from the NMI handler waits for its IRET", "count %u", nmi_count);
	}
	nmi_depth--;
}

/* Stubs: save the caller-saved registers, call the C part with a pointer to the interrupt frame, IRETQ. */
#define STUB(name, fn)                                                                                     \
	__asm__(".text\n" #name ":\n"                                                                        \
		"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\npush %r8\npush %r9\npush %r10\npush %r11\n" \
		"push %rbx\nlea 80(%rsp), %rdi\n"                                                            \
		"mov %rsp, %rbx\nand $-16, %rsp\ncall " #fn "\nmov %rbx, %rsp\npop %rbx\n"                   \
		"pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\n"   \
		"iretq\n")
STUB(fixed_stub, fixed_c);
STUB(nmi_stub, nmi_c);
extern char fixed_stub[], nmi_stub[];

/* Let a pending fixed interrupt in (STI; NOP; CLI) and return how many arrived. */
static unsigned take_fixed(void)
{
	unsigned before = fixed_count;
	__asm__ volatile("sti\nnop\nnop\ncli" ::: "memory");
	return fixed_count - before;
}

/* Wait, printing what for the scenario's script, until *count reaches want. */
static void await(const char *what, volatile unsigned *count, unsigned want)
{
	gprintf("%s\n", what);
	while (*count < want)
		cpu_relax();
}

#define COM1_DATA 0x3f8
#define COM1_LSR 0x3fd
#define REG_LVT_LINT1 0x360
#define LVT_MASK (1u << 16)

static uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* button=lint1: the monitor's nmi through LVT LINT1 as programmed (APM Vol. 2 §16.4: NMI, masked, fixed). */
static int button_lint1(void)
{
	apic_write(REG_LVT_LINT1, DM_NMI);
	await("button: lint1 nmi", &nmi_count, 1);
	hostile_check(nmi_count == 1, "the nmi command raised one NMI through LINT1", "count %u", nmi_count);
	apic_write(REG_LVT_LINT1, DM_NMI | LVT_MASK);
	gprintf("button: lint1 masked\n");
	while (!(inb(COM1_LSR) & 1))
		cpu_relax();
	gprintf("button: got '%c'\n", inb(COM1_DATA));
	hostile_check(nmi_count == 1 && fixed_count == 0, "the nmi command with LINT1 masked: nothing",
		      "nmi %u fixed %u", nmi_count, fixed_count);
	apic_write(REG_LVT_LINT1, DM_FIXED | VEC);
	__asm__ volatile("sti");
	await("button: lint1 fixed", &fixed_count, 1);
	__asm__ volatile("cli");
	hostile_check(nmi_count == 1 && fixed_count == 1, "the nmi command with LINT1 fixed: vector 0x40, no NMI",
		      "nmi %u fixed %u", nmi_count, fixed_count);
	return hostile_status();
}

static void fixed_case(const char *what, uint32_t dest, uint32_t lo, unsigned want)
{
	ipi(dest, DM_FIXED | LEVEL_ASSERT | VEC | lo);
	unsigned got = take_fixed();
	hostile_check(got == want, what, "%u delivered (expected %u)", got, want);
}

int guest_main(const struct hvmm_bootinfo *bi)
{
	char attack[16];
	if (!rt_arg_str(bi, "attack", attack, sizeof(attack)))
		strlcpy(attack, "none", sizeof(attack));
	char button[16];
	if (!rt_arg_str(bi, "button", button, sizeof(button)))
		button[0] = 0;
	hidt_install();
	hidt_table[VEC] = rt_intr_gate(fixed_stub);
	hidt_table[2] = rt_intr_gate(nmi_stub);
	if (!strcmp(button, "direct")) { /* no APIC: the NMI straight to the CPU */
		await("button: direct nmi", &nmi_count, 1);
		hostile_check(nmi_count == 1, "the nmi command raised one NMI (no local APIC)", "count %u", nmi_count);
		return hostile_status();
	}
	apic_write(REG_SVR, 0x1ff); /* software-enabled, spurious vector 0xFF */
	if (!strcmp(button, "lint1"))
		return button_lint1();
	uint32_t id = apic_read(REG_ID) >> 24;

	if (!strcmp(attack, "init")) {
		hostile_try("INIT IPI to itself");
		ipi(id, DM_INIT | LEVEL_ASSERT);
		gprintf("NOT CONTAINED: INIT to itself returned\n");
		return 1;
	}

	fixed_case("fixed IPI to its own APIC ID (physical)", id, 0, 1);
	fixed_case("fixed IPI to physical broadcast 0xFF", 0xff, 0, 1);
	fixed_case("fixed IPI to an absent APIC ID (5): nothing", 5, 0, 0);
	fixed_case("fixed IPI by shorthand self", 0, SH_SELF, 1);
	fixed_case("fixed IPI by shorthand all including self", 0, SH_ALL, 1);
	fixed_case("fixed IPI by shorthand all excluding self: nothing", 0, SH_OTHERS, 0);
	apic_write(REG_DFR, 0xffffffffu); /* flat model */
	apic_write(REG_LDR, 0x01000000u);
	fixed_case("fixed IPI by logical destination (flat, its bit)", 0x01, DEST_LOGICAL, 1);
	fixed_case("fixed IPI by logical destination (flat, another bit): nothing", 0x02, DEST_LOGICAL, 0);
	fixed_case("fixed IPI by logical broadcast 0xFF", 0xff, DEST_LOGICAL, 1);
	apic_write(REG_DFR, 0x0fffffffu); /* cluster model: cluster 2, member bit 0 */
	apic_write(REG_LDR, 0x21000000u);
	fixed_case("fixed IPI by logical destination (cluster 2, its bit)", 0x21, DEST_LOGICAL, 1);
	fixed_case("fixed IPI by logical destination (cluster 1): nothing", 0x11, DEST_LOGICAL, 0);
	apic_write(REG_DFR, 0xffffffffu);

	/* INIT and STARTUP to CPUs that do not exist, STARTUP to itself (it does not wait for SIPI): no effect. */
	ipi(3, DM_INIT | LEVEL_ASSERT);
	ipi(3, DM_STARTUP | 0x08);
	ipi(id, DM_STARTUP | 0x08);
	ipi(0, DM_INIT | SH_OTHERS | LEVEL_ASSERT);
	hostile_check(take_fixed() == 0 && nmi_count == 0, "INIT/STARTUP to absent APIC IDs and STARTUP to itself: "
		      "no effect", "fixed %u nmi %u", fixed_count, nmi_count);
	hostile_check((apic_read(REG_ICR_LO) & (1u << 12)) == 0, "ICR delivery status reads idle", "0x%x",
		      apic_read(REG_ICR_LO));

	/* NMI to itself: taken at once, with interrupts disabled too. */
	__asm__ volatile("cli");
	ipi(id, DM_NMI | LEVEL_ASSERT);
	hostile_check(nmi_count == 1, "NMI to its own APIC ID is taken at once with IF = 0", "count %u", nmi_count);
	ipi(0, DM_NMI | LEVEL_ASSERT | SH_SELF);
	hostile_check(nmi_count == 2, "NMI by shorthand self", "count %u", nmi_count);
	ipi(0, DM_NMI | LEVEL_ASSERT | SH_ALL);
	hostile_check(nmi_count == 3, "NMI by shorthand all including self", "count %u", nmi_count);
	ipi(0, DM_NMI | LEVEL_ASSERT | SH_OTHERS);
	ipi(6, DM_NMI | LEVEL_ASSERT);
	hostile_check(nmi_count == 3, "NMI to others or to an absent APIC ID: nothing", "count %u", nmi_count);

	/* An NMI sent inside the NMI handler: blocked until the handler's IRET completes, then taken at the
	 * instruction the IRET returned to (the same RIP the first NMI interrupted). */
	nmi_count = 0;
	nmi_max_depth = 0;
	nmi_nested_sent = 1;
	ipi(id, DM_NMI | LEVEL_ASSERT);
	hostile_check(nmi_count == 2 && nmi_max_depth == 1, "the waiting NMI follows the IRET, never nested",
		      "count %u depth %u", nmi_count, nmi_max_depth);
	hostile_check(nmi_rip[1] == nmi_rip[0], "the waiting NMI interrupts the instruction the IRET returned to",
		      "first at 0x%lx, second at 0x%lx", nmi_rip[0], nmi_rip[1]);
	return hostile_status();
}
