# SPDX-License-Identifier: MIT
"""ACPI and timekeeping scenarios: the tables hvmm reads (hvmm/x86/acpi.c), power-off through ACPI S5 without exit_port=,
and the TSC frequency source (hvmm/x86/tsc.c).

tests/registry.py lists this file. QEMU's tables are known: SeaBIOS gives an ACPI 1.0 RSDP (RSDT) with PM1a_CNT at I/O
0x604, the q35 machine a FADT with the reset register at I/O 0xcf9 (value 0xf), OVMF an ACPI 2.0 RSDP (XSDT) with
PM1a_CNT at 0xb004; every QEMU DSDT has \\_S5_ = Package {0, 0, 0, 0}, and QEMU shuts down (status 0) on SLP_TYP 0 |
SLP_EN. `-machine pc,pit=off,hpet=off` removes the 8254 and the HPET, so the TSC is measured against the ACPI PM timer
(scenarios_silicon.py's tsc-hpet keeps the HPET).
"""

import re
from typing import List, Optional

from hvmmlog import HvmmLog
from scenarios import COUNTER, EXITCODE, Context, Judge, Scenario, check_counter, check_exitcode, no_ovmf

EXIT_PORT_CHECK = "hvmm powered QEMU off via exit_port"  # the name check_common() gives its power-off check
OVMF = "/usr/share/ovmf/OVMF.fd"  # one-file OVMF (Debian package ovmf), usable with -bios


def find(log: HvmmLog, pattern: str) -> Optional[re.Match]:
    """The first log line matching pattern (re.search), or None."""
    for ln in log.lines:
        m = re.search(pattern, ln)
        if m:
            return m
    return None


def check_acpi(j: Judge, log: HvmmLog, root: str, cpus: int, pm1a: str, reset: Optional[str]) -> None:
    """The ACPI lines hvmm prints for QEMU's tables: root table kind, MADT CPUs, FADT registers, \\_S5_."""
    j.check(f"acpi: rsdp line names the {root}",
            find(log, rf"^hvmm: acpi rsdp rev=\d+ oem=\"[^\"]*\" {root.lower()}=0x"),
            "no 'hvmm: acpi rsdp' line with " + root.lower() + "=")
    j.check("acpi: tables listed (FACP and APIC)", find(log, r"^hvmm: acpi tables: .*FACP") and
            find(log, r"^hvmm: acpi tables: .*APIC"))
    ids = ",".join(str(i) for i in range(cpus))
    m = find(log, r"^hvmm: acpi madt cpus=(\d+) apic_ids=(\S+) ioapics=(\d+)")
    j.check(f"acpi: madt cpus={cpus} apic_ids={ids} ioapics=1",
            m is not None and m.groups() == (str(cpus), ids, "1"), m.group(0) if m else "no 'acpi madt' line")
    m = find(log, r"^hvmm: acpi fadt .*pm1a_cnt=(\S+) .*reset=(\S+)")
    j.check(f"acpi: fadt pm1a_cnt={pm1a}", m is not None and m.group(1) == pm1a, m.group(0) if m else "no fadt line")
    if reset:
        j.check(f"acpi: fadt reset={reset}", m is not None and re.search(rf"reset={re.escape(reset)}\b", m.group(0)),
                m.group(0) if m else "no fadt line")
    j.check("acpi: s5 slp_typa=0 slp_typb=0 from the DSDT",
            find(log, r"^hvmm: acpi s5 slp_typa=0 slp_typb=0 \(DSDT \\_S5_\)"))
    j.check("acpi: no acpi warning", not find(log, r"^hvmm: warning: acpi"), str(find(log, r"^hvmm: warning: acpi")))


def check_tsc_pit(j: Judge, log: HvmmLog) -> None:
    """Under TCG the CPU states no TSC frequency (no CPUID 15h/16h, family 0xf): the PIT measurement is used."""
    j.check("tsc: the CPU's family is reported and no stated frequency used",
            find(log, r"^hvmm: tsc: \S+ family 0x[0-9a-f]+ model 0x[0-9a-f]+.* states no TSC frequency"))
    m = find(log, r"^hvmm: tsc_khz=(\d+) \(median of \d+ windows of \d+ ms against .*PIT channel 2 \d+ \(")
    j.check("tsc: tsc_khz=<kHz> (median of ... windows ... against ... PIT channel 2 ...)",
            m and 100000 <= int(m.group(1)) <= 10000000, m.group(0) if m else "no measured tsc_khz line with the PIT")


def judge_acpi_poweroff(j: Judge, log: HvmmLog, ctx: Context) -> None:
    # No exit_port=: check_common()'s exit-port check cannot pass; this scenario's own power-off check replaces it.
    j.checks = [c for c in j.checks if c[0] != EXIT_PORT_CHECK]
    st = ctx.qemu_status
    j.check("QEMU exited by itself (status 0: ACPI shutdown, not the timeout 124 or an exit_port status)", st == 0,
            f"qemu exit status {st}")
    hv = [ln for ln in log.lines if ln.startswith("hvmm: ")]
    off = [i for i, ln in enumerate(hv) if re.match(
        r"^hvmm: power off: ACPI S5 \(PM1a_CNT io:0x604 SLP_TYPa=0, PM1b_CNT none SLP_TYPb=0\)", ln)]
    j.check("'power off: ACPI S5 (PM1a_CNT io:0x604 SLP_TYPa=0, ...)' after 'all guests done', then only ACPI lines",
            off and "hvmm: all guests done" in hv[:off[0]] and
            all(ln.startswith("hvmm: acpi mode entered") for ln in hv[off[0] + 1:]), "\n".join(hv[-3:]))
    # SeaBIOS leaves the chipset in legacy mode: hvmm writes ACPI_ENABLE (0xf1) to SMI_CMD (0xb2) first.
    j.check("acpi mode entered through SMI_CMD 0xb2 before SLP_EN",
            find(log, r"^hvmm: acpi mode entered \(SCI_EN set after writing 0xf1 to SMI_CMD 0xb2\)"))
    j.check("no 'did not take effect' line", not find(log, r"did not take effect|halted"))
    check_acpi(j, log, "RSDT", 1, "io:0x604", None)
    check_tsc_pit(j, log)
    check_counter(j, log, "counter", 5)
    check_exitcode(j, log)


def judge_acpi_q35_smp(j: Judge, log: HvmmLog, ctx: Context) -> None:
    # exit_port= given: it wins over ACPI (check_common() checks the odd status); no ACPI power-off line.
    check_acpi(j, log, "RSDT", 2, "io:0x604", "io:0xcf9")
    j.check("exit_port wins: no 'power off: ACPI' line", not find(log, r"^hvmm: power off: ACPI"))
    check_counter(j, log, "counter", 5)
    check_exitcode(j, log)


def judge_acpi_uefi(j: Judge, log: HvmmLog, ctx: Context) -> None:
    j.checks = [c for c in j.checks if c[0] != EXIT_PORT_CHECK]
    j.check("QEMU exited by itself (status 0)", ctx.qemu_status == 0, f"qemu exit status {ctx.qemu_status}")
    j.check("acpi: rsdp rev=2 from multiboot2 tag 15",
            find(log, r"^hvmm: acpi rsdp rev=2 .*\(from multiboot2 tag 15\)"))
    check_acpi(j, log, "XSDT", 1, "io:0xb004", None)
    j.check("power off: ACPI S5 through PM1a_CNT io:0xb004",
            find(log, r"^hvmm: power off: ACPI S5 \(PM1a_CNT io:0xb004"))
    check_counter(j, log, "counter", 5)


def judge_acpi_pmtimer(j: Judge, log: HvmmLog, ctx: Context) -> None:
    # -machine pc,pit=off,hpet=off: no 8254 and no HPET, so the TSC is measured against the ACPI PM timer.
    m = find(log, r"^hvmm: tsc_khz=(\d+) \(median of \d+ windows of \d+ ms against ACPI PM timer \d+ \([^()]*\)\)$")
    j.check("tsc: tsc_khz=<kHz> (median of ... against the ACPI PM timer alone: the PIT does not count)",
            m and 100000 <= int(m.group(1)) <= 10000000, m.group(0) if m else "no PM-timer-only tsc_khz line")
    check_counter(j, log, "counter", 5)
    check_exitcode(j, log)


COUNTER5 = COUNTER + " count=5"

SCENARIOS: List[Scenario] = [
    Scenario("acpi-poweroff", [COUNTER5, EXITCODE], judge_acpi_poweroff, cmdline="slice=10ms", timeout=60),
    Scenario("acpi-q35-smp", [COUNTER5, EXITCODE], judge_acpi_q35_smp, qemu_args=["-machine", "q35", "-smp", "2"],
             timeout=60),
    Scenario("acpi-pmtimer", [COUNTER5, EXITCODE], judge_acpi_pmtimer, qemu_args=["-machine", "pc,pit=off,hpet=off"],
             timeout=60),
    # UEFI firmware is optional (tools/deps installs it; SKIP without it); ~5-20 s slower than SeaBIOS
    Scenario("acpi-uefi", [COUNTER5], judge_acpi_uefi, cmdline="slice=10ms", qemu_args=["-bios", OVMF], timeout=150,
             skip_if=lambda: no_ovmf((OVMF,))),
]
