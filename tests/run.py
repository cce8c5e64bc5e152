#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hvmm's test runner: host unit-test binaries, the fuzzers, the runner's self-test, tools/usb's tests, then the QEMU
and Bochs scenarios of the files tests/registry.py lists, with hvmm's command line as each gives it (users' default
path: the fast paths on), and the vmcb_check pass: some scenarios again with `vmcb_check=1` first (docs/cmdline.md).

    python3 tests/run.py [--unit BIN ...] [--fuzz SEC] [--only NAME|GROUP ...] [--jobs N] [--list] [--no-scenarios]
                         [-v] [--tap] [--junit FILE]

Each item (a unit binary, a fuzz target, the self-test, the usb tests, kvm-unit-tests — tests/kut.py, one check per
entry, SKIP without a build —, a scenario) is a set of named checks. The run
prints one progress line per item — `[ k/N] PASS <group>/<name> (<n> checks, <s> s)`, `FAIL` with the failed checks and
the serial log's tail below it, or `SKIP <group>/<name>: <reason>` for what this machine cannot run, and `SKIP: <check>
(<reason>)` under an item for each check it could not make — then `items: ...`, `scenarios: ...` and `skipped: ...`
counts, and ends with one line `N passed, N failed` (checks) and exits 1 if anything failed. A check a scenario marks as
an expected failure (the emulator is wrong there, not hvmm: Scenario.xfail, with its reason) is printed as `XFAIL:
<check> (expected failure: <reason>)` under its item, whatever the verbosity, and counted in a line `N expected failures
...` before the last; one that passes is a failure. Groups for --only: unit, fuzz, selftest, usb, scenarios (every QEMU
and Bochs scenario), hostile, hw, bochs, vmcb_check, kut, and the name of any scenario, unit binary or fuzz target. -v prints
every check; --tap writes TAP version 13 to stdout instead of the progress lines; --junit FILE writes a JUnit XML report
too. Scenario files (ISO, serial log, QEMU's stderr) stay under build/scenarios/<name>/.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from hvmmlog import HvmmLog  # noqa: E402
import registry  # noqa: E402  (tests/registry.py: every scenario file, in order)
import scenarios  # noqa: E402  (tests/scenarios.py: Scenario, judge, classify)
import selftest  # noqa: E402

HVMM_ELF = "build/hvmm.elf"
UNIT_TIMEOUT = 300
TAIL = 30
GROUPS = ("unit", "fuzz", "selftest", "usb", "scenarios", "hostile", "hw", "bochs", "vmcb_check", "kut")
SCENARIO_GROUPS = ("scenarios", "hostile", "hw", "bochs", "vmcb_check")
QEMU_STATUS = re.compile(r"qemu exit status (\d+)")

_print_lock = threading.Lock()


@dataclass
class Result:
    """What one item found: its checks (name, ok, detail), checks it skipped (name, reason), or a reason to skip it
    whole; lines to show when it failed; its time."""
    checks: List[Tuple[str, bool, str]] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)
    skip: Optional[str] = None
    expected: List[Tuple[str, str]] = field(default_factory=list)  # expected failures: (check, reason)
    details: List[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return sum(1 for _, ok, _ in self.checks if not ok)

    @property
    def verdict(self) -> str:
        return "SKIP" if self.skip is not None else "FAIL" if self.failed else "PASS"


@dataclass
class Item:
    group: str  # unit, fuzz, selftest, usb, kut, scenarios, hostile, hw
    name: str
    run: Callable[[], Result]
    result: Optional[Result] = None

    @property
    def label(self) -> str:
        return f"{self.group}/{self.name}"


# ---- unit binaries ----

def run_unit(path: str) -> Result:
    """One unit binary: its PASS:/FAIL:/SKIP: lines; a crash, timeout or unexplained non-zero exit is a failure."""
    r = Result()
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
    for ln in lines:
        if ln.startswith("PASS:"):
            r.checks.append((ln[5:].strip(), True, ""))
        elif ln.startswith("FAIL:"):
            r.checks.append((ln[5:].strip(), False, ""))
        elif ln.startswith("SKIP:"):
            r.skipped.append((ln[5:].strip(), ""))
    abnormal = rc is None or rc < 0 or (rc != 0 and r.failed == 0)
    if abnormal:
        r.checks.append((os.path.basename(path), False, how))
    if abnormal or r.failed:
        r.details.append(f"---- {os.path.basename(path)}: {how}; last {TAIL} lines of its output:")
        r.details += ["  " + ln for ln in lines[-TAIL:]]
    return r


def run_fuzz(target: str, seconds: int) -> Result:
    sys.path.insert(0, os.path.join(ROOT, "tests", "fuzz"))
    import fuzz  # noqa: E402  (tests/fuzz/fuzz.py, docs/fuzzing.md)
    ok, line = fuzz.run(target, seconds, os.path.join("build", "fuzz", "test-corpus"), fresh=True)
    return Result(checks=[(line.split(": ", 2)[-1], ok, "")])


def run_self_test() -> Result:
    return Result(checks=list(selftest.self_test()))


def run_usb() -> Result:
    """tools/usb's refusals and writes (tests/usb_test.py, about 2 s); its SKIP lines say what needs root."""
    import usb_test  # noqa: E402
    r = Result()
    for status, text in usb_test.run():
        text = text[len("usb: "):] if text.startswith("usb: ") else text
        if status == "SKIP":
            r.skipped.append((text, ""))
        else:
            r.checks.append((text, status == "PASS", ""))
    if not r.checks and r.skipped:
        r.skip = r.skipped[0][0]
    return r


def run_kut() -> Result:
    """kvm-unit-tests as a reference suite (tests/kut.py, docs/kvm-unit-tests.md): one check per cfg entry; SKIP when
    no build is found ($KUT_DIR, else build/kvm-unit-tests)."""
    import kut  # noqa: E402
    d, why = kut.find_suite(None)
    if not d:
        return Result(skip=why)
    r = Result()
    lines: List[str] = []
    _, _, entries = kut.run(os.path.abspath(d), None, 2, os.path.join(ROOT, "build", "kut"), emit=lines.append)
    for e in entries:
        ok, word = kut.compare(e)
        r.checks.append((f"{e.name}: direct {e.direct[0]}, hvmm {e.hvmm[0]}: {word}", ok,
                         f"direct: {e.direct[1]}; hvmm: {e.hvmm[1]}"))
    if r.failed:
        r.details += ["  " + ln for ln in lines]
    return r


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


def scenario_skip_reason(sc: scenarios.Scenario) -> Optional[str]:
    """Why this machine cannot run the scenario at all, or None."""
    qemu = os.environ.get("BOCHS", "bochs") if sc.emulator == "bochs" else os.environ.get("QEMU", "qemu-system-x86_64")
    if not shutil.which(qemu):
        return f"{qemu} not found (make deps)"
    if "--uefi" in getattr(sc, "run_qemu_args", []) and scenarios.no_ovmf():
        return scenarios.no_ovmf()
    skip_if = getattr(sc, "skip_if", None)
    return skip_if() if skip_if else None


def run_scenario(sc: scenarios.Scenario) -> Result:
    r = Result()
    why = scenario_skip_reason(sc)
    if why:
        r.skip = why
        return r
    d = os.path.join("build", "scenarios", sc.name)
    if os.path.isdir(os.path.join(ROOT, d)):
        shutil.rmtree(os.path.join(ROOT, d))
    os.makedirs(os.path.join(ROOT, d))
    log_path = os.path.join(d, "serial.log")

    def fail_setup(what: str, detail: str) -> Result:
        r.checks.append((what, False, ""))
        r.details += ["  " + ln for ln in detail.splitlines()[-TAIL:]]
        return r

    if sc.prepare:
        sc.prepare(os.path.join(ROOT, d))
    try:
        guests = [expand_guest(g, d) for g in sc.guests]
    except (KeyError, OSError, subprocess.CalledProcessError) as e:
        return fail_setup("resolve guest arguments", str(e))
    if not os.path.isfile(os.path.join(ROOT, HVMM_ELF)):
        return fail_setup("build ISO", f"{HVMM_ELF} does not exist (run make)")
    boot = getattr(sc, "boot", "iso")
    cmdline = sc.cmdline  # as users run hvmm; the vmcb_check pass (tests/registry.py) puts vmcb_check=1 first
    if boot == "kernel":  # QEMU's -kernel: hvmm's multiboot v1 header, no GRUB, no ISO
        cmd = ["tools/run-qemu", "--kernel", HVMM_ELF, "--append", cmdline]
        for g in guests:
            cmd += ["-g", g]
    else:
        iso = os.path.join(d, "hvmm.iso")
        # -u: scenarios hand hvmm bad modules on purpose; mkiso's own checks are tested in scenarios_newcomer.py
        mk = ["tools/mkiso", "-q", "-u", "-o", iso, "-k", HVMM_ELF, "-c", cmdline]
        for g in guests:
            mk += ["-g", g]
        p = subprocess.run(mk, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            return fail_setup("build ISO", p.stdout.decode("utf-8", errors="replace"))
        cmd = ["tools/run-bochs" if sc.emulator == "bochs" else "tools/run-qemu", "--iso", iso]
    cmd += ["--log", log_path, "--timeout", str(sc.timeout), "--cpu", sc.cpu]
    if sc.emulator != "bochs":  # tests/scenarios_bochs.py: tools/run-bochs has no accelerator to pick
        cmd += ["--accel", sc.accel]
    cmd += [a.replace("{dir}", d) for a in getattr(sc, "run_qemu_args", [])]  # tests/scenarios_hw.py: --uefi, ...
    if sc.qemu_args:
        cmd += ["--"] + sc.qemu_args
    err_path = os.path.join(ROOT, d, "qemu.stderr")
    with open(err_path, "wb") as err:
        p = subprocess.run(cmd, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err_text = f.read()
    if not os.path.isfile(os.path.join(ROOT, log_path)) or not os.path.getsize(os.path.join(ROOT, log_path)):
        return fail_setup("boot QEMU", err_text)  # not even firmware output: QEMU (or run-qemu) failed to start
    # QEMU's own status from run-qemu's report line (judges test it); run-qemu's exit status is the result code.
    m = QEMU_STATUS.findall(err_text)
    raw = 124 if p.returncode == 124 else int(m[-1]) if m else None
    log = HvmmLog.from_file(os.path.join(ROOT, log_path))
    j = scenarios.judge(sc, log, scenarios.Context(dir=d, qemu_status=raw, status=p.returncode, cmdline=cmdline))
    r.checks, r.expected = scenarios.classify(sc.xfail, j.checks)
    r.skipped += j.skipped
    if r.failed:
        r.details.append(f"---- {sc.name}: qemu status {raw}, run-qemu status {p.returncode}; "
                         f"last {TAIL} lines of {log_path}:")
        r.details += ["  " + ln for ln in log.tail(TAIL)]
        r.details.append(f"---- serial log: {log_path} (QEMU's stderr: {d}/qemu.stderr)")
    return r


# ---- reporting ----

class Reporter:
    """Progress lines (or TAP) as items finish; counts at the end."""

    def __init__(self, n: int, verbose: bool, tap: bool) -> None:
        self.n, self.done, self.verbose, self.tap = n, 0, verbose, tap
        self.width = len(str(n))
        if tap:
            print("TAP version 13", flush=True)
            print(f"1..{n}", flush=True)

    def item(self, it: Item) -> None:
        r = it.result
        with _print_lock:
            self.done += 1
            k = self.done
            out: List[str] = []
            nc = len(r.checks)
            if self.tap:
                if r.verdict == "SKIP":
                    out.append(f"ok {k} - {it.label} # SKIP {r.skip}")
                else:
                    out.append(f"{'not ok' if r.failed else 'ok'} {k} - {it.label} # {nc} checks, {r.seconds:.1f} s")
                    if r.failed:
                        out += ["  ---", "  failed:"]
                        out += [f"    - {yaml_str(n + (f' ({d})' if d else ''))}" for n, ok, d in r.checks if not ok]
                        out.append("  ...")
                    out += [f"# {ln}" for ln in r.details] if r.failed else []
                out += [f"# XFAIL: {n} (expected failure: {why})" for n, why in r.expected]
                out += [f"# SKIP: {n}" + (f" ({why})" if why else "") for n, why in r.skipped]
            else:
                head = f"[{k:>{self.width}}/{self.n}] {r.verdict} {it.label}"
                if r.verdict == "SKIP":
                    out.append(f"{head}: {r.skip}")
                elif r.failed:
                    out.append(f"{head}: {r.failed} of {nc} checks failed ({r.seconds:.1f} s)")
                else:
                    extra = f", {len(r.skipped)} skipped" if r.skipped else ""
                    out.append(f"{head} ({nc} checks{extra}, {r.seconds:.1f} s)")
                for name, ok, detail in r.checks:
                    if self.verbose or not ok:
                        out.append(f"  {'PASS' if ok else 'FAIL'}: {name}" + ("" if ok or not detail else f" ({detail})"))
                out += [f"  XFAIL: {name} (expected failure: {why})" for name, why in r.expected]
                out += [f"  SKIP: {name}" + (f" ({why})" if why else "") for name, why in r.skipped]
                out += r.details if r.failed else []
            print("\n".join(out), flush=True)


def yaml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_junit(path: str, items: List[Item], seconds: float) -> None:
    suite = ET.Element("testsuite", name="hvmm", tests=str(len(items)),
                       failures=str(sum(1 for it in items if it.result.verdict == "FAIL")),
                       skipped=str(sum(1 for it in items if it.result.verdict == "SKIP")), time=f"{seconds:.1f}")
    for it in items:
        r = it.result
        tc = ET.SubElement(suite, "testcase", classname=f"hvmm.{it.group}", name=it.name, time=f"{r.seconds:.1f}")
        if r.verdict == "SKIP":
            ET.SubElement(tc, "skipped", message=r.skip)
        elif r.failed:
            fails = [n + (f" ({d})" if d else "") for n, ok, d in r.checks if not ok]
            f = ET.SubElement(tc, "failure", message=f"{r.failed} of {len(r.checks)} checks failed: {fails[0]}")
            f.text = "\n".join(fails + r.details)
        out = ET.SubElement(tc, "system-out")
        out.text = "\n".join([f"{'PASS' if ok else 'FAIL'}: {n}" for n, ok, _ in r.checks] +
                             [f"XFAIL: {n} (expected failure: {why})" for n, why in r.expected])
    root = ET.Element("testsuites")
    root.append(suite)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# ---- selection ----

def build_items(args) -> Tuple[List[Item], List[str]]:
    """Every item of a full run, in order; and the names --only may use."""
    fuzz_seconds = args.fuzz if args.fuzz is not None else (10 if args.unit else 0)
    items: List[Item] = []
    for b in args.unit:
        path = b if os.path.isabs(b) else os.path.join(ROOT, b)
        items.append(Item("unit", os.path.basename(b), lambda path=path: run_unit(path)))
    sys.path.insert(0, os.path.join(ROOT, "tests", "fuzz"))
    import fuzz  # noqa: E402
    for t in fuzz.targets():
        items.append(Item("fuzz", t, lambda t=t: run_fuzz(t, fuzz_seconds if fuzz_seconds > 0 else 10)))
    items.append(Item("selftest", "selftest", run_self_test))
    items.append(Item("usb", "usb", run_usb))
    items.append(Item("kut", "kut", run_kut))
    for sc in registry.SCENARIOS:
        items.append(Item(registry.GROUPS[sc.name], sc.name, lambda sc=sc: run_scenario(sc)))
    if args.only is None:  # a full run: the fuzz stage only with --unit or --fuzz (as make test does)
        items = [it for it in items if it.group != "fuzz" or fuzz_seconds > 0]
        if args.no_scenarios:
            items = [it for it in items if it.group in ("unit", "fuzz", "selftest", "usb")]
    return items, sorted({it.name for it in items} | set(GROUPS))


def select(items: List[Item], only: List[str]) -> List[Item]:
    def wanted(it: Item) -> bool:
        return any(w == it.name or w == it.group or (w == "scenarios" and it.group in SCENARIO_GROUPS)
                   for w in only)
    return [it for it in items if wanted(it)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--unit", nargs="*", default=[], metavar="BIN", help="unit-test binaries (group unit)")
    ap.add_argument("--only", nargs="*", default=None, metavar="NAME",
                    help="run only these scenarios, unit binaries, fuzz targets or groups (" + ", ".join(GROUPS) + ")")
    ap.add_argument("--jobs", type=int, default=2, help="scenarios run in parallel (default 2)")
    ap.add_argument("--list", action="store_true", help="list the items (group/name) and exit")
    ap.add_argument("--no-scenarios", action="store_true", help="run only the unit binaries, fuzzers, self-test, usb")
    ap.add_argument("--fuzz", type=int, default=None, metavar="SEC",
                    help="run each libFuzzer target (build/fuzz/) for SEC seconds; default 10 with --unit, else none")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every check, not only the failed ones")
    ap.add_argument("--tap", action="store_true", help="TAP version 13 on stdout, one test point per item")
    ap.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    args = ap.parse_args()
    if args.only is not None:
        args.only = [w for a in args.only for w in a.split()]  # make test ONLY="a b" arrives as one word

    items, known = build_items(args)
    if args.only is not None:
        unknown = [n for n in args.only if n not in known]
        if unknown:
            print(f"run.py: unknown scenario, group or test {unknown}; groups: {', '.join(GROUPS)}; "
                  f"'python3 tests/run.py --list' lists every name", file=sys.stderr)
            return 2
        items = select(items, args.only)
    if args.list:
        for it in items:
            extra = ""
            sc = next((s for s in registry.SCENARIOS if s.name == it.name), None)
            if sc and it.group not in ("unit", "fuzz"):
                extra = f": cpu={sc.cpu} cmdline={sc.cmdline!r} guests={[scenarios.guest_name(g) for g in sc.guests]}"
            print(f"{it.label}{extra}")
        return 0

    rep = Reporter(len(items), args.verbose, args.tap)
    t0 = time.monotonic()

    def run(it: Item) -> None:
        t = time.monotonic()
        try:
            it.result = it.run()
        except Exception as e:  # a runner bug must show as a failure, never as a silent pass
            it.result = Result(checks=[("runner", False, f"{type(e).__name__}: {e}")])
        it.result.seconds = time.monotonic() - t
        rep.item(it)

    serial = [it for it in items if it.group in ("unit", "fuzz", "selftest", "usb")]
    for it in serial:
        run(it)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for f in [pool.submit(run, it) for it in items if it not in serial]:
            f.result()
    total = time.monotonic() - t0

    passed = sum(len(it.result.checks) - it.result.failed for it in items)
    failed = sum(it.result.failed for it in items)
    skipped = sum(len(it.result.skipped) for it in items)

    def count(its: List[Item]) -> str:
        v = [it.result.verdict for it in its]
        return f"{v.count('PASS')} passed, {v.count('FAIL')} failed, {v.count('SKIP')} skipped"
    scen = [it for it in items if it.group in SCENARIO_GROUPS]
    expected = sum(len(it.result.expected) for it in items)
    prefix = "# " if args.tap else ""
    print(f"{prefix}items: {len(items)} in {total:.0f} s: {count(items)}", flush=True)
    print(f"{prefix}scenarios: {count(scen)}", flush=True)
    if args.junit:
        write_junit(args.junit, items, total)
        print(f"{prefix}junit: {args.junit}", flush=True)
    if expected:
        print(f"{prefix}{expected} expected failures (XFAIL lines: where the emulator differs from the AMD manual)")
    skipped_items = sum(1 for it in items if it.result.verdict == "SKIP")
    print(f"{prefix}skipped: {skipped_items} items, {skipped} checks (SKIP lines above: what this machine cannot run, "
          f"and why)", flush=True)
    print(f"{prefix}{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped and args.tap else ""),
          flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
