# SPDX-License-Identifier: MIT
"""Real kernels from Debian packages, each judged against the same kernel run directly under QEMU in the same
scenario (docs/guest-abi.md "Low memory", docs/linux-guest.md): memtest86+ (package memtest86+, memtest86+x64.bin,
a bzImage) must finish its first test with "Errors: 0" beside the native guests counter and matmul, and Xen
(package xen-hypervisor-4.17-amd64, xen-4.17-amd64.gz gunzipped: a multiboot v1 kernel) must print the same last
line as directly under QEMU. The packages are fetched with apt-get download and cached in build/realkernels/ as the
Linux scenario's kernel is (tests/linux/prepare.py); a scenario is skipped (not failed) only when its package cannot
be downloaded.

memtest86+ never ends by itself: hvmm stops it with time_limit= (docs/cmdline.md); its direct run is stopped once it
has passed its first test. Xen runs with noreboot, so after its panic it halts with interrupts disabled (hvmm stops
it: nothing can wake it) instead of rebooting; directly under QEMU it is stopped once that line is printed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import List, Optional

from hvmmlog import HvmmLog
from scenarios import GUESTS, Context, Judge, Scenario, check_counter, check_killed, check_matmul

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux"))
import prepare as linux_prepare  # noqa: E402  (tests/linux/prepare.py: apt-get download, Skip)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = "build/realkernels"
MEMTEST = f"{OUT}/memtest86+x64.bin"
XEN = f"{OUT}/xen"
MEMTEST_ARGS = "console=ttyS0,115200"  # memtest86+ writes to VGA only unless told to use the serial port
XEN_ARGS = "console=com1 com1=115200,8n1 noreboot"
MEMTEST_MEM = "64M"
XEN_MEM = "128M"
MEMTEST_LIMIT = "45s"  # time_limit=: memtest86+ passes its first tests in about 2 s alone (25 s was too short on a loaded host)
# memtest86+'s status area: "#<n>  [<test name>]" for the running test, "Errors: <n>"
TEST_RX = re.compile(r"#(\d+)\s+\[")
ERRORS_RX = re.compile(r"Errors:\s+(\d+)")


def extract(pkg: str, member: str, dst: str) -> None:
    """dst: the file member (a ./path in the package) of Debian package pkg, downloaded once (Skip when apt cannot
    get it); a .gz member is gunzipped."""
    if os.path.isfile(dst):
        return
    out = os.path.dirname(dst)
    with tempfile.TemporaryDirectory(dir=out) as t:
        deb = linux_prepare.download(pkg, t)
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
        x = subprocess.run(["tar", "-x", "-C", t, member], stdin=tar.stdout, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        tar.stdout.close()
        if tar.wait() != 0 or x.returncode != 0:
            raise RuntimeError(f"extracting {member} from {deb}: {x.stdout.decode(errors='replace')[-300:]}")
        src = os.path.join(t, member)
        if src.endswith(".gz"):
            linux_prepare.run(["gunzip", src])
            src = src[:-3]
        shutil.copyfile(src, dst + ".tmp")
        os.replace(dst + ".tmp", dst)
        with open(dst + ".txt", "w") as f:
            f.write(f"{os.path.basename(deb)} {member}\n")


def fetcher(pkg: str, member: str, dst: str):
    def fetch() -> Optional[str]:
        os.makedirs(os.path.join(ROOT, OUT), exist_ok=True)
        try:
            extract(pkg, member, os.path.join(ROOT, dst))
        except linux_prepare.Skip as e:
            return str(e)
        return None
    return fetch


def run_direct(d: str, name: str, kernel: str, append: str, mem: str, until: re.Pattern, timeout: int) -> str:
    """Run kernel directly under QEMU TCG (-cpu max, its -kernel loader and SeaBIOS) with the serial port in
    <d>/qemu-<name>.log; stop QEMU 1 s after its output matches until, or at the timeout. Returns the output."""
    path = os.path.join(d, f"qemu-{name}.log")
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", mem, "-display", "none", "-no-reboot",
           "-serial", f"file:{path}", "-kernel", os.path.join(ROOT, kernel), "-append", append]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    end = time.monotonic() + timeout
    text = ""
    while p.poll() is None and time.monotonic() < end:
        time.sleep(1)
        if os.path.isfile(path):
            with open(path, errors="replace") as f:
                text = f.read()
            if until.search(text):
                time.sleep(1)
                break
    if p.poll() is None:
        p.kill()
    p.wait()
    with open(path, errors="replace") as f:
        return f.read()


def memtest_verdict(text: str) -> str:
    """'first test passed, Errors: 0' when memtest86+'s screen shows a test after #0 and only 'Errors: 0', else what
    it shows."""
    tests = [int(n) for n in TEST_RX.findall(text)]
    errors = ERRORS_RX.findall(text)
    if tests and max(tests) >= 1 and errors and all(e == "0" for e in errors):
        return "first test passed, Errors: 0"
    return f"tests seen {sorted(set(tests))}, errors {sorted(set(errors))}"


PASSED_FIRST = re.compile(r"#([1-9]|1[0-9])\s+\[")


def prepare_memtest(d: str) -> None:
    run_direct(d, "memtest", MEMTEST, MEMTEST_ARGS, MEMTEST_MEM, PASSED_FIRST, 90)


def judge_memtest(j: Judge, log: HvmmLog, ctx: Context) -> None:
    with open(os.path.join(ctx.dir, "qemu-memtest.log"), errors="replace") as f:
        direct = memtest_verdict(f.read())
    mine = memtest_verdict("".join(log.console("memtest")))
    j.check("memtest: directly under QEMU it passes its first test with Errors: 0",
            direct == "first test passed, Errors: 0", direct)
    j.check("memtest: under hvmm it passes its first test with Errors: 0 (the same verdict)",
            mine == "first test passed, Errors: 0", mine)
    k = log.killed.get("memtest")
    j.check("memtest: stopped by its time_limit=", k is not None and "time_limit= reached" in k.reason,
            k.reason if k else "not stopped")
    check_killed(j, log, "memtest")
    check_counter(j, log)
    check_matmul(j, log)


def xen_lines(lines: List[str]) -> List[str]:
    return [t.rstrip() for t in lines if t.startswith("(XEN)")]


def prepare_xen(d: str) -> None:
    run_direct(d, "xen", XEN, XEN_ARGS, XEN_MEM, re.compile(r"\(XEN\) Manual reset required"), 90)


def judge_xen(j: Judge, log: HvmmLog, ctx: Context) -> None:
    with open(os.path.join(ctx.dir, "qemu-xen.log"), errors="replace") as f:
        direct = xen_lines(f.read().splitlines())
    mine = xen_lines(log.console("xen"))
    for who, lines in (("directly under QEMU", direct), ("under hvmm", mine)):
        j.check(f"xen: {who} it panics for want of a dom0 kernel",
                any("dom0 kernel not specified" in t for t in lines), lines[-3:])
    j.check("xen: the same last line under hvmm as directly under QEMU",
            bool(mine) and bool(direct) and mine[-1] == direct[-1],
            f"hvmm {mine[-1:]}, QEMU {direct[-1:]}")
    k = log.killed.get("xen")
    j.check("xen: halted with interrupts disabled after its panic (noreboot)",
            k is not None and "HLT with interrupts disabled" in k.reason, k.reason if k else "not stopped")
    check_counter(j, log)
    check_matmul(j, log)


NATIVES = [f"{GUESTS}/counter.elf name=counter mem=16M", f"{GUESTS}/matmul.elf name=matmul mem=16M"]

SCENARIOS: List[Scenario] = [
    Scenario("memtest", [f"{MEMTEST} name=memtest mem={MEMTEST_MEM} time_limit={MEMTEST_LIMIT} {MEMTEST_ARGS}"]
             + NATIVES, judge_memtest, prepare=prepare_memtest, timeout=150,
             skip_if=fetcher("memtest86+", "./boot/memtest86+x64.bin", MEMTEST)),
    Scenario("xen", [f"{XEN} name=xen mem={XEN_MEM} {XEN_ARGS}"] + NATIVES, judge_xen, prepare=prepare_xen,
             timeout=150, skip_if=fetcher("xen-hypervisor-4.17-amd64", "./boot/xen-4.17-amd64.gz", XEN)),
]
