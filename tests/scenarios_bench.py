# SPDX-License-Identifier: MIT
"""Measurement scenarios: the benchmark guest's table and summary lines, and that two icount runs repeat exactly.

Under `-icount shift=0` RDTSC counts retired instructions, so every figure must be identical from run to run
(docs/measurement.md). The judge boots the same ISO a second time and compares the measurement lines.
"""

import os
import re
import sys
from typing import List

from hvmmlog import HvmmLog
from scenarios import GUESTS, Context, Judge, Scenario, check_matmul, icount_repeat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import benchlog  # noqa: E402

ICOUNT = ["-icount", "shift=0,sleep=off"]
FIGURES = re.compile(r"(\] lat op=|hvmm: native op=|hvmm: lag |hvmm: dist |hvmm: hist |hvmm: time |hvmm: guest \S+ exit=)")


def figures(lines: List[str]) -> List[str]:
    """The measurement lines of a log, which icount makes repeatable."""
    return [ln for ln in lines if FIGURES.search(ln)]


def judge_icount_repeat(j: Judge, log: HvmmLog, ctx: Context) -> None:
    first = figures(log.lines)
    res = benchlog.parse("\n".join(log.lines))
    j.check("latency table: 5 ops x n=1..64 in the guest", all(len(res["guest"].get(op, {})) == 4 for op in
            ("baseline", "cpuid", "vmmcall", "inb", "rdmsr")), f"{ {op: len(v) for op, v in res['guest'].items()} }")
    j.check("native column: 4 ops x n=1..64", all(len(res["native"].get(op, {})) == 4 for op in
            ("baseline", "cpuid", "inb", "rdmsr")), f"{ {op: len(v) for op, v in res['native'].items()} }")
    j.check("dist lines for switches and stages", all(k in res["dist"] for k in
            ("switch", "switch.timer", "stage.exit_to_irq", "stage.irq_to_sched", "stage.sched_to_entry")),
            f"{sorted(res['dist'])}")
    check_matmul(j, log, "m1")
    icount_repeat(j, "another icount run gives identical figures", first, ctx, ["--"] + ICOUNT, figures, 20)


SCENARIOS = [
    Scenario("icount-repeat", [f"{GUESTS}/bench.elf name=bench mem=4M max_log4=3",
                               f"{GUESTS}/matmul.elf name=m1 mem=2M rounds=2",
                               f"{GUESTS}/matmul.elf name=m2 mem=2M rounds=2"],
             judge_icount_repeat, cmdline="slice=1ms bench=3 stats=full exit_port=0xf4", qemu_args=ICOUNT, timeout=240),
]
