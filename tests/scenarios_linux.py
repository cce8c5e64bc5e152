# SPDX-License-Identifier: MIT
"""Linux guest scenarios (docs/linux-guest.md): Debian's stock kernel (linux-image-amd64, fetched with apt-get
download and cached in build/linux/ by tests/linux/prepare.py) boots through hvmm's bzImage loader to a busybox
/init that prints a marker, runs `sleep 1`, prints a second marker and ends the guest through the debug-exit port,
while the native guests counter and matmul run round-robin beside it and finish with correct results. Skipped (not
failed) only when the kernel package cannot be downloaded.
"""

import os
import sys
from typing import List, Optional, Tuple

from hvmmlog import HvmmLog
from scenarios import EXIT_PORT, Context, GUESTS, Judge, Scenario, check_counter, check_exit, check_matmul

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux"))
import prepare as linux_prepare  # noqa: E402  (tests/linux/prepare.py)

LINUX_DIR = "build/linux"
# The command line docs/linux-guest.md recommends (hvmm adds tsc_early_khz=); panic=-1 reboot=t: a panic ends the
# guest at once (triple fault) instead of hanging until the timeout.
LINUX_ARGS = "console=ttyS0 acpi=off pci=off tsc=reliable panic=-1 reboot=t"
COUNT = 100  # counter lines (it yields after each line, so it ends early in Linux's boot)
ROUNDS = 14000  # matmul rounds: CPU-bound for longer than Linux's boot (checked: still running during the sleep)
LAPIC_BUSY = ("matmul", "matmul2")  # linux-lapic: three guests on the CPU during the sleep (counter ends early)
ICOUNT_ROUNDS = 24000  # the same under -icount (matmul is relatively faster there: 14000 rounds end at 11 s, the sleep at 14 s)
COMPLAINTS = ("TSC unstable", "Marking TSC unstable", "timer doesn't work", "MP-BIOS bug", "clocksource watchdog",
              "Marking clocksource", "unchecked MSR access", "Kernel panic", "BUG:", "WARNING:",
              "APIC timer disabled", "APIC frequency too slow", "Disabling APIC timer")


def fetch() -> Optional[str]:
    """Download (once) and build the kernel and initramfs; the reason to skip when the package cannot be had."""
    return linux_prepare.prepare()


def linux_guests(extra: str, rounds: int = ROUNDS, busy: Tuple[str, ...] = ("matmul",)) -> List[str]:
    """Linux with its initramfs, counter, and one CPU-bound matmul per name in busy (seeds 1, 2, ...)."""
    return [f"{LINUX_DIR}/vmlinuz name=linux mem=256M debug_exit=0xf4 {LINUX_ARGS} {extra}".rstrip(),
            f"{LINUX_DIR}/initramfs.cpio for=linux",
            f"{GUESTS}/counter.elf name=counter mem=16M count={COUNT}"] + \
        [f"{GUESTS}/matmul.elf name={b} mem=16M rounds={rounds} seed={i + 1} progress=2000" for i, b in enumerate(busy)]


def tsc_khz(log: HvmmLog) -> Optional[int]:
    lag = log.lag or {}
    return lag.get("tsc_khz")


def judge_timer(device: str, busy: Tuple[str, ...] = ("matmul",)):
    """The kernel's clock event device (printed by /init from /sys): pit with nolapic, lapic with the xAPIC's
    one-shot/periodic timer (lapic=notscdeadline), lapic-deadline with its TSC-deadline timer."""
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        check_linux(j, log, ctx, busy)
        m = log.find_console("linux", r"^hvmm-linux: clockevent=(\S+) local-timer-interrupts=(\d+)$")
        j.check(f"linux: its timer is the {device}", m is not None and m[1].group(1) == device,
                m[1].group(0) if m else "no clockevent line")
        if device.startswith("lapic"):
            j.check("linux: local APIC timer interrupts counted", m is not None and int(m[1].group(2)) > 0,
                    m[1].group(0) if m else "no clockevent line")
            j.check("linux: found hvmm's MP table", log.find_console("linux", r"found SMP MP-table at") is not None)
        if device == "lapic-deadline":
            j.check("linux: TSC-deadline timer found (CPUID 1 ECX[24]), so no APIC timer calibration",
                    log.find_console("linux", r"TSC deadline timer available") is not None and
                    log.find_console("linux", r"\.\.\. jiffies delta") is None)
        if device == "lapic":
            cal = log.find_console("linux", r"\.\.\. jiffies delta = (\d+)")
            ok = log.find_console("linux", r"\.\.\. jiffies result ok")
            j.check("linux: APIC timer calibration verified against the PIT (25 +- 2 jiffies)",
                    cal is not None and ok is not None, cal[1].group(0) if cal else "no calibration lines")
    return judge


def check_linux(j: Judge, log: HvmmLog, ctx: Context, busy: Tuple[str, ...]) -> None:
    out = log.console("linux")
    started = log.find_console("linux", r"^hvmm-linux: init started tsc=(\d+)$")
    slept = log.find_console("linux", r"^hvmm-linux: slept 1 s tsc=(\d+)$")
    nano = log.find_console("linux", r"^hvmm-linux: nanosleep 1 s tsc=(\d+) (\d+)$")
    j.check("linux: the kernel printed its banner", any(t.startswith("[") and "Linux version" in t for t in out),
            f"{len(out)} console lines")
    j.check("linux: /init ran (first marker)", started is not None)
    j.check("linux: sleep 1 returned (second marker)", slept is not None)
    check_exit(j, log, "linux", 1)  # hvmm-helper exit <port> 0: debug-exit status (0 << 1) | 1
    bad = [t for t in out if any(c in t for c in COMPLAINTS)]
    j.check("linux: boot log free of TSC/timer/clocksource/MSR complaints, panics and warnings", not bad,
            "; ".join(bad[:3]))
    khz = tsc_khz(log)
    j.check("linux: the in-process 1 s sleep printed its TSC values", nano is not None)
    if nano and khz:
        secs = (int(nano[1].group(2)) - int(nano[1].group(1))) / (khz * 1000.0)
        j.check("linux: sleep 1 took 1 s of hvmm's TSC time within 10 %", 0.9 <= secs <= 1.1,
                f"{secs:.3f} s at tsc_khz={khz}")
        for b in busy:
            m_done = log.find_console(b, r"^matmul checksum=")
            j.check(f"linux: {b} was still running (sharing the CPU) while Linux slept",
                    m_done is not None and m_done[0] > nano[0],
                    f"nanosleep line {nano[0]}, {b} done at line {m_done and m_done[0]}")
    check_counter(j, log, n=COUNT)
    for b in busy:
        check_matmul(j, log, b)


SCENARIOS: List[Scenario] = [
    Scenario("linux", linux_guests("nolapic"), judge_timer("pit"), timeout=240, skip_if=fetch),
    # lapic=notscdeadline: the one-shot/periodic APIC timer, which Linux calibrates against the PIT (hence 1 ms
    # slices under -icount: docs/linux-guest.md "The local APIC").
    Scenario("linux-lapic", linux_guests("noapic apic=verbose lapic=notscdeadline", ICOUNT_ROUNDS, LAPIC_BUSY),
             judge_timer("lapic", LAPIC_BUSY), timeout=240, skip_if=fetch,
             cmdline="slice=1ms " + EXIT_PORT, qemu_args=["-icount", "shift=0,sleep=off"]),
    # The TSC-deadline timer (Linux's default when CPUID offers it): nothing to calibrate, so hvmm's default
    # 10 ms slices and no icount.
    Scenario("linux-deadline", linux_guests("noapic", ROUNDS, LAPIC_BUSY),
             judge_timer("lapic-deadline", LAPIC_BUSY), timeout=240, skip_if=fetch),
]
