# SPDX-License-Identifier: MIT
"""The gdb stub (docs/running.md "Debugging a guest with gdb"): Debian's gdb in batch mode (tools/run-qemu --gdb)
debugs one guest through hvmm's COM2 while another guest runs to completion beside it.

gdb-native: the test guest gdbtarget (tests/guests/gdbtarget.c) with gdb=gdbtarget, beside counter and matmul. Before
gdb attaches, a raw client on the same socket sends a malformed stream (wrong checksums, noise, a packet longer than
PacketSize, malformed and unknown commands, an unmapped address, seeded random bytes) and checks each answer; then gdb
loads the guest's ELF, breaks at a symbol, continues, reads a variable, single-steps through a PUSHF (the stub's TF
must not show in what it pushes), sets a hardware breakpoint, writes a variable, interrupts with Ctrl-C (SIGINT) and
detaches: the guest finishes with its normal result (exit 0) and the variable gdb wrote.

gdb-i386: a multiboot v1 kernel (tests/mb1/mb1_uart.c) in 32-bit protected mode: GDB's i386 register layout,
two single steps from its entry; its own checks still pass.

gdb-linux: Debian's kernel (nokaslr) with gdb=linux beside counter and matmul: a hardware breakpoint at start_kernel and a
software breakpoint at kernel_init, their addresses from System.map in the kernel package; linux_banner read through
the kernel's page tables starts with "Linux version"; after detach the kernel boots to its /init markers.
"""

import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

from hvmmlog import HvmmLog
from scenarios import (COUNTER, EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_exit,
                       check_matmul)
from scenarios_linux import LINUX_ARGS, LINUX_DIR, ROUNDS, linux_prepare

GDBTARGET = f"{GUESTS}/gdbtarget.elf"
BONUS = 1000

# Python run inside gdb before it attaches: a raw RSP client on COM2's socket sends what a debugger would not and
# checks each answer (GDB manual, "Overview": '-' for a bad checksum; "Packets": "E NN" for errors, "" for unknown).
RAW_CLIENT = r'''
python
import random

def raw_session():
    s = connect(30)
    buf = bytearray()
    fails = []

    def frame(p):
        return b"$" + p + b"#%02x" % (sum(p) & 0xff)

    def wait_for(want, what):
        deadline = time.time() + 30
        while want not in buf and time.time() < deadline:
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                break
            if not chunk:
                break
            buf.extend(chunk)
        ok = want in buf
        if not ok:
            fails.append("%s: wanted %r, got %r" % (what, want, bytes(buf[-80:])))
        del buf[:]
        return ok

    s.sendall(b"$g#00")
    wait_for(b"-", "wrong checksum answered '-'")
    s.sendall(b"$m0,4#zz")
    wait_for(b"-", "non-hex checksum answered '-'")
    s.sendall(b"$" + b"m" * 3000 + b"#00")
    wait_for(b"-", "a packet over PacketSize answered '-'")
    for cmd, want, what in [(b"m10", frame(b"E01"), "m without a length: E01"),
                            (b"Z9,100000,1", frame(b"E01"), "Z9: E01"),
                            (b"M100000,2:zz00", frame(b"E01"), "M with non-hex data: E01"),
                            (b"m11112222333344445,1", frame(b"E01"), "an address over 64 bits: E01"),
                            (b"vFooBar", frame(b""), "unknown command: empty reply"),
                            (b"mffff800000000000,4", frame(b"E0e"), "unmapped address: E0e"),
                            (b"qSupported", frame(b"PacketSize=400;swbreak+;hwbreak+"), "qSupported: PacketSize")]:
        s.sendall(frame(cmd))
        wait_for(want, what)
    rng = random.Random(27)
    noise = bytes(rng.randrange(256) for _ in range(20000)).replace(b"\x03", b" ")
    for i in range(0, len(noise), 1000):
        s.sendall(noise[i:i + 1000])
    s.sendall(frame(b"?"))
    wait_for(frame(b"S05"), "20000 random bytes, then '?': S05")
    time.sleep(0.5)
    s.close()
    print("RAW-%s %s" % ("FAIL" if fails else "OK", "; ".join(fails) if fails else "all answers as expected"))

raw_session()
end
'''

HEADER = r'''set pagination off
set confirm off
set remotetimeout 30
'''

# Before gdb connects: wait until the stub answers (bytes sent before hvmm set COM2 up are lost).
HANDSHAKE = r'''
python
import os, socket, time

def connect(timeout):
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.environ["HVMM_GDB_SOCKET"])
    s.settimeout(timeout)
    return s

def handshake():
    s = connect(1)
    got = b""
    for _ in range(120):
        s.sendall(b"$?#3f")
        try:
            got += s.recv(4096)
        except socket.timeout:
            pass
        if b"$S05#b8" in got:
            break
    time.sleep(0.5)
    s.close()
    print("HANDSHAKE %s" % ("OK" if b"$S05#b8" in got else "FAIL %r" % got[-80:]))
handshake()
end
'''

NATIVE_SCRIPT = HEADER + HANDSHAKE + RAW_CLIENT + r'''
file build/guests/gdbtarget.elf
python gdb.execute("target remote " + os.environ["HVMM_GDB_SOCKET"])
printf "GDB-ENTRY pc=%#lx\n", $pc
break gdb_tick
continue
printf "GDB-TICK total=%lu rdi=%lu\n", gdb_total, $rdi
continue
printf "GDB-TICK total=%lu rdi=%lu\n", gdb_total, $rdi
delete
break gdb_pushf
continue
printf "GDB-PUSHF pc=%#lx\n", $pc
stepi
printf "GDB-STEP pc=%#lx\n", $pc
stepi
printf "GDB-STEP pc=%#lx rax=%#lx\n", $pc, $rax
delete
hbreak gdb_hw_target
continue
printf "GDB-HW pc=%#lx rdi=%lu\n", $pc, $rdi
delete
set var gdb_bonus = 1000
printf "GDB-BONUS %lu\n", gdb_bonus
python import threading, signal; threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
continue
printf "GDB-AFTER-INT pc=%#lx\n", $pc
set var gdb_release = 1
detach
'''


def prepare_script(script: str):
    def prepare(d: str) -> None:
        with open(os.path.join(d, "gdb.script"), "w") as f:
            f.write(script)
    return prepare


@dataclass
class GdbScenario(Scenario):
    run_qemu_args: List[str] = field(default_factory=lambda: ["--gdb", "{dir}/gdb.script",
                                                              "--gdb-out", "{dir}/gdb.out"])  # tests/run.py


def gdb_output(ctx: Context) -> str:
    try:
        with open(os.path.join(ctx.dir, "gdb.out"), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def symbols(elf: str) -> dict:
    """name -> address of elf's symbols (nm)."""
    import subprocess
    out = subprocess.run(["nm", elf], stdout=subprocess.PIPE, text=True, check=False).stdout
    return {m.group(2): int(m.group(1), 16) for m in re.finditer(r"^([0-9a-f]+) \w (\S+)$", out, re.M)}


def marker(out: str, name: str) -> List[dict]:
    """Every 'GDB-<name> k=v ...' line of gdb's output as a dict (values as ints where they are numbers)."""
    res = []
    for m in re.finditer(rf"^GDB-{name} (.*)$", out, re.M):
        d = {}
        for kv in m.group(1).split():
            k, _, v = kv.partition("=")
            try:
                d[k] = int(v, 0)
            except ValueError:
                d[k] = v
        res.append(d)
    return res


def check_gdb_common(j: Judge, log: HvmmLog, out: str, guest: str) -> None:
    j.check("gdb ran its whole script (exit status 0)", "run-qemu: gdb exit status 0" in out,
            (re.findall(r"run-qemu: gdb exit status \d+", out) or ["no status line"])[0] + "; " +
            "; ".join(re.findall(r"^.*Error.*$", out, re.M)[:2]))
    j.check("hvmm: the stub announced on COM2",
            any(re.search(rf"hvmm: gdb: stub for guest {guest} \(vCPU 0 of \d+\) on COM2", ln) for ln in log.lines))
    j.check("hvmm: detached, the guest resumes",
            any(ln.endswith(f"hvmm: gdb: detached; guest {guest} resumes") for ln in log.lines))
    j.check("hvmm never panicked", not any("PANIC" in ln for ln in log.lines))


def judge_native(j: Judge, log: HvmmLog, ctx: Context) -> None:
    out = gdb_output(ctx)
    sym = symbols(GDBTARGET)
    check_gdb_common(j, log, out, "gdbtarget")
    raw = re.search(r"^RAW-(OK|FAIL) (.*)$", out, re.M)
    j.check("malformed stream: every answer as expected, hvmm unharmed", raw is not None and raw.group(1) == "OK",
            raw.group(2) if raw else "no RAW line")
    entry = marker(out, "ENTRY")
    j.check("held at its first instruction (_start) until gdb continues",
            entry and entry[0].get("pc") == sym.get("_start"), str(entry))
    ticks = marker(out, "TICK")
    j.check("break gdb_tick, continue twice: gdb_total read 0 then 1, argument 1 then 2",
            [(t.get("total"), t.get("rdi")) for t in ticks] == [(0, 1), (1, 2)], str(ticks))
    pushf, steps = marker(out, "PUSHF"), marker(out, "STEP")
    base = sym.get("gdb_pushf", -1)
    j.check("break gdb_pushf, two stepi: pc +1 (PUSHF), +2 (POP)",
            pushf and pushf[0].get("pc") == base and [s.get("pc") for s in steps] == [base + 1, base + 2],
            f"{pushf} {steps} (gdb_pushf={base:#x})")
    if len(steps) == 2:
        j.check("the popped RFLAGS has TF clear (the stub's TF does not show)", steps[1].get("rax", 1) & 0x100 == 0,
                str(steps[1]))
    hw = marker(out, "HW")
    j.check("hbreak gdb_hw_target (DR0-DR3): stops there with argument 3",
            hw and hw[0].get("pc") == sym.get("gdb_hw_target") and hw[0].get("rdi") == 3, str(hw))
    j.check(f"set var gdb_bonus = {BONUS} (M packet) reads back", re.search(rf"^GDB-BONUS {BONUS}$", out, re.M) is not None)
    j.check("Ctrl-C: gdb reports SIGINT", "Program received signal SIGINT" in out)
    for what in ("breakpoint", "hardware breakpoint", "single step", "Ctrl-C"):
        j.check(f"hvmm: a '{what}' stop line", any(f"hvmm: gdb: guest gdbtarget stopped ({what})" in ln
                                                   for ln in log.lines))
    done = log.find_console("gdbtarget", r"^gdbtarget done total=(\d+) bonus=(\d+) pushf_tf=(\d) hw_calls=(\d+)$")
    j.check(f"gdbtarget finishes: total = 1+..+40 + {BONUS}, bonus {BONUS}, pushf_tf 0, 40 calls",
            done is not None and [int(x) for x in done[1].groups()] == [40 * 41 // 2 + BONUS, BONUS, 0, 40],
            done[1].group(0) if done else "no done line")
    check_exit(j, log, "gdbtarget", 0)
    check_counter(j, log, n=30)
    check_exit(j, log, "counter", 0)
    check_matmul(j, log)


LINUX_SYMBOLS = ("start_kernel", "kernel_init", "linux_banner")


def system_map() -> dict:
    """name -> address of the symbols the Linux script uses, from build/linux/System.map (tests/linux/prepare.py)."""
    out = {}
    with open(os.path.join(LINUX_DIR, "System.map")) as f:
        for ln in f:
            addr, _, name = ln.split()
            if name in LINUX_SYMBOLS:
                out[name] = int(addr, 16)
    return out


def linux_script() -> str:
    a = system_map()
    return HEADER + HANDSHAKE + f'''
set architecture i386:x86-64
python gdb.execute("target remote " + os.environ["HVMM_GDB_SOCKET"])
printf "GDB-ENTRY pc=%#lx\\n", $pc
hbreak *{a["start_kernel"]:#x}
continue
printf "GDB-HW pc=%#lx\\n", $pc
printf "GDB-BANNER %s\\n", (char *){a["linux_banner"]:#x}
delete
break *{a["kernel_init"]:#x}
continue
printf "GDB-SW pc=%#lx\\n", $pc
x/2i $pc
delete
detach
'''


MB1_UART = "build/mb1/mb1_uart.elf"
I386_SCRIPT = HEADER + HANDSHAKE + r'''
file build/mb1/mb1_uart.elf
set architecture i386
python gdb.execute("target remote " + os.environ["HVMM_GDB_SOCKET"])
printf "GDB-I386 eip=%#x esp=%#x eflags=%#x cs=%#x\n", $eip, $esp, $eflags, $cs
stepi
printf "GDB-I386 eip=%#x esp=%#x eflags=%#x cs=%#x\n", $eip, $esp, $eflags, $cs
stepi
printf "GDB-I386 eip=%#x esp=%#x eflags=%#x cs=%#x\n", $eip, $esp, $eflags, $cs
detach
'''


def judge_i386(j: Judge, log: HvmmLog, ctx: Context) -> None:
    out = gdb_output(ctx)
    start = symbols(MB1_UART).get("_start", -1)
    check_gdb_common(j, log, out, "mb1uart")
    regs = marker(out, "I386")
    j.check("32-bit protected mode: GDB's i386 layout, eip at _start, then +5 (mov $imm, %esp) and +6 (push %ebx)",
            [r.get("eip") for r in regs] == [start, start + 5, start + 6], f"{regs} (_start={start:#x})")
    j.check("the registers of the i386 layout: CS 0x8 (hvmm's flat code segment), ESP set by the first step, "
            "then pushed by 4", len(regs) == 3 and regs[0].get("cs") == 8 and regs[2].get("esp") ==
            regs[1].get("esp", 0) - 4, str(regs))
    done = log.find_console("mb1uart", r"^mb1_uart: (\d+) passed, (\d+) failed$")
    j.check("the kernel's own UART checks pass after the steps", done is not None and done[1].group(2) == "0",
            done[1].group(0) if done else "no summary line")
    check_counter(j, log, n=5)
    check_exit(j, log, "counter", 0)


def fetch_gdb() -> Optional[str]:
    """The kernel, its initramfs and its System.map (from the -dbg package); the reason to skip when not to be had."""
    return linux_prepare.prepare_gdb()


def prepare_linux(d: str) -> None:
    prepare_script(linux_script())(d)


def judge_linux(j: Judge, log: HvmmLog, ctx: Context) -> None:
    out = gdb_output(ctx)
    a = system_map()
    check_gdb_common(j, log, out, "linux")
    j.check("the stub answered before gdb connected", "HANDSHAKE OK" in out,
            (re.findall(r"^HANDSHAKE.*$", out, re.M) or ["no HANDSHAKE line"])[0])
    hw, sw = marker(out, "HW"), marker(out, "SW")
    j.check(f"hbreak *start_kernel (System.map {a.get('start_kernel', 0):#x}): stopped there",
            hw and hw[0].get("pc") == a.get("start_kernel"), str(hw))
    banner = re.search(r"^GDB-BANNER (.*)$", out, re.M)
    j.check("linux_banner read through the kernel's page tables starts with 'Linux version'",
            banner is not None and banner.group(1).startswith("Linux version"),
            banner.group(0) if banner else "no GDB-BANNER line")
    j.check(f"break *kernel_init (System.map {a.get('kernel_init', 0):#x}, INT3): stopped there",
            sw and sw[0].get("pc") == a.get("kernel_init"), str(sw))
    for what in ("hardware breakpoint", "breakpoint"):
        j.check(f"hvmm: a '{what}' stop line", any(f"hvmm: gdb: guest linux stopped ({what})" in ln
                                                   for ln in log.lines))
    started = log.find_console("linux", r"^hvmm-linux: init started tsc=(\d+)$")
    slept = log.find_console("linux", r"^hvmm-linux: slept 1 s tsc=(\d+)$")
    j.check("linux: after detach it boots to /init and its sleep (both markers)", started is not None and slept is not None)
    check_exit(j, log, "linux", 1)  # hvmm-helper exit <port> 0: debug-exit status (0 << 1) | 1
    check_counter(j, log, n=30)
    check_exit(j, log, "counter", 0)
    check_matmul(j, log)


SCENARIOS: List[Scenario] = [
    GdbScenario("gdb-native", [f"{GDBTARGET} name=gdbtarget mem=16M", f"{COUNTER} count=30",
                               f"{GUESTS}/matmul.elf name=matmul mem=16M rounds=3000 progress=1000"],
                judge_native, cmdline=f"gdb=gdbtarget slice=10ms {EXIT_PORT}", timeout=120,
                prepare=prepare_script(NATIVE_SCRIPT)),
    GdbScenario("gdb-i386", [f"{MB1_UART} name=mb1uart debug_exit=0xf4", f"{COUNTER} count=5"], judge_i386,
                cmdline=f"gdb=mb1uart slice=10ms {EXIT_PORT}", timeout=90, prepare=prepare_script(I386_SCRIPT)),
    GdbScenario("gdb-linux", [f"{LINUX_DIR}/vmlinuz name=linux mem=256M debug_exit=0xf4 {LINUX_ARGS} nolapic nokaslr",
                              f"{LINUX_DIR}/initramfs.cpio for=linux", f"{COUNTER} count=30",
                              f"{GUESTS}/matmul.elf name=matmul mem=16M rounds={ROUNDS} seed=1 progress=2000"],
                judge_linux, cmdline=f"gdb=linux slice=10ms {EXIT_PORT}", timeout=240, skip_if=fetch_gdb,
                prepare=prepare_linux),
]
