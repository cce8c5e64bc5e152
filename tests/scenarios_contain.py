# SPDX-License-Identifier: MIT
"""Containment scenarios (docs/security.md, "Containment classes"): the holes an independent hostile suite found, each
with a guest that failed before its fix.

  hostile-contain  extended state (two hostile_xstate instances), hypercalls and privileged instructions from the
                   guest's user mode (hostile_user), single-step over emulated instructions and instruction lengths
                   with prefixes (hostile_step), beside counter and matmul
  hostile-plat     the virtual platform's corners (hostile_plat): STOS with DF = 1 and an address-size prefix on the
                   APIC page, nested page faults of an event's delivery (IDT or stack on the APIC page), accesses
                   crossing the APIC page's boundaries, HLT with only a masked TSC deadline armed
  hostile-storm    interrupt storms (hostile_plat attack=storm): the local APIC timer, the PIT, the RTC and the HPET at their
                   fastest periodic rates with interrupts enabled; the periods are clamped, the guest progresses
  hostile-dr       breakpoints at hvmm's own code and data addresses and at the other guests' (hostile_dr, four
                   instances, one writing DR7 through its alias DR5), beside counter and matmul
  hostile-virtio   malformed virtqueues on a virtio-blk disk (hostile_virtio): loops, buffers outside RAM or across
                   its end, rings outside RAM, avail idx and heads out of range, indirect tables nested, looping or
                   too long, a notification storm; each sets DEVICE_NEEDS_RESET with its reason, beside counter and
                   matmul
  hostile-net      the virtio-net switch (hostile_net, three guests on one network): broadcast and unicast both ways,
                   a flood, a receiver without buffers that loses only its own frames, refused frames (oversized,
                   a spoofed source) dropped and counted, malformed transmit and receive chains set
                   DEVICE_NEEDS_RESET, beside counter and matmul
  hostile-net-smp  the same with cpus=2 (-smp 2): neta and netb on different CPUs, every frame between them delivered
                   across CPUs (an IPI, the receiver's CPU copies)
  fast-paths       with vmcb_check=0, the world switch users run: under QEMU's TCG (no nRIP) its fast paths read
                   the instruction through the cached CS:RIP translation (vmrun.S FETCH_CHECK). CPUID and the null
                   hypercall must complete there, and fall back to C when a condition fails: a prefix, TF set,
                   compatibility mode, code rewritten in place or remapped at the same RIP (hostile_step step, len,
                   poke), beside counter, matmul and cpuid_dump (the CPUID policy, each leaf read twice); and the
                   MMIO path's remembered decoding under the same changes (hostile_step mmio, platform=pc)

The zero-length HVMM_HC_WRITE checks are in hostile-hc-fault (tests/guests/hostile_hc.c).
"""

import os
import re
from typing import Dict, List

from hvmmlog import HvmmLog
import scenarios_silicon
from scenarios_smp import SmpScenario
from scenarios import EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_exit
from scenarios_hostile import COUNTER, WELL_BEHAVED, check_kill, check_passes, check_well_behaved, hostile

XSTATE = ["hxstate-1", "hxstate-2"]
CONTAIN_GUESTS = (
    [hostile("hostile_xstate", "own", name=n) for n in XSTATE]
    + [hostile("hostile_user", "hc"), hostile("hostile_user", "priv")]
    + [hostile("hostile_step", "step"), hostile("hostile_step", "len")])

PRIV = ["VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "INVLPGA", "HLT", "INVD", "WBINVD", "RDMSR", "WRMSR",
        "RDPMC", "XSETBV", "MONITOR", "CPUID"]
STEP = ["NOP (not intercepted)", "CPUID", "VMMCALL NOP", "VMMCALL TSC_KHZ", "RDMSR EFER", "WRMSR PAT", "WBINVD", "INVD",
        "RDPMC 0", "HLT", "IN AL, 0x80", "OUT 0x80, AL"]
PREFIXED = ["2E CPUID", "2E 3E CPUID", "6 segment prefixes + CPUID", "13 prefixes + CPUID (15 bytes)",
            "66 REX.W CPUID", "2E VMMCALL TSC_KHZ", "2E 3E 26 VMMCALL TSC_KHZ", "2E RDMSR EFER", "3E WRMSR PAT",
            "2E WBINVD", "3E 3E INVD", "2E RDPMC 0", "2E HLT", "2E 3E HLT", "2E IN AL, 0x80",
            "2E CPUID in compatibility mode"]


def check_each(j: Judge, log: HvmmLog, name: str, check: str, items: List[str]) -> None:
    """One `PASS <check>: <item>...` line for every item (the guest names the item first in the detail)."""
    lines = log.console(name)
    for it in items:
        ok = any(t.startswith(f"PASS {check}: {it}:") for t in lines)
        j.check(f"{name}: PASS {check}: {it}", ok,
                next((t for t in lines if t.startswith(f"FAIL {check}: {it}:")), "no such line"))


def judge_contain(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    for n in XSTATE:
        check_passes(j, log, n, [
            "cpuid 1 offers XSAVE", "cpuid 1 OSXSAVE clear while", "cpuid 7 OSPKE clear while",
            "cpuid 1 OSXSAVE set once", "XCR0, PKRU and the YMM uppers start at their reset",
            "cpuid 0Dh offers x87 and SSE", "XCR0, PKRU, MXCSR and YMM0-15 are its own after every yield"])
    check_passes(j, log, "huser-hc", ["the user part ran at CPL 3", "hypercall from CPL 3 raises #UD",
                                      "hypercalls from CPL 0 still work"])
    n = sum(1 for t in log.console("huser-hc") if t.startswith("PASS hypercall from CPL 3 raises #UD"))
    j.check("huser-hc: all 6 hypercalls from CPL 3 raised #UD", n == 6, f"{n} PASS lines")
    j.check("huser-hc: the CPL-3 HVMM_HC_WRITE never reached the console", not any("R3-LEAK" in ln for ln in log.lines))
    check_passes(j, log, "huser-priv", ["the user part ran at CPL 3"])
    lines = log.console("huser-priv")
    for insn in PRIV:
        j.check(f"huser-priv: {insn} at CPL 3 gets the architecture's exception",
                any(t.startswith(f"PASS CPL 3: the architecture's exception, not the intercept: {insn}:")
                    for t in lines),
                next((t for t in lines if f": {insn}:" in t), "no line"))
    check_passes(j, log, "hstep-step", ["single-step trap right after the instruction"])
    check_each(j, log, "hstep-step", "single-step trap right after the instruction, DR6.BS set", STEP)
    check_passes(j, log, "hstep-len", ["resumes right after the whole instruction, once",
                                       "single-step trap right after the instruction"])
    check_each(j, log, "hstep-len", "resumes right after the whole instruction, once", PREFIXED)
    check_each(j, log, "hstep-len", "single-step trap right after the instruction, DR6.BS set", PREFIXED)


POKE = [f"{i}{what}" for i in ("CPUID", "VMMCALL NOP") for what in (
    " in the window (run 3)", " rewritten in place as 2E ", " page remapped (PTE) to 2E ", " page remapped (PDE) to 2E ",
    " (run 2)")]
FAST_GUESTS = [f"{GUESTS}/cpuid_dump.elf name=cpuid mem=4M"] + [hostile("hostile_step", a) for a in ("step", "len", "poke")]
MMIO_POKE = ["MOV EAX, [APIC] in the window (run 3)", "rewritten in place as MOV EBX, [APIC] (run 2)",
             "rewritten in place as 2E MOV EBX, [APIC] (run 2)", "page remapped (PTE) to 2E MOV EBX, [APIC] (run 2)",
             "MOV EAX, [APIC] again (run 2)", "page remapped (PDE) to 2E MOV EBX, [APIC] (run 2)",
             "MOV EAX, [APIC] once more (run 1)"]


def check_fast_paths(j: Judge, log: HvmmLog) -> None:
    """hostile_step's step, len and poke cases with the fast paths on, and the count of exits they completed."""
    check_passes(j, log, "hstep-step", ["single-step trap right after the instruction"])
    check_each(j, log, "hstep-step", "single-step trap right after the instruction, DR6.BS set", STEP)
    check_passes(j, log, "hstep-len", ["resumes right after the whole instruction, once",
                                       "single-step trap right after the instruction"])
    check_each(j, log, "hstep-len", "resumes right after the whole instruction, once", PREFIXED)
    check_passes(j, log, "hstep-poke", ["resumes right after the instruction as it is now"])
    lines = log.console("hstep-poke")
    for it in POKE:
        j.check(f"hstep-poke: PASS {it}", any(t.startswith("PASS resumes right after the instruction as it is now: ")
                                               and it in t for t in lines), "no such line")
    n = sum(1 for t in lines if t.startswith("PASS "))
    j.check("hstep-poke: all 28 runs passed", n == 28, f"{n} PASS lines")
    m = re.search(r"\((\d+) on the fast path\)", "\n".join(log.lines))
    j.check("exits on the fast path (CPUID, null hypercall) counted", m is not None and int(m.group(1)) > 100,
            m.group(0) if m else "no summary count")


def judge_fast_paths(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    scenarios_silicon.judge_cpuid(j, log, ctx)
    j.check("vmcb_check=0 took effect: no 'hvmm: vmcb_check:' report", not any(
        ln.startswith("hvmm: vmcb_check:") for ln in log.lines), "the checked world switch ran")
    check_fast_paths(j, log)
    check_passes(j, log, "hstep-mmio", ["loads the register the instruction names as it is now"])
    lines = log.console("hstep-mmio")
    for it in MMIO_POKE:
        j.check(f"hstep-mmio: PASS {it}", any(t.startswith("PASS loads the register the instruction names as it is "
                                                           f"now: {it}") for t in lines), "no such line")
    n = sum(1 for t in lines if t.startswith("PASS "))
    j.check("hstep-mmio: all 16 runs passed", n == 16, f"{n} PASS lines")


HVMM = "build/hvmm.elf"
DR_GUESTS = [
    # hvmm's code: the first instruction after VMRUN, the exit dispatcher, the exception entry and its C handler
    f"{GUESTS}/hostile_dr.elf name=hdr-code mem=4M type=xxxx dr0={{after:{HVMM}:svm_world_switch:vmrun}} "
    f"dr1={{sym:{HVMM}:exit_dispatch}} dr2={{sym:{HVMM}:isr_common}} dr3={{sym:{HVMM}:trap_dispatch}}",
    # hvmm's data: the per-CPU structure the timer interrupt writes, the guest table, the VMRUN stub's stack (the
    # boot stack) and the console
    f"{GUESTS}/hostile_dr.elf name=hdr-data mem=4M type=wawa dr0={{sym:{HVMM}:cpus}} dr1={{sym:{HVMM}:guests}} "
    f"dr2={{sym:{HVMM}:cpus+0x40}} dr3={{sym:{HVMM}:nguests}}",
    # the same code breakpoints, DR7 written through its alias DR5 (CR4.DE clear)
    f"{GUESTS}/hostile_dr.elf name=hdr-alias mem=4M type=xxxx alias=1 dr0={{after:{HVMM}:svm_world_switch:vmrun}} "
    f"dr1={{sym:{HVMM}:exit_dispatch}} dr2={{sym:{HVMM}:isr_common}} dr3={{sym:{HVMM}:trap_dispatch}}",
    # the other guests: counter's and matmul's code, and a data word of each
    f"{GUESTS}/hostile_dr.elf name=hdr-other mem=4M type=xxaa dr0={{sym:{GUESTS}/counter.elf:guest_main}} "
    f"dr1={{sym:{GUESTS}/matmul.elf:guest_main}} dr2={{sym:{GUESTS}/counter.elf:__bss_start}} "
    f"dr3={{sym:{GUESTS}/matmul.elf:__bss_start}}",
]


def judge_dr(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    for n in ["hdr-code", "hdr-alias", "hdr-data", "hdr-other"]:
        check_passes(j, log, n, ["own DR0-DR3 and DR7 read back after every round"])
        j.check(f"{n}: ran all its rounds", any(t.startswith("breakpoints done: 40 rounds") for t in log.console(n)))


PLAT_FATAL = [  # (attack, the kill reason's regex)
    ("idt", r"^nested page fault on the local APIC page gpa=0xfee000d0 while delivering exception vector 13 "),
    ("stack", r"^nested page fault on the local APIC page gpa=0xfee003e[0-9a-f] while delivering exception vector 13 "),
    ("crossend", r"^MMIO at gpa=0xfee00ffc \(local APIC\): 8 bytes at page offset 0xffc cross a page boundary"),
    ("crossin", r"^MMIO at gpa=0xfee00000 \(local APIC\): 8 bytes at page offset 0xffc cross a page boundary"),
    ("hltmask", r"^HLT with no interrupt source left"),
    ("hltfar", r"^HLT with no interrupt source left"),
    ("hltpic", r"^HLT with no interrupt source left"),
]
PLAT_GUESTS = ([hostile("hostile_plat", "stos", extra="platform=pc")]
               + [hostile("hostile_plat", a, extra="platform=pc") for a, _ in PLAT_FATAL])
STOS_CASES = ["STOSB, DF = 0", "STOSB, DF = 1", "STOSW, DF = 1", "STOSD, DF = 0", "STOSD, DF = 1", "STOSQ, DF = 1",
              "67 STOSD, DF = 0, RDI[63:32] set", "67 STOSD, DF = 1, RDI[63:32] set"]


def judge_plat(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "hplat-stos", [f"{c}: RDI as on RAM" for c in STOS_CASES])
    for attack, reason in PLAT_FATAL:
        check_kill(j, log, f"hplat-{attack}", reason, tried=attack)
    j.check("hplat-crossin: the window's second page is the APIC",
            any(t.startswith("PASS the second window page is the APIC") for t in log.console("hplat-crossin")))


STORM_MS = 300
# Interrupts per millisecond the clamped sources can raise at most: local APIC timer, PIT and HPET at 200 µs, RTC 7
# ticks.
STORM_MAX_PER_MS = 2 * 1000 / 200 + 1193182 / 239 / 1000 + 32768 / 7 / 1000


def judge_storm(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_counter(j, log)
    line = next((t for t in log.console("hplat-storm") if t.startswith("storm irqs=")), None)
    j.check("hplat-storm: its storm ended (storm irqs=... line)", line is not None,
            f"console: {log.console('hplat-storm')[-3:]}")
    f = {k: int(v) for k, v in (w.split("=") for w in line.split()[1:])} if line else {}
    loops, irqs, ms = f.get("loops", 0), f.get("irqs", 0), f.get("ms", STORM_MS)
    j.check("hplat-storm: took interrupts", irqs > 100, line or "no line")
    j.check("hplat-storm: made progress between them (>= 10000 loop iterations)", loops >= 10000, line or "no line")
    j.check(f"hplat-storm: at most {STORM_MAX_PER_MS:.1f} interrupts per ms (the clamped rates)",
            irqs <= STORM_MAX_PER_MS * ms + 3, line or "no line")
    check_exit(j, log, "hplat-storm", 0)
    g = log.guests.get("hplat-storm")
    j.check("hplat-storm: summary line counts the 4 clamped timers (clamped=4)", g is not None and g.clamped == 4,
            log.lines[g.line] if g else "no summary")


# (attack, the reason hvmm logs: docs/guest-abi.md "virtio devices")
VIRTIO_ATTACKS = [
    ("loop", "descriptor chain longer than its table (a loop)"),
    ("oob", "buffer outside guest RAM"),
    ("straddle", "buffer outside guest RAM"),
    ("wrap", "buffer outside guest RAM"),
    ("ring", "descriptor table or ring misaligned or outside guest RAM"),
    ("avail", "avail idx more than a queue size ahead"),
    ("head", "avail ring entry beyond the queue size"),
    ("order", "device-readable descriptor after a device-writable one"),
    ("indbig", "request of more buffers than seg_max + 2"),
    ("indnest", "bad indirect descriptor (nested, with NEXT, bad length or not negotiated)"),
    ("indloop", "descriptor chain longer than its table (a loop)"),
    ("nostatus", "request without a writable status byte"),
]


def prepare_virtio_disk(d: str) -> None:
    """{dir}/hvirtio.img: 64 KiB (128 sectors), byte (i * 7 + 3) & 0xff at offset i (tests/guests/hostile_virtio.c)."""
    with open(os.path.join(d, "hvirtio.img"), "wb") as f:
        f.write(bytes((i * 7 + 3) & 0xff for i in range(65536)))


def judge_virtio(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "hvirtio", ["PCI 00:02.0 is virtio-blk", "capabilities", "capacity", "proper read",
                                     "proper write", "read past the end", "storm", "read-only disk"] +
                 [f"{a}: " for a, _ in VIRTIO_ATTACKS])
    reasons = [m.group(1) for m in (re.match(r"^hvmm: guest hvirtio virtio-blk \(00:02\.0\) queue 0: (.*): "
                                             r"DEVICE_NEEDS_RESET$", x) for x in log.lines) if m]
    for i, (attack, why) in enumerate(VIRTIO_ATTACKS):
        got = reasons[i] if i < len(reasons) else None
        j.check(f"hvirtio {attack}: hvmm logs '{why}'", got == why, f"logged: {got}")
    j.check(f"hvirtio: exactly {len(VIRTIO_ATTACKS)} DEVICE_NEEDS_RESET lines (one per attack, none for the storm)",
            len(reasons) == len(VIRTIO_ATTACKS), f"{len(reasons)} lines")
    dev = next((x for x in log.lines if x.startswith("hvmm: guest hvirtio virtio-blk 00:02.0 ")), "")
    j.check("hvirtio: the storm's 20000 notifications counted", re.search(r" notifies=2\d{4} ", dev) is not None,
            dev or "no line")


NET_GUESTS = [f"{GUESTS}/hostile_net.elf name={n} mem=4M platform=pc net=lan role={r}"
              for n, r in (("neta", "a"), ("netb", "b"), ("netdeaf", "deaf"))]
NET_COMMON = ["PCI 00:02.0 is virtio-net", "features", "mac", "config", "driver ok"]
NET_RESETS = [("neta", "1", "transmit chain with a device-writable buffer"),
              ("neta", "1", "descriptor chain longer than its table (a loop)"),
              ("netb", "0", "receive chain under 1526 bytes (the 12-byte header and a 1514-byte frame)")]


def net_line(log: HvmmLog, name: str) -> Dict[str, str]:
    """The key=value words of guest name's virtio-net summary line (hvmm/vdev/virtio_net.c report)."""
    line = next((x for x in log.lines if x.startswith(f"hvmm: guest {name} virtio-net 00:02.0 ")), "")
    return dict(w.split("=", 1) for w in line.split() if "=" in w)


def judge_net(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "neta", NET_COMMON + ["hello", "unicast", "flood answered", "oversized frame",
                                              "spoofed source", "writable transmit buffer", "transmit loop",
                                              "working again after a reset"])
    check_passes(j, log, "netb", NET_COMMON + ["hello", "unicast", "flood", "refused frames not delivered",
                                              "small receive buffer"])
    check_passes(j, log, "netdeaf", NET_COMMON + ["deaf receiver"])
    for name, q, why in NET_RESETS:
        line = f"hvmm: guest {name} virtio-net (00:02.0) queue {q}: {why}: DEVICE_NEEDS_RESET"
        j.check(f"{name}: hvmm logs '{why}'", line in log.lines, "no such line")
    resets = [x for x in log.lines if x.endswith("DEVICE_NEEDS_RESET")]
    j.check("exactly 3 DEVICE_NEEDS_RESET lines", len(resets) == 3, "; ".join(resets))
    j.check("neta: the oversized frame's drop is logged once",
            sum(1 for x in log.lines if x.startswith("hvmm: guest neta virtio-net (00:02.0): a transmitted frame of "
                                                      "1600 bytes dropped: longer than 1514 bytes")) == 1, "")
    a, b, deaf = net_line(log, "neta"), net_line(log, "netb"), net_line(log, "netdeaf")
    j.check("neta: MAC 02:68:76:6d:00:02, net=lan, 2 frames dropped", a.get("mac") == "02:68:76:6d:00:02" and
            a.get("net") == "lan" and a.get("tx_dropped") == "2", str(a))
    j.check("netb: MAC 02:68:76:6d:00:03, nothing lost", b.get("mac") == "02:68:76:6d:00:03" and
            b.get("rx_dropped") == "0" and b.get("tx_dropped") == "0", str(b))
    j.check("netdeaf: 8 of 72 flooded frames lost, its own", deaf.get("rx_dropped") == "8" and
            deaf.get("rx") == "64", str(deaf))


SCENARIOS: List[Scenario] = [
    # Under -icount shift=0 an exit costs about a microsecond of guest time, as on silicon; without it QEMU TCG's
    # exits cost tens of microseconds of host time each, which alone would saturate three 200 µs sources.
    Scenario("hostile-storm", [COUNTER, hostile("hostile_plat", "storm", extra=f"platform=pc storm_ms={STORM_MS}")],
             judge_storm, qemu_args=["-icount", "shift=0,sleep=off"], timeout=120),
    Scenario("hostile-plat", WELL_BEHAVED + PLAT_GUESTS, judge_plat),
    Scenario("hostile-contain", WELL_BEHAVED + CONTAIN_GUESTS, judge_contain),
    Scenario("hostile-dr", WELL_BEHAVED + DR_GUESTS, judge_dr),
    Scenario("hostile-virtio", WELL_BEHAVED + [f"{GUESTS}/hostile_virtio.elf name=hvirtio mem=4M platform=pc",
                                               "{dir}/hvirtio.img for=hvirtio as=disk",
                                               "{dir}/hvirtio.img for=hvirtio as=disk ro"],
             judge_virtio, prepare=prepare_virtio_disk),
    Scenario("hostile-net", WELL_BEHAVED + NET_GUESTS, judge_net),
    # counter and neta on CPU 0, matmul and netb on CPU 1, netdeaf on CPU 0 (docs/cmdline.md: round-robin)
    SmpScenario("hostile-net-smp", WELL_BEHAVED + NET_GUESTS, judge_net, cmdline=f"slice=10ms cpus=2 {EXIT_PORT}",
                run_qemu_args=["--smp", "2"]),
    # vmcb_check=0, the default, written out: this scenario is about the fast paths it would turn off
    Scenario("fast-paths", WELL_BEHAVED + FAST_GUESTS + [hostile("hostile_step", "mmio", extra="platform=pc")],
             judge_fast_paths, cmdline="slice=10ms " + EXIT_PORT +
             " vmcb_check=0"),
]
