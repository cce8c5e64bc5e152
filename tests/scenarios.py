# SPDX-License-Identifier: MIT
"""What every scenario file uses: the Scenario record (guests, hvmm command line, QEMU options, judge), the Judge
that collects named checks, the checks shared by the judges, and judge(): check_common() then the scenario's own.

The scenarios themselves are in tests/scenarios_*.py, each importing only this module (and other scenario files'
helpers); tests/registry.py lists the files in a fixed order, tests/selftest.py tests the judges. tests/run.py builds
each scenario's ISO under build/scenarios/<name>/, boots it headless, parses the serial log with tools/hvmmlog.py and
calls judge().
"""

import os
import re
import subprocess
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from hvmmlog import HvmmLog

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GUESTS = "build/guests"
EXIT_PORT = "exit_port=0xf4"
# The VMCB consistency check (docs/cmdline.md). Scenarios run without it, as users run hvmm (the world switch with its
# fast paths); tests/registry.py runs some a second time with this first on hvmm's command line, and check_common
# then wants its report line.
VMCB_CHECK = "vmcb_check=1"
_VMCB_REPORT = re.compile(r"^hvmm: vmcb_check: (\d+) VMRUNs checked, (\d+) failed; nRIP used (\d+) times, "
                          r"(\d+) disagreed with the decoder$")


class Judge:
    """Collects named checks: (name, ok, detail), and checks this run cannot make: (name, reason)."""

    def __init__(self) -> None:
        self.checks: List[tuple] = []
        self.skipped: List[Tuple[str, str]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, bool(ok), detail))
        return bool(ok)

    def skip(self, name: str, reason: str) -> None:
        """A check this platform cannot make, with the reason: a SKIP line, counted by tests/run.py."""
        self.skipped.append((name, reason))

    @property
    def failed(self) -> bool:
        return any(not ok for _, ok, _ in self.checks)


@dataclass
class Context:
    """What the judge knows about a run besides its log."""
    dir: str  # build/scenarios/<name>
    qemu_status: Optional[int]  # QEMU's own exit status (from run-qemu's report line); 124 = timed out
    status: Optional[int] = None  # run-qemu's exit status: the run's result (docs/serial-log.md "Exit status")
    cmdline: str = ""  # hvmm's command line as booted

    @property
    def vmcb_check(self) -> bool:
        """vmcb_check=1 in effect (the last vmcb_check= wins, as in hvmm/main.c)."""
        v = re.findall(r"(?:^|\s)vmcb_check=(\S*)", self.cmdline)
        return bool(v) and v[-1] == "1"


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
    xfail_checked: Optional[Dict[str, str]] = None  # the same for its vmcb_check pass (tests/registry.py), if different


# The UEFI firmware files tools/run-qemu --uefi looks for (Debian package ovmf, tools/deps).
OVMF_FILES = ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/ovmf/OVMF.fd")


def no_ovmf(files=OVMF_FILES) -> Optional[str]:
    """A UEFI scenario's skip_if: the reason when none of files is installed, else None."""
    if any(os.path.isfile(f) for f in files):
        return None
    return f"no UEFI firmware ({' or '.join(files)}; Debian package ovmf: make deps)"


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
    if any(g.exit not in (0, "poweroff") for g in log.guests.values()):  # a power-off counts as 0, a reboot as 1
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
        if ctx.vmcb_check:
            check_vmcb_report(j, log)
        else:
            j.check("default path: no vmcb_check report", vmcb_report(log) is None, "the checked world switch ran")
        check_fast_path(j, log, ctx, [g for g in sc.guests if guest_name(g) in loaded])


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


# Guests that issue instructions the world switch completes on its fast path (docs/measurement.md "Fast paths": the
# null hypercall at CPL 0, CPUID of a leaf already in the guest's cache), by file name, with what they issue.
FAST_PATH_GUESTS = {
    "bench.elf": "null VMMCALL and CPUID round trips (lat op=vmmcall, op=cpuid)",
    "cpuid_dump.elf": "every CPUID leaf twice (cpuid repeat)",
}
# The world switch without nRIP that completes fast-path exits from the fetched instruction (hvmm/svm/vmrun.S); where
# hvmm.elf has no such symbol, the fast paths need NRIPS (APM Vol. 2 §15.7.1), which QEMU 7.2's TCG does not save.
FAST_PATH_WITHOUT_NRIP = "svm_world_switch_fetch"


def fast_path_possible(log: HvmmLog, ctx: Context) -> Optional[str]:
    """None if hvmm's fast paths can run in this run, else why not."""
    if ctx.vmcb_check:
        return "vmcb_check=1 turns the fast paths off (docs/cmdline.md)"
    svm = next((ln for ln in log.lines if ln.startswith("hvmm: svm rev=")), "")
    if " nrips=1" in svm:
        return None
    if symbol_in_hvmm(FAST_PATH_WITHOUT_NRIP):
        return None
    return "the CPU saves no nRIP (svm line nrips=0) and this hvmm's fast paths need it (docs/measurement.md)"


def symbol_in_hvmm(symbol: str, elf: str = "build/hvmm.elf") -> bool:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(["nm", os.path.join(root, elf)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return any(ln.split()[-1:] == [symbol] for ln in out.decode().splitlines())


def fast_exits(log: HvmmLog) -> Optional[int]:
    """The summary's `(N on the fast path)`, or None."""
    m = next((re.search(r"\((\d+) on the fast path\)", ln) for ln in log.lines if ln.startswith("hvmm: summary:")),
             None)
    return int(m.group(1)) if m else None


def check_fast_path(j: Judge, log: HvmmLog, ctx: Context, guests: List[str]) -> None:
    """Where the fast paths cannot run the summary counts 0 fast-path exits; where they can and a guest issues
    fast-path instructions, more than 0."""
    n = fast_exits(log)
    if n is None:
        return  # check_summary already failed, or the run ended before its summary
    issuing = [guest_name(g) for g in guests if os.path.basename(g.split()[0]) in FAST_PATH_GUESTS]
    why = fast_path_possible(log, ctx)
    if why:
        j.check("summary: 0 exits on the fast path where it cannot run", n == 0, f"{n} ({why})")
        if issuing:
            j.skip(f"summary: exits on the fast path > 0 ({', '.join(issuing)})", why)
    elif issuing:
        j.check(f"summary: exits on the fast path > 0 ({', '.join(issuing)} issue them)", n > 0, f"{n}")


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


# ---- judges several scenario files use ----

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


def check_grub_output(j: Judge, ctx: Context, uefi: bool = False) -> None:
    """GRUB's part of the serial log (iso/grub.cfg.in, tools/mkiso): no 'error:' line (a module2 line outside the menu
    entry gave 'you need to load the kernel first.'); under SeaBIOS no escape sequence at all (GRUB's serial terminal
    is dumb, so `cat serial.log` does not clear the terminal). Under OVMF the firmware's console sends its own."""
    with open(os.path.join(ctx.dir, "serial.log"), "rb") as f:
        raw = f.read()
    head = raw.split(b"hvmm: hvmm ", 1)[0].decode(errors="replace")  # up to hvmm's first line
    errs = [ln.strip() for ln in head.replace("\r", "\n").split("\n") if "error:" in ln]
    j.check("GRUB printed no error", not errs, f"{errs[:3]}")
    if not uefi:
        at = raw.find(b"\x1b")
        j.check("no escape sequence in the serial log (GRUB's terminal is dumb)", at < 0, f"ESC at byte {at}")


def judge_default_grub(uefi: bool):
    """judge_default and check_grub_output."""
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        judge_default(j, log, ctx)
        check_grub_output(j, ctx, uefi)
    return judge


def judge_refused(what: str):
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        hit = [e for e in log.errors if re.search(what, "hvmm: error: " + e)]
        j.check(f"hvmm: error: line mentioning {what.split('.*')[-1]}", hit,
                f"errors: {log.errors}" if log.errors else "no 'hvmm: error:' line")
        j.check("no guest ran", not log.output and not log.guests,
                f"{len(log.output)} console lines, {len(log.guests)} summary lines")
    return judge


def check_badmem(j: Judge, log: HvmmLog) -> None:
    j.check("badmem: ran up to the write", log.find_console("badmem", r"writing to GPA") is not None)
    check_killed(j, log, "badmem")


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


# ---- running a judge ----

def icount_repeat(j: Judge, what: str, first: List[str], ctx: Context, run_args: List[str],
                  figures: Callable[[List[str]], List[str]], min_lines: int, runs: int = 4) -> None:
    """Check that icount makes the measurement lines repeat: boot the scenario's ISO again (tools/run-qemu with
    run_args) until two logs agree, at most `runs` logs in all. Several runs because QEMU 7.2 under icount does not
    always repeat exactly (seen: the ACPI PM timer's readings and, in about one pair in three, hvmm's own elapsed
    time); a build whose runs never agree still fails, and the differences seen are printed either way."""
    logs = [first]
    diffs = []
    for n in range(2, runs + 1):
        path = os.path.join(ROOT, ctx.dir, f"serial{n}.log")
        subprocess.run(["tools/run-qemu", "--iso", os.path.join(ctx.dir, "hvmm.iso"), "--log", path, "--timeout",
                        "240", "--accel", "tcg", "--cpu", "max"] + run_args, cwd=ROOT, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        lines = figures(HvmmLog.from_file(path).lines)
        for k, other in enumerate(logs):
            if lines == other:
                if diffs:
                    print(f"  NOTE: {what}: runs differed before two agreed (log {n} = log {k + 1}): {diffs[0]}")
                j.check(f"{what} ({len(first)} lines)", len(first) > min_lines, f"{len(first)} lines")
                return
            d = [(a, b) for a, b in zip(other, lines) if a != b]
            diffs.append(f"log {k + 1} vs {n}: {d[0] if d else 'length'}")
        logs.append(lines)
    j.check(f"{what} ({len(first)} lines)", False, f"no two of {runs} runs agree; {diffs[0]} (logs in {ctx.dir})")


def judge(sc: Scenario, log: HvmmLog, ctx: Context) -> Judge:
    j = Judge()
    check_common(j, log, ctx, sc)
    sc.judge(j, log, ctx)
    return j


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
