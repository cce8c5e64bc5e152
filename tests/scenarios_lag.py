# SPDX-License-Identifier: MIT
"""Switch-lag scenarios under `-icount shift=0` (RDTSC counts instructions, runs repeat exactly; docs/measurement.md).

- lag-probe (with `vmcb_check=1`: the checked world switch): two probe guests (tests/guests/probe.c) spin on RDTSC; a switch A -> B as the guests see it runs from
  A's last read before its gap to B's first read after its own. hvmm's lag p50 (the `hvmm: lag` line, default
  statistics) must equal the guests' p50 up to the instructions hvmm leaves unmeasured (docs/measurement.md: 6
  besides VMRUN/#VMEXIT; under icount VMRUN and the two RDTSCs count one each) and less than one probe loop at each
  end. The judge then boots a second ISO with 100 times as many switches (20,000) and requires
  the same p50: the statistics cost and summarise the same at every sample count.
- lag-probe-fast: the same probes with `vmcb_check=0`, as every scenario but lag-probe runs: the run loop's world
  switch with the fast path (svm_world_switch, what every user runs) instead of the checked one; the same agreement
  between the guests' and hvmm's p50, and no vmcb_check report.
"""

import os
import subprocess
from typing import Dict, List, Optional, Tuple

from hvmmlog import HvmmLog
from scenarios import EXIT_PORT, GUESTS, VMCB_CHECK, Context, Judge, Scenario

ICOUNT = ["-icount", "shift=0,sleep=off"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Instructions of vmrun.S outside the stamps (docs/measurement.md): 5 before VMRUN; after #VMEXIT 1 in the checked
# world switch (vmcb_check=1), 5 in the one with the fast paths (the two exit-code tests that pick them come first).
UNMEASURED = 6
UNMEASURED_FAST = 10
# Under icount RDTSC reads the count of instructions retired before it, so the stamp's own RDTSC, VMRUN and the
# guest's RDTSC add one instruction each to what the guests see.
ICOUNT_EXTRA = 3
SLICE = "slice=100us"  # short slices: 20,000 switches in a few seconds of virtual time
FEW, MANY = 100, 10000  # gaps per probe: 200 and 20,000 switches in all


def probes(gaps: int, keep: int) -> List[str]:
    return [f"{GUESTS}/probe.elf name=p{k} mem=2M gaps={gaps} print={keep}" for k in ("a", "b")]


def probe_data(log: HvmmLog, name: str) -> Tuple[Optional[int], List[Tuple[int, int]]]:
    """(loop granularity, [(last, resume)]) from probe `name`'s console lines."""
    loop, gaps = None, []
    for text in log.console(name):
        w = text.split()
        if text.startswith("probe loop="):
            loop = int(text.split("=")[1])
        elif len(w) == 4 and w[:2] == ["probe", "gap"]:
            gaps.append((int(w[2]), int(w[3])))
    return loop, gaps


def guest_lags(a: List[Tuple[int, int]], b: List[Tuple[int, int]]) -> List[int]:
    """Switches A -> B seen by the guests: for each gap of A, B's first read after its own gap, if that falls inside
    A's gap (B ran then), minus A's last read before it."""
    out = []
    resumes = sorted(r for _, r in b)
    for last, resume in a:
        nxt = next((r for r in resumes if r > last), None)
        if nxt is not None and nxt < resume:
            out.append(nxt - last)
    return out


def p50(v: List[int]) -> int:
    s = sorted(v)
    return s[(len(s) + 1) // 2 - 1]  # nearest rank, as hvmm


def judge_lag_probe_fast(j: Judge, log: HvmmLog, ctx: Context) -> None:
    j.check("vmcb_check=0 took effect: no 'hvmm: vmcb_check:' report", not any(
        ln.startswith("hvmm: vmcb_check:") for ln in log.lines), "the checked world switch ran")
    judge_lag_probe(j, log, ctx, many=False, unmeasured=UNMEASURED_FAST)


def judge_lag_probe(j: Judge, log: HvmmLog, ctx: Context, many: bool = True, unmeasured: int = UNMEASURED) -> None:
    la, ga = probe_data(log, "pa")
    lb, gb = probe_data(log, "pb")
    lags = guest_lags(ga, gb) + guest_lags(gb, ga)
    timer: Dict[str, int] = log.lag or {}
    j.check("both probes report their gaps and loop", la and lb and len(ga) == FEW and len(gb) == FEW,
            f"loops {la} {lb}, gaps {len(ga)} {len(gb)}")
    j.check("no dist lines without stats=full", not log.dist, f"{sorted(log.dist)}")
    if not j.check("the probes' gaps pair up into switches, and hvmm has a lag line", lags and timer and la and lb,
                   f"{len(lags)} paired, lag line {bool(timer)}, loops {la} {lb}"):
        return
    loop = max(la, lb)
    seen, hvmm = p50(lags), timer["p50"]
    d = seen - hvmm - unmeasured
    # hvmm's percentile is the lower bound of its histogram bucket (lib/stats.h): up to one bucket width below the
    # true value; from 128 on a bucket is 1/64 of its power of two.
    bucket = 0 if hvmm < 128 else 1 << (hvmm.bit_length() - 1 - 6)
    j.check(f"guest-visible switches paired from the probes' reads ({len(lags)})", len(lags) >= FEW, f"{len(lags)}")
    j.check(f"guests' p50 {seen} = hvmm's lag p50 {hvmm} + {unmeasured} unmeasured + {ICOUNT_EXTRA} (VMRUN, the "
            f"RDTSCs) + under one probe loop ({loop}) at each end + under one histogram bucket ({bucket})",
            ICOUNT_EXTRA <= d < 2 * loop + ICOUNT_EXTRA + bucket,
            f"difference beyond the unmeasured instructions: {d}")
    if not many:
        return

    # The same switches, 100 times as many: the same p50 (constant-cost statistics over every sample).
    iso, log2 = os.path.join(ctx.dir, "many.iso"), os.path.join(ctx.dir, "serial-many.log")
    # the first run's command line (vmcb_check=1: it adds to every switch)
    cmd = ["tools/mkiso", "-o", iso, "-k", "build/hvmm.elf", "-c", f"{VMCB_CHECK} {SLICE} {EXIT_PORT}"]
    for g in probes(MANY, 0):
        cmd += ["-g", g]
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["tools/run-qemu", "--iso", iso, "--log", log2, "--timeout", "240", "--accel", "tcg", "--cpu",
                    "max", "--"] + ICOUNT, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL)
    many = HvmmLog.from_file(os.path.join(ROOT, log2))
    t2 = many.lag or {}
    j.check(f"second run: at least {2 * MANY} switches in the lag line", t2.get("n", 0) >= 2 * MANY,
            f"n={t2.get('n')} (log: {log2})")
    # Equal to the statistics' resolution: a percentile is the lower bound of its histogram bucket (exact below 128,
    # else buckets 1/64 of the value wide: docs/measurement.md). A switch cost that sits on a bucket boundary (the
    # console-input poll's compare moved it there: 871 = the last value of [864, 872)) can report either neighbour.
    p50a, p50b = t2.get("p50") or 0, timer["p50"]
    width = 1 if p50b < 128 else 1 << (p50b.bit_length() - 1 - 6)
    j.check(f"p50 at {t2.get('n')} switches equals p50 at {timer['n']} ({p50b}) within one histogram bucket ({width})",
            abs(p50a - p50b) < width, f"{t2.get('p50')} vs {p50b}")
    j.check("the lag line's count is every switch of the run", t2.get("n") == many.total_switches(),
            f"lag n={t2.get('n')}, guests' switches={many.total_switches()}")


SCENARIOS = [
    Scenario("lag-probe", probes(FEW, FEW), judge_lag_probe, cmdline=f"{VMCB_CHECK} {SLICE} {EXIT_PORT}",
             qemu_args=ICOUNT, timeout=240),
    Scenario("lag-probe-fast", probes(FEW, FEW), judge_lag_probe_fast, cmdline=f"{SLICE} {EXIT_PORT} vmcb_check=0",
             qemu_args=ICOUNT, timeout=120),
]
