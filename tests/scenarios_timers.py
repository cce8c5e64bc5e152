# SPDX-License-Identifier: MIT
"""Timer periods measured against the TSC: the preemption period that slice= sets, for two values.

- slice-2ms, slice-8ms (-icount shift=0): two probe guests (tests/guests/probe.c) spin on RDTSC and print every gap in their reads.
  A gap of one probe during which the other resumed is a switch (the host may stop QEMU for a while too: a gap
  without the other probe in it); from a probe's first read after one switch to its last read before the next, it
  held the CPU for one time slice. The median of those runs, in TSC cycles over hvmm's tsc_khz (the `hvmm: lag` line), must be the slice within
  2 %: hvmm's local APIC timer is calibrated against the TSC (docs/cmdline.md, slice=), and what is left is the
  switch itself (a few hundred instructions) and the probes' own loop. Under -icount shift=0 (docs/measurement.md)
  QEMU's clocks count instructions exactly; without it a loaded host stops QEMU for milliseconds at a time (seen
  here: a median run of 6 ms for slice=2ms), which would measure the host, not hvmm.

The PIT and RTC periods are measured the same way by the multiboot v1 kernels of scenarios mb1-pit and mb1-rtc-period
(tests/scenarios_platform.py, tests/mb1/mb1_pit.c, mb1_rtc.c).
"""

from typing import List, Optional, Tuple

from hvmmlog import HvmmLog
from scenarios import EXIT_PORT, GUESTS, Context, Judge, Scenario, check_exit

ICOUNT = ["-icount", "shift=0,sleep=off"]
GAP = 20000  # TSC cycles: far above the probe's loop, far below one slice
GAPS = 60  # gaps per probe (switches, and the host's own interruptions of QEMU)


def median(v: List[int]) -> int:
    s = sorted(v)
    return s[len(s) // 2]


def gaps(log: HvmmLog, name: str) -> List[Tuple[int, int]]:
    out = []
    for text in log.console(name):
        w = text.split()
        if len(w) == 4 and w[:2] == ["probe", "gap"]:
            out.append((int(w[2]), int(w[3])))
    return out


def runs(mine: List[Tuple[int, int]], other: List[Tuple[int, int]]) -> List[int]:
    """A probe's runs between switches, in TSC cycles: its gaps the other probe resumed in are switches; from the
    resume after one switch to the last read before the next. Only runs inside the span both probes printed."""
    resumes = sorted(r for _, r in other)
    if not resumes:
        return []
    switches = [(last, resume) for last, resume in mine
                if any(last < r < resume for r in resumes) and resume <= resumes[-1]]
    return [switches[i + 1][0] - switches[i][1] for i in range(len(switches) - 1)]


def check_period(j: Judge, what: str, got_cycles: Optional[int], want_us: float, tsc_khz: Optional[int],
                 tolerance: float) -> None:
    """got_cycles (TSC) is want_us microseconds within tolerance (a fraction), at tsc_khz."""
    if not j.check(f"{what}: measured (TSC cycles and tsc_khz)", got_cycles and tsc_khz,
                   f"cycles {got_cycles}, tsc_khz {tsc_khz}"):
        return
    got_us = got_cycles * 1000.0 / tsc_khz
    j.check(f"{what}: {want_us:g} us within {tolerance:.0%}", abs(got_us / want_us - 1) <= tolerance,
            f"{got_us:.1f} us ({got_cycles} cycles at tsc_khz={tsc_khz})")


def judge_slice(slice_ms: int):
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        tsc_khz = (log.lag or {}).get("tsc_khz")
        g = {name: gaps(log, name) for name in ("pa", "pb")}
        for name, other in (("pa", "pb"), ("pb", "pa")):
            check_exit(j, log, name, 0)
            r = runs(g[name], g[other])
            if j.check(f"{name}: at least 20 runs between switches", len(r) >= 20, f"{len(r)} runs"):
                check_period(j, f"{name}: median run (the preemption period)", median(r), slice_ms * 1000.0,
                             tsc_khz, 0.02)
    return judge


def probes(slice_ms: int) -> List[str]:
    return [f"{GUESTS}/probe.elf name={k} mem=2M gaps={GAPS} print={GAPS} gap={GAP}" for k in ("pa", "pb")]


SCENARIOS: List[Scenario] = [
    Scenario(f"slice-{ms}ms", probes(ms), judge_slice(ms), cmdline=f"slice={ms}ms {EXIT_PORT}", qemu_args=ICOUNT,
             timeout=120)
    for ms in (2, 8)
]
