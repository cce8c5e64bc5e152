# SPDX-License-Identifier: MIT
"""Virtual-platform scenarios (docs/guest-abi.md "Multiboot v1 kernels", "The virtual PC"): the multiboot v1 test
kernels of tests/mb1/ run beside native guests under hvmm, and each also runs under `qemu-system-x86_64 -kernel`
directly (in the scenario's prepare step); the judge wants the same PASS: lines from both, no FAIL: line, and the
kernel's isa-debug-exit status (1 = all passed) as the guest's exit status.
"""

import os
import re
import subprocess
from typing import Dict, List, Optional, Tuple

from hvmmlog import HvmmLog
import struct

from scenarios import (EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_exit, check_matmul,
                       check_rejected)

MB1 = "build/mb1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULE_TEXT = b"hvmm-mb1-module: a test module for mb1_boot\n"


class Kernel:
    """One test kernel: its file, guest name, command-line arguments and modules (file name, arguments)."""

    def __init__(self, file: str, name: str, args: str = "", mods: int = 0, mem: str = "16M", own: str = "",
                 qemu_args: Optional[List[str]] = None) -> None:
        self.file, self.name, self.args, self.mods, self.mem, self.own = file, name, args, mods, mem, own
        self.qemu_args = qemu_args or []  # also for the run under QEMU directly

    def guest_specs(self) -> List[str]:
        """hvmm's module line: its keys, the arguments, and after "--" the kernel's own words (docs/cmdline.md)."""
        own = f" -- {self.own}" if self.own else ""
        specs = [f"{MB1}/{self.file}.elf name={self.name} mem={self.mem} debug_exit=0xf4 {self.args}".rstrip() + own]
        specs += [f"{{dir}}/mod{i}.txt for={self.name} modarg={i}" for i in range(self.mods)]
        return specs

    def qemu(self, d: str) -> str:
        """Run the kernel under QEMU directly; return its serial output."""
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", self.mem, "-display", "none",
               "-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-kernel", os.path.join(ROOT, MB1, self.file + ".elf"), "-append", f"{self.args} {self.own}".strip()]
        if self.mods:
            cmd += ["-initrd", ",".join(f"{d}/mod{i}.txt modarg={i}" for i in range(self.mods))]
        cmd += self.qemu_args
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            out = r.stdout.decode("utf-8", "replace") + f"\nqemu-status={r.returncode}\n"
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace") + "\nqemu-status=timeout\n"
        with open(os.path.join(d, f"qemu-{self.name}.log"), "w") as f:
            f.write(out)
        return out


# The mixed scenario (beside native guests) and the timer kernels, which measure time and so run with one guest
# less in each other's way.
def long_args(base: str, own: str, length: int) -> Tuple[str, str]:
    """base with words=<n> and arglen=<length> added, and own with pad=x... so that the kernel's arguments (base, then
    own) are length bytes: a line near hvmm's 4095-byte limit once hvmm's keys are added."""
    args = f"{base} words={len(base.split()) + 3 + len(own.split())} arglen={length}"
    head = f"{args} {own} pad="
    return args, f"{own} pad=" + "x" * (length - len(head))


MB1BOOT_ARGS, MB1BOOT_OWN = long_args("token=mb1boot mods=2", "mem=7", 4000)
KERNELS = [
    Kernel("mb1_boot", "mb1boot", MB1BOOT_ARGS, mods=2, own=MB1BOOT_OWN),
    Kernel("mb1_uart", "mb1uart"),
    Kernel("mb1_pic", "mb1pic"),
    Kernel("mb1_fwcfg", "mb1fwcfg"),
    Kernel("mb1_lapic", "mb1lapic"),
]
# Under -icount shift=0 (docs/measurement.md) QEMU's clocks count instructions: the PIT's period measured against
# the TSC (5 %) measures the device, not how often a loaded host stops QEMU. The RTC kernel waits for whole seconds
# of its clock, too slow under icount: mb1-timers runs it whole without icount (its periodic interrupts bounded: at
# most 110 in 100 ms at 1024 Hz), and mb1-rtc-period runs only its periodic interrupt (only=period) under icount,
# where the median interval is judged like the PIT's.
ICOUNT = ["-icount", "shift=0,sleep=off"]
PIT_KERNELS = [Kernel("mb1_pit", "mb1pit", qemu_args=ICOUNT)]
TIMER_KERNELS = [Kernel("mb1_rtc", "mb1rtc")]
# QEMU's own RTC runs on the host's clock by default (-rtc clock=host): under icount, where a virtual millisecond
# takes about ten real ones under TCG, it raised 953 interrupts in 100 ms of TSC time (a 108.6 us median) when run
# directly; clock=vm puts it on the virtual clock, as hvmm's RTC follows the guest's TSC.
RTC_PERIOD_KERNELS = [Kernel("mb1_rtc", "mb1rtcp", own="only=period", qemu_args=ICOUNT + ["-rtc", "clock=vm"])]


def prepare_for(kernels: List[Kernel]):
    def prepare(d: str) -> None:
        for i in range(max(k.mods for k in kernels)):
            with open(os.path.join(d, f"mod{i}.txt"), "wb") as f:
                f.write(MODULE_TEXT)
        for k in kernels:
            k.qemu(d)
    return prepare


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


def check_lapic64(j: Judge, log: HvmmLog) -> None:
    """tests/guests/lapic64.c: 64-bit MMIO forms pass; with bad=1 the REP STOSD kills it, bytes named."""
    lines = log.console("lapic64")
    j.check("lapic64: 23 PASS lines, no FAIL", sum(t.startswith("PASS ") for t in lines) == 23 and
            not any(t.startswith("FAIL") for t in lines), f"{lines[-3:]}")
    check_exit(j, log, "lapic64", 0)
    k = log.killed.get("lapic64bad")
    j.check("lapic64bad: REP STOSD on the APIC page stops it with the bytes (f3 ab)",
            k is not None and "MMIO at gpa=0xfee00080" in k.reason and "f3 ab" in k.reason,
            k.reason if k else "not killed")
    j.check("lapic64bad: no NOT CONTAINED", not any("NOT CONTAINED" in t for t in log.console("lapic64bad")))


def judge_devices(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for k in KERNELS:
        check_kernel(j, log, ctx, k)
    check_lapic64(j, log)
    check_counter(j, log)
    check_matmul(j, log)


def judge_hostile_dev(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """tests/guests/hostile_dev.c abuses its devices beside counter and matmul (docs/security.md)."""
    check_counter(j, log)
    check_matmul(j, log)
    lines = log.console("hdev")
    for want in ("register abuse done", "interrupt storm delivered and survived", "RTC set again",
                 "PIT channel 2 counts", "fw_cfg signature"):
        j.check(f"hdev: PASS {want}", any(t.startswith("PASS " + want) for t in lines), "no such PASS line")
    j.check("hdev: hostile done fails=0", "hostile done fails=0" in lines, f"{lines[-3:]}")
    g = log.guests.get("hdev")
    # Since the periodic timers are clamped to 200 µs (docs/guest-abi.md "Time") the storm no longer reaches the
    # guest's 3000-interrupt limit within storm_ms under TCG; the PIT and APIC timer programmings count as clamped.
    j.check("hdev: its storm was injected (irqs > 100 in its summary line), 2 timers clamped (clamped=2)",
            g is not None and g.irqs is not None and g.irqs > 100 and g.clamped == 2,
            log.lines[g.line] if g else "no summary")
    check_exit(j, log, "hdev", 0)


# Bad multiboot v1 images (hvmm must reject each with its reason; lib/mb1.c's unit test covers more).
MB1_MAGIC, AOUT = 0x1BADB002, 0x10000


def mb1_aout(flags, header_addr, load_addr, load_end, bss_end, entry, size=0x1000):
    """An a.out-kludge image: the header at file offset 0 (then HLT bytes)."""
    hdr = struct.pack("<8I", MB1_MAGIC, flags, (-(MB1_MAGIC + flags)) & 0xFFFFFFFF, header_addr, load_addr, load_end,
                      bss_end, entry)
    return hdr + b"\xf4" * (size - len(hdr))


# 32-bit code at 0x8020 that reads the BIOS data area as low-memory-sizing kernels do: base memory KiB (40:13h) not 0,
# and the EBDA (segment at 40:0Eh) where base memory ends; then writes 0 (all right) or 2 to the debug-exit port.
BDA_CHECK = bytes.fromhex(
    "0fb70513040000"  # movzwl 0x413, %eax
    "85c0" "7415"  # test %eax, %eax; jz bad
    "0fb7150e040000"  # movzwl 0x40e, %edx
    "c1e204" "c1e00a"  # shl $4, %edx; shl $10, %eax
    "39c2" "7504"  # cmp %eax, %edx; jne bad
    "b000" "eb02"  # mov $0, %al; jmp out
    "b002"  # bad: mov $2, %al
    "66baf400" "ee"  # out: mov $0xf4, %dx; out %al, %dx
    "f4" "ebfd")  # hlt; jmp hlt


def mb1_low() -> bytes:
    """A kernel loaded at 0x8000, below 1 MiB in free RAM (docs/guest-abi.md), running BDA_CHECK."""
    img = mb1_aout(AOUT, 0x8000, 0x8000, 0, 0, 0x8020)
    return img[:32] + BDA_CHECK + img[32 + len(BDA_CHECK):]


BAD_MB1 = [  # (name, image, the reason's words)
    ("mb1flags", mb1_aout(AOUT | (1 << 3), 0x100000, 0x100000, 0, 0, 0x100020), "requires a feature this loader lacks"),
    ("mb1below", mb1_aout(AOUT, 0x2000, 0x2000, 0, 0, 0x2020), "not free RAM"),  # hvmm's boot information
    ("mb1ebda", mb1_aout(AOUT, 0x9f000, 0x9f000, 0, 0x9fc01, 0x9f020, size=0x100), "not free RAM"),  # into the EBDA
    ("mb1loadaddr", mb1_aout(AOUT, 0x100000, 0x100100, 0, 0, 0x100100), "load_addr above header_addr"),
    ("mb1bss", mb1_aout(AOUT, 0x100000, 0x100000, 0x100800, 0x100400, 0x100020), "bss_end_addr below load_end_addr"),
    ("mb1entry", mb1_aout(AOUT, 0x100000, 0x100000, 0, 0, 0x200000), "entry point outside the loaded image"),
    ("mb1ram", mb1_aout(AOUT, 0x100000, 0x100000, 0, 0x10000000, 0x100020), "segment beyond guest RAM"),
]


def prepare_bad(d: str) -> None:
    for name, image, _ in BAD_MB1 + [("mb1low", mb1_low(), "")]:
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(image)
    with open(os.path.join(d, "mod0.txt"), "wb") as f:
        f.write(MODULE_TEXT)


def judge_bad(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for name, _, words in BAD_MB1:
        check_rejected(j, log, name)
        r = log.rejected.get(name) or ""
        j.check(f"{name}: the reason says '{words}'", words in r, f"reason {r!r}")
    check_counter(j, log)
    check_exit(j, log, "mb1low", 1)  # loaded at 0x8000; its BIOS data area is consistent: debug-exit (0 << 1) | 1
    m = [ln for ln in log.lines if ln.startswith("hvmm: module ") and " for guest counter rejected: " in ln]
    j.check("a for= module for an ELF64 guest is rejected with the reason", m and "takes no modules" in m[0],
            f"{m}")
    m = [ln for ln in log.lines if ln.startswith("hvmm: module ") and " for guest nosuch rejected: " in ln]
    j.check("a for= module for a guest that does not exist is rejected", m and "no loaded guest" in m[0], f"{m}")


def judge_msr_policy(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """tests/guests/msrwalk.c walks lib/msr_policy.c's table (docs/guest-abi.md "MSRs"), with and without the PC."""
    for name in ("msrwalk", "msrwalkpc"):
        lines = log.console(name)
        fails = [t for t in lines if t.startswith("FAIL")]
        j.check(f"{name}: no FAIL line", not fails, f"{len(fails)} FAIL lines: {fails[:3]}")
        j.check(f"{name}: every value MSR walked (46 PASS lines of the table)",
                sum(t.startswith("PASS ") and "as the table says" in t for t in lines) == 46,
                f"{sum('as the table says' in t for t in lines)} lines")
        for want in ("WRMSR PerfEvtSel0 (C001_0000h) = 0 is accepted", "RDTSC continues from the value written",
                     "RDMSR x2APIC ID (802h) raises #GP"):
            j.check(f"{name}: PASS {want}", any(t.startswith("PASS " + want) for t in lines), "no such line")
        j.check(f"{name}: hostile done fails=0", "hostile done fails=0" in lines, f"{lines[-2:]}")
        check_exit(j, log, name, 0)
    check_counter(j, log)


def judge_apic_ipi(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """tests/guests/apicipi.c: IPIs and NMIs to the guest's own (only) CPU; INIT to itself stops it."""
    lines = log.console("apicipi")
    fails = [t for t in lines if t.startswith("FAIL")]
    j.check("apicipi: no FAIL line", not fails, f"{fails[:3]}")
    j.check("apicipi: 20 PASS lines", sum(t.startswith("PASS ") for t in lines) == 20,
            f"{sum(t.startswith('PASS ') for t in lines)}")
    for want in ("NMI to its own APIC ID is taken at once with IF = 0", "the waiting NMI follows the IRET, never nested",
                 "the waiting NMI interrupts the instruction the IRET returned to",
                 "fixed IPI by logical destination (cluster 2, its bit)"):
        j.check(f"apicipi: PASS {want}", any(t.startswith("PASS " + want) for t in lines), "no such line")
    check_exit(j, log, "apicipi", 0)
    k = log.killed.get("apicinit")
    j.check("apicinit: INIT to itself stops it with the reason", k is not None and "INIT IPI to itself" in k.reason,
            k.reason if k else "not killed")
    j.check("apicinit: no NOT CONTAINED", not any("NOT CONTAINED" in t for t in log.console("apicinit")))
    check_counter(j, log)


def judge_irq_if(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """tests/guests/irqif.c: every timer interrupt lands with IF = 1, also beside a CPU-bound guest under icount."""
    for name in ("irqif", "irqif2"):
        lines = log.console(name)
        m = [t for t in lines if t.startswith("irqif interrupts=")]
        j.check(f"{name}: interrupts counted", bool(m) and not m[0].startswith("irqif interrupts=0 "), f"{m}")
        fails = [t for t in lines if t.startswith("FAIL")]
        j.check(f"{name}: every timer interrupt was taken with IF = 1", not fails and
                any(t.startswith("PASS every timer interrupt was taken with IF = 1") for t in lines), f"{fails[:2]}")
        check_exit(j, log, name, 0)
    check_counter(j, log)


def judge_timers(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for k in TIMER_KERNELS:
        check_kernel(j, log, ctx, k)


def judge_pit(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for k in PIT_KERNELS:
        check_kernel(j, log, ctx, k)
    check_periods(j, log, "mb1pit", r"^pit period mode \d: mean=(\d+) cycles", 11932 / 1.193182)


def judge_rtc_period(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for k in RTC_PERIOD_KERNELS:
        check_kernel(j, log, ctx, k)
    # Rate 6: 32768 Hz / 2^5 = 1024 Hz, 976.5625 us (MC146818A datasheet, periodic interrupt rates).
    # Under icount the TSC and the RTC's time base both count instructions: 976.54 us measured, so 1 % catches a
    # period one 30.5 us tick off (3 %).
    check_periods(j, log, "mb1rtcp", r"^rtc period rate 6: median=(\d+) cycles", 1e6 / 1024, 0.01)


def check_periods(j: Judge, log: HvmmLog, name: str, pattern: str, want_us: float, tolerance: float = 0.05) -> None:
    """The periods a kernel measured under hvmm, in TSC cycles, against hvmm's own tsc_khz (calibrated against the
    machine's timers, not the guest's virtual PIT) within tolerance (a fraction; 5 % by default)."""
    tsc_khz = (log.lag or {}).get("tsc_khz")
    got = [int(m.group(1)) for m in (re.match(pattern, t) for t in log.console(name)) if m]
    if j.check(f"{name}: periods printed, tsc_khz known", got and tsc_khz, f"{got}, tsc_khz {tsc_khz}"):
        for c in got:
            us = c * 1000.0 / tsc_khz
            j.check(f"{name}: period {want_us:.1f} us within {tolerance:.0%} of hvmm's TSC",
                    abs(us / want_us - 1) <= tolerance,
                    f"{us:.1f} us")


SCENARIOS: List[Scenario] = [
    Scenario("mb1-devices", [f"{GUESTS}/counter.elf name=counter mem=16M", f"{GUESTS}/matmul.elf name=matmul mem=16M"]
             + [s for k in KERNELS for s in k.guest_specs()]
             + [f"{GUESTS}/lapic64.elf name=lapic64 mem=4M platform=pc",
                f"{GUESTS}/lapic64.elf name=lapic64bad mem=4M platform=pc bad=1"], judge_devices,
             prepare=prepare_for(KERNELS), timeout=240, cmdline="slice=2ms " + EXIT_PORT),
    Scenario("hostile-dev", [f"{GUESTS}/counter.elf name=counter mem=16M", f"{GUESTS}/matmul.elf name=matmul mem=16M",
                             f"{GUESTS}/hostile_dev.elf name=hdev mem=4M platform=pc"], judge_hostile_dev,
             timeout=240),
    Scenario("mb1-bad", [f"{GUESTS}/counter.elf name=counter mem=16M"]
             + [f"{{dir}}/{name}.bin name={name} mem=16M" for name, _, _ in BAD_MB1]
             + ["{dir}/mb1low.bin name=mb1low mem=16M debug_exit=0xf4"]
             + ["{dir}/mod0.txt for=counter", "{dir}/mod0.txt for=nosuch"], judge_bad, prepare=prepare_bad),
    Scenario("msr-policy", [f"{GUESTS}/counter.elf name=counter mem=16M", f"{GUESTS}/msrwalk.elf name=msrwalk mem=64M",
                            f"{GUESTS}/msrwalk.elf name=msrwalkpc mem=16M platform=pc"], judge_msr_policy),
    # An injected interrupt must never be taken with IF = 0: under -icount with 1 ms slices, QEMU 7.2's VMRUN left
    # the injected vector pending as an exception whenever the guest ran on without an exit (docs/qemu-tcg.md).
    Scenario("irq-if", [f"{GUESTS}/counter.elf name=counter mem=16M",
                        f"{GUESTS}/irqif.elf name=irqif mem=4M platform=pc",
                        f"{GUESTS}/irqif.elf name=irqif2 mem=4M platform=pc period_us=170 spin=90000"], judge_irq_if,
             cmdline="slice=1ms " + EXIT_PORT, qemu_args=["-icount", "shift=0,sleep=off"], timeout=180),
    Scenario("apic-ipi", [f"{GUESTS}/counter.elf name=counter mem=16M",
                          f"{GUESTS}/apicipi.elf name=apicipi mem=16M platform=pc",
                          f"{GUESTS}/apicipi.elf name=apicinit mem=16M platform=pc attack=init"], judge_apic_ipi),
    Scenario("mb1-timers", [s for k in TIMER_KERNELS for s in k.guest_specs()], judge_timers,
             prepare=prepare_for(TIMER_KERNELS), timeout=240, cmdline="slice=2ms " + EXIT_PORT),
    Scenario("mb1-rtc-period", [s for k in RTC_PERIOD_KERNELS for s in k.guest_specs()], judge_rtc_period,
             prepare=prepare_for(RTC_PERIOD_KERNELS), timeout=240, cmdline="slice=2ms " + EXIT_PORT,
             qemu_args=ICOUNT),
    Scenario("mb1-pit", [s for k in PIT_KERNELS for s in k.guest_specs()] + [f"{GUESTS}/counter.elf name=counter"
                                                                              " mem=4M count=5"],
             judge_pit, prepare=prepare_for(PIT_KERNELS), timeout=240, cmdline="slice=2ms " + EXIT_PORT,
             qemu_args=ICOUNT),
]
