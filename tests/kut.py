#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kvm-unit-tests as a reference suite (docs/kvm-unit-tests.md): every x86_64 entry of a kvm-unit-tests build's
x86/unittests.cfg runs as an hvmm guest (several per hvmm boot, beside a native guest) and directly under QEMU TCG,
with the same memory, `-cpu max`, one vCPU and the same environment module; one line per entry compares the verdicts.

    tests/kut.py [--kut-dir DIR] [--only NAME...] [--jobs N] [--out DIR]

A verdict is PASS, SKIP or FAIL, from the kernel's isa-debug-exit status (status V gives QEMU and hvmm exit status
(V << 1) | 1: 1 PASS, 77 SKIP, anything else FAIL; no status before the timeout: FAIL). An entry whose hvmm verdict is
worse than its direct one (PASS > SKIP > FAIL) is a failure unless EXPECTED lists it with the verdict hvmm gives and
the reason. Exit status 0 when nothing failed, 1 otherwise, 2 for a usage error or a missing suite.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIR = os.path.join("build", "kvm-unit-tests")
HVMM = os.path.join(ROOT, "build", "hvmm.elf")
COUNTER = os.path.join(ROOT, "build", "guests", "counter.elf")
DEFAULT_MEM_MB = 128  # QEMU's default -m, what kvm-unit-tests' runner gives an entry without -m
TIMEOUT = 90  # seconds: kvm-unit-tests' default for an entry without timeout =
TIMEOUT_SCALE = 2  # the cfg's timeouts are for KVM; TCG on a shared host needs more
PC_MEM_MAX_MB = 4064  # platform=pc: RAM must end below the local APIC page (docs/guest-abi.md)
BATCH_MEM_MB = 3072  # guest RAM per hvmm boot
BATCH_MAX = 6  # kernels per hvmm boot
RANK = {"FAIL": 0, "SKIP": 1, "PASS": 2}

# Entries whose verdict under hvmm is worse than directly for a documented reason (docs/kvm-unit-tests.md): entry ->
# (the verdict hvmm gives, the reason). Any other verdict under hvmm is a failure, and so is an entry listed here that
# does not differ any more (the list must be kept true).
EXPECTED: Dict[str, Tuple[str, str]] = {
    "pks": ("SKIP", "PKS (CPUID 7 ECX[31]) is an Intel feature: AMD CPUs have none, hvmm's CPUID hides it"),
}


@dataclass
class Entry:
    name: str
    file: str = ""
    args: str = ""
    mem_mb: int = DEFAULT_MEM_MB
    timeout: int = TIMEOUT * TIMEOUT_SCALE
    skip: Optional[str] = None  # why kvm-unit-tests' own runner would not run it here (both sides SKIP)
    direct: Tuple[str, str] = ("", "")  # verdict, detail
    hvmm: Tuple[str, str] = ("", "")
    raw: Dict[str, str] = field(default_factory=dict)


def parse_seconds(v: str) -> int:
    m = re.fullmatch(r"(\d+)([smh]?)", v.strip())
    if not m:
        return TIMEOUT
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def parse_mem(params: str) -> Optional[int]:
    """-m from qemu_params, in MiB."""
    m = re.search(r"(?:^|\s)-m\s+(\d+)([kKmMgG]?)", params)
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2).lower()
    return n * 1024 if unit == "g" else n // 1024 if unit == "k" else n


def parse_cfg(path: str) -> List[Entry]:
    """The entries of unittests.cfg ([name] sections of key = value lines; # comments)."""
    entries: List[Entry] = []
    cur: Optional[Dict[str, str]] = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.fullmatch(r"\[(.+)\]\s*", line)
            if m:
                cur = {"name": m.group(1)}
                entries.append(Entry(m.group(1), raw=cur))
                continue
            if cur is not None and "=" in line:
                k, v = line.split("=", 1)
                cur[k.strip()] = v.strip()
    for e in entries:
        r = e.raw
        e.file = r.get("file", "")
        args = r.get("test_args", "")
        e.args = " ".join(shlex.split(args)) if args else ""
        e.mem_mb = parse_mem(r.get("qemu_params", "")) or DEFAULT_MEM_MB
        e.timeout = TIMEOUT_SCALE * (parse_seconds(r["timeout"]) if "timeout" in r else TIMEOUT)
    return entries


def skip_reason(e: Entry, kut: str) -> Optional[str]:
    """What makes kvm-unit-tests' own runner (scripts/runtime.bash) skip the entry on this host under TCG."""
    r = e.raw
    groups = r.get("groups", "").split()
    if "nodefault" in groups:
        return "nodefault: marked as manual run only"
    if r.get("accel") and r["accel"] != "tcg":
        return f"accel = {r['accel']} only"
    for chk in r.get("check", "").split():
        p, _, want = chk.partition("=")
        try:
            with open(p) as f:
                if f.read().strip() == want:
                    continue
        except OSError:
            pass
        return f"check: {p} is not {want}"
    if not os.path.isfile(os.path.join(kut, "x86", e.file)):
        return f"x86/{e.file} not built"
    return None


def x86_64_entries(kut: str) -> List[Entry]:
    return [e for e in parse_cfg(os.path.join(kut, "x86", "unittests.cfg"))
            if e.raw.get("arch", "x86_64") == "x86_64"]


def env_file(d: str, mem_mb: int) -> str:
    """The environment module, as kvm-unit-tests reads it from the first multiboot module (lib/x86/fwcfg.c)."""
    path = os.path.join(d, f"env-{mem_mb}")
    with open(path, "w") as f:
        f.write(f"NR_CPUS=1\nMEMSIZE={mem_mb}\nTEST_DEVICE=0\n")
    return path


def verdict_of(status: Optional[int]) -> Tuple[str, str]:
    if status is None:
        return "FAIL", "timeout"
    if status == 1:
        return "PASS", ""
    if status == 77:
        return "SKIP", ""
    return "FAIL", f"status {status}"


def summary_line(text: str) -> str:
    for ln in reversed(text.splitlines()):
        if "SUMMARY:" in ln:
            return ln.split("SUMMARY:", 1)[1].strip()
    return ""


def run_direct(e: Entry, kut: str, d: str) -> None:
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", f"{e.mem_mb}M", "-smp", "1", "-nodefaults",
           "-display", "none", "-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
           "-kernel", os.path.join(kut, "x86", e.file), "-initrd", env_file(d, e.mem_mb), "-append", e.args]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=e.timeout)
        text, status = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as x:
        text, status = (x.stdout or b"").decode("utf-8", "replace"), None
    with open(os.path.join(d, f"direct-{e.name}.log"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n" + text)
    v, why = verdict_of(status)
    e.direct = (v, why or summary_line(text))


def guest_name(e: Entry) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", e.name)[:31]


def run_hvmm_batch(batch: List[Entry], kut: str, d: str, k: int) -> None:
    """One hvmm boot: the batch's kernels (each with its environment module) beside the counter guest."""
    initrd = [f"{COUNTER} name=counter"]
    for e in batch:
        mem = min(e.mem_mb, PC_MEM_MAX_MB)
        line = f"{os.path.join(kut, 'x86', e.file)} name={guest_name(e)} mem={mem}M debug_exit=0xf4"
        if e.args:
            line += " " + e.args
        initrd += [line, f"{env_file(d, mem)} name=env for={guest_name(e)}"]
    total_mb = sum(min(e.mem_mb, PC_MEM_MAX_MB) for e in batch) + 16
    # The kernels share one CPU, but most end in seconds: the boot may take the longest limit plus a margin per kernel.
    timeout = max(e.timeout for e in batch) + 15 * len(batch)
    log = os.path.join(d, f"hvmm-{k}.log")
    # hvmm needs each guest's RAM contiguous: room above 4 GiB for the largest beside the PCI hole below it.
    machine_mb = total_mb + 512 + max(e.mem_mb for e in batch)
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", f"{machine_mb}M", "-display", "none",
           "-serial", f"file:{log}", "-monitor", "none", "-no-reboot", "-device",
           "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", HVMM, "-append", "slice=5ms exit_port=0xf4",
           "-initrd", ",".join(s.replace(",", ",,") for s in initrd)]
    with open(os.path.join(d, f"hvmm-{k}.cmd"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=timeout)
        note = ""
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        note = f"\nkut.py: hvmm boot stopped after {timeout} s\n"
    with open(log, "a") as f:
        f.write(note)
    with open(log, errors="replace") as f:
        text = f.read()
    for e in batch:
        n = guest_name(e)
        m = re.search(rf"^hvmm: guest {re.escape(n)} exited status=(-?\d+)", text, re.M)
        killed = re.search(rf"^hvmm: guest {re.escape(n)} (killed|rejected): (.*)$", text, re.M)
        if m:
            v, why = verdict_of(int(m.group(1)))
            own = "\n".join(ln[len(n) + 3:] for ln in text.splitlines() if ln.startswith(f"[{n}] "))
            e.hvmm = (v, why or summary_line(own))
        elif killed:
            e.hvmm = ("FAIL", f"{killed.group(1)}: {killed.group(2)[:100]}")
        else:
            e.hvmm = ("FAIL", "no exit (timeout)")
    counter_ok = re.search(r"^hvmm: guest counter exited status=0", text, re.M) is not None
    if not counter_ok:
        for e in batch:
            e.hvmm = ("FAIL", "the native guest beside it did not finish: " + e.hvmm[1])


def batches(entries: List[Entry]) -> List[List[Entry]]:
    out: List[List[Entry]] = []
    cur: List[Entry] = []
    for e in sorted(entries, key=lambda e: e.mem_mb):
        if cur and (len(cur) >= BATCH_MAX or sum(x.mem_mb for x in cur) + e.mem_mb > BATCH_MEM_MB):
            out.append(cur)
            cur = []
        cur.append(e)
    if cur:
        out.append(cur)
    return out


def compare(e: Entry) -> Tuple[bool, str]:
    """(ok, word): same, better, worse, expected (a documented difference)."""
    dv, hv = e.direct[0], e.hvmm[0]
    exp = EXPECTED.get(e.name)
    if exp:
        if hv == exp[0] and dv != hv:
            return True, f"expected ({exp[1]})"
        return False, f"listed in EXPECTED as {exp[0]} ({exp[1]}), but direct {dv}, hvmm {hv}"
    if dv == hv:
        return True, "same"
    return (True, "better") if RANK[hv] > RANK[dv] else (False, "worse")


def run(kut: str, only: Optional[List[str]], jobs: int, out: str, emit=print) -> Tuple[int, int, List[Entry]]:
    """Run everything, print the per-entry lines through emit, return (passed, failed, entries)."""
    entries = x86_64_entries(kut)
    if only:
        entries = [e for e in entries if e.name in only]
    os.makedirs(out, exist_ok=True)
    for e in entries:
        e.skip = skip_reason(e, kut)
        if e.skip:
            e.direct = e.hvmm = ("SKIP", e.skip)
    todo = [e for e in entries if not e.skip]
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = [pool.submit(run_hvmm_batch, b, kut, out, k) for k, b in enumerate(batches(todo))]
        futs += [pool.submit(run_direct, e, kut, out) for e in todo]
        for f in futs:
            f.result()
    passed = failed = 0
    for e in entries:
        ok, word = compare(e)
        passed, failed = passed + ok, failed + (not ok)
        det = "; ".join(x for x in (f"direct: {e.direct[1]}" if e.direct[1] else "",
                                    f"hvmm: {e.hvmm[1]}" if e.hvmm[1] and e.hvmm[1] != e.direct[1] else "") if x)
        emit(f"{'ok  ' if ok else 'FAIL'} {e.name:<40} direct {e.direct[0]:<4} hvmm {e.hvmm[0]:<4} {word}"
             + (f"  ({det})" if det else ""))
    emit(f"kut: {len(entries)} entries in {time.monotonic() - t0:.0f} s; logs in {out}")
    return passed, failed, entries


def find_suite(arg: Optional[str]) -> Tuple[Optional[str], str]:
    """The suite's directory, or None and the reason."""
    d = arg or os.environ.get("KUT_DIR") or ""
    if not d:
        d = os.path.join(ROOT, DEFAULT_DIR)
        if not os.path.isdir(d):
            return None, f"no kvm-unit-tests build: set KUT_DIR or build one in {DEFAULT_DIR} (docs/kvm-unit-tests.md)"
    if not os.path.isfile(os.path.join(d, "x86", "unittests.cfg")):
        return None, f"{d}: no x86/unittests.cfg (not a kvm-unit-tests tree; docs/kvm-unit-tests.md)"
    if not any(n.endswith(".flat") for n in os.listdir(os.path.join(d, "x86"))):
        return None, f"{d}: no x86/*.flat (run ./configure --arch=x86_64 && make there)"
    if not shutil.which("qemu-system-x86_64"):
        return None, "qemu-system-x86_64 not found"
    return d, ""


def main() -> int:
    global HVMM
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kut-dir", help=f"a kvm-unit-tests build (default: $KUT_DIR, else {DEFAULT_DIR})")
    ap.add_argument("--only", nargs="*", help="only these entries")
    ap.add_argument("--jobs", type=int, default=2, help="QEMU processes at a time (default 2)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "kut"), help="logs (default build/kut)")
    ap.add_argument("--hvmm", default=HVMM, help="hvmm.elf to boot (default build/hvmm.elf)")
    args = ap.parse_args()
    kut, why = find_suite(args.kut_dir)
    if not kut:
        print(f"kut: SKIP: {why}")
        return 2
    HVMM = os.path.abspath(args.hvmm)
    if not os.path.isfile(HVMM) or not os.path.isfile(COUNTER):
        print("kut: build hvmm and the guests first (make all)")
        return 2
    passed, failed, _ = run(os.path.abspath(kut), args.only, args.jobs, args.out)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
