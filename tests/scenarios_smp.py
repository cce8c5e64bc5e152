# SPDX-License-Identifier: MIT
"""SMP scenarios (README "Status", docs/hardware.md "Several CPUs"): hvmm started with cpus=<n> on a QEMU with
-smp 2 or 4 and multi-threaded TCG (tools/run-qemu --smp), so the virtual CPUs really run at the same time.

- smp2-default, smp4-uefi: the default guests plus a second counter spread over every CPU (BIOS, and OVMF);
  smp2-default without cpus=: hvmm's default runs guests on every usable CPU.
- smp4-pinned: whereami guests (tests/guests/whereami.c) pinned with cpu=<n> read their CPU from CPUID 0x40000001
  EDX and must find the CPU they were pinned to, all along; unpinned ones are spread in module order; a cpu= beyond
  the CPUs in use gets a warning and is placed like an unpinned guest.
- smp4-hostile: hostile guests on CPU 2 are killed while the guests of CPUs 0, 1, 2 and 3 finish.
- smp4-soak: the 32-guest soak (tests/scenarios_soak.py) over 4 CPUs, SOAK_SMP_LINES lines each: every line checked.
  Its lag bound is left out: 4 virtual CPUs share the host's cores, so host scheduling, not hvmm, sets the tail
  (the one-CPU soak keeps the bound).
- smp-maxcpus: -smp 2,maxcpus=4 gives a MADT with two disabled entries: reported, not started; 2 CPUs run.
- smp-cpus1: -smp 4 with cpus=1: the single-CPU run; the 3 APs stay halted.
- smp-panic: panic_test=2: CPU 2 panics, the PANIC line names it, the 3 others are stopped by NMI, and no guest line
  follows the panic.
- smp-icount: -smp 2, cpus=2 under -icount shift=0 (one TCG thread): two runs give identical figures.
- smt-default, smt-on: -smp 4,sockets=1,cores=2,threads=2 (APIC IDs 0-3, CPUID 0Bh: 2 threads per core). Without
  smt= hvmm runs guests on one thread per core (APIC IDs 0 and 2) and names the siblings it skipped (1, 3); smt=on
  runs them on all 4 and warns.
tests/registry.py lists this file.
"""

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List

from hvmmlog import HvmmLog
from scenarios import (COUNTER, EXITCODE, GUESTS, MATMUL, Context, Judge, Scenario, check_counter, check_exitcode,
                       check_killed, check_matmul, guest_name, icount_repeat)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXIT_PORT = "exit_port=0xf4"
COUNTER2 = f"{GUESTS}/counter.elf name=c2 mem=16M"
ICOUNT = ["-icount", "shift=0,sleep=off"]

_UP = re.compile(r"^hvmm: cpu (\d+) apic=(\d+) up")
_RUNS = re.compile(r"^hvmm: cpu (\d+) runs (\d+) guests: (.*)$")
_PER_CPU = re.compile(r"^hvmm: cpu (\d+) guests=(\d+) switches=(\d+) lag p50=(\d+) p99=(\d+)$")
_SUMMARY = re.compile(r"^hvmm: summary: \d+ guests, (\d+) switches")


@dataclass
class SmpScenario(Scenario):
    run_qemu_args: List[str] = field(default_factory=list)  # tools/run-qemu options: --smp, --uefi


def smp_lines(log: HvmmLog):
    """({cpu: apic} of the "up" lines, {cpu: [guest names]} of the "runs" lines, {cpu: (guests, switches, p50, p99)})."""
    up, runs, per = {}, {}, {}
    for ln in log.lines:
        m = _UP.match(ln)
        if m:
            up[int(m.group(1))] = int(m.group(2))
        m = _RUNS.match(ln)
        if m:
            runs[int(m.group(1))] = [] if m.group(3) == "none" else m.group(3).split(",")
        m = _PER_CPU.match(ln)
        if m:
            per[int(m.group(1))] = tuple(int(x) for x in m.group(2, 3, 4, 5))
    return up, runs, per


def spread(specs: List[str], n: int) -> Dict[int, List[str]]:
    """The CPU of each guest as docs/cmdline.md describes it: cpu=<k> if k < n, else round-robin in module order."""
    out: Dict[int, List[str]] = {c: [] for c in range(n)}
    nxt = 0
    for s in specs:
        pin = next((int(w[4:]) for w in s.split()[1:] if w.startswith("cpu=")), None)
        if pin is not None and pin < n:
            out[pin].append(guest_name(s))
        else:
            out[nxt].append(guest_name(s))
            nxt = (nxt + 1) % n
    return out


def check_smp(j: Judge, log: HvmmLog, specs: List[str], n: int) -> None:
    """CPUs 0..n-1 came up, each got the guests of spread(), and each printed its summary line; they add up."""
    up, runs, per = smp_lines(log)
    j.check(f"cpus 0..{n - 1} up ('hvmm: cpu <n> apic=<id> up')", sorted(up) == list(range(n)), f"up: {up}")
    j.check(f"'hvmm: cpus: {n} running guests'", any(ln.startswith(f"hvmm: cpus: {n} running guests")
                                                    for ln in log.lines))
    want = spread(specs, n)
    j.check("each CPU runs the guests of cpu= and the module-order spread", runs == want,
            f"got {runs}, want {want}")
    j.check(f"one per-CPU summary line for each of the {n} CPUs", sorted(per) == list(range(n)), f"got {sorted(per)}")
    j.check("per-CPU guests= match the assignment", all(per.get(c, (-1,))[0] == len(g) for c, g in want.items()),
            f"{ {c: v[0] for c, v in per.items()} }")
    total = next((int(m.group(1)) for m in map(_SUMMARY.match, log.lines) if m), None)
    j.check("per-CPU switches= add up to the summary's", total == sum(v[1] for v in per.values()),
            f"summary {total}, per CPU {[v[1] for v in per.values()]}")


# ---- default guests on every CPU ----

DEFAULT4 = [COUNTER, MATMUL, EXITCODE, COUNTER2]


def judge_default_n(n: int, default: bool = False):
    """default: hvmm started without cpus= (its cpus line says it ran every usable CPU)."""
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        if default:
            line = f"hvmm: cpus: {n} running guests (every usable CPU: the default; cpus=1 keeps one)"
            j.check(f"without cpus=: '{line}'", any(ln.rstrip() == line for ln in log.lines),
                    str([ln for ln in log.lines if ln.startswith("hvmm: cpus")]))
        check_counter(j, log)
        check_counter(j, log, "c2")
        check_matmul(j, log)
        check_exitcode(j, log)
        check_smp(j, log, DEFAULT4, n)
    return judge


# ---- pinned guests ----

def whereami(name: str, cpu=None) -> str:
    return f"{GUESTS}/whereami.elf name={name} mem=2M checks=100 spin_us=300" + (f" cpu={cpu}" if cpu is not None
                                                                                 else "")


PINNED = [whereami("w3", 3), whereami("u0"), whereami("w1", 1), whereami("u1"), whereami("w0", 0),
          whereami("w2", 2), whereami("wbad", 7), f"{GUESTS}/counter.elf name=counter mem=4M cpu=3"]


def judge_pinned(j: Judge, log: HvmmLog, ctx: Context) -> None:
    want = spread(PINNED, 4)
    home = {g: c for c, gs in want.items() for g in gs}
    for spec in PINNED:
        name = guest_name(spec)
        if not name.startswith(("w", "u")):
            continue
        first = log.find_console(name, r"^whereami cpu=(\d+)$")
        done = log.find_console(name, r"^whereami done cpu=(\d+) checks=(\d+) moves=(\d+)$")
        j.check(f"{name}: CPUID 0x40000001 EDX = its CPU {home[name]} at the start",
                first is not None and int(first[1].group(1)) == home[name],
                f"first line {first[1].group(0) if first else None}")
        j.check(f"{name}: still on CPU {home[name]} after 100 reads, never moved",
                done is not None and int(done[1].group(1)) == home[name] and done[1].group(3) == "0",
                f"done line {done[1].group(0) if done else None}")
    j.check("wbad: warning that cpu=7 is not a CPU in use",
            any(re.match(r"^hvmm: warning: guest wbad: cpu=7 is not a CPU", ln) for ln in log.lines))
    check_counter(j, log)
    check_smp(j, log, PINNED, 4)


# ---- a hostile guest on an AP ----

HOSTILE_AP = [f"{GUESTS}/counter.elf name=counter mem=16M cpu=0", f"{GUESTS}/matmul.elf name=matmul mem=16M cpu=1",
              f"{GUESTS}/svminsn.elf name=svminsn mem=8M cpu=2", f"{GUESTS}/triplefault.elf name=triplefault mem=8M cpu=2",
              f"{GUESTS}/badmem.elf name=badmem mem=16M cpu=2", f"{GUESTS}/counter.elf name=c2 mem=4M cpu=2",
              f"{GUESTS}/counter.elf name=c3 mem=4M cpu=3"]


def judge_hostile_ap(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for name in ("svminsn", "triplefault", "badmem"):
        check_killed(j, log, name)
    check_counter(j, log)
    check_counter(j, log, "c2")
    check_counter(j, log, "c3")
    check_matmul(j, log)
    check_smp(j, log, HOSTILE_AP, 4)


# ---- soak over 4 CPUs ----

SOAK_SMP_LINES = 30


def soak_smp_guests() -> List[str]:
    import scenarios_soak  # noqa: E402
    return [s.replace("lines=0 seconds=60", f"lines={SOAK_SMP_LINES} seconds=0")
            for s in scenarios_soak.soak_guests(scenarios_soak.SOAK_GUESTS, 60)]


def judge_soak_smp(j: Judge, log: HvmmLog, ctx: Context) -> None:
    import scenarios_soak  # noqa: E402
    specs = soak_smp_guests()
    scenarios_soak.judge_soak_n(len(specs))(j, log, ctx)
    j.checks = [c for c in j.checks if not c[0].startswith("soak: world-switch lag p99")]  # see the docstring
    done = [g for g in (guest_name(s) for s in specs) if log.find_console(g, rf"^soak \d+ done lines={SOAK_SMP_LINES} ")]
    j.check(f"soak: all {len(specs)} guests printed their {SOAK_SMP_LINES} lines", len(done) == len(specs),
            f"{len(done)} did")
    check_smp(j, log, specs, 4)


# ---- a MADT with more CPUs than QEMU started; cpus=1 ----

def judge_maxcpus(j: Judge, log: HvmmLog, ctx: Context) -> None:
    j.check("MADT lists 4 processor entries, 2 disabled",
            any(re.search(r"^hvmm: acpi madt cpus=2 .*\(4 processor entries, 2 disabled\)", ln) for ln in log.lines))
    for apic in (2, 3):
        j.check(f"cpu apic={apic} reported as disabled, not started",
                any(ln.startswith(f"hvmm: cpu apic={apic} not started: disabled in the MADT") for ln in log.lines))
    judge_default_n(2)(j, log, ctx)


def judge_cpus1(j: Judge, log: HvmmLog, ctx: Context) -> None:
    up, runs, per = smp_lines(log)
    j.check("'cpus=1: running on the BSP only; 3 more enabled CPUs of the MADT stay halted'",
            any(ln.startswith("hvmm: cpus=1: running on the BSP only; 3 more enabled CPUs") for ln in log.lines))
    j.check("no AP started, no per-CPU lines (the single-CPU output)", not up and not runs and not per,
            f"up {up}, runs {runs}, per-CPU {per}")
    check_counter(j, log)
    check_counter(j, log, "c2")
    check_matmul(j, log)
    check_exitcode(j, log)


# ---- a panic on an AP ----

def judge_panic(j: Judge, log: HvmmLog, ctx: Context) -> None:
    j.checks = [c for c in j.checks if c[0] != "no hvmm PANIC"]  # the common check: a panic is wanted here
    p = [i for i, ln in enumerate(log.lines) if "hvmm: PANIC: " in ln]
    j.check("exactly one PANIC line, naming cpu 2", len(p) == 1 and log.lines[p[0]].rstrip().endswith("(cpu 2)"),
            f"{[log.lines[i] for i in p]}")
    if not p:
        return
    after = log.lines[p[0] + 1:]
    j.check("next line: 'other CPUs stopped by NMI: 3 of 3'",
            after[:1] and after[0].strip() == "hvmm:   other CPUs stopped by NMI: 3 of 3", f"{after[:1]}")
    stray = [ln for ln in after if ln.startswith("[")]
    j.check("no guest line after the panic (every CPU stopped)", not stray, f"{stray[:3]}")
    j.check("guests ran on the other CPUs before the panic", any(ln.startswith("[matmul] ") for ln in log.lines[:p[0]]))


# ---- icount: two runs repeat ----

FIGURES = re.compile(r"(hvmm: lag |hvmm: dist |hvmm: hist |hvmm: time |hvmm: guest \S+ exit=|hvmm: cpu \d+ guests=)")
ICOUNT_GUESTS = [f"{GUESTS}/matmul.elf name=m1 mem=2M rounds=40", f"{GUESTS}/matmul.elf name=m2 mem=2M rounds=40",
                 f"{GUESTS}/matmul.elf name=m3 mem=2M rounds=40", f"{GUESTS}/counter.elf name=counter mem=2M count=10"]


def judge_icount(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for name in ("m1", "m2", "m3"):
        check_matmul(j, log, name)
    check_counter(j, log, "counter", 10)
    check_smp(j, log, ICOUNT_GUESTS, 2)
    first = [ln for ln in log.lines if FIGURES.search(ln)]
    icount_repeat(j, "another icount run with 2 CPUs gives identical figures", first, ctx,
                  ["--smp", "2", "--"] + ICOUNT, lambda lines: [ln for ln in lines if FIGURES.search(ln)], 10)


# ---- SMT siblings (docs/hardware.md "Several CPUs") ----

SMT_QEMU = "4,sockets=1,cores=2,threads=2"


def judge_smt(smt_on: bool):
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        n, apics = (4, [0, 1, 2, 3]) if smt_on else (2, [0, 2])
        line = ("hvmm: smp: 2 threads per core (CPUID 0Bh); " +
                ("SMT siblings run guests too (smt=on): apic 1, 3" if smt_on
                 else "SMT siblings skipped (smt=off): apic 1, 3"))
        j.check(f"'{line}'", any(ln.rstrip() == line for ln in log.lines),
                str([ln for ln in log.lines if ln.startswith("hvmm: smp:")]))
        warned = any(ln.startswith("hvmm: warning: smt=on: guests on sibling threads") for ln in log.lines)
        j.check("smt=on warns about shared predictors" if smt_on else "no smt=on warning", warned == smt_on)
        up, _, _ = smp_lines(log)
        j.check(f"CPUs up on APIC IDs {apics}", [up[c] for c in sorted(up)] == apics, f"up: {up}")
        judge_default_n(n, default=True)(j, log, ctx)
    return judge


def smp(n) -> List[str]:
    return ["--smp", str(n)]


SCENARIOS: List[Scenario] = [
    SmpScenario("smp2-default", DEFAULT4, judge_default_n(2, default=True), cmdline=f"slice=10ms {EXIT_PORT}",
                run_qemu_args=smp(2)),
    SmpScenario("smp4-pinned", PINNED, judge_pinned, cmdline=f"slice=5ms cpus=4 {EXIT_PORT}", run_qemu_args=smp(4),
                timeout=120),
    SmpScenario("smp4-hostile", HOSTILE_AP, judge_hostile_ap, cmdline=f"slice=10ms cpus=4 {EXIT_PORT}",
                run_qemu_args=smp(4), timeout=120),
    SmpScenario("smp4-soak", soak_smp_guests(), judge_soak_smp, cmdline=f"slice=10ms cpus=4 {EXIT_PORT}",
                run_qemu_args=smp(4), timeout=240),
    SmpScenario("smp-maxcpus", DEFAULT4, judge_maxcpus, cmdline=f"slice=10ms cpus=4 {EXIT_PORT}",
                run_qemu_args=smp("2,maxcpus=4")),
    SmpScenario("smp-cpus1", DEFAULT4, judge_cpus1, cmdline=f"slice=10ms cpus=1 {EXIT_PORT}", run_qemu_args=smp(4)),
    SmpScenario("smp-panic", [COUNTER, MATMUL, EXITCODE, f"{GUESTS}/matmul.elf name=m2 mem=16M"], judge_panic,
                cmdline=f"slice=10ms cpus=4 panic_test=2 {EXIT_PORT}", run_qemu_args=smp(4), runs_guests=False),
    SmpScenario("smp-icount", ICOUNT_GUESTS, judge_icount, cmdline=f"slice=1ms cpus=2 stats=full {EXIT_PORT}",
                run_qemu_args=smp(2), qemu_args=ICOUNT, timeout=240),
    SmpScenario("smt-default", DEFAULT4, judge_smt(False), cmdline=f"slice=10ms {EXIT_PORT}",
                run_qemu_args=smp(SMT_QEMU)),
    SmpScenario("smt-on", DEFAULT4, judge_smt(True), cmdline=f"slice=10ms smt=on {EXIT_PORT}",
                run_qemu_args=smp(SMT_QEMU)),
    # tests/run.py says SKIP without OVMF
    SmpScenario("smp4-uefi", DEFAULT4, judge_default_n(4), cmdline=f"slice=10ms cpus=4 {EXIT_PORT}",
                run_qemu_args=["--uefi"] + smp(4), timeout=300),
]

if __name__ == "__main__":
    sys.exit("run these through tests/run.py --only <name>")
