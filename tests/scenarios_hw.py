# SPDX-License-Identifier: MIT
"""Scenarios for booting as on real machines: UEFI (OVMF) as well as SeaBIOS, the framebuffer console, no serial port.

tests/registry.py lists this file. run_qemu_args go to tools/run-qemu before `--` (tests/run.py
passes them, with "{dir}" replaced by the scenario's directory).

The screen scenarios keep the final screen as build/scenarios/<name>/screen.png: tools/run-qemu --screendump takes
QEMU screendumps until hvmm is done, and the judge reads the text back from the PNG by comparing every character cell
with the glyphs of the same PSF font hvmm was built with (tools/screencheck.py). They run without exit_port=:
isa-debug-exit would end QEMU before the last screendump. hvmm powers off through ACPI S5 instead, and QEMU, run with
-action shutdown=pause, keeps the screen until tools/screencheck.py has taken it and quits QEMU.
"""

import os
import re
import sys
from dataclasses import dataclass, field
from typing import List

from hvmmlog import HvmmLog
from scenarios import (COUNTER, EXITCODE, MATMUL, Context, Judge, Scenario, check_exit, judge_default,
                       judge_default_grub)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import psffont  # noqa: E402
import screencheck  # noqa: E402

SCREEN = "{dir}/screen.png"
EXIT_PORT_CHECK = "hvmm powered QEMU off via exit_port"  # the common check (scenarios.check_common) replaced here


@dataclass
class HwScenario(Scenario):
    run_qemu_args: List[str] = field(default_factory=list)  # tools/run-qemu options: --uefi, --screendump, ...


def screen_text(ctx: Context):
    """(rows, status line, columns) read back from the scenario's screen.png, or None when there is none."""
    path = os.path.join(ROOT, SCREEN.replace("{dir}", ctx.dir))
    if not os.path.isfile(path):
        return None
    img, font = screencheck.load_image(path), psffont.load()
    rows, status = screencheck.read_screen(img, font)
    return rows, status, img.width // font.width


def check_acpi_power_off(j: Judge, ctx: Context) -> None:
    """Replace the common isa-debug-exit check: these runs must end in hvmm's ACPI power-off (QMP SHUTDOWN)."""
    j.checks = [c for c in j.checks if c[0] != EXIT_PORT_CHECK]
    try:
        with open(os.path.join(ROOT, ctx.dir, "qemu.stderr")) as f:
            err = f.read()
    except OSError:
        err = ""
    m = re.search(r"screencheck: stopped watching: ([^;]*)", err)
    j.check("hvmm powered off through ACPI S5 (QEMU kept the screen)",
            ctx.qemu_status == 0 and m is not None and m.group(1).startswith("guest shutdown"),
            f"qemu status {ctx.qemu_status}, screencheck: {m.group(1) if m else 'no report'}")


def check_screen_end(j: Judge, ctx: Context):
    """The end of a default run is on screen, drawn with the font; the status line counts the guests.
    Returns (rows, columns), or None without a screendump."""
    got = screen_text(ctx)
    if not j.check("screen: screendump kept as screen.png", got is not None, f"no {SCREEN.replace('{dir}', ctx.dir)}"):
        return None
    rows, status, cols = got
    for want in ("hvmm: all guests done", "hvmm: guest counter exit=0 ", "hvmm: guest matmul exit=0 ",
                 "hvmm: guest exitcode exit=3 "):
        j.check(f"screen: shows {want.strip()!r}", screencheck.find(rows, want) is not None,
                "screen rows: " + " | ".join(r for r in rows[-6:] if r))
    # The summary fills most of the screen; the last guest lines (matmul's, usually) are above it.
    guest_rows = [r for r in rows if re.match(r"^\[(counter|matmul|exitcode)\] ", r)]
    j.check("screen: shows guest console lines ('[<name>] ...')", guest_rows,
            f"no guest line among {len(rows)} rows")
    j.check("screen: status line 'guests 0/3 running | switches N'",
            re.search(r"\bguests 0/3 running \| switches [1-9][0-9]*\b", status) is not None, repr(status))
    bad = [r for r in rows if screencheck.UNKNOWN in r]
    j.check("screen: every character cell is a glyph of the font", not bad, f"{len(bad)} rows, first {bad[:1]!r}")
    return rows, cols


def judge_screen_serial(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """Serial and screen together: the default guests' checks on the serial log, and the screen ends like it."""
    check_acpi_power_off(j, ctx)
    judge_default(j, log, ctx)
    got = check_screen_end(j, ctx)
    if not got:
        return
    rows, cols = got
    while rows and not rows[-1]:
        rows = rows[:-1]
    # hvmm's lines from its first one on, cut into screen rows as fbcon.c wraps them.
    start = next((i for i, ln in enumerate(log.lines) if "hvmm: hvmm " in ln), 0)
    wrapped: List[str] = []
    for ln in log.lines[start:]:
        at = ln.find("hvmm: hvmm ")
        ln = ln[at:] if at > 0 else ln
        wrapped += [ln[i:i + cols].rstrip() for i in range(0, max(len(ln), 1), cols)]
    while wrapped and not wrapped[-1]:
        wrapped = wrapped[:-1]
    tail = wrapped[-len(rows):] if rows else []
    diff = next((i for i, (a, b) in enumerate(zip(rows, tail)) if a != b), None)
    j.check(f"screen: its rows are the serial log's last {len(rows)} lines", rows and tail == rows,
            f"first difference at row {diff}: screen {rows[diff]!r} vs serial {tail[diff]!r}" if diff is not None
            else f"{len(tail)} serial lines for {len(rows)} rows")


def judge_screen_only(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """No serial port: everything is judged from the screen (log is the text read back from it)."""
    check_acpi_power_off(j, ctx)
    check_screen_end(j, ctx)
    check_exit(j, log, "counter", 0)
    check_exit(j, log, "matmul", 0)
    check_exit(j, log, "exitcode", 3)


DEFAULT_GUESTS = [COUNTER, MATMUL, EXITCODE]
SCREENDUMP = ["--screendump", SCREEN]

SCENARIOS: List[Scenario] = [
    # The same ISO under OVMF: GRUB's UEFI path (boot services exited, MBI and modules in low memory, GOP framebuffer).
    HwScenario("default-uefi", DEFAULT_GUESTS, judge_default_grub(uefi=True), timeout=300, run_qemu_args=["--uefi"]),
    # SeaBIOS with a VBE mode set by GRUB: the framebuffer console shows the same lines as the serial log.
    HwScenario("screen-bios", DEFAULT_GUESTS, judge_screen_serial, cmdline="slice=10ms", timeout=240,
               run_qemu_args=SCREENDUMP),
    # A UEFI machine without a serial port: the screen is the only output.
    HwScenario("screen-uefi-no-serial", DEFAULT_GUESTS, judge_screen_only, cmdline="slice=10ms", timeout=300,
               run_qemu_args=["--uefi", "--no-serial"] + SCREENDUMP),
]
