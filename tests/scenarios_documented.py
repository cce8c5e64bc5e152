# SPDX-License-Identifier: MIT
"""Documented behaviour that had no scenario of its own (docs/guest-abi.md "Module arguments", docs/cmdline.md,
docs/serial-log.md):

- doc-args: bad `platform=`, `debug_exit=` and `cpu=` values each reject their guest with the reason the
  documentation gives, beside a counter that runs; `cpus=` above 16 is taken as 16, so under `-smp 2` both CPUs
  run guests; under `stats=full` every `dist` line has its `hist` line, whose log2 buckets hold every sample
  (the counts add up to the dist's n) and bracket its min and max.
"""

import re
from typing import List

from hvmmlog import HvmmLog
from scenarios import EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_rejected

BAD_ARGS = {  # guest name -> (its module arguments, the reason hvmm's log must give)
    "badplat": ("platform=vga", r"platform= must be pc or none"),
    "baddbg": ("debug_exit=zzz", r"debug_exit= must be an I/O port number"),
    "badcpu": ("cpu=x", r"cpu= is not a CPU number"),
}


def check_hist(j: Judge, log: HvmmLog) -> None:
    """Every dist line has a hist line; bucket b counts samples v with 2^b <= v < 2^(b+1) (docs/serial-log.md)."""
    if not j.check("stats=full: dist lines", log.dist, "no 'hvmm: dist' line"):
        return
    for what, d in sorted(log.dist.items()):
        h = log.hist.get(what)
        if not j.check(f"hist what={what}: present beside its dist line", h is not None, "no hist line"):
            continue
        j.check(f"hist what={what}: bucket counts add up to the dist's n={d.get('n')}", sum(h.values()) == d.get("n"),
                f"{sum(h.values())} in {h}")
        lo, hi = min(h), max(h)
        j.check(f"hist what={what}: buckets bracket min and max", d.get("min", 0) >= (1 << lo if lo else 0)
                and d.get("max", 0) < (1 << (hi + 1)), f"buckets {lo}..{hi}, min {d.get('min')} max {d.get('max')}")


def judge_doc_args(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for name, (_, why) in BAD_ARGS.items():
        check_rejected(j, log, name)
        reason = log.rejected.get(name) or ""
        j.check(f"{name}: reason /{why}/", re.search(why, reason) is not None, f"{reason!r}")
    check_counter(j, log, "counter", 5)
    m = next((re.match(r"^hvmm: cpus: (\d+) running guests \(cpus=(\d+)\)$", ln) for ln in log.lines
              if ln.startswith("hvmm: cpus: ")), None)
    j.check("cpus=99 is taken as 16; both CPUs of -smp 2 run guests", m is not None and m.groups() == ("2", "16"),
            m.group(0) if m else "no 'hvmm: cpus:' line")
    j.check("cpus=99: a warning names the 16 CPUs hvmm supports", any(
        ln.startswith("hvmm: warning: cpus=99 is more than the 16 CPUs hvmm supports; using 16") for ln in log.lines))
    check_hist(j, log)


def doc_args_guests() -> List[str]:
    return ([f"{GUESTS}/counter.elf name=counter mem=4M count=5", f"{GUESTS}/counter.elf name=c2 mem=4M count=3",
             f"{GUESTS}/counter.elf name=c3 mem=4M count=3"] +
            [f"{GUESTS}/counter.elf name={n} mem=4M {a}" for n, (a, _) in BAD_ARGS.items()])


def check_c2(j: Judge, log: HvmmLog, ctx: Context) -> None:
    judge_doc_args(j, log, ctx)
    check_counter(j, log, "c2", 3)
    check_counter(j, log, "c3", 3)


SCENARIOS: List[Scenario] = [
    Scenario("doc-args", doc_args_guests(), check_c2, cmdline=f"slice=5ms cpus=99 stats=full {EXIT_PORT}",
             qemu_args=["-smp", "2"], timeout=60),
]
