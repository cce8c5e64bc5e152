# SPDX-License-Identifier: MIT
"""Soak and flood scenarios: nothing a guest prints is lost, garbled or reordered, over a long run of many guests
(tests/guests/soak.c) and under a console flood (tests/guests/flood.c); a flood starves nobody. tests/registry.py lists
this file.

- soak: SOAK_GUESTS (32) soak guests with mem=2M — more guests than the 15 guest ASIDs of QEMU's TCG — for
  SOAK_SECONDS (60) of TSC time; a quarter never yield (timer preemption), the others yield every 1..5 lines.
- flood: flood writes 1 MiB of 100-byte lines in 4096-byte writes beside counter and matmul. The console costs about
  10 µs a byte under TCG on an idle machine (1 MiB: ~12 s) but several times that on a loaded one (2 MiB, the
  guest's default, took 177 s at load average 8 on 2 cores), hence half the default and a generous timeout.
- long-lines: lines of 201, 202 and 1000 bytes (newline included): hvmm splits lines longer than 200 bytes and marks
  the later pieces "[<name>]+ " (hvmm/guest/guest_console.c); joined, they must give back the guest's lines.

Long soaks by hand, judged the same way (build first with `make`):

    python3 tests/scenarios_soak.py --guests 40 --seconds 1800      # build the ISO, boot it, judge: 30 minutes
    python3 tests/scenarios_soak.py --judge path/to/serial.log      # judge a log of a run of your own
"""

import argparse
import os
import re
import sys
from typing import Dict, List, Optional

if __name__ == "__main__":
    _ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:0] = [os.path.join(_ROOT, "tools"), os.path.join(_ROOT, "tests")]

from hvmmlog import HvmmLog  # noqa: E402
from scenarios import (COUNTER, EXIT_PORT, GUESTS, MATMUL, Context, Judge, Scenario, check_counter,  # noqa: E402
                       check_exit, check_matmul)

SOAK_GUESTS = 32
SOAK_SECONDS = 60
# Bounds on the world-switch lag (cycles = ms * tsc_khz). Under TCG its p99 is about 1 ms and its max a few ms; a
# loaded host stalls QEMU now and then (a single exit was seen to take 400 ms), hence the generous max.
LAG_P99_MS = 200
LAG_MAX_MS = 1000
WRITE_CHUNK = 128  # bytes of a write hvmm prints per VMMCALL exit (WRITE_CHUNK in hvmm/guest/hypercall.c)
FLOOD_BYTES = 1 << 20

# ---- soak: the checksum of tests/guests/soak.c ----

M32 = 0xFFFFFFFF


def fnv1a(h: int, data: bytes) -> int:
    for b in data:
        h = ((h ^ b) * 16777619) & M32
    return h


def soak_lines(gid: int, n: int) -> List[str]:
    """The n numbered lines soak guest gid prints, checksums included (the rule at the top of tests/guests/soak.c)."""
    c, out = gid & M32, []
    for k in range(1, n + 1):
        c = fnv1a(0x811C9DC5, c.to_bytes(4, "little") + k.to_bytes(8, "little"))
        out.append(f"soak {gid} {k} {c:08x}")
    return out


_SOAK_DONE = re.compile(r"^soak (\d+) done lines=(\d+) checksum=([0-9a-f]{8}) ms=(\d+)$")
_SOAK_HEAD = re.compile(r"^soak (\d+) ")
_GUEST_LINE = re.compile(r"^\[[^\]\s]+\]\+? ")


def first_difference(got: List[str], want: List[str]) -> str:
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return f"line {i + 1}: got {a!r}, want {b!r}"
    return f"got {len(got)} lines, want {len(want)}"


def stray_lines(log: HvmmLog) -> List[str]:
    """Lines while guests ran that are neither hvmm's nor a guest console line: garbled output."""
    start = next((i for i, ln in enumerate(log.lines) if ln.startswith("hvmm: running ")), None)
    end = log.all_done_line if log.all_done_line is not None else len(log.lines)
    if start is None:
        return ["no 'hvmm: running' line"]
    return [ln for ln in log.lines[start + 1:end] if not (ln.startswith("hvmm: ") or _GUEST_LINE.match(ln))]


def check_soak(j: Judge, log: HvmmLog, names: List[str], figures: Optional[Dict[str, int]] = None) -> None:
    """Every soak guest printed lines 1..n exactly once, in order, with correct checksums, then its done line."""
    bad, few, total, ms_max = [], [], 0, 0
    for name in names:
        texts = log.console(name)
        m = _SOAK_HEAD.match(texts[0]) if texts else None
        done = _SOAK_DONE.match(texts[-1]) if texts else None
        if not m or not done:
            bad.append(f"{name}: no first line or no done line ({len(texts)} lines)")
            continue
        gid, n = int(m.group(1)), int(done.group(2))
        want = soak_lines(gid, n)
        want.append(f"soak {gid} done lines={n} checksum={want[-1][-8:] if n else f'{gid:08x}'} ms={done.group(4)}")
        if texts != want:
            lost = len(set(want) - set(texts))
            bad.append(f"{name}: {lost} lines lost; first difference at {first_difference(texts, want)}")
        total += n
        ms_max = max(ms_max, int(done.group(4)))
        if n < 10:
            few.append(f"{name}: {n}")
    j.check(f"soak: every line of all {len(names)} guests exactly once, in order, with correct checksums",
            not bad, "; ".join(bad[:4]))
    j.check("soak: every guest printed at least 10 lines (none starved)", not few, ", ".join(few[:8]))
    stray = stray_lines(log)
    j.check("soak: no garbled or stray lines while guests ran", not stray, f"{len(stray)}: {stray[:3]}")
    lag = log.lag or {}
    if j.check("soak: lag line has p99, max and tsc_khz", "p99" in lag and "max" in lag and lag.get("tsc_khz")):
        khz = lag["tsc_khz"]
        j.check(f"soak: world-switch lag p99 < {LAG_P99_MS} ms and max < {LAG_MAX_MS} ms",
                lag["p99"] < LAG_P99_MS * khz and lag["max"] < LAG_MAX_MS * khz,
                f"p99={lag['p99'] / khz:.1f} ms, max={lag['max'] / khz:.1f} ms")
    if figures is not None:
        figures.update(guests=len(names), lines=total, ms_max=ms_max, lag_max=lag.get("max", -1),
                       lag_max_us=lag["max"] * 1000 // lag["tsc_khz"] if lag.get("tsc_khz") else -1)


def soak_guests(n: int = SOAK_GUESTS, seconds: int = SOAK_SECONDS) -> List[str]:
    """n soak guests; every fourth never yields, the others yield every 1..5 lines."""
    return [f"{GUESTS}/soak.elf name=s{i} mem=2M lines=0 seconds={seconds} "
            f"yield_every={0 if i % 4 == 0 else i % 5 + 1}" for i in range(n)]


def judge_soak_n(n: int):
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        names = [f"s{i}" for i in range(n)]
        check_soak(j, log, names)
        bad = [m for m in names if not (log.guests.get(m) and log.guests[m].exit == 0)]
        j.check(f"soak: all {n} guests exit=0", not bad, f"not exit=0: {bad[:8]}")
    return judge


judge_soak = judge_soak_n(SOAK_GUESTS)


# ---- flood ----

def flood_lines(n: int, length: int) -> List[str]:
    """Lines 1..n of tests/guests/flood.c with line= length (newline included), without the newline."""
    out = []
    for k in range(1, n + 1):
        out.append(f"flood {k:08d} " + "".join(chr(97 + (k + j) % 26) for j in range(length - 16)))
    return out


_FLOOD_DONE = re.compile(r"^flood done lines=(\d+) bytes=(\d+) writes=(\d+) ms=(\d+)$")


def check_flood(j: Judge, log: HvmmLog, name: str, nbytes: int, length: int) -> None:
    n = nbytes // length
    texts = log.console(name)
    want = flood_lines(n, length)
    got = texts[:-1] if texts and texts[-1].startswith("flood done") else texts
    j.check(f"{name}: all {n} lines of {length} bytes exactly once, in order, intact", got == want,
            f"{len(set(want) - set(got))} lines lost; first difference at {first_difference(got, want)}")
    done = _FLOOD_DONE.match(texts[-1]) if texts else None
    j.check(f"{name}: flood done lines={n} bytes={n * length}",
            done and int(done.group(1)) == n and int(done.group(2)) == n * length, texts[-1] if texts else "")
    check_exit(j, log, name, 0)


def judge_flood(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_flood(j, log, "flood", FLOOD_BYTES, 100)
    check_counter(j, log)
    check_matmul(j, log)
    counter_done = log.find_console("counter", r"^counter done")
    flood_done = log.find_console("flood", r"^flood done")
    j.check("counter done before flood done (the flood does not starve it)",
            counter_done and flood_done and counter_done[0] < flood_done[0],
            f"counter done at line {counter_done and counter_done[0]}, flood done at {flood_done and flood_done[0]}")
    g = log.guests.get("flood")
    j.check(f"flood: its writes took >= {FLOOD_BYTES // WRITE_CHUNK} exits (hvmm prints {WRITE_CHUNK} bytes per exit)",
            g and g.exits >= FLOOD_BYTES // WRITE_CHUNK, f"exits={g and g.exits}")


# ---- long lines ----

LONG = [("exact200", 201), ("over201", 202), ("long1000", 1000)]  # (name, line= with the newline)
LONG_LINES = 100


def judge_long_lines(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for name, length in LONG:
        check_flood(j, log, name, LONG_LINES * length, length)
        pieces = -(-(length - 1) // 200)  # hvmm's console line holds 200 bytes
        cont = sum(1 for ln in log.lines if ln.startswith(f"[{name}]+ "))
        j.check(f"{name}: {pieces - 1} continuation line(s) marked '[{name}]+ ' per line",
                cont == LONG_LINES * (pieces - 1), f"{cont} continuation lines")
    check_counter(j, log)


def long_guest(name: str, length: int) -> str:
    return f"{GUESTS}/flood.elf name={name} mem=2M bytes={LONG_LINES * length} line={length} chunk=4000"


SCENARIOS: List[Scenario] = [
    Scenario("soak", soak_guests(), judge_soak, timeout=SOAK_SECONDS + 340),
    Scenario("flood", [f"{GUESTS}/flood.elf name=flood mem=2M bytes={FLOOD_BYTES}", COUNTER, MATMUL], judge_flood,
             timeout=400),
    Scenario("long-lines", [long_guest(n, ln) for n, ln in LONG] + [COUNTER], judge_long_lines, timeout=120),
]


def main() -> int:
    ap = argparse.ArgumentParser(description="Run or judge a soak of hvmm (see this module's docstring).")
    ap.add_argument("--guests", type=int, default=SOAK_GUESTS, help=f"soak guests (default {SOAK_GUESTS})")
    ap.add_argument("--seconds", type=int, default=SOAK_SECONDS, help=f"TSC seconds (default {SOAK_SECONDS})")
    ap.add_argument("--judge", metavar="LOG", help="judge this serial log instead of running")
    args = ap.parse_args()
    import run  # tests/run.py: builds the ISO, boots QEMU, keeps the files under build/scenarios/<name>/

    if args.judge:
        log = HvmmLog.from_file(args.judge)
        names = [n for n in log.guests if any(t.startswith("soak ") for t in log.console(n)[:1])]
        j = Judge()
        figures: Dict[str, int] = {}
        check_soak(j, log, names, figures)
        for name, ok, detail in j.checks:
            print(f"{'PASS' if ok else 'FAIL'}: {name}" + ("" if ok or not detail else f" ({detail})"))
        print(" ".join(f"{k}={v}" for k, v in figures.items()))
        return 1 if j.failed else 0
    sc = Scenario("soak-manual", soak_guests(args.guests, args.seconds), judge_soak_n(args.guests),
                  timeout=args.seconds + 60 + 10 * args.guests)
    tally = run.Tally()
    run.run_scenario(sc, tally)
    print(f"{tally.passed} passed, {tally.failed} failed; log: build/scenarios/{sc.name}/serial.log")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
