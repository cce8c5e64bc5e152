# SPDX-License-Identifier: MIT
"""The runner's self-test (tests/run.py group selftest, no QEMU): a synthetic log the default judge must accept and
broken ones it must reject, expected-failure bookkeeping, the registry (every scenario file listed, each importable
alone), then the self-tests of tests/layers.py, tests/switchpath.py, tests/retsites.py and tests/scenarios_newcomer.py."""

import glob
import os
import subprocess
import sys
from typing import List

import registry
from hvmmlog import HvmmLog
from scenarios import Context, Judge, check_fast_path, classify, judge, matmul_checksum

TESTS = os.path.dirname(os.path.abspath(__file__))


CHECKED = "vmcb_check=1 slice=10ms exit_port=0xf4"  # the default scenario's vmcb_check pass


def synthetic_default_log(rounds: int = 800, seed: int = 1, vmcb_check: bool = False, fast: int = 0) -> str:
    """A log in hvmm's format for the default scenario, as a correct hvmm would print it (on a CPU without NRIPS)."""
    out = ["SeaBIOS (version synthetic)", "\x1b[2J  Booting `hvmm'", "", "hvmm: starting (synthetic)",
           "hvmm: svm rev=1 asids=16 npt=1 nrips=0 vgif=1 flushbyasid=0 decodeassists=0 vmcbclean=0 maxphyaddr=40"]
    out.append(f"[matmul] matmul n=48 rounds={rounds} seed={seed}")
    for i in range(1, 21):
        out.append(f"[counter] count {i}")
        if i == 2:
            out.append("[exitcode] exitcode: guest 2 \"exitcode\" mem=8192K")
            out.append("[exitcode] exitcode: cpuid 0x40000000 max=0x40000001 signature=\"hvmmhvmmhvmm\"")
            out.append("[exitcode] exitcode: exiting with status 3")
        if i % 4 == 0:
            out.append(f"[matmul] tick {i}")
    out.append("[counter] counter done sum=210")
    out.append(f"[matmul] matmul checksum=0x{matmul_checksum(rounds, seed):08x}")
    out += [f"hvmm: summary: 3 guests, 62 switches, 108 exits ({fast} on the fast path), 50 timer interrupts",
            "hvmm: lag n=120 min=900 p50=1000 p99=2000 max=5000 mean=1100 tsc_khz=2000000",
            "hvmm: guest counter exit=0 switches=21 exits=60 runtime=1000000",
            "hvmm: guest matmul exit=0 switches=40 exits=45 runtime=90000000",
            "hvmm: guest exitcode exit=3 switches=1 exits=3 runtime=10000",
            "hvmm: vmcb_check: 64 VMRUNs checked, 0 failed; nRIP used 0 times, 0 disagreed with the decoder",
            "hvmm: all guests done", ""]
    if not vmcb_check:
        out = [ln for ln in out if not ln.startswith("hvmm: vmcb_check:")]
    return "\r\n".join(out)


def self_test() -> List[tuple]:
    """(check name, ok, detail) for the runner's own judge: the good log passes, each broken one fails."""
    default = registry.find("default")
    ctx = Context(dir="(synthetic)", qemu_status=3)
    good = synthetic_default_log()
    results = []
    j = judge(default, HvmmLog.parse(good), ctx)
    bad_checks = [f"{n}: {d}" for n, ok, d in j.checks if not ok]
    results.append(("default judge accepts a synthetic good log", not j.failed, "; ".join(bad_checks)))
    broken = {
        "a missing count line": good.replace("[counter] count 7\r\n", ""),
        "a wrong matmul checksum": "\r\n".join(
            (ln[:-1] + ("1" if ln[-1] == "0" else "0")) if "checksum=0x" in ln else ln for ln in good.split("\r\n")),
        "a PANIC line": good.replace("hvmm: all guests done", "hvmm: PANIC: synthetic\r\nhvmm: all guests done"),
        "exitcode exit=0": good.replace("guest exitcode exit=3", "guest exitcode exit=0"),
        "a timeout": good,
    }
    for what, text in broken.items():
        c = Context(dir="(synthetic)", qemu_status=124 if what == "a timeout" else 3)
        j = judge(default, HvmmLog.parse(text), c)
        results.append((f"default judge rejects a log with {what}", j.failed,
                        "the judge passed a known-bad log"))
    got, exp = classify({"b": "why", "c": "why", "zz": "why"},
                        [("a", True, ""), ("b", False, ""), ("c", True, ""), ("d", False, "")])
    results.append(("expected failures: XFAIL when failing, FAIL when passing or naming no check",
                    [ok for _, ok, _ in got] == [True, False, False, False] and exp == [("b", "why")],
                    f"got {got}, {exp}"))
    checked = Context(dir="(synthetic)", qemu_status=3, cmdline=CHECKED)
    good_checked = synthetic_default_log(vmcb_check=True)
    j = judge(default, HvmmLog.parse(good_checked), checked)
    results.append(("vmcb_check pass: the default judge accepts a good log with the report line", not j.failed,
                    "; ".join(f"{n}: {d}" for n, ok, d in j.checks if not ok)))
    for what, text, c in [("a failed VMCB check without its kill line",
                           good_checked.replace("0 failed; nRIP", "1 failed; nRIP"), checked),
                          ("no report line under vmcb_check=1", good, checked),
                          ("a report line on the default path (the checked world switch ran)", good_checked, ctx),
                          ("fast-path exits under vmcb_check=1", synthetic_default_log(vmcb_check=True, fast=5),
                           checked)]:
        j = judge(default, HvmmLog.parse(text), c)
        results.append((f"default judge rejects {what}", j.failed, "the judge passed a known-bad log"))
    results += fast_path_self_test()
    results += lag_self_test()
    results += continuation_self_test()
    results += registry_self_test()
    import layers  # noqa: E402  (tests/layers.py: includes point down the layers of hvmm/)
    results += layers.self_test()
    import switchpath  # noqa: E402  (tests/switchpath.py: speculation barriers on hvmm's switch path, from objdump)
    results += switchpath.self_test()
    import retsites  # noqa: E402  (tests/retsites.py: every return of hvmm is a patchable site, from objdump)
    results += retsites.self_test()
    import scenarios_newcomer  # noqa: E402
    results += scenarios_newcomer.self_test()  # run-qemu's exit statuses, mkiso's checks, TAP/JUnit (no QEMU)
    return results


def registry_self_test() -> List[tuple]:
    """Every tests/scenarios_*.py is in registry.MODULES, and each imports alone in a fresh interpreter (its scenarios
    do not depend on which file was imported first)."""
    files = sorted(os.path.basename(f)[:-3] for f in glob.glob(os.path.join(TESTS, "scenarios_*.py")))
    listed = [m for m, _ in registry.MODULES]
    res = [("registry: every tests/scenarios_*.py is listed in tests/registry.py", sorted(listed) == files,
            f"not listed: {sorted(set(files) - set(listed))}, listed but absent: {sorted(set(listed) - set(files))}")]
    path = os.pathsep.join([TESTS, os.path.join(os.path.dirname(TESTS), "tools")])
    code = "import sys, {0}; print(sorted(s.name for s in {0}.SCENARIOS))"
    bad = []
    for m in listed:
        p = subprocess.run([sys.executable, "-c", code.format(m)], cwd=os.path.dirname(TESTS),
                           env=dict(os.environ, PYTHONPATH=path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        want = sorted(s.name for s in registry.SCENARIOS
                      if registry.MODULE_OF[s.name] == m and not s.name.endswith(registry.PASS_SUFFIX))
        if p.returncode != 0 or p.stdout.decode().strip() != str(want):
            bad.append(f"{m}: {p.stdout.decode().strip().splitlines()[-1:] or p.returncode}")
    res.append(("registry: each scenario file imports first, alone, with the same scenarios", not bad, "; ".join(bad)))
    return res


def fast_path_self_test() -> List[tuple]:
    """check_fast_path: a guest that issues fast-path instructions on a CPU with NRIPS needs a count above 0."""
    res = []
    guests = ["build/guests/bench.elf name=bench mem=4M", "build/guests/counter.elf name=counter mem=4M"]
    for fast, want_fail in ((0, True), (7, False)):
        log = HvmmLog.parse(synthetic_default_log(fast=fast).replace(" nrips=0 ", " nrips=1 "))
        j = Judge()
        check_fast_path(j, log, Context(dir="(synthetic)", qemu_status=3, cmdline="slice=10ms"), guests)
        res.append((f"fast path: NRIPS, bench among the guests, {fast} fast-path exits: "
                    f"{'FAIL' if want_fail else 'PASS'}", j.failed == want_fail, str(j.checks)))
    j = Judge()
    check_fast_path(j, HvmmLog.parse(synthetic_default_log()), Context(dir="(synthetic)", qemu_status=3,
                                                                       cmdline=CHECKED), guests)
    res.append(("fast path: under vmcb_check=1 a guest's fast-path instructions are a SKIP with the reason",
                not j.failed and len(j.skipped) == 1 and "vmcb_check=1" in j.skipped[0][1], f"{j.skipped}"))
    return res


def lag_self_test() -> List[tuple]:
    """The lag-probe judge fails when the probes' gaps pair into no switch (it once returned without a check)."""
    import scenarios_lag  # noqa: E402
    n = scenarios_lag.FEW  # the gaps both probes report; pb's all come after pa's: no switch A -> B or B -> A
    text = "\r\n".join(["[pa] probe loop=10"] + [f"[pa] probe gap {i * 100} {i * 100 + 50}" for i in range(n)] +
                        ["[pb] probe loop=10"] + [f"[pb] probe gap {10 ** 9 + i * 100} {10 ** 9 + i * 100 + 50}"
                                                  for i in range(n)] +
                        ["hvmm: lag n=20 min=1 p50=2 p99=3 max=4 mean=2 tsc_khz=1000000", ""])
    j = Judge()
    scenarios_lag.judge_lag_probe(j, HvmmLog.parse(text), Context(dir="(synthetic)", qemu_status=3), many=False)
    return [("lag-probe judge fails when no switch pairs up", j.failed, str(j.checks))]


def continuation_self_test() -> List[tuple]:
    """A guest line flushed before its newline (a prompt, docs/running.md) keeps its trailing blank when the rest
    follows as a `[name]+` continuation: 'PASS: ' + 'the rest' is 'PASS: the rest' (it was joined without the blank)."""
    log = HvmmLog.parse("[g] PASS: \r\n[h] other\r\n[g]+ the rest\r\n[g] next \r\n")
    want = ["PASS: the rest", "next"]
    # A piece of nothing but a blank (hvmm flushed ' ' alone: '[g]+' and two blanks on the wire) carries it over.
    blank = HvmmLog.parse("[g] PASS: mmap records are\r\n[h] x\r\n[g]+  \r\n[h] y\r\n[g]+ at least 20 bytes\r\n")
    want2 = ["PASS: mmap records are at least 20 bytes"]
    return [("console: a continuation keeps the blank its flushed piece ended with", log.console("g") == want,
             str(log.console("g"))),
            ("console: a continuation that is only a blank keeps it", blank.console("g") == want2,
             str(blank.console("g")))]
