# SPDX-License-Identifier: MIT
"""Hostile-guest scenarios (docs/security.md): each boots counter and matmul beside a family of attacking guests.

Every scenario checks that the well-behaved guests still finish with correct results (check_counter, check_matmul),
and for each attacking guest instance either
  - its exact reaction: killed, with the reason and (for memory) the guest-physical address hvmm reports, or
  - its own verdicts: the guest prints `PASS <check>` / `FAIL <check>` lines (tests/guests/hostile_idt.h) and
    `hostile done fails=<n>`; the judge wants every expected check to have passed, no FAIL line, and exit status 0.
check_common (tests/scenarios.py) already fails any hvmm PANIC and any run that did not end through exit_port.
"""

import re
from typing import Dict, List, Optional

from hvmmlog import HvmmLog
from scenarios import (EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_exit, check_killed,
                       check_matmul)

# counter and matmul are loaded first, so their RAM is at the lowest host-physical addresses (ram_hpa=0x400000 and
# 0x1400000 in a normal run): the memory attacks aim at those addresses.
COUNTER = f"{GUESTS}/counter.elf name=counter mem=16M"
MATMUL = f"{GUESTS}/matmul.elf name=matmul mem=16M"
WELL_BEHAVED = [COUNTER, MATMUL]


def hostile(guest: str, attack: str, mem: str = "4M", extra: str = "", name: str = "") -> str:
    name = name or f"{guest.replace('hostile_', 'h')}-{attack}"
    return f"{GUESTS}/{guest}.elf name={name} mem={mem} attack={attack} {extra}".rstrip()


def check_well_behaved(j: Judge, log: HvmmLog) -> None:
    check_counter(j, log)
    check_matmul(j, log)


def check_passes(j: Judge, log: HvmmLog, name: str, expected: List[str]) -> None:
    """The guest printed `PASS <check>` for every expected check (prefix match), no FAIL line, and exited 0."""
    lines = log.console(name)
    passed = [t[5:] for t in lines if t.startswith("PASS ")]
    for e in expected:
        n = sum(1 for p in passed if p.startswith(e))
        j.check(f"{name}: PASS {e}", n > 0, "no such PASS line")
    fails = [t for t in lines if t.startswith("FAIL") or "NOT CONTAINED" in t]
    j.check(f"{name}: no FAIL line", not fails, "; ".join(fails[:4]))
    j.check(f"{name}: hostile done fails=0", "hostile done fails=0" in lines,
            f"last lines: {lines[-3:]}")
    check_exit(j, log, name, 0)


def check_kill(j: Judge, log: HvmmLog, name: str, reason: str, tried: Optional[str] = None) -> None:
    """The guest announced the attack (`try ...`), then hvmm killed it with a reason matching regex `reason`."""
    check_killed(j, log, name)
    if tried is not None:
        j.check(f"{name}: announced 'try {tried}'", any(t.startswith("try " + tried) for t in log.console(name)),
                f"console: {log.console(name)[-3:]}")
    k = log.killed.get(name)
    j.check(f"{name}: kill reason matches /{reason}/", k is not None and re.search(reason, k.reason) is not None,
            f"reason: {k.reason!r}" if k else "not killed")


INVALID = r"^VMRUN refused its state \(VMEXIT_INVALID"


def svm_line(log: HvmmLog) -> Dict[str, int]:
    for ln in log.lines:
        if ln.startswith("hvmm: svm rev="):
            return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", ln)}
    return {}


# ---- privileged and SVM instructions (tests/guests/hostile_svm.c) ----

SVM_FATAL = ["vmrun", "vmload", "vmsave", "stgi", "clgi", "skinit", "invlpga"]
SVM_GUESTS = [hostile("hostile_svm", "misc")] + [hostile("hostile_svm", a) for a in SVM_FATAL + ["vmrunbad"]]


def judge_svm(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "hsvm-misc", [
        "cpuid 1 hides VMX and MONITOR", "cpuid 8000_0001 hides SVM", "cpuid 8000_000A is empty",
        "wbinvd completes as a no-op", "invd completes as a no-op", "monitor raises #UD", "mwait raises #UD",
        "monitorx raises #UD", "mwaitx raises #UD", "icebp raises #UD", "rdpmc reads 0",
        "rdpmc of counter 0x100 raises #GP", "xsetbv without CR4.OSXSAVE raises #UD", "xsetbv xcr0=0",
        "xsetbv xcr0=2", "xsetbv xcr0 bit 63", "xsetbv xcr1"])
    for a in SVM_FATAL:
        check_kill(j, log, f"hsvm-{a}", rf"^executed {a.upper()} \(SVM instructions are reserved to hvmm\)", a)
    # A bad RAX: QEMU >= 7.2.10 raises #GP before the intercept (6 PASS lines); with NestedVirtVmcbAddrChk the CPU
    # exits instead and hvmm kills the guest at the first attempt.
    if "hsvm-vmrunbad" in log.killed:
        check_kill(j, log, "hsvm-vmrunbad", r"^executed VMRUN \(SVM instructions are reserved to hvmm\)", "vmrun")
    else:
        check_passes(j, log, "hsvm-vmrunbad", ["bad VMCB address raises #GP before the intercept"])
        n = sum(1 for t in log.console("hsvm-vmrunbad") if t.startswith("PASS bad VMCB address"))
        j.check("hsvm-vmrunbad: 6 bad VMCB addresses raised #GP", n == 6, f"{n} PASS lines")


# ---- memory (tests/guests/hostile_mem.c) ----

MEM_GUESTS = [
    hostile("hostile_mem", "alias", mem="40M"),
    hostile("hostile_mem", "straddle"),
    hostile("hostile_mem", "4g"),
    hostile("hostile_mem", "1t"),
    hostile("hostile_mem", "top"),
    hostile("hostile_mem", "pt"),
    hostile("hostile_mem", "pgoff", extra="target=0x500000"),
]


def npf(access: str, gpa: int, walk: bool = False) -> str:
    """The kill reason of a nested page fault at gpa (walk: during the guest's own page-table walk)."""
    return rf"^nested page fault: {access} gpa=0x{gpa:x} outside its RAM \(\d+M\)" + (
        " in its page-table walk" if walk else " exitinfo1")


def judge_mem(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    M = 4 << 20
    maxphy = svm_line(log).get("maxphyaddr", 40)
    j.check("hvmm reported maxphyaddr", "maxphyaddr" in svm_line(log))
    # alias: the own-RAM aliases of host addresses read back; then the first byte past RAM kills it.
    lines = log.console("hmem-alias")
    j.check("hmem-alias: GPA 0x100000 is its own image", any(
        t.startswith("PASS GPA 0x100000 is this guest's own image") for t in lines))
    n = sum(1 for t in lines if t.startswith("PASS own-RAM alias of a host address"))
    j.check("hmem-alias: 6 own-RAM aliases of host addresses read back", n == 6, f"{n} PASS lines")
    j.check("hmem-alias: no FAIL line", not any(t.startswith("FAIL") for t in lines))
    check_kill(j, log, "hmem-alias", npf("read", 40 << 20), "alias")
    check_kill(j, log, "hmem-straddle", npf("write", M), "straddle")
    check_kill(j, log, "hmem-4g", npf("write", 1 << 32), "4g")
    if maxphy <= 40:
        check_passes(j, log, "hmem-1t", ["GPA at or above 2^MAXPHYADDR: #PF(RSVD) in the guest"])
        n = sum(1 for t in log.console("hmem-1t") if t.startswith("PASS GPA at or above"))
        j.check("hmem-1t: 3 reserved-bit GPAs gave #PF", n == 3, f"{n} PASS lines")
    else:
        check_kill(j, log, "hmem-1t", npf("write", 1 << 40), "1t")
    check_kill(j, log, "hmem-top", npf("write", (1 << maxphy) - 8), "top")
    # The walk reads the PDPT entry for VA 512 GiB: the first entry of the page at mem + 2 MiB.
    check_kill(j, log, "hmem-pt", npf(r"\w+", M + (2 << 20), walk=True), "pt")
    j.check("hmem-pgoff: own RAM works with paging off",
            "PASS paging off: 32-bit protected mode, own RAM reads back" in log.console("hmem-pgoff"))
    check_kill(j, log, "hmem-pgoff", npf("write", 0x500000), "pgoff")


# ---- MSRs and control registers (tests/guests/hostile_cpu.c) ----

VMCB_CHECK_KILL = r"^VMCB check: "  # hvmm's own check before VMRUN (vmcb_check=1: the scenarios' checked pass)
# TCG accepts these MOVs; the state is illegal for VMRUN (APM Vol. 2 §15.5.1). With vmcb_check=1 hvmm's check refuses
# it before the next VMRUN; without it (as users run hvmm) TCG's VMRUN refuses it: only the CPU stops the guest.
CHECKED_CR0 = {
    "cr0pe": VMCB_CHECK_KILL + r"EFER\.LME and CR0\.PG are 1 and CR0\.PE is 0 \(APM Vol\. 2 §15\.5\.1\)",
    "cr0nw": VMCB_CHECK_KILL + r"CR0\.NW is 1 and CR0\.CD is 0 \(APM Vol\. 2 §15\.5\.1\)",
}
CPU_ONE = {  # attack -> the kill reason under QEMU 7.2 TCG without vmcb_check (silicon: #GP in the guest, but cr3out)
    "cr0pe": INVALID,
    # TCG leaves long mode and runs the 64-bit code as 32-bit until it leaves its RAM (observed: a read at 0xffff0000)
    "cr0pg": r"^(nested page fault: \w+ gpa=0x[0-9a-f]+ outside its RAM|triple fault)",
    "cr0nw": INVALID,
    "cr4pae": r"^triple fault \(shutdown\)",  # TCG accepts it; the page walk then fails beyond repair
    "cr4rsvd": INVALID,  # VMEXIT_INVALID at the MOV (docs/qemu-tcg.md "Intercepts and exits")
    "cr3rsvd": INVALID,  # likewise
    "cr3out": npf(r"\w+", (4 << 20) + 0x10000, walk=True),  # everywhere
}
CPU_GUESTS = ([hostile("hostile_cpu", a) for a in ["msr", "cr"] + list(CPU_ONE)]
              + [hostile("hostile_cpu", "dr", name=f"hcpu-dr{i}") for i in (1, 2)]
              + [hostile("hostile_cpu", "tscaux", name=f"hcpu-tscaux{i}") for i in (1, 2)])


def check_kill_or_gp(j: Judge, log: HvmmLog, name: str, attack: str, reason: str) -> None:
    """Either the silicon behaviour (#GP injected, the guest survives and exits 0) or the kill observed under TCG."""
    if f"SURVIVED {attack}: #GP" in log.console(name):
        j.check(f"{name}: #GP, as on silicon", True)
        check_exit(j, log, name, 0)
    else:
        check_kill(j, log, name, reason, attack)


def judge_cpu(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "hcpu-msr", [
        "rdmsr EFER: SVME hidden", "wrmsr EFER with SVME clear: accepted, hypercalls still work",
        "wrmsr EFER.SVME=1 raises #GP", "wrmsr EFER reserved bit raises #GP",
        "wrmsr EFER.LME=0 with paging on raises #GP", "wrmsr EFER.LMA=0 is ignored",
        "wrmsr PAT with memory type 2 raises #GP", "wrmsr PAT valid value reads back", "wrmsr TSC is accepted (the guest's TSC offset)",
        "rdmsr TSC reads a running TSC", "wrmsr FS_BASE and LSTAR read back after a yield",
        "wrmsr FS_BASE non-canonical raises #GP", "rdmsr and wrmsr raise #GP", "EFER unchanged at the end"])
    n = sum(1 for t in log.console("hcpu-msr") if t.startswith("PASS rdmsr and wrmsr raise #GP"))
    j.check("hcpu-msr: 13 denied MSRs raised #GP on read and write", n == 13, f"{n} PASS lines")
    n = sum(1 for t in log.console("hcpu-msr") if t.startswith("PASS wrmsr EFER reserved bit raises #GP"))
    j.check("hcpu-msr: 7 reserved EFER bits raised #GP", n == 7, f"{n} PASS lines")
    check_passes(j, log, "hcpu-cr", [
        "CR0 bit 32: #GP (silicon) or dropped (TCG)", "CR0 and CR4 unchanged", "CR8 bit 4: #GP (silicon) or ignored",
        "CR8 (TPR) 15 survives a yield"])
    # WRFSBASE and friends only where CPUID 7 EBX[0] offers them (Bochs's zambezi model does not).
    lines = log.console("hcpu-cr")
    j.check("hcpu-cr: FS/GS/KERNEL_GS bases survive a yield (PASS, or SKIP without FSGSBASE)", any(
        t.startswith("PASS FS/GS/KERNEL_GS bases survive a yield") or
        t.startswith("SKIP FS/GS/KERNEL_GS bases survive a yield: CPUID 7 EBX[0] (FSGSBASE) is clear") for t in lines))
    for attack, reason in CPU_ONE.items():
        if ctx.vmcb_check:
            reason = CHECKED_CR0.get(attack, reason)
        check_kill_or_gp(j, log, f"hcpu-{attack}", attack, reason)
    for i in (1, 2):
        check_passes(j, log, f"hcpu-dr{i}", ["DR0-DR3 start at 0, not another guest's values",
                                             "own DR0-DR3 and DR7 survive 8 yields"])
        check_passes(j, log, f"hcpu-tscaux{i}", ["CPUID 8000_0001h EDX[27] offers RDTSCP",
                                                 "TSC_AUX starts at 0, not another guest's value",
                                                 "wrmsr TSC_AUX reads back",
                                                 "RDTSCP returns the guest's own TSC_AUX across 8 yields"])
        lines = log.console(f"hcpu-tscaux{i}")
        j.check(f"hcpu-tscaux{i}: RDPID returns its own TSC_AUX (PASS, or SKIP without RDPID)", any(
            t.startswith("PASS RDPID returns the guest's own TSC_AUX") or
            t.startswith("SKIP RDPID returns the guest's own TSC_AUX: CPUID 7 ECX[22] (RDPID) is clear") for t in lines))


# ---- ports (tests/guests/hostile_io.c) ----

def judge_io(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "hio", [
        "writes to PIT, PIC, COM1, PCI config, debug-exit, ACPI, reset ports: still running",
        "in from a device port reads 0xff", "pci config read (0xcf8/0xcfc) reads 0xffffffff",
        "16- and 32-bit in from port 0xffff", "insb raises #GP", "outsb raises #GP",
        "sweep: out 0xfe to every port, then in from every port reads 0xff"])
    n = sum(1 for t in log.console("hio") if t.startswith("PASS in from a device port reads 0xff"))
    j.check("hio: 22 device ports read 0xff", n == 22, f"{n} PASS lines")
    g = log.guests.get("hio")
    j.check("hio: summary counts >= 2 x 65536 unclaimed accesses, per port", g is not None and
            g.unclaimed >= 2 * 65536 and g.ports.get(0x43) == 4 and len(g.ports) == 8 and g.unclaimed_other > 0,
            f"{g and (g.unclaimed, g.ports, g.unclaimed_other)}")
    j.check("no byte the guest wrote to COM1 reached the serial line", not any("PWNED" in ln for ln in log.lines))
    # isa-debug-exit: hvmm's POWER_OK (0x10) gives 33; a guest's OUT 0xf4, 0 reaching QEMU would give 1.
    j.check("QEMU stopped by hvmm's own power-off (status 33)", ctx.qemu_status == 33, f"status {ctx.qemu_status}")


# ---- interrupts and time (tests/guests/hostile_time.c) ----

TIME_GUESTS = [hostile("hostile_time", "clihlt"), hostile("hostile_time", "storm", extra="storm_ms=600"),
               hostile("hostile_time", "int3"), hostile("hostile_time", "intn")]


def judge_time(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "htime-clihlt", ["cli; hlt x200 returned"])
    done = log.find_console("htime-storm", r"^storm done cpuid=(\d+) vmmcall=(\d+)")
    if j.check("htime-storm: storm done", done is not None):
        cpuid, calls = int(done[1].group(1)), int(done[1].group(2))
        j.check("htime-storm: a storm (>= 1000 CPUID and >= 1000 VMMCALL exits)", cpuid >= 1000 and calls >= 1000,
                f"cpuid={cpuid} vmmcall={calls}")
    check_exit(j, log, "htime-storm", 0)
    # Starvation would leave the counter (which yields after every line) at a standstill while the storm runs; with
    # fair round-robin it prints a line per round of slices (all 20 on an idle host, about 10 on a loaded one).
    start = log.find_console("htime-storm", r"^storm start")
    during = [i for i, n, t in log.output if n == "counter" and t.startswith("count ")
              and start is not None and done is not None and start[0] < i < done[0]]
    j.check("counter printed >= 5 lines while the storm ran (not starved)", len(during) >= 5,
            f"{len(during)} counter lines between storm start and storm done")
    check_kill(j, log, "htime-int3", r"^triple fault \(shutdown\)", "int3")
    check_kill(j, log, "htime-intn", r"^triple fault \(shutdown\)", "int 0x80")


# ---- hypercall arguments and exceptions (tests/guests/hostile_hc.c, tests/guests/hostile_fault.c) ----

HC_EXPECT = [
    "unknown hypercall 5", "unknown hypercall 0xff", "unknown hypercall 2^32+1", "unknown hypercall -1",
    "write at GPA mem", "write straddling the end of RAM", "write wrapping around 2^64", "write ending exactly at 2^64",
    "write at GPA 1 TiB", "write of length 4097", "write of length 2^63", "write of length 2^64-1",
    "write of length 2^64-1 at GPA 2^64-1", "write of 0 bytes at GPA mem", "write of 0 bytes at GPA 2^64-4096",
    "write of 0 bytes at GPA 2^64-1", "write of 0 bytes at GPA 0", "write of the last 4096 bytes of RAM",
    "write of 4096 unterminated bytes", "yield with garbage arguments", "nop with garbage arguments", "tsc_khz"]
LINE_MAX = 200  # hvmm splits longer console lines (GUEST_LINE_MAX)


def hc_junk() -> str:
    """hostile_hc.c's unterminated 4096 bytes as hvmm prints them: unprintable bytes become '.'."""
    out = []
    for i in range(4096):
        b = 0x01 if i % 97 == 0 else 0xFF if i % 89 == 0 else 0 if i % 83 == 0 else ord("A") + i % 26
        out.append(chr(b) if 0x20 <= b < 0x7F else ".")
    return "".join(out)


def check_long_line(j: Judge, log: HvmmLog, what: str, want: str) -> None:
    """A console line longer than LINE_MAX reaches the log whole (tools/hvmmlog.py joins the `[hhc]+` pieces)."""
    j.check(f"hhc: {what} reached the console intact", want in log.console("hhc"),
            f"longest hhc line has {max((len(t) for t in log.console('hhc')), default=0)} characters")


def check_pieces(j: Judge, log: HvmmLog) -> None:
    """hvmm prints them in pieces of at most LINE_MAX bytes, every piece after the first marked `[hhc]+`."""
    raw = [ln for ln in log.lines if ln.startswith("[hhc]")]
    longest = max((len(ln.split(" ", 1)[1]) for ln in raw if " " in ln), default=0)
    j.check(f"hhc: no console piece longer than {LINE_MAX} characters", longest <= LINE_MAX, f"longest {longest}")
    cont = sum(1 for ln in raw if ln.startswith("[hhc]+ "))
    j.check("hhc: the two 4 KiB lines came in 21 pieces each (40 continuations)", cont == 40, f"{cont} continuations")


FAULT_KINDS = ["#DE storm", "#UD storm", "#GP storm", "#PF storm", "#BP storm"]


def judge_hc_fault(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "hhc", HC_EXPECT)
    check_long_line(j, log, "the last 4096 bytes of RAM", "".join(chr(ord("a") + i % 26) for i in range(4095)))
    check_long_line(j, log, "4096 unterminated bytes", hc_junk())
    check_pieces(j, log)
    check_passes(j, log, "hfault-storm", FAULT_KINDS)
    g = log.guests.get("hfault-storm")
    j.check("hfault-storm: 15000 exceptions cost hvmm < 200 exits (none intercepted)", g is not None and g.exits < 200,
            f"exits={g.exits}" if g else "no summary")
    check_kill(j, log, "hfault-stack", npf("write", (4 << 20) + 0xFF8), "stack")


# ---- KVM's paravirtual interface (tests/guests/kvmpv.c; docs/guest-abi.md) ----

KVM_GUESTS = [f"{GUESTS}/kvmpv.elf name=kvmpv mem=4M platform=pc kvm=on debug_exit=0xf4",
              f"{GUESTS}/kvmpv.elf name=kvmnopc mem=4M kvm=on",
              f"{GUESTS}/kvmpv.elf name=kvmbad mem=4M platform=pc kvm=maybe"]
KVM_MSRS = ["MSR_KVM_SYSTEM_TIME_NEW", "MSR_KVM_WALL_CLOCK_NEW", "MSR_KVM_STEAL_TIME", "MSR_KVM_PV_EOI_EN"]
KVM_BAD = ["misaligned", "page-crossing", "outside RAM", "outside RAM, last bytes", "far outside RAM"]


def judge_kvm(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    expected = ["CPUID 4000_0000h", "CPUID 4000_0100h", "CPUID 4000_0101h", "KVM hypercall 0", "KVM hypercall 3",
                "KVM hypercall 0x12345", "KVM_HC_VAPIC_POLL_IRQ", "kvmclock filled", "kvmclock rate",
                "wall clock filled", "steal time grows", "MSR_KVM_ASYNC_PF_EN (not offered)"]
    for m in KVM_MSRS:
        expected += [f"{m} valid", f"{m}: the valid registration stays"] + [f"{m} {b} gpa=" for b in KVM_BAD]
    # printed through COM1 (kvm=on: no hvmm hypercalls) and ended through debug-exit: status (0 << 1) | 1
    lines = log.console("kvmpv")
    passed = [t[5:] for t in lines if t.startswith("PASS ")]
    for e in expected:
        j.check(f"kvmpv: PASS {e}", any(p.startswith(e) for p in passed), "no such PASS line")
    fails = [t for t in lines if t.startswith("FAIL")]
    j.check("kvmpv: no FAIL line", not fails, "; ".join(fails[:4]))
    j.check("kvmpv: hostile done fails=0", "hostile done fails=0" in lines, f"last lines: {lines[-3:]}")
    check_exit(j, log, "kvmpv", 1)
    refused = [ln for ln in log.lines if re.match(r"^hvmm: guest kvmpv: wrmsr 0x4b564d0[0-4] value=0x[0-9a-f]+ "
                                                  r"refused \(#GP\): ", ln)]
    j.check("hvmm: refused KVM MSR writes reported with a reason (the first 8)", len(refused) == 8,
            f"{len(refused)} lines")
    j.check("kvmnopc: kvm=on without the virtual PC rejected",
            log.rejected.get("kvmnopc") == "kvm=on needs the virtual PC (platform=pc)", str(log.rejected))
    j.check("kvmbad: kvm=maybe rejected", log.rejected.get("kvmbad") == "kvm= must be on or off", str(log.rejected))


SCENARIOS: List[Scenario] = [
    Scenario("hostile-svm", WELL_BEHAVED + SVM_GUESTS, judge_svm),
    Scenario("hostile-mem", WELL_BEHAVED + MEM_GUESTS, judge_mem),
    Scenario("hostile-cpu", WELL_BEHAVED + CPU_GUESTS, judge_cpu),
    Scenario("hostile-io", WELL_BEHAVED + [f"{GUESTS}/hostile_io.elf name=hio mem=4M"], judge_io),
    Scenario("hostile-time", WELL_BEHAVED + TIME_GUESTS, judge_time),
    # vmcb_check=0: the world switch with its fast paths, whose null hypercall must not answer a kvm=on guest
    Scenario("hostile-kvm", WELL_BEHAVED + KVM_GUESTS, judge_kvm, cmdline="slice=10ms vmcb_check=0 " + EXIT_PORT),
    Scenario("hostile-hc-fault", WELL_BEHAVED + [f"{GUESTS}/hostile_hc.elf name=hhc mem=4M",
                                                 hostile("hostile_fault", "storm"),
                                                 hostile("hostile_fault", "stack")], judge_hc_fault),
]
