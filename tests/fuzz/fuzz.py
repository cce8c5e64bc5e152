#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run hvmm's libFuzzer targets (tests/fuzz/fuzz_*.c, built as build/fuzz/<target>) for a while each, one at a time.

    python3 tests/fuzz/fuzz.py [--seconds N] [--fresh] [TARGET_OR_BINARY ...]

Each target starts from its committed seeds in tests/fuzz/corpus/<target>/ (read only) and a scratch corpus under
build/fuzz/ where libFuzzer writes the inputs it finds, so the repository stays clean. Prints one line per target:
`PASS: fuzz: <target>: <N> execs, no crash` or `FAIL: fuzz: <target>: <what> (<crash file>; log <file>)`; crash
files go to build/fuzz/crashes/, libFuzzer's whole output to <scratch>/<target>.log. `make fuzz` runs this with
FUZZ_SECONDS (default 60, scratch build/fuzz/corpus/, kept between runs); tests/run.py runs each target for ~10 s as
a stage of `make test` (scratch build/fuzz/test-corpus/, emptied first).
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
from typing import List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = os.path.join("tests", "fuzz", "corpus")
OUT = os.path.join("build", "fuzz")

# hvmm's command lines are at most 255 bytes (BOOT_CMDLINE_MAX, GUEST_CMDLINE_MAX): longer inputs only slow the search
# and an x86 instruction is at most 15 bytes (the decoder's target reads a mode byte and up to 64 more)
EXTRA_ARGS = {"fuzz_cmdline": ["-max_len=1024"], "fuzz_x86_decode": ["-max_len=32"]}

_EXECS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_DONE = re.compile(r"Done (\d+) runs in")
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
_DEATH = re.compile(r"==\d+==\s*ERROR: (?:AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer): (.*)"
                    r"|(runtime error: .*)|ALARM: (working on the last Unit for \d+ seconds)")


def targets() -> List[str]:
    """Every target's name, from the sources tests/fuzz/fuzz_*.c."""
    return sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(ROOT, "tests", "fuzz", "fuzz_*.c")))


def run(target: str, seconds: int, scratch: str = os.path.join(OUT, "corpus"), fresh: bool = False) -> Tuple[bool, str]:
    """Fuzz one target for `seconds`; return (ok, the PASS/FAIL line)."""
    binary = os.path.join(ROOT, OUT, target)
    if not os.path.isfile(binary):
        return False, f"FAIL: fuzz: {target}: {OUT}/{target} not built (make fuzz-bins)"
    work = os.path.join(ROOT, scratch, target)
    if fresh and os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    crashes = os.path.join(ROOT, OUT, "crashes")
    os.makedirs(crashes, exist_ok=True)
    log = os.path.join(ROOT, scratch, target + ".log")
    cmd = [binary, f"-max_total_time={seconds}", "-timeout=10", "-rss_limit_mb=1024", "-print_final_stats=1",
           f"-artifact_prefix={crashes}/{target}-"] + EXTRA_ARGS.get(target, [])
    cmd += [work, os.path.join(ROOT, SEEDS, target)]
    with open(log, "wb") as f:
        # libFuzzer stops itself after max_total_time; the margin covers loading the corpus and a slow last input
        try:
            p = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               timeout=seconds + 120)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = None
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    m = _EXECS.search(text) or _DONE.search(text)
    execs = int(m.group(1)) if m else None
    rel_log = os.path.relpath(log, ROOT)
    if rc == 0 and execs is not None:
        return True, f"PASS: fuzz: {target}: {execs} execs, no crash"
    art = _ARTIFACT.search(text)
    death = _DEATH.search(text)
    what = next((g for g in death.groups() if g), "") if death else ""
    if rc is None:
        what = f"did not stop after {seconds + 120}s"
    elif not what:
        what = f"exit status {rc}"
    where = os.path.relpath(art.group(1), ROOT) if art else "no crash file"
    return False, f"FAIL: fuzz: {target}: {what.strip()} ({where}; log {rel_log})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=60, help="time per target (default 60)")
    ap.add_argument("--fresh", action="store_true", help="empty the scratch corpus first")
    ap.add_argument("--scratch", default=os.path.join(OUT, "corpus"),
                    help="scratch corpus root (default build/fuzz/corpus)")
    ap.add_argument("targets", nargs="*", help="target names or build/fuzz/<target> paths (default: all)")
    args = ap.parse_args()
    names = [os.path.basename(t) for t in args.targets] or targets()
    passed = failed = 0
    for t in names:
        ok, line = run(t, args.seconds, args.scratch, args.fresh)
        print(line, flush=True)
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
