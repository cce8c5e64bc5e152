"""Virtual-platform scenarios (docs/guest-abi.md "Multiboot v1 kernels", "The virtual PC"): the multiboot v1 test
kernels of tests/mb1/ run beside native guests under hvmm, and each also runs under `qemu-system-x86_64 -kernel`
directly (in the scenario's prepare step); the judge wants the same PASS: lines from both, no FAIL: line, and the
kernel's isa-debug-exit status (1 = all passed) as the guest's exit status.
"""

import os
import subprocess
from typing import Dict, List

from hvmmlog import HvmmLog
from scenarios import EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_exit, check_matmul

MB1 = "build/mb1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE_TEXT = b"hvmm-mb1-module: a test module for mb1_boot\n"


class Kernel:
    """One test kernel: its file, guest name, command-line arguments and modules (file name, arguments)."""

    def __init__(self, file: str, name: str, args: str = "", mods: int = 0, mem: str = "16M") -> None:
        self.file, self.name, self.args, self.mods, self.mem = file, name, args, mods, mem

    def guest_specs(self) -> List[str]:
        specs = [f"{MB1}/{self.file}.elf name={self.name} mem={self.mem} debug_exit=0xf4 {self.args}".rstrip()]
        specs += [f"{{dir}}/mod{i}.txt for={self.name} modarg={i}" for i in range(self.mods)]
        return specs

    def qemu(self, d: str) -> str:
        """Run the kernel under QEMU directly; return its serial output."""
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", self.mem, "-display", "none",
               "-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-kernel", os.path.join(ROOT, MB1, self.file + ".elf"), "-append", self.args]
        if self.mods:
            cmd += ["-initrd", ",".join(f"{d}/mod{i}.txt modarg={i}" for i in range(self.mods))]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            out = r.stdout.decode("utf-8", "replace") + f"\nqemu-status={r.returncode}\n"
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace") + "\nqemu-status=timeout\n"
        with open(os.path.join(d, f"qemu-{self.name}.log"), "w") as f:
            f.write(out)
        return out


KERNELS = [
    Kernel("mb1_boot", "mb1boot", "token=mb1boot mods=2", mods=2),
    Kernel("mb1_uart", "mb1uart"),
    Kernel("mb1_pit", "mb1pit"),
    Kernel("mb1_pic", "mb1pic"),
    Kernel("mb1_rtc", "mb1rtc"),
    Kernel("mb1_fwcfg", "mb1fwcfg"),
]


def prepare(d: str) -> None:
    for i in range(max(k.mods for k in KERNELS)):
        with open(os.path.join(d, f"mod{i}.txt"), "wb") as f:
            f.write(MODULE_TEXT)
    for k in KERNELS:
        k.qemu(d)


def verdicts(lines: List[str]) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {"PASS": [], "FAIL": []}
    for t in lines:
        t = t.strip()
        for v in out:
            if t.startswith(v + ": "):
                out[v].append(t[len(v) + 2:])
    return out


def check_kernel(j: Judge, log: HvmmLog, ctx: Context, k: Kernel) -> None:
    mine = verdicts(log.console(k.name))
    with open(os.path.join(ctx.dir, f"qemu-{k.name}.log"), errors="replace") as f:
        ref_text = f.read()
    ref = verdicts(ref_text.splitlines())
    j.check(f"{k.name}: PASS lines under hvmm", len(mine["PASS"]) > 0 and not mine["FAIL"],
            f"{len(mine['PASS'])} PASS, FAIL: {mine['FAIL'][:3]}")
    j.check(f"{k.name}: all PASS under QEMU -kernel directly", len(ref["PASS"]) > 0 and not ref["FAIL"] and
            "qemu-status=1" in ref_text, f"{len(ref['PASS'])} PASS, FAIL: {ref['FAIL'][:3]}")
    j.check(f"{k.name}: same PASS lines under hvmm and under QEMU", mine["PASS"] == ref["PASS"],
            f"only hvmm: {sorted(set(mine['PASS']) - set(ref['PASS']))[:3]}, "
            f"only QEMU: {sorted(set(ref['PASS']) - set(mine['PASS']))[:3]}")
    check_exit(j, log, k.name, 1)  # isa-debug-exit: (0 << 1) | 1


def judge_devices(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for k in KERNELS:
        check_kernel(j, log, ctx, k)
    check_counter(j, log)
    check_matmul(j, log)


SCENARIOS: List[Scenario] = [
    Scenario("mb1-devices", [f"{GUESTS}/counter.elf name=counter mem=16M", f"{GUESTS}/matmul.elf name=matmul mem=16M"]
             + [s for k in KERNELS for s in k.guest_specs()], judge_devices, prepare=prepare, timeout=120,
             cmdline="slice=2ms " + EXIT_PORT),
]
