#!/usr/bin/env python3
"""hvmm's test runner: host unit-test binaries, the runner's self-test, then the QEMU scenarios of tests/scenarios.py.

    python3 tests/run.py [--unit BIN ...] [--only NAME ...] [--jobs N] [--list] [--no-scenarios]

Every check prints `PASS: ...` or `FAIL: ...`; the run ends with one line `N passed, N failed` and exits 1 if anything
failed. Scenario files (ISO, serial log, QEMU's stderr) stay under build/scenarios/<name>/.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from hvmmlog import HvmmLog  # noqa: E402
import scenarios  # noqa: E402

HVMM_ELF = "build/hvmm.elf"
UNIT_TIMEOUT = 300
TAIL = 30

_print_lock = threading.Lock()


class Tally:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()

    def add(self, ok: bool) -> None:
        with self.lock:
            if ok:
                self.passed += 1
            else:
                self.failed += 1


def emit(lines: List[str]) -> None:
    """Print a block of lines at once (scenarios finish in parallel)."""
    with _print_lock:
        print("\n".join(lines), flush=True)


# ---- unit binaries ----

def run_unit(path: str, tally: Tally) -> None:
    name = os.path.basename(path)
    out: List[str] = []
    try:
        p = subprocess.run([path], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=UNIT_TIMEOUT)
        text = p.stdout.decode("utf-8", errors="replace")
        rc = p.returncode
        how = f"exit status {rc}" if rc >= 0 else f"killed by signal {-rc}"
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode("utf-8", errors="replace")
        rc, how = None, f"timed out after {UNIT_TIMEOUT}s"
    except OSError as e:
        text, rc, how = "", None, f"could not run: {e}"
    lines = text.splitlines()
    fails = 0
    for ln in lines:
        if ln.startswith("PASS:"):
            tally.add(True)
            out.append(f"PASS: {name}:{ln[5:]}")
        elif ln.startswith("FAIL:"):
            tally.add(False)
            fails += 1
            out.append(f"FAIL: {name}:{ln[5:]}")
        elif ln.startswith("SKIP:"):
            out.append(f"SKIP: {name}:{ln[5:]}")
    # A crash, timeout or non-zero exit not explained by FAIL lines is one more failure.
    abnormal = rc is None or rc < 0 or (rc != 0 and fails == 0)
    if abnormal:
        tally.add(False)
        out.append(f"FAIL: {name}: {how}")
    if abnormal or fails:
        out.append(f"---- {name}: {how}; last {TAIL} lines of its output:")
        out += ["  " + ln for ln in lines[-TAIL:]]
    emit(out)


# ---- scenarios ----

def elf_address(elf: str, symbol: str, after: str = "") -> int:
    """The address of symbol in elf (nm), or with after= a mnemonic: the address of the instruction that follows the
    first such instruction in symbol (objdump), e.g. the first instruction hvmm runs after VMRUN returns."""
    path = os.path.join(ROOT, elf)
    if not after:
        out = subprocess.run(["nm", path], stdout=subprocess.PIPE, check=True).stdout.decode()
        for ln in out.splitlines():
            f = ln.split()
            if len(f) == 3 and f[2] == symbol:
                return int(f[0], 16)
        raise KeyError(f"{symbol} not in {elf}")
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"--disassemble={symbol}", path],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    insns = [m for m in re.finditer(r"^\s*([0-9a-f]+):\s+(\S+)", out, re.M)]
    for i, m in enumerate(insns[:-1]):
        if m.group(2) == after:
            return int(insns[i + 1].group(1), 16)
    raise KeyError(f"no {after} in {symbol} of {elf}")


def expand_guest(spec: str, d: str) -> str:
    """A scenario's guest line with {dir} (the scenario's directory) and {sym:ELF:SYMBOL[+OFF]} or
    {after:ELF:SYMBOL:MNEMONIC} (addresses, see elf_address) replaced, so guests can be given hvmm's own addresses."""
    def addr(m: "re.Match[str]") -> str:
        kind, elf, rest = m.group(1), m.group(2), m.group(3)
        if kind == "after":
            sym, mnem = rest.split(":")
            return hex(elf_address(elf, sym, mnem))
        sym, _, off = rest.partition("+")
        return hex(elf_address(elf, sym) + (int(off, 0) if off else 0))
    return re.sub(r"\{(sym|after):([^:}]+):([^}]+)\}", addr, spec.replace("{dir}", d))


def run_scenario(sc: scenarios.Scenario, tally: Tally) -> None:
    d = os.path.join("build", "scenarios", sc.name)
    if os.path.isdir(os.path.join(ROOT, d)):
        shutil.rmtree(os.path.join(ROOT, d))
    os.makedirs(os.path.join(ROOT, d))
    iso, log_path = os.path.join(d, "hvmm.iso"), os.path.join(d, "serial.log")
    out: List[str] = []

    def fail_setup(what: str, detail: str) -> None:
        tally.add(False)
        out.append(f"FAIL: {sc.name}: {what}")
        out += ["  " + ln for ln in detail.splitlines()[-TAIL:]]
        emit(out)

    if sc.prepare:
        sc.prepare(os.path.join(ROOT, d))
    try:
        guests = [expand_guest(g, d) for g in sc.guests]
    except (KeyError, OSError, subprocess.CalledProcessError) as e:
        return fail_setup("resolve guest arguments", str(e))
    cmd = ["tools/mkiso", "-o", iso, "-k", HVMM_ELF, "-c", sc.cmdline]
    for g in guests:
        cmd += ["-g", g]
    if not os.path.isfile(os.path.join(ROOT, HVMM_ELF)):
        return fail_setup("build ISO", f"{HVMM_ELF} does not exist (run make)")
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        return fail_setup("build ISO", p.stdout.decode("utf-8", errors="replace"))

    cmd = ["tools/run-qemu", "--iso", iso, "--log", log_path, "--timeout", str(sc.timeout),
           "--accel", sc.accel, "--cpu", sc.cpu]
    cmd += [a.replace("{dir}", d) for a in getattr(sc, "run_qemu_args", [])]  # tests/scenarios_hw.py: --uefi, ...
    if sc.qemu_args:
        cmd += ["--"] + sc.qemu_args
    with open(os.path.join(ROOT, d, "qemu.stderr"), "wb") as err:
        p = subprocess.run(cmd, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if not os.path.isfile(os.path.join(ROOT, log_path)) or not os.path.getsize(os.path.join(ROOT, log_path)):
        # Not even firmware output: QEMU (or run-qemu) failed to start.
        with open(os.path.join(ROOT, d, "qemu.stderr")) as f:
            return fail_setup("boot QEMU", f.read())

    log = HvmmLog.from_file(os.path.join(ROOT, log_path))
    j = scenarios.judge(sc, log, scenarios.Context(dir=d, qemu_status=p.returncode))
    for name, ok, detail in j.checks:
        tally.add(ok)
        out.append(f"{'PASS' if ok else 'FAIL'}: {sc.name}: {name}" + ("" if ok or not detail else f" ({detail})"))
    if j.failed:
        out.append(f"---- {sc.name}: qemu status {p.returncode}; last {TAIL} lines of {log_path}:")
        out += ["  " + ln for ln in log.tail(TAIL)]
        out.append(f"---- serial log: {log_path} (QEMU's stderr: {d}/qemu.stderr)")
    emit(out)


def run_self_test(tally: Tally) -> None:
    out = []
    for name, ok, detail in scenarios.self_test():
        tally.add(ok)
        out.append(f"{'PASS' if ok else 'FAIL'}: selftest: {name}" + ("" if ok or not detail else f" ({detail})"))
    emit(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unit", nargs="*", default=[], metavar="BIN", help="unit-test binaries to run first")
    ap.add_argument("--only", nargs="*", default=None, metavar="NAME", help="run only these scenarios")
    ap.add_argument("--jobs", type=int, default=2, help="scenarios run in parallel (default 2)")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--no-scenarios", action="store_true", help="run only the unit binaries and the self-test")
    ap.add_argument("--fuzz", type=int, default=None, metavar="SEC",
                    help="run each libFuzzer target (build/fuzz/) for SEC seconds; default 10 with --unit, else none")
    args = ap.parse_args()

    if args.list:
        for sc in scenarios.SCENARIOS:
            print(f"{sc.name}: cpu={sc.cpu} cmdline={sc.cmdline!r} guests={[scenarios.guest_name(g) for g in sc.guests]}")
        return 0

    chosen = [] if args.no_scenarios else scenarios.SCENARIOS
    if args.only is not None:
        known = {sc.name for sc in scenarios.SCENARIOS}
        unknown = [n for n in args.only if n not in known]
        if unknown:
            print(f"run.py: unknown scenario(s) {unknown}; known: {sorted(known)}", file=sys.stderr)
            return 2
        chosen = [sc for sc in scenarios.SCENARIOS if sc.name in args.only]

    tally = Tally()
    for b in args.unit:
        run_unit(b if os.path.isabs(b) else os.path.join(ROOT, b), tally)
    fuzz_seconds = args.fuzz if args.fuzz is not None else (10 if args.unit else 0)
    if fuzz_seconds > 0:  # the fuzz stage (tests/fuzz/fuzz.py, docs/fuzzing.md): one check per target
        sys.path.insert(0, os.path.join(ROOT, "tests", "fuzz"))
        import fuzz  # noqa: E402
        for t in fuzz.targets():
            ok, line = fuzz.run(t, fuzz_seconds, os.path.join("build", "fuzz", "test-corpus"), fresh=True)
            tally.add(ok)
            emit([line])
    run_self_test(tally)
    import usb_test  # noqa: E402  (tools/usb: its refusals, and writes to a file and loop devices; about 2 s)
    for status, text in usb_test.run():
        if status != "SKIP":
            tally.add(status == "PASS")
        emit([f"{status}: {text}"])
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for f in [pool.submit(run_scenario, sc, tally) for sc in chosen]:
            f.result()
    print(f"{tally.passed} passed, {tally.failed} failed", flush=True)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
