# SPDX-License-Identifier: MIT
"""Scenarios for hardening that matters on real AMD silicon (docs/security.md "Real silicon"): exception loops
(CVE-2015-8104), the guest CPUID policy, the TSC calibration source, the local APIC mode and memory types.
What no platform here can show (IBPB, RSB filling) is checked on the binary by tests/switchpath.py and
tests/retsites.py; the safe RET against SRSO runs under QEMU's EPYC (family 17h) and EPYC-Milan (19h) models."""

import os
import re
from typing import Dict, List, Optional, Tuple

from hvmmlog import HvmmLog
from scenarios import EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_exit, check_matmul
from scenarios_hostile import COUNTER, check_kill, check_passes, check_well_behaved, hostile

# counter and a shorter matmul beside the guests under test (check_matmul recomputes the checksum for any rounds=)
WELL_BEHAVED = [COUNTER, f"{GUESTS}/matmul.elf name=matmul mem=16M rounds=200"]


def judge_exc(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    # Where a guest's breakpoints never fire (QEMU 7.2 TCG's VMRUN does not arm them and hvmm does every DR write:
    # docs/security.md, "Test platform limits") the guests say SKIP for the breakpoint parts instead.
    no_bp = any(t.startswith("SKIP instruction breakpoint") for t in log.console("hexc-db"))
    if no_bp:  # counted as SKIPs; bochs-hostile-exc runs both where breakpoints fire
        why = "a guest's breakpoints do not fire on this platform (QEMU 7.2 TCG); bochs-hostile-exc runs them"
        j.skip("hexc-db: instruction breakpoint reaches the guest's #DB handler", why)
        j.skip("hexc-dbloop: the exception-loop guard stops a #DB loop", why)
    check_passes(j, log, "hexc-db", ["single step reaches the guest's #DB handler", "single step: DR6.BS set",
                                     "rdpru raises #UD"]
                 + ([] if no_bp else ["instruction breakpoint reaches the guest's #DB handler at its address",
                                      "instruction breakpoint: DR6.B0 set"]))
    if any(t.startswith("SKIP dbloop") for t in log.console("hexc-dbloop")):
        j.check("hexc-dbloop: skipped (breakpoints do not fire on this platform), like hexc-db", no_bp)
        check_exit(j, log, "hexc-dbloop", 0)
    else:
        check_kill(j, log, "hexc-dbloop",
                   r"^exception loop: #DB delivered 10000 times in a row at rsp=0x[0-9a-f]+ without progress "
                   r"\(CVE-2015-8104\)", "dbloop")


# ---- CPUID policy: docs/guest-abi.md's table, hvmm/guest/cpuid.c's table and what a guest sees agree ----

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGS = ["EAX", "EBX", "ECX", "EDX"]
Key = Tuple[int, Optional[int]]  # (leaf, subleaf or None for every subleaf)


def doc_policy(path: str = os.path.join(ROOT, "docs", "guest-abi.md")) -> Dict[Key, Dict[str, Tuple[int, int]]]:
    """{(leaf, subleaf): {reg: (passed mask, set mask)}} from the CPUID policy table of docs/guest-abi.md."""
    pol: Dict[Key, Dict[str, Tuple[int, int]]] = {}
    row = re.compile(r"^\| `([0-9a-f]{8})`(?:\.(\d+))? \| (EAX|EBX|ECX|EDX) \| `([0-9a-f]{8})` \| `([0-9a-f]{8})` \|")
    with open(path) as f:
        for ln in f:
            m = row.match(ln)
            if m:
                key = (int(m.group(1), 16), int(m.group(2)) if m.group(2) else None)
                pol.setdefault(key, {})[m.group(3)] = (int(m.group(4), 16), int(m.group(5), 16))
    return pol


def code_policy(path: str = os.path.join(ROOT, "hvmm", "guest", "cpuid.c")) -> Dict[Key, Dict[str, Tuple[int, int]]]:
    """The same from the cpuid_policy[] initializers of hvmm/guest/cpuid.c."""
    pol: Dict[Key, Dict[str, Tuple[int, int]]] = {}
    h = r"(0x[0-9a-f]{8})"
    row = re.compile(r"\{ " + h + r", (ANY|\d+), \{ " + ", ".join([h] * 4) + r" \}, \{ " + ", ".join([h] * 4) +
                     r" \} \},")
    with open(path) as f:
        for m in row.finditer(f.read()):
            g = m.groups()
            key = (int(g[0], 16), None if g[1] == "ANY" else int(g[1]))
            pol[key] = {REGS[i]: (int(g[2 + i], 16), int(g[6 + i], 16)) for i in range(4)
                        if int(g[2 + i], 16) or int(g[6 + i], 16) or key[0] in (0, 0x80000000)}
    return pol


def rule(pol, leaf: int, sub: int) -> Optional[Dict[str, Tuple[int, int]]]:
    return pol.get((leaf, sub), pol.get((leaf, None)))


# ---- SRSO policy (lib/spec_policy.c): the boot line names it; the safe RET runs where QEMU's model is exposed ----

SPEC_POLICY = re.compile(r"^hvmm: spec policy: (.*?), (\d+) return sites patched; (.*)$")


def check_spec_policy(j: Judge, log: HvmmLog, want: str, warning: Optional[str] = None) -> None:
    """The "spec policy:" line starts with want and names the patched return sites; the warning line as expected."""
    got = [m for m in (SPEC_POLICY.match(ln) for ln in log.lines) if m]
    j.check(f"spec policy: {want}, return sites patched", len(got) == 1 and got[0].group(1).startswith(want) and
            int(got[0].group(2)) > 100, f"{[m.group(0) for m in got]}")
    warns = [ln for ln in log.lines if ln.startswith("hvmm: warning: spec: ")]
    if warning is None:
        j.check("no spec warning", not warns, f"{warns}")
    else:
        j.check(f"spec warning: {warning}", len(warns) == 1 and warning in warns[0], f"{warns}")


def judge_srso(want: str, warning: Optional[str], count: int = 5):
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        check_spec_policy(j, log, want, warning)
        check_counter(j, log, n=count)
        check_matmul(j, log)
    return judge


def judge_cpuid(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_spec_policy(j, log, "plain RET (not exposed to SRSO: not an AMD family 17h-19h CPU)")
    doc, code = doc_policy(), code_policy()
    j.check("cpuid: docs/guest-abi.md has a policy table", len(doc) >= 10, f"{len(doc)} leaves")
    same = {k: {r: v for r, v in d.items() if v != (0, 0) or k[0] in (0, 0x80000000)} for k, d in doc.items()}
    diff = [k for k in set(same) | set(code) if same.get(k) != code.get(k)]
    j.check("cpuid: docs/guest-abi.md and hvmm/guest/cpuid.c list the same masks", not diff and code,
            "; ".join(f"{k[0]:08x}.{k[1]}: doc {same.get(k)} code {code.get(k)}" for k in sorted(diff, key=str)[:4]))
    dump = re.compile(r"^cpuid ([0-9a-f]{8})\.(\d+) eax=([0-9a-f]{8}) ebx=([0-9a-f]{8}) ecx=([0-9a-f]{8}) "
                      r"edx=([0-9a-f]{8})$")
    lines = [dump.match(t) for t in log.console("cpuid")]
    got = {(int(m.group(1), 16), int(m.group(2))): [int(m.group(i), 16) for i in range(3, 7)] for m in lines if m}
    j.check("cpuid: the guest dumped its leaves", len(got) > 100 and "cpuid dump done" in log.console("cpuid"),
            f"{len(got)} leaves")
    maxb = got.get((0, 0), [0])[0]
    maxe = got.get((0x80000000, 0), [0])[0]
    j.check("cpuid: highest basic leaf <= 0xd", 1 <= maxb <= 0xD, f"0x{maxb:x}")
    j.check("cpuid: highest extended leaf <= 0x80000021", 0x80000001 <= maxe <= 0x80000021, f"0x{maxe:x}")
    bad = []
    for (leaf, sub), vals in sorted(got.items()):
        if 0x40000000 <= leaf <= 0x400000FF:
            continue
        r = rule(doc, leaf, sub)
        in_range = leaf <= maxb if leaf < 0x80000000 else leaf <= maxe
        for i, reg in enumerate(REGS):
            v = vals[i]
            if (leaf, reg) in ((0, "EAX"), (0x80000000, "EAX")):
                continue
            passm, setm = r.get(reg, (0, 0)) if (r and in_range) else (0, 0)
            if v & ~(passm | setm) or (v & setm) != setm:
                bad.append(f"{leaf:08x}.{sub} {reg}=0x{v:08x} (passed 0x{passm:08x}, set 0x{setm:08x})")
    j.check("cpuid: every leaf and subleaf within the documented policy, bit by bit", not bad and got,
            "; ".join(bad[:5]) + (f" ... {len(bad)} in all" if len(bad) > 5 else ""))
    hv = got.get((0x40000000, 0))
    j.check("cpuid: 0x40000000 = 0x40000001 hvmmhvmmhvmm", hv == [0x40000001] + [0x6d6d7668] * 3, str(hv))
    l1 = got.get((1, 0))
    j.check("cpuid: leaf 1 ECX bit 31 (hypervisor) set", l1 is not None and l1[2] >> 31 == 1, str(l1))
    con = log.console("cpuid")
    rep = [t for t in con if t.startswith("cpuid repeat n=")]
    j.check("cpuid: every leaf read again gives the same values (hvmm's CPUID cache)",
            rep == [f"cpuid repeat n={len(got) - 1} differ=0"], "; ".join(t for t in con if "repeat" in t)[:300])
    if l1 is not None and l1[2] >> 26 & 1:
        j.check("cpuid: leaf 1 OSXSAVE follows the guest's CR4.OSXSAVE", "cpuid osxsave on=1 off=0" in con,
                str([t for t in con if "osxsave" in t]))
    check_exit(j, log, "cpuid", 0)


# ---- time without a PIT: the HPET ----

def judge_hpet(j: Judge, log: HvmmLog, ctx: Context) -> None:
    # QEMU 7.2 HPET: 100 MHz (10 ns per tick)
    m = log_find(log, r"^hvmm: tsc_khz=(\d+) \(median of \d+ windows of \d+ ms against HPET at 0xfed00000 "
                      r"\((\d+) fs/tick\) \d+ .*\)$")
    j.check("tsc: tsc_khz=<kHz> (median of ... against the HPET at 0xfed00000 (10000000 fs/tick) ...; no PIT)",
            m is not None and 100000 <= int(m.group(1)) <= 10000000 and int(m.group(2)) == 10000000 and
            "PIT channel 2" not in m.group(0), m.group(0) if m else "no HPET tsc_khz line")
    inv = log_find(log, r"^hvmm: tsc invariant=([01]) \(CPUID 8000_0007h EDX\[8\]")
    j.check("tsc: invariant-TSC bit reported (QEMU -cpu max: 0)", inv is not None and inv.group(1) == "0",
            inv.group(0) if inv else "no 'tsc invariant=' line")
    check_counter(j, log, "counter", 5)


def log_find(log: HvmmLog, pattern: str):
    rx = re.compile(pattern)
    for ln in log.lines:
        m = rx.search(ln)
        if m:
            return m
    return None


# ---- the local APIC mode option ----

def judge_apic_x2apic(j: Judge, log: HvmmLog, ctx: Context) -> None:
    # QEMU 7.2 TCG has no x2APIC (CPUID 1 ECX[21] clear, "+x2apic" is refused): apic=x2apic must fall back to xAPIC
    # with a warning, and the timer must still preempt. The x2APIC path itself needs a CPU that has it.
    j.check("apic=x2apic without x2APIC: warning", log_find(
        log, r"^hvmm: warning: apic=x2apic but the CPU has no x2APIC \(CPUID 1 ECX\[21\]\); using xAPIC$") is not None)
    j.check("lapic mode=xapic (firmware left xapic, apic=x2apic)", log_find(
        log, r"^hvmm: lapic mode=xapic \(firmware left xapic, apic=x2apic\) id=0 ") is not None)
    check_counter(j, log, "counter", 5)
    check_matmul(j, log)


# ---- memory types and RAM above 4 GiB (QEMU -m 6G: RAM at [1 MiB, 3 GiB) and [4 GiB, 7 GiB)) ----

def paging_runs(log: HvmmLog) -> List[Tuple[int, int, str]]:
    rx = re.compile(r"^hvmm: paging: \[0x([0-9a-f]+), 0x([0-9a-f]+)\) (WB|UC)$")
    return [(int(m.group(1), 16), int(m.group(2), 16), m.group(3)) for m in (rx.match(ln) for ln in log.lines) if m]


def type_of(runs: List[Tuple[int, int, str]], start: int, end: int) -> Optional[str]:
    """The one type [start, end) is mapped with, or None if it is not covered by runs of a single type."""
    types = {t for s, e, t in runs if s < end and e > start}
    covered = sum(min(e, end) - max(s, start) for s, e, _ in runs if s < end and e > start)
    return types.pop() if len(types) == 1 and covered == end - start else None


def judge_mem6g(j: Judge, log: HvmmLog, ctx: Context) -> None:
    G = 1 << 30
    runs = paging_runs(log)
    j.check("paging: runs printed, contiguous from 0", runs and runs[0][0] == 0 and
            all(a[1] == b[0] for a, b in zip(runs, runs[1:])), str(runs[:3]))
    j.check("paging: the 3-4 GiB hole (MMIO) is uncacheable", type_of(runs, 3 * G, 4 * G) == "UC", str(runs))
    j.check("paging: RAM [1 MiB, 3 GiB - 128 KiB) is write-back", type_of(runs, 1 << 20, 3 * G - (128 << 10)) == "WB",
            str(runs))
    j.check("paging: RAM [4 GiB, 7 GiB) is write-back", type_of(runs, 4 * G, 7 * G) == "WB", str(runs))
    j.check("paging: the legacy VGA/BIOS hole [0xa0000, 0x100000) is uncacheable",
            type_of(runs, 0xa0000, 0x100000) == "UC", str(runs))
    m = log_find(log, r"^hvmm: memory: \d+ KiB free in \d+ ranges, (\d+) KiB of it above 4 GiB$")
    j.check("memory: 3 GiB free above 4 GiB", m is not None and int(m.group(1)) == 3 << 20, m.group(0) if m else "")
    loaded = re.compile(r"^hvmm: guest (\S+) loaded: id=\d+ mem=(\d+)M entry=0x[0-9a-f]+ ram_hpa=0x([0-9a-f]+)$")
    guests = [(g.group(1), int(g.group(3), 16), int(g.group(2)) << 20) for g in (loaded.match(ln) for ln in log.lines)
              if g]
    j.check("every guest's RAM is above 4 GiB and write-back in hvmm's map",
            len(guests) == 3 and all(hpa >= 4 * G and type_of(runs, hpa, hpa + n) == "WB" for _, hpa, n in guests),
            str(guests))
    check_well_behaved(j, log)
    lines = log.console("hmem-alias")
    n = sum(1 for t in lines if t.startswith("PASS own-RAM alias of a host address"))
    j.check("hmem-alias: its 40 MiB above 4 GiB read back (6 own-RAM aliases)", n == 6, f"{n} PASS lines")
    check_kill(j, log, "hmem-alias", r"^nested page fault: read gpa=0x2800000 outside its RAM", "alias")


SCENARIOS: List[Scenario] = [
    Scenario("hostile-exc", WELL_BEHAVED + [hostile("hostile_exc", "db"), hostile("hostile_exc", "dbloop")],
             judge_exc),
    Scenario("cpuid-policy", [f"{GUESTS}/cpuid_dump.elf name=cpuid mem=4M"], judge_cpuid),
    Scenario("apic-x2apic", [COUNTER + " count=5", WELL_BEHAVED[1]], judge_apic_x2apic,
             cmdline="slice=10ms apic=x2apic " + EXIT_PORT),
    Scenario("mem-6g", WELL_BEHAVED + [hostile("hostile_mem", "alias", mem="40M")], judge_mem6g,
             qemu_args=["-m", "6G"]),
    Scenario("tsc-hpet", [COUNTER + " count=5"], judge_hpet, qemu_args=["-machine", "pc,pit=off"]),
    # Every return of hvmm through the safe RET, and its untraining at every exit that reaches C (QEMU's models
    # have no IBPB under TCG: the warning says so).
    Scenario("srso-zen12", [COUNTER + " count=5", WELL_BEHAVED[1]],
             judge_srso("safe RET, Zen 1/2 sequence (exposed to SRSO, family 17h/18h, srso=safe-ret)", "no IBPB"),
             cpu="EPYC,+svm,+npt"),
    Scenario("srso-zen34", [COUNTER + " count=5", WELL_BEHAVED[1]],
             judge_srso("safe RET, Zen 3/4 sequence (exposed to SRSO, family 19h, srso=safe-ret)", "no IBPB"),
             cpu="EPYC-Milan,+svm,+npt"),
    Scenario("srso-off", [COUNTER + " count=5", WELL_BEHAVED[1]],
             judge_srso("plain RET (exposed to SRSO, srso=off)", "srso=off was given"),
             cmdline="slice=10ms srso=off " + EXIT_PORT, cpu="EPYC-Milan,+svm,+npt"),
]
