# SPDX-License-Identifier: MIT
"""The QEMU scenario manifest: which guests, hvmm command line and QEMU options each scenario boots, and its judge.

tests/run.py builds each scenario's ISO under build/scenarios/<name>/, boots it headless, parses the serial log with
tools/hvmmlog.py and calls the judge. A judge gets a Judge (to record named checks), the parsed log and the
scenario's run context; every scenario also gets the common checks of check_common().
"""

import os
import random
import re
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from hvmmlog import HvmmLog

GUESTS = "build/guests"
EXIT_PORT = "exit_port=0xf4"
# tests/run.py puts this first on every scenario's hvmm command line: `make test` runs the VMCB consistency check
# before every VMRUN of every scenario (docs/cmdline.md); check_common wants its report line.
VMCB_CHECK = "vmcb_check=1"
_VMCB_REPORT = re.compile(r"^hvmm: vmcb_check: (\d+) VMRUNs checked, (\d+) failed; nRIP used (\d+) times, "
                          r"(\d+) disagreed with the decoder$")


class Judge:
    """Collects named checks: (name, ok, detail)."""

    def __init__(self) -> None:
        self.checks: List[tuple] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, bool(ok), detail))
        return bool(ok)

    @property
    def failed(self) -> bool:
        return any(not ok for _, ok, _ in self.checks)


@dataclass
class Context:
    """What the judge knows about a run besides its log."""
    dir: str  # build/scenarios/<name>
    qemu_status: Optional[int]  # QEMU's own exit status (from run-qemu's report line); 124 = timed out
    status: Optional[int] = None  # run-qemu's exit status: the run's result (docs/serial-log.md "Exit status")


@dataclass
class Scenario:
    name: str
    guests: List[str]  # "path args" as for tools/mkiso -g; "{dir}" is replaced by the scenario's directory
    judge: Callable[[Judge, HvmmLog, Context], None]
    cmdline: str = "slice=10ms " + EXIT_PORT
    cpu: str = "max"
    accel: str = "tcg"
    qemu_args: List[str] = field(default_factory=list)
    timeout: int = 60
    prepare: Optional[Callable[[str], None]] = None  # makes extra files in the scenario directory
    runs_guests: bool = True  # False: hvmm must refuse to start (no summary expected)
    boot: str = "iso"  # "iso": tools/mkiso + GRUB (multiboot2); "kernel": run-qemu --kernel (multiboot v1, no GRUB)
    skip_if: Optional[Callable[[], Optional[str]]] = None  # a reason this machine cannot run it (SKIP), or None
    emulator: str = "qemu"  # "bochs": tools/run-bochs with cpu= a Bochs model (tests/scenarios_bochs.py)
    xfail: Dict[str, str] = field(default_factory=dict)  # check name -> why it is expected to fail (the emulator's bug)


def guest_name(spec: str) -> str:
    """The name hvmm gives a guest: its name= argument, else the file's basename without .elf (as tools/mkiso)."""
    words = spec.split()
    for w in words[1:]:
        if w.startswith("name="):
            return w[len("name="):]
    base = os.path.basename(words[0])
    return base[:-4] if base.endswith(".elf") else base


def guest_arg(spec: str, key: str, default: Optional[str] = None) -> Optional[str]:
    for w in spec.split()[1:]:
        if w.startswith(key + "="):
            return w[len(key) + 1:]
    return default


# ---- matmul's checksum (the algorithm is documented at the top of guests/matmul.c) ----

M32 = 0xFFFFFFFF
FNV_PRIME = 16777619


def matmul_checksum(rounds: int, seed: int, n: int = 48) -> int:
    s = seed & M32
    A = [[0] * n for _ in range(n)]
    B = [[0] * n for _ in range(n)]
    for M in (A, B):
        for i in range(n):
            for j in range(n):
                s = (s * 1664525 + 1013904223) & M32
                M[i][j] = s >> 24
    # C = A x B once; each round changes one element of A, so only one row of C changes, by (r+1) * B[k].
    C = [[sum(A[i][k] * B[k][j] for k in range(n)) & M32 for j in range(n)] for i in range(n)]
    h = 0x811C9DC5
    for r in range(rounds):
        i, k, d = r % n, (7 * r + 3) % n, r + 1
        A[i][k] = (A[i][k] + d) & M32
        row, brow = C[i], B[k]
        for j in range(n):
            row[j] = (row[j] + d * brow[j]) & M32
        h = ((h ^ C[(5 * r) % n][(11 * r) % n]) * FNV_PRIME) & M32
    for i in range(n):
        for j in range(n):
            h = ((h ^ C[i][j]) * FNV_PRIME) & M32
    return h


# ---- checks shared by the judges ----

def expected_result(log: HvmmLog) -> int:
    """run-qemu's exit status that the log calls for (docs/serial-log.md "Exit status")."""
    if log.panics or not log.all_done:  # a panic, or an error before any guest ran
        return 4
    if log.rejected or any(g.exit == "killed" for g in log.guests.values()):
        return 3
    if any(g.exit != 0 for g in log.guests.values()):
        return 1
    return 0


def check_common(j: Judge, log: HvmmLog, ctx: Context, sc: Scenario) -> None:
    """Every scenario: no PANIC, QEMU powered off through isa-debug-exit (not a timeout), and run-qemu's exit status
    is the result the log shows."""
    j.check("no hvmm PANIC", not log.panics, "; ".join(log.panics[:3]))
    st = ctx.qemu_status
    if st == 124:
        j.check("hvmm powered QEMU off via exit_port", False, f"timed out after {sc.timeout}s")
    else:
        j.check("hvmm powered QEMU off via exit_port", st is not None and st & 1 == 1,
                f"qemu exit status {st} (isa-debug-exit gives an odd status)")
        if st is not None and st & 1 and ctx.status is not None:
            want = expected_result(log)
            j.check(f"run-qemu exit status {want} tells the result", ctx.status == want,
                    f"run-qemu exit status {ctx.status}, qemu {st}")
    if sc.runs_guests:
        j.check("no hvmm error", not log.errors, "; ".join(log.errors[:3]))
        names = [guest_name(g) for g in sc.guests if guest_arg(g, "for") is None]  # for=: a guest's module
        loaded = [n for n in names if n not in log.rejected]
        check_summary(j, log, loaded)
        if not re.search(r"(^|\s)vmcb_check=0(\s|$)", sc.cmdline):  # a scenario may turn it off again
            check_vmcb_report(j, log)


def vmcb_report(log: HvmmLog) -> Optional[Dict[str, int]]:
    """The `hvmm: vmcb_check: ...` line's numbers (checked, failed, nrip_used, nrip_differ), or None."""
    for ln in log.lines:
        m = _VMCB_REPORT.match(ln.strip())
        if m:
            return dict(zip(("checked", "failed", "nrip_used", "nrip_differ"), map(int, m.groups())))
    return None


def check_vmcb_report(j: Judge, log: HvmmLog) -> None:
    """vmcb_check=1 ran: VMRUNs were checked, each failure killed a guest naming its rule, nRIP matched the decoder."""
    r = vmcb_report(log)
    if not j.check("vmcb_check: report line", r is not None and r["checked"] > 0, "no 'hvmm: vmcb_check:' line"):
        return
    kills = sum(1 for k in log.killed.values() if k.reason.startswith("VMCB check: "))
    j.check("vmcb_check: every failed check killed a guest with the rule named", r["failed"] == kills,
            f"{r['failed']} failed, {kills} 'killed: VMCB check:' lines")
    j.check("vmcb_check: nRIP always where hvmm's decoder ends the instruction", r["nrip_differ"] == 0,
            f"{r['nrip_differ']} of {r['nrip_used']} differed")


def check_summary(j: Judge, log: HvmmLog, loaded: List[str]) -> None:
    """One lag line, one summary line per loaded guest (and no others), then `hvmm: all guests done`."""
    j.check("summary: exactly one lag line", len(log.lag_lines) == 1, f"{len(log.lag_lines)} lag lines")
    lag = log.lag or {}
    missing = [k for k in ("n", "min", "p50", "p99", "max", "mean", "tsc_khz") if k not in lag]
    j.check("summary: lag line has n min p50 p99 max mean tsc_khz", not missing, f"missing {missing}")
    if not missing:
        j.check("summary: lag min <= p50 <= p99 <= max", lag["min"] <= lag["p50"] <= lag["p99"] <= lag["max"],
                str(lag))
    got = list(log.guests)
    j.check("summary: one line per loaded guest", sorted(got) == sorted(loaded) and not log.duplicate_summaries,
            f"expected {loaded}, got {got}, duplicates {log.duplicate_summaries}")
    j.check("summary: hvmm: all guests done", log.all_done)


def check_exit(j: Judge, log: HvmmLog, name: str, status) -> None:
    g = log.guests.get(name)
    j.check(f"{name} exit={status}", g is not None and g.exit == status,
            f"summary: exit={g.exit}" if g else "no summary line")


def check_counter(j: Judge, log: HvmmLog, name: str = "counter", n: int = 20) -> None:
    counts = [t for t in log.console(name) if t.startswith("count ")]
    want = [f"count {i}" for i in range(1, n + 1)]
    j.check(f"{name}: count 1..{n} in order", counts == want,
            f"got {len(counts)} lines: {counts[:3]}...{counts[-3:]}")
    j.check(f"{name}: counter done sum={n * (n + 1) // 2}",
            f"counter done sum={n * (n + 1) // 2}" in log.console(name))
    check_exit(j, log, name, 0)


def check_matmul(j: Judge, log: HvmmLog, name: str = "matmul") -> None:
    params = log.find_console(name, r"^matmul n=(\d+) rounds=(\d+) seed=(\d+)$")
    got = log.find_console(name, r"^matmul checksum=0x([0-9a-f]{8})$")
    if j.check(f"{name}: parameters and checksum printed", params and got):
        n, rounds, seed = (int(x) for x in params[1].groups())
        want = matmul_checksum(rounds, seed, n)
        j.check(f"{name}: checksum matches the runner's", int(got[1].group(1), 16) == want,
                f"guest 0x{got[1].group(1)}, runner 0x{want:08x} (n={n} rounds={rounds} seed={seed})")
    check_exit(j, log, name, 0)


def check_exitcode(j: Judge, log: HvmmLog, name: str = "exitcode", status: int = 3) -> None:
    j.check(f"{name}: printed its lines", log.find_console(name, r"exiting with status") is not None)
    j.check(f"{name}: sees hvmm's CPUID 0x40000000 signature",
            log.find_console(name, r'cpuid 0x40000000 max=0x40000001 signature="hvmmhvmmhvmm"') is not None)
    check_exit(j, log, name, status)


def check_killed(j: Judge, log: HvmmLog, name: str) -> None:
    k = log.killed.get(name)
    j.check(f"{name}: killed with a reason and rip", k is not None and k.reason.strip() and k.rip is not None,
            f"kill line: {log.lines[k.line]!r}" if k else "no 'hvmm: guest ... killed:' line")
    j.check(f"{name}: no NOT CONTAINED", not any("NOT CONTAINED" in t for t in log.console(name)))
    check_exit(j, log, name, "killed")


def check_rejected(j: Judge, log: HvmmLog, name: str) -> None:
    r = log.rejected.get(name)
    j.check(f"{name}: rejected with a reason", r is not None and r.strip(),
            f"reason {r!r}" if r is not None else "no 'hvmm: guest ... rejected:' line")
    j.check(f"{name}: did not run", not log.console(name) and name not in log.guests)


# ---- the scenarios ----

COUNTER = f"{GUESTS}/counter.elf name=counter mem=16M"
MATMUL = f"{GUESTS}/matmul.elf name=matmul mem=16M"
EXITCODE = f"{GUESTS}/exitcode.elf name=exitcode mem=8M status=3"


def judge_default(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_counter(j, log)
    check_matmul(j, log)
    check_exitcode(j, log)
    sw = log.total_switches()
    j.check("at least 10 switches in total", sw >= 10, f"sum of switches= is {sw}")
    pc = log.prefix_changes()
    j.check("guest output interleaves (>= 10 prefix changes)", pc >= 10, f"{pc} changes")


MANY = 20  # more guests than the 15 guest ASIDs QEMU's TCG offers: ASIDs are recycled with a TLB flush


def judge_many(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for i in range(MANY):
        check_counter(j, log, f"c{i}", 3)
    sw = log.total_switches()
    j.check(f"at least {MANY * 3} switches", sw >= MANY * 3, f"sum of switches= is {sw}")


def judge_refused(what: str):
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        hit = [e for e in log.errors if re.search(what, "hvmm: error: " + e)]
        j.check(f"hvmm: error: line mentioning {what.split('.*')[-1]}", hit,
                f"errors: {log.errors}" if log.errors else "no 'hvmm: error:' line")
        j.check("no guest ran", not log.output and not log.guests,
                f"{len(log.output)} console lines, {len(log.guests)} summary lines")
    return judge


def make_bad_modules(d: str) -> None:
    rng = random.Random(20240601)
    with open(os.path.join(d, "junk.bin"), "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(4096)))
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("This is a text file, not a guest image.\nhvmm must reject it and run the others.\n" * 20)


def judge_bad_module(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_rejected(j, log, "junk")
    check_rejected(j, log, "textfile")
    check_counter(j, log)
    check_exitcode(j, log)


def check_badmem(j: Judge, log: HvmmLog) -> None:
    j.check("badmem: ran up to the write", log.find_console("badmem", r"writing to GPA") is not None)
    check_killed(j, log, "badmem")


def judge_badmem(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_badmem(j, log)
    check_counter(j, log)
    check_matmul(j, log)


def check_spincli(j: Judge, log: HvmmLog) -> None:
    """spincli finished, and counter (which yields) printed while it spun with IF=0: the timer preempted it."""
    done = log.find_console("spincli", r"^spincli done")
    j.check("spincli: spincli done", done is not None)
    check_exit(j, log, "spincli", 0)
    # Preemption of the IF=0 spinner shows as counter output between spincli's start and end lines; who finishes
    # first depends on how fast the host runs QEMU, so it is not judged.
    start = log.find_console("spincli", r"^spincli: cli, spinning")
    during = [i for i, n, _ in log.output if n == "counter" and start and done and start[0] < i < done[0]]
    j.check("counter printed while spincli spun with IF=0 (cli spinner preempted)", len(during) > 0,
            f"spin from line {start and start[0]} to {done and done[0]}, counter lines inside: {len(during)}")


def judge_spin_cli(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_spincli(j, log)
    check_counter(j, log)
    check_matmul(j, log)


def judge_contain(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_killed(j, log, "svminsn")
    check_killed(j, log, "triplefault")
    check_counter(j, log)


SCENARIOS: List[Scenario] = [
    Scenario("default", [COUNTER, MATMUL, EXITCODE], judge_default),
    Scenario("no-svm", [COUNTER, EXITCODE], judge_refused(r"hvmm: error: .*SVM"), cpu="qemu64,-svm",
             timeout=30, runs_guests=False),
    Scenario("no-npt", [COUNTER, EXITCODE], judge_refused(r"hvmm: error: .*nested paging"), cpu="qemu64,+svm",
             timeout=30, runs_guests=False),
    Scenario("bad-module", ["{dir}/junk.bin name=junk", COUNTER, "{dir}/notes.txt name=textfile", EXITCODE],
             judge_bad_module, prepare=make_bad_modules),
    Scenario("badmem", [f"{GUESTS}/badmem.elf name=badmem mem=16M", COUNTER, MATMUL], judge_badmem),
    Scenario("spin-cli", [f"{GUESTS}/spincli.elf name=spincli mem=8M spin_ms=1500", COUNTER, MATMUL],
             judge_spin_cli),
    Scenario("many-guests", [f"{GUESTS}/counter.elf name=c{i} mem=4M count=3" for i in range(MANY)], judge_many),
    Scenario("contain", [f"{GUESTS}/svminsn.elf name=svminsn mem=8M",
                         f"{GUESTS}/triplefault.elf name=triplefault mem=8M", COUNTER], judge_contain),
]
import scenarios_badinput  # noqa: E402  (bad modules and command lines; it uses the helpers above)
SCENARIOS += scenarios_badinput.SCENARIOS
import scenarios_acpi  # noqa: E402  (ACPI tables, ACPI S5 power-off, TSC source)
SCENARIOS += scenarios_acpi.SCENARIOS
import scenarios_hw  # noqa: E402  (UEFI and BIOS, framebuffer console and screendumps, no serial port)
SCENARIOS += scenarios_hw.SCENARIOS
import scenarios_bench  # noqa: E402  (measurement lines; two icount runs give identical figures)
SCENARIOS += scenarios_bench.SCENARIOS
import scenarios_hostile  # noqa: E402  (hostile guests beside counter and matmul; docs/security.md)
SCENARIOS += scenarios_hostile.SCENARIOS
import scenarios_soak  # noqa: E402  (soak of 32 guests, console flood, long lines)
SCENARIOS += scenarios_soak.SCENARIOS
import scenarios_contain  # noqa: E402  (containment classes: extended state, debug registers, CPL 3, lengths)
SCENARIOS += scenarios_contain.SCENARIOS
import scenarios_silicon  # noqa: E402  (real-silicon hardening: exception loops, CPUID policy, timers, APIC, memory)
SCENARIOS += scenarios_silicon.SCENARIOS
import scenarios_newcomer  # noqa: E402  (QEMU -kernel boot, an out-of-tree SDK guest, exit statuses)
SCENARIOS += scenarios_newcomer.SCENARIOS
import scenarios_lag  # noqa: E402  (guest-visible switch lag against probe guests; p50 at 200 and 20,000 switches)
SCENARIOS += scenarios_lag.SCENARIOS
import scenarios_platform  # noqa: E402  (multiboot v1 kernels on the virtual PC, also run under QEMU directly)
SCENARIOS += scenarios_platform.SCENARIOS
import scenarios_linux  # noqa: E402  (Debian's stock kernel as a guest beside native guests; skipped without the package)
SCENARIOS += scenarios_linux.SCENARIOS
import scenarios_bochs  # noqa: E402  (the same ISO under Bochs 2.7: NRIPS, no NRIPS, no NPT, no SVM; Bochs's bugs)
SCENARIOS += scenarios_bochs.SCENARIOS


def classify(xfail: Dict[str, str], checks: List[tuple]) -> Tuple[List[tuple], List[Tuple[str, str]]]:
    """Split a scenario's checks (name, ok, detail) by its expected failures xfail (check name -> reason): returns
    (checks, expected), expected = [(name, reason)] for each failed check xfail names. A check xfail names that passed
    becomes a failed check, and so does an xfail entry that names no check: the list cannot go stale unnoticed."""
    out: List[tuple] = []
    expected: List[Tuple[str, str]] = []
    for check, ok, detail in checks:
        why = xfail.get(check)
        if why is not None and not ok:
            expected.append((check, why))
        elif why is not None:
            out.append((check, False, f"marked as an expected failure ({why}) but passed: update the list"))
        else:
            out.append((check, ok, detail))
    for check in sorted(set(xfail) - {c for c, _, _ in checks}):
        out.append((f"expected failure '{check}'", False, "names no check of this scenario"))
    return out, expected
import scenarios_smp  # noqa: E402  (several CPUs: -smp 2/4, pinned guests, a hostile guest on an AP, panic by NMI)
SCENARIOS += scenarios_smp.SCENARIOS


def judge(sc: Scenario, log: HvmmLog, ctx: Context) -> Judge:
    j = Judge()
    check_common(j, log, ctx, sc)
    sc.judge(j, log, ctx)
    return j


# ---- the runner's self-test: a synthetic log the default judge must accept, and broken ones it must reject ----

def synthetic_default_log(rounds: int = 800, seed: int = 1) -> str:
    """A log in hvmm's format for the default scenario, as a correct hvmm would print it."""
    out = ["SeaBIOS (version synthetic)", "\x1b[2J  Booting `hvmm'", "", "hvmm: starting (synthetic)"]
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
    out += ["hvmm: lag n=120 min=900 p50=1000 p99=2000 max=5000 mean=1100 tsc_khz=2000000",
            "hvmm: guest counter exit=0 switches=21 exits=60 runtime=1000000",
            "hvmm: guest matmul exit=0 switches=40 exits=45 runtime=90000000",
            "hvmm: guest exitcode exit=3 switches=1 exits=3 runtime=10000",
            "hvmm: vmcb_check: 64 VMRUNs checked, 0 failed; nRIP used 0 times, 0 disagreed with the decoder",
            "hvmm: all guests done", ""]
    return "\r\n".join(out)


def self_test() -> List[tuple]:
    """(check name, ok, detail) for the runner's own judge: the good log passes, each broken one fails."""
    default = next(s for s in SCENARIOS if s.name == "default")
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
    bad = good.replace("0 failed; nRIP", "1 failed; nRIP")
    j = judge(default, HvmmLog.parse(bad), ctx)
    results.append(("default judge rejects a failed VMCB check without its kill line", j.failed,
                    "the judge passed a known-bad log"))
    import layers  # noqa: E402  (tests/layers.py: includes point down the layers of hvmm/)
    results += layers.self_test()
    import switchpath  # noqa: E402  (tests/switchpath.py: speculation barriers on hvmm's switch path, from objdump)
    results += switchpath.self_test()
    results += scenarios_newcomer.self_test()  # run-qemu's exit statuses, mkiso's checks, TAP/JUnit (no QEMU)
    return results
