# SPDX-License-Identifier: MIT
"""Linux guest scenarios (docs/linux-guest.md): Debian's stock kernel (linux-image-amd64, fetched with apt-get
download and cached in build/linux/ by tests/linux/prepare.py) boots through hvmm's bzImage loader to a busybox
/init that prints a marker, runs `sleep 1`, prints a second marker and ends the guest through the debug-exit port,
while the native guests counter and matmul run round-robin beside it and finish with correct results. Skipped (not
failed) only when the kernel package cannot be downloaded.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

from hvmmlog import HvmmLog
from scenarios import EXIT_PORT, Context, GUESTS, Judge, Scenario, check_counter, check_exit, check_matmul

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "linux"))
import prepare as linux_prepare  # noqa: E402  (tests/linux/prepare.py)

LINUX_DIR = "build/linux"
# The command line docs/linux-guest.md recommends (hvmm adds tsc_early_khz=); panic=-1 reboot=t: a panic ends the
# guest at once (triple fault) instead of hanging until the timeout.
LINUX_ARGS = "console=ttyS0 acpi=off pci=off tsc=reliable panic=-1 reboot=t"
COUNT = 100  # counter lines (it yields after each line, so it ends early in Linux's boot)
ROUNDS = 20000  # matmul rounds: CPU-bound for longer than Linux's boot (checked: still running during the sleep; 14000
# ended two lines before the sleep in one run on a lightly loaded host)
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


def plain_guests(end: str) -> List[str]:
    """Linux with console=ttyS0 alone (its /init ends with poweroff -f or reboot -f), counter and one matmul."""
    return [f"{LINUX_DIR}/vmlinuz name=linux mem=256M console=ttyS0 hvmm_end={end}",
            f"{LINUX_DIR}/initramfs.cpio for=linux",
            f"{GUESTS}/counter.elf name=counter mem=16M count={COUNT}",
            f"{GUESTS}/matmul.elf name=matmul mem=16M rounds={ROUNDS} seed=1 progress=2000"]


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


# Linux's own report of hvmm's virtual PC with ACPI on (console=ttyS0 alone): the tables, the I/O APIC, the HPET, the
# PCI bus and its two bridges, the PM timer, the TSC kept as clocksource.
PLATFORM_FOUND = (
    ("ACPI: the RSDP in the BIOS area", r"ACPI: RSDP 0x00000000000F0100"),
    ("ACPI: the FADT, MADT, HPET and DSDT tables", r"ACPI: FACP 0x"),
    ("ACPI: the MADT", r"ACPI: APIC 0x"),
    ("ACPI: the DSDT (iasl)", r"ACPI: DSDT 0x.* INTL "),
    ("ACPI: the HPET table", r"ACPI: HPET 0x"),
    ("ACPI: interrupt source override IRQ 0 -> GSI 2", r"INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2"),
    ("ACPI: interrupt source override of the SCI (IRQ 9, level)", r"INT_SRC_OVR \(bus 0 bus_irq 9 global_irq 9 high level"),
    ("I/O APIC found (82093AA: version 17h, 24 pins)", r"IOAPIC\[0\]: apic_id 1, version 17, address 0xfec00000, GSI 0-23"),
    ("the timer through the I/O APIC", r"\.\.TIMER: vector=0x30 apic1=0 pin1=2"),
    ("ACPI interpreter enabled, S5 supported", r"ACPI: PM: \(supports S0 S5\)"),
    ("ACPI PM timer", r"ACPI: PM-Timer IO Port: 0x608"),
    ("HPET: 3 comparators at 100 MHz", r"hpet0: 3 comparators, 64-bit 100\.000000 MHz counter"),
    ("PCI root bridge from the DSDT", r"ACPI: PCI Root Bridge \[PCI0\]"),
    ("PCI host bridge 00:00.0", r"pci 0000:00:00\.0: \[8086:1237\] type 00 class 0x060000"),
    ("PCI ISA bridge 00:01.0", r"pci 0000:00:01\.0: \[8086:7000\] type 00 class 0x060100"),
    ("COM1 from the DSDT", r"00:0\d: ttyS0 at I/O 0x3f8 \(irq = 4"),
    ("the TSC or kvm-clock as clocksource", r"clocksource: Switched to clocksource (tsc|kvm-clock)"),
)
ACPI_COMPLAINTS = ("ACPI Error", "ACPI BIOS Error", "ACPI Warning", "ACPI BIOS Warning", "Incorrect checksum",
                   "Marking TSC unstable", "Switched to clocksource refined-jiffies", "Switched to clocksource hpet",
                   "Switched to clocksource acpi_pm", "IRQ 0 not", "APIC error", "nobody cared", "spurious")


def judge_acpi(end: str):
    """Linux with console=ttyS0 alone: the platform found as PLATFORM_FOUND lists, /proc/interrupts' timer through
    the I/O APIC or the local APIC, and the end through ACPI S5 (poweroff -f) or a reset (reboot -f)."""
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        out = log.console("linux")
        j.check("linux: the kernel printed its banner", any("Linux version" in t for t in out))
        j.check("linux: /init ran and slept 1 s", log.find_console("linux", r"^hvmm-linux: slept 1 s") is not None)
        for what, rx in PLATFORM_FOUND:
            m = log.find_console("linux", rx)
            j.check(f"linux dmesg: {what}", m is not None, rx)
        bad = [t for t in out if any(c in t for c in COMPLAINTS + ACPI_COMPLAINTS)]
        j.check("linux: no ACPI errors, no TSC or timer complaints", not bad, "; ".join(bad[:3]))
        cs = log.find_console("linux", r"^hvmm-linux: clocksource=(\S+)")
        # tsc-early until Linux's refinement against the HPET has run (a delayed work item that a slow boot can
        # still have pending when /init ends); kvm-clock with the paravirtual interface
        j.check("linux: /sys clocksource is the TSC", cs is not None and cs[1].group(1) in ("tsc", "tsc-early", "kvm-clock"),
                cs[1].group(0) if cs else "no clocksource line")
        t = log.find_console("linux", r"^hvmm-linux: irq (0|2): +(\d+) +IO-APIC +2-edge +timer")
        loc = log.find_console("linux", r"^hvmm-linux: irq LOC: +(\d+)")
        j.check("linux: /proc/interrupts: the timer through the I/O APIC (pin 2) or the local APIC",
                (t is not None) or (loc is not None and int(loc[1].group(1)) > 0),
                f"{t[1].group(0) if t else 'no IO-APIC timer line'}; {loc[1].group(0) if loc else 'no LOC line'}")
        check_exit(j, log, "linux", end)
        j.check(f"hvmm: 'guest linux {'powered off' if end == 'poweroff' else 'reset'}' line",
                any(re.match(r"^hvmm: guest linux (powered off|reset its platform)", x) for x in log.lines))
        check_counter(j, log, n=COUNT)
        check_matmul(j, log, "matmul")
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


STEAL_SECONDS = 3  # linux-kvm: /init's CPU-bound window, both Linux guests in theirs at once
KVM_NAMES = ("linux", "linux2")


def kvm_guests() -> List[str]:
    """Two Linux guests (200 MiB each) that spin STEAL_SECONDS and then as long again (so each one's window ends
    while the other still spins), and counter."""
    extra = f"noapic hvmm_steal={STEAL_SECONDS} hvmm_steal_tail={STEAL_SECONDS}"
    return [s for n in KVM_NAMES for s in (f"{LINUX_DIR}/vmlinuz name={n} mem=200M debug_exit=0xf4 {LINUX_ARGS} {extra}",
                                           f"{LINUX_DIR}/initramfs.cpio for={n}")] + \
        [f"{GUESTS}/counter.elf name=counter mem=16M count={COUNT}"]


def stat_cpu(text: str) -> List[int]:
    """The numbers of a /proc/stat `cpu` line (USER_HZ ticks: user nice system idle iowait irq softirq steal ...)."""
    m = re.search(r"\bcpu\s+([\d ]+)", text)
    return [int(x) for x in m.group(1).split()] if m else []


def kvm_line(log: HvmmLog, name: str) -> Optional[Dict[str, str]]:
    """The fields of hvmm's `hvmm: guest <name> kvm ...` summary line (docs/serial-log.md), or None."""
    for ln in log.lines:
        m = re.match(rf"^hvmm: guest {re.escape(name)} kvm (.*)$", ln)
        if m:
            return dict(re.findall(r"(\w+)=(\S+)", m.group(1)))
    return None


def judge_kvm(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """The KVM paravirtual interface (docs/guest-abi.md): Linux finds KVM at 4000_0100h, runs on kvm-clock, uses PV
    EOI and steal time. Two CPU-bound Linux guests share the CPU: in each one's CPU-bound window /proc/stat's steal
    is about half the window, and each one's total steal agrees with hvmm's own figure for it within 1 % of its
    uptime."""
    check_linux(j, log, ctx, ())
    for n in KVM_NAMES:
        check_kvm_guest(j, log, n, [m for m in KVM_NAMES if m != n][0])


def check_kvm_guest(j: Judge, log: HvmmLog, n: str, other: str) -> None:
    if n != "linux":  # (check_linux checked these for "linux")
        j.check(f"{n}: the kernel printed its banner", any(t.startswith("[") and "Linux version" in t
                                                            for t in log.console(n)))
        check_exit(j, log, n, 1)
    j.check(f"{n}: Hypervisor detected: KVM", log.find_console(n, r"Hypervisor detected: KVM") is not None)
    j.check(f"{n}: kvm-clock registered through the new MSRs",
            log.find_console(n, r"kvm-clock: Using msrs 4b564d01 and 4b564d00") is not None)
    cs = log.find_console(n, r"^hvmm-linux: clocksource=(\S+)$")
    j.check(f"{n}: its clocksource is kvm-clock", cs is not None and cs[1].group(1) == "kvm-clock",
            cs[1].group(0) if cs else "no clocksource line")
    k = kvm_line(log, n)
    j.check(f"hvmm: {n}'s kvm line shows kvmclock, steal time and PV EOI on",
            k is not None and k.get("clock") == "on" and k.get("steal_time") == "on" and k.get("pv_eoi") == "on",
            str(k))
    j.check(f"hvmm: {n}'s interrupts ended through PV EOI (no EOI exit)",
            k is not None and int(k.get("pv_eois", 0)) > 0, str(k))
    before = log.find_console(n, r"^hvmm-linux: stat before (.*)$")
    after = log.find_console(n, r"^hvmm-linux: stat after (.*)$")
    j.check(f"{n}: /proc/stat read around the CPU-bound window", before is not None and after is not None)
    if before and after:
        a, b = stat_cpu(before[1].group(1)), stat_cpu(after[1].group(1))
        total = sum(b[:8]) - sum(a[:8]) if len(a) >= 8 and len(b) >= 8 else 0
        steal = b[7] - a[7] if total else 0
        j.check(f"{n}: steal is about half of the {STEAL_SECONDS} s window beside {other} (40-60 %)",
                total > 0 and 0.40 <= steal / total <= 0.60, f"st {steal} of {total} ticks")
        o_before = log.find_console(other, r"^hvmm-linux: stat before ")
        o_end = log.find_console(other, r"^hvmm-linux: stat end ")
        j.check(f"{n}: {other} was CPU-bound too when the window ended (its window begun, its tail not over)",
                o_before is not None and o_end is not None and o_before[0] < after[0] < o_end[0],
                f"window ended at line {after[0]}, {other}'s began at {o_before and o_before[0]}, "
                f"its end at {o_end and o_end[0]}")
    end = log.find_console(n, r"^hvmm-linux: stat end (.*) uptime ([\d.]+) ")
    j.check(f"{n}: /proc/stat and the uptime printed at the end", end is not None)
    if end and k:
        st_ns = stat_cpu(end[1].group(1))[7] * 10_000_000  # USER_HZ = 100
        hvmm_ns = int(k.get("steal_ns", 0))
        elapsed_ns = float(end[1].group(2)) * 1e9
        j.check(f"{n}: its steal time agrees with hvmm's within 1 % of its uptime",
                abs(st_ns - hvmm_ns) <= 0.01 * elapsed_ns,
                f"guest {st_ns / 1e9:.3f} s, hvmm {hvmm_ns / 1e9:.3f} s, uptime {elapsed_ns / 1e9:.2f} s")


# linux-virtio-blk: an ext2 image built at test time (mke2fs -d, e2fsprogs) with a text file and 1 MiB of
# pseudo-random bytes whose SHA-256 the scenario knows, a virtio disk of the Linux guest (docs/guest-abi.md "Disks").
VBLK_HELLO = b"hello from an ext2 image built by the hvmm test\n"
VBLK_BIG = b"".join(hashlib.sha256(i.to_bytes(4, "little")).digest() for i in range(1 << 15))  # 1 MiB
VBLK_WRITTEN = "written by Linux under hvmm"


def prepare_virtio_disk(d: str) -> None:
    """{dir}/disk.img: an 8 MiB ext2 image holding hello.txt and big.bin."""
    root = os.path.join(d, "disk-root")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    with open(os.path.join(root, "hello.txt"), "wb") as f:
        f.write(VBLK_HELLO)
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(VBLK_BIG)
    img = os.path.join(d, "disk.img")
    if os.path.exists(img):
        os.remove(img)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-d", root, img, "8M"], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def judge_virtio_blk(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """Linux found the virtio-rng device (rng=on: PCI 1AF4:1044 at 00:02.0) and read 64 bytes from it, the console
    (hvc=on: 1AF4:1043 at 00:03.0) and wrote a line through /dev/hvc0, and the virtio-blk device (1AF4:1042 at
    00:04.0, INTx# on I/O APIC input 18), mounted the ext2 image, read both files
    with the right SHA-256, wrote one, synced, and read it back after a remount."""
    out = log.console("linux")
    j.check("hvmm: the module attached as a virtio disk",
            any(re.match(r"^hvmm: module \d+ attached to guest linux as a virtio disk: 8388608 bytes", x)
                for x in log.lines))
    for what, rx in (("PCI 1af4:1044 (entropy) at 00:02.0", r"pci 0000:00:02\.0: \[1af4:1044\] type 00 class 0x00ff00"),
                     ("PCI 1af4:1043 (console) at 00:03.0", r"pci 0000:00:03\.0: \[1af4:1043\] type 00 class 0x078000"),
                     ("PCI 1af4:1042 (block) at 00:04.0", r"pci 0000:00:04\.0: \[1af4:1042\] type 00 class 0x018000"),
                     ("BAR 0 where hvmm put it", r"pci 0000:00:04\.0: BAR 0 \[mem 0xc0008000-0xc000bfff\]"),
                     ("virtio_blk sized the disk", r"virtio_blk virtio2: \[vda\] 16384 512-byte logical blocks"),
                     ("the ext2 image mounted", r"EXT4-fs \(vda\): mount(ed|ing) ext2 file system")):
        j.check(f"linux dmesg: {what}", log.find_console("linux", rx) is not None, rx)
    j.check("linux: /sys/block/vda: 16384 sectors, writable",
            log.find_console("linux", r"^hvmm-virtio: vda 16384 sectors, ro=0$") is not None)
    j.check("linux: GET_ID: the serial is the module's name",
            log.find_console("linux", r"^hvmm-virtio: serial disk\.img$") is not None)
    for f, data in (("hello.txt", VBLK_HELLO), ("big.bin", VBLK_BIG)):
        want = hashlib.sha256(data).hexdigest()
        m = log.find_console("linux", rf"^hvmm-virtio: {re.escape(f)} sha256 (\S+)")
        j.check(f"linux: {f} read with its SHA-256", m is not None and m[1].group(1) == want,
                f"{m[1].group(1) if m else 'no line'} (want {want})")
    j.check("linux: wrote a file and synced", log.find_console("linux", r"^hvmm-virtio: wrote and synced") is not None)
    j.check("linux: read it back after a remount",
            log.find_console("linux", rf"^hvmm-virtio: read back: {VBLK_WRITTEN}$") is not None)
    j.check("linux: the disk's interrupt through the I/O APIC, input 18, level (fasteoi)",
            log.find_console("linux", r"^hvmm-virtio: irq 18: +[1-9]\d* +IO-APIC +18-fasteoi +virtio2") is not None)
    j.check("linux: a line written to /dev/hvc0 reached the guest's console",
            log.find_console("linux", r"^hvmm-virtio: this line came through hvc0$") is not None)
    con = next((x for x in log.lines if x.startswith("hvmm: guest linux virtio-console 00:03.0 ")), None)
    c = dict(w.split("=", 1) for w in con.split()[5:]) if con else {}
    j.check("hvmm: the virtio-console summary line counts the line's bytes",
            int(c.get("bytes", 0)) >= len("hvmm-virtio: this line came through hvc0\n"), con or "no line")
    j.check("linux: the kernel's hardware RNG is virtio_rng",
            log.find_console("linux", r"^hvmm-virtio: rng_current virtio_rng\.0$") is not None)
    m = log.find_console("linux", r"^hvmm-virtio: hwrng ([0-9a-f]*)$")
    hexed = m[1].group(1) if m else ""
    j.check("linux: 64 bytes from /dev/hwrng, not all alike", len(hexed) == 128 and len(set(hexed[i:i + 2] for i in
            range(0, 128, 2))) > 16, hexed or "no line")
    rng = next((x for x in log.lines if x.startswith("hvmm: guest linux virtio-rng 00:02.0 ")), None)
    r = dict(w.split("=", 1) for w in rng.split()[5:]) if rng else {}
    j.check("hvmm: the virtio-rng summary line: at least 64 bytes given, no shortfall",
            int(r.get("bytes", 0)) >= 64 and r.get("shortfalls") == "0", rng or "no line")
    bad = [t for t in out if any(c in t for c in COMPLAINTS + ("I/O error", "EXT4-fs error", "insmod"))]
    j.check("linux: no I/O errors, panics or failed insmod", not bad, "; ".join(bad[:3]))
    dev = next((x for x in log.lines if x.startswith("hvmm: guest linux virtio-blk 00:04.0 ")), None)
    f = dict(w.split("=", 1) for w in dev.split()[5:]) if dev else {}
    # (status: 0 after Linux's shutdown reset the device, 0x0f if it did not)
    j.check("hvmm: the virtio-blk summary line: reads, writes, flushes, GET_ID, no errors",
            f.get("status") in ("0x00", "0x0f") and int(f.get("flushes", 0)) > 0 and int(f.get("reads", 0)) > 0 and int(f.get("writes", 0)) > 0 and
            int(f.get("ids", 0)) > 0 and f.get("errors") == "0" and int(f.get("bytes_read", 0)) >= len(VBLK_BIG),
            dev or "no line")
    check_exit(j, log, "linux", "poweroff")
    check_counter(j, log, n=COUNT)


# linux-net: two Debian kernels on one network (net=lan), each with virtio_net from its own package (init-net.sh).
NET_KIB = 1024


def net_guests(extra: str = "", kib: int = NET_KIB) -> List[str]:
    """The server (10.0.0.1, guest id 0) and the client (10.0.0.2, id 1) of initramfs-net.cpio on network lan."""
    return [f"{LINUX_DIR}/vmlinuz name={n} mem=128M net=lan {extra}console=ttyS0 hvmm_role={r} hvmm_ip={ip} "
            f"hvmm_peer={peer} hvmm_kib={kib}"
            for n, r, ip, peer in (("srv", "server", 1, 2), ("cli", "client", 2, 1))] + [f"{LINUX_DIR}/initramfs-net.cpio for=srv", f"{LINUX_DIR}/initramfs-net.cpio for=cli"]


def judge_net(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """Both kernels found the virtio-net device (1AF4:1041 at 00:02.0) with hvmm's MAC and MTU 1500; the client pinged
    the server 3 times without loss and sent it 1 MiB over TCP (busybox nc) whose SHA-256 both ends agree on."""
    for name, gid in (("srv", 0), ("cli", 1)):
        mac = f"02:68:76:6d:00:{gid:02x}"
        j.check(f"{name}: eth0 has MAC {mac} and MTU 1500",
                log.find_console(name, rf"^hvmm-net: eth0 {mac} mtu 1500$") is not None)
        check_exit(j, log, name, "poweroff")
        line = next((x for x in log.lines if x.startswith(f"hvmm: guest {name} virtio-net 00:02.0 ")), "")
        f = dict(w.split("=", 1) for w in line.split() if "=" in w)
        j.check(f"hvmm: {name}'s virtio-net line: frames both ways, none refused or lost",
                int(f.get("tx", 0)) > 0 and int(f.get("rx", 0)) > 0 and f.get("tx_dropped") == "0" and
                f.get("rx_dropped") == "0", line or "no line")
    j.check("cli: ping -c 3 10.0.0.1: 3 received",
            log.find_console("cli", r"^hvmm-net: ping: 3 packets transmitted, 3 packets received, 0% packet loss$")
            is not None)
    rtt = log.find_console("cli", r"^hvmm-net: ping: round-trip min/avg/max = [\d.]+/([\d.]+)/[\d.]+ ms$")
    j.check("cli: ping prints its round trip", rtt is not None)
    sent = log.find_console("cli", rf"^hvmm-net: sending {NET_KIB * 1024} bytes sha256 ([0-9a-f]{{64}})$")
    got = log.find_console("srv", rf"^hvmm-net: received {NET_KIB * 1024} bytes sha256 ([0-9a-f]{{64}})$")
    s, g = sent[1].group(1) if sent else None, got[1].group(1) if got else None
    j.check("1 MiB over TCP: the server's SHA-256 is the client's", s is not None and s == g, f"sent {s}, got {g}")


def judge_mptable(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """acpi=off without noapic: the MP table's I/O APIC and ISA interrupt entries route IRQ 0 (INTIN2) and the
    UART's IRQ 4 through the I/O APIC, so /init's output (the UART's transmit interrupt) reaches the console."""
    judge_timer("lapic-deadline", LAPIC_BUSY)(j, log, ctx)
    j.check("linux: the MP table's interrupt entries are used (no 'no explicit IRQ entries')",
            log.find_console("linux", r"no explicit IRQ entries") is None)
    for irq, pin, what in ((0, 2, "timer"), (4, 4, "ttyS0")):
        m = log.find_console("linux", rf"^hvmm-linux: irq {irq}:\s+(\d+)\s+IO-APIC\s+{pin}-edge\s+{what}$")
        j.check(f"linux: IRQ {irq} ({what}) through the I/O APIC's INTIN{pin}, interrupts counted",
                m is not None and int(m[1].group(1)) > 0, m[1].group(0) if m else
                str([t for t in log.console("linux") if t.startswith(f"hvmm-linux: irq {irq}:")]))


def fetch_virtio() -> Optional[str]:
    """fetch(), and the modules and initramfs-virtio.cpio of the virtio scenarios."""
    return linux_prepare.prepare_virtio()


SCENARIOS: List[Scenario] = [
    # kvm=off: the TSC as clocksource and no PV interface, as before the KVM interface existed.
    Scenario("linux", linux_guests("nolapic kvm=off"), judge_timer("pit"), timeout=240, skip_if=fetch),
    # The KVM paravirtual interface (Linux's default under hvmm): kvmclock, steal time, PV EOI with the local APIC.
    # Two Linux guests on the CPU, so that steal time is measured between two guests of the same kind. Under -icount
    # the slices are exact whatever the host's load (without it a loaded host delays the timer interrupts that end
    # the slices).
    # Its stalls (and linux-lapic's) were QEMU 7.2 delivering an injected timer interrupt twice, the second time with
    # IF = 0 (docs/qemu-tcg.md; scenario irq-if); hvmm works around it.
    Scenario("linux-kvm", kvm_guests(), judge_kvm, timeout=600, skip_if=fetch,
             qemu_args=["-icount", "shift=0,sleep=off", "-m", "768M"]),
    # lapic=notscdeadline: the one-shot/periodic APIC timer, which Linux calibrates against the PIT (hence 1 ms
    # slices under -icount: docs/linux-guest.md "The local APIC").
    Scenario("linux-lapic", linux_guests("noapic apic=verbose lapic=notscdeadline", ICOUNT_ROUNDS, LAPIC_BUSY),
             judge_timer("lapic", LAPIC_BUSY), timeout=240, skip_if=fetch,
             cmdline="slice=1ms " + EXIT_PORT, qemu_args=["-icount", "shift=0,sleep=off"]),
    # The TSC-deadline timer (Linux's default when CPUID offers it): nothing to calibrate, so hvmm's default
    # 10 ms slices and no icount.
    Scenario("linux-deadline", linux_guests("noapic", ROUNDS, LAPIC_BUSY),
             judge_timer("lapic-deadline", LAPIC_BUSY), timeout=240, skip_if=fetch),
    # acpi=off without noapic or nolapic: the local APIC and the I/O APIC from the MP table (docs/linux-guest.md).
    Scenario("linux-mptable", linux_guests("", ROUNDS, LAPIC_BUSY), judge_mptable, timeout=240, skip_if=fetch),
    # Debian's kernel with console=ttyS0 and nothing else Linux-specific (hvmm_end= is for the test's /init): ACPI,
    # the I/O APIC, the HPET, PCI, and the end through ACPI S5 (poweroff -f) or the FADT reset register (reboot -f).
    Scenario("linux-acpi", plain_guests("poweroff"), judge_acpi("poweroff"), timeout=240, skip_if=fetch),
    Scenario("linux-reboot", plain_guests("reboot"), judge_acpi("reboot"), timeout=240, skip_if=fetch),
    # virtio-rng, virtio-console and virtio-blk (docs/guest-abi.md "virtio devices"): Debian's kernel with its own
    # virtio_pci, virtio_blk, virtio_rng, virtio_console and ext4 modules loaded by /init (tests/linux/init-virtio.sh)
    # reads /dev/hwrng, writes to /dev/hvc0 and mounts an ext2 image given as a disk module.
    Scenario("linux-virtio-blk", [f"{LINUX_DIR}/vmlinuz name=linux mem=256M rng=on hvc=on console=ttyS0",
                                  f"{LINUX_DIR}/initramfs-virtio.cpio for=linux",
                                  "{dir}/disk.img for=linux as=disk",
                                  f"{GUESTS}/counter.elf name=counter mem=16M count={COUNT}"],
             judge_virtio_blk, timeout=180, skip_if=fetch_virtio, prepare=prepare_virtio_disk),
    # virtio-net (docs/guest-abi.md "Networks"): two Debian kernels on one CPU and one network, ping and 1 MiB by nc.
    Scenario("linux-net", net_guests(), judge_net, timeout=240, skip_if=fetch_virtio),
]
