# SPDX-License-Identifier: MIT
"""Documented behaviour that had no scenario of its own (docs/guest-abi.md "Module arguments", docs/cmdline.md,
docs/serial-log.md):

- doc-args: bad `platform=`, `debug_exit=` and `cpu=` values each reject their guest with the reason the
  documentation gives, beside a counter that runs; `cpus=` above 16 is taken as 16, so under `-smp 2` both CPUs
  run guests; under `stats=full` every `dist` line has its `hist` line, whose log2 buckets hold every sample
  (the counts add up to the dist's n) and bracket its min and max.
- doc-loader: the loader's refusals that need no hand-broken image (docs/guest-abi.md, docs/linux-guest.md): mem=
  above 4064M with the virtual PC is refused for that reason before hvmm allocates the RAM (QEMU has 512 MiB, so a
  check after the allocation would say "not enough free memory" instead), for an ELF64 guest with platform=pc, a
  multiboot v1 kernel and a Linux bzImage (both PC kernels by default); a module too big for the RAM above its
  multiboot v1 kernel; a Linux command line one byte over the kernel's cmdline_size (and one that fills it exactly
  runs); a second initrd for one Linux guest. The kernels are built here: the 16-byte-header a.out-kludge image of
  scenarios_platform.py (mb1_low) and a minimal bzImage whose 64-bit entry writes 0 to port 0xf4 (debug-exit).
- vmcb-warn (and vmcb-warn+vmcb_check): with vmcb_check=1, a guest that switches to compatibility mode with a null SS (the state Linux's
  5-level-paging trampoline reaches; tests/guests/compatss.c) gets the processor-state warning once, naming the
  rule, and runs on to exit 0 (docs/cmdline.md, docs/serial-log.md); without vmcb_check=1 no warning.
"""

import os
import re
import struct
from typing import List

from hvmmlog import HvmmLog
from scenarios import (EXIT_PORT, GUESTS, Context, Judge, Scenario, check_counter, check_exit,
                       check_rejected)
from scenarios_platform import mb1_low

BAD_ARGS = {  # guest name -> (its module arguments, the reason hvmm's log must give)
    "badplat": ("platform=vga", r"platform= must be pc or none"),
    "baddbg": ("debug_exit=zzz", r"debug_exit= must be an I/O port number"),
    "badcpu": ("cpu=x", r"cpu= is not a CPU number"),
}


def check_hist(j: Judge, log: HvmmLog) -> None:
    """Every dist line has a hist line; bucket b counts samples v with 2^b <= v < 2^(b+1) (docs/serial-log.md)."""
    if not j.check("stats=full: dist lines", log.dist, "no 'hvmm: dist' line"):
        return
    for what, d in sorted(log.dist.items()):
        h = log.hist.get(what)
        if not j.check(f"hist what={what}: present beside its dist line", h is not None, "no hist line"):
            continue
        j.check(f"hist what={what}: bucket counts add up to the dist's n={d.get('n')}", sum(h.values()) == d.get("n"),
                f"{sum(h.values())} in {h}")
        lo, hi = min(h), max(h)
        j.check(f"hist what={what}: buckets bracket min and max", d.get("min", 0) >= (1 << lo if lo else 0)
                and d.get("max", 0) < (1 << (hi + 1)), f"buckets {lo}..{hi}, min {d.get('min')} max {d.get('max')}")


def judge_doc_args(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for name, (_, why) in BAD_ARGS.items():
        check_rejected(j, log, name)
        reason = log.rejected.get(name) or ""
        j.check(f"{name}: reason /{why}/", re.search(why, reason) is not None, f"{reason!r}")
    check_counter(j, log, "counter", 5)
    m = next((re.match(r"^hvmm: cpus: (\d+) running guests \(cpus=(\d+)\)$", ln) for ln in log.lines
              if ln.startswith("hvmm: cpus: ")), None)
    j.check("cpus=99 is taken as 16; both CPUs of -smp 2 run guests", m is not None and m.groups() == ("2", "16"),
            m.group(0) if m else "no 'hvmm: cpus:' line")
    j.check("cpus=99: a warning names the 16 CPUs hvmm supports", any(
        ln.startswith("hvmm: warning: cpus=99 is more than the 16 CPUs hvmm supports; using 16") for ln in log.lines))
    check_hist(j, log)


def doc_args_guests() -> List[str]:
    return ([f"{GUESTS}/counter.elf name=counter mem=4M count=5", f"{GUESTS}/counter.elf name=c2 mem=4M count=3",
             f"{GUESTS}/counter.elf name=c3 mem=4M count=3"] +
            [f"{GUESTS}/counter.elf name={n} mem=4M {a}" for n, (a, _) in BAD_ARGS.items()])


def check_c2(j: Judge, log: HvmmLog, ctx: Context) -> None:
    judge_doc_args(j, log, ctx)
    check_counter(j, log, "c2", 3)
    check_counter(j, log, "c3", 3)


# ---- doc-loader ----

PC_MEM_REASON = "platform=pc: mem= must leave the local APIC page at 0xFEE00000 outside RAM (at most 4064M)"
# out %al, %dx with AL = 0 and DX = 0xf4 (debug-exit: the guest ends with status (0 << 1) | 1 = 1), then hlt
EXIT_F4 = bytes.fromhex("b000" "66baf400" "ee" "f4" "ebfd")
CMDLINE_SIZE = 64  # the small bzImage's cmdline_size
TSC_WORD = "tsc_early_khz=1000000"  # given, so hvmm appends nothing and the line's length is known


def bzimage(cmdline_size: int) -> bytes:
    """A minimal bzImage (Documentation/arch/x86/boot.rst, protocol 2.15): one setup sector, a 4 KiB relocatable
    64-bit kernel whose 64-bit entry (kernel + 0x200) is EXIT_F4."""
    setup = bytearray(1024)
    kernel = bytearray(4096)
    kernel[0x200:0x200 + len(EXIT_F4)] = EXIT_F4
    setup[0x1f1] = 1  # setup_sects
    struct.pack_into("<I", setup, 0x1f4, len(kernel) // 16)  # syssize
    setup[0x1fe:0x206] = b"\x55\xaa\xeb\x66HdrS"  # boot_flag, the jump over the header (ends at 0x268), magic
    struct.pack_into("<H", setup, 0x206, 0x020f)  # version 2.15
    setup[0x211] = 1  # loadflags: LOADED_HIGH
    struct.pack_into("<III", setup, 0x22c, 0x7fffffff, 0x200000, 1)  # initrd_addr_max, kernel_alignment, relocatable
    struct.pack_into("<H", setup, 0x236, 1)  # xloadflags: XLF_KERNEL_64
    struct.pack_into("<I", setup, 0x238, cmdline_size)
    struct.pack_into("<Q", setup, 0x258, 0x1000000)  # pref_address
    struct.pack_into("<I", setup, 0x260, 0x10000)  # init_size
    return bytes(setup + kernel)


def line_of(length: int) -> str:
    """A kernel command line of exactly length bytes, TSC_WORD included."""
    return TSC_WORD + " pad=" + "x" * (length - len(TSC_WORD) - 5)


def prepare_loader(d: str) -> None:
    files = {"bz.bin": bzimage(CMDLINE_SIZE), "mb1.bin": mb1_low(), "initrd1.bin": b"initrd one\n",
             "initrd2.bin": b"initrd two\n", "big.bin": bytes(3 << 20)}
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


LOADER_REJECTED = {  # guest -> the reason its rejection must give
    "pc5g": PC_MEM_REASON, "mb14g": PC_MEM_REASON, "lx4g": PC_MEM_REASON,
    "lxlong": "kernel command line longer than the kernel's cmdline_size",
}
MODULE_REJECTED = {  # (guest, module file) -> the reason
    ("lxfit", "initrd2.bin"): "a Linux guest takes one initrd",
    ("mb1fit", "big.bin"): "module does not fit in the guest's RAM above its kernel (mem=)",
}
LOADER_GUESTS = [
    f"{GUESTS}/counter.elf name=counter mem=4M count=5",
    f"{GUESTS}/counter.elf name=pc5g mem=5G platform=pc",
    "{dir}/mb1.bin name=mb14g mem=4G debug_exit=0xf4",
    "{dir}/bz.bin name=lx4g mem=4G debug_exit=0xf4",
    "{dir}/bz.bin name=lxlong mem=32M debug_exit=0xf4 " + line_of(CMDLINE_SIZE + 1),
    "{dir}/bz.bin name=lxfit mem=32M debug_exit=0xf4 " + line_of(CMDLINE_SIZE),
    "{dir}/initrd1.bin for=lxfit", "{dir}/initrd2.bin for=lxfit",
    "{dir}/mb1.bin name=mb1fit mem=2M debug_exit=0xf4", "{dir}/big.bin for=mb1fit",
]


def judge_loader(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for name, why in LOADER_REJECTED.items():
        check_rejected(j, log, name)
        r = log.rejected.get(name) or ""
        j.check(f"{name}: rejected: {why}", r == why, f"reason {r!r}")
    for (name, file), why in MODULE_REJECTED.items():
        index = next(i for i, g in enumerate(LOADER_GUESTS) if g.startswith("{dir}/" + file))
        want = f"hvmm: module {index} for guest {name} rejected: {why}"
        got = [ln.strip() for ln in log.lines if ln.startswith(f"hvmm: module {index} ")]
        j.check(f"{name}: module {file} rejected: {why}", want in got, f"{got}")
    index = LOADER_GUESTS.index("{dir}/initrd1.bin for=lxfit")
    j.check("lxfit: its first initrd attached", any(ln.startswith(f"hvmm: module {index} attached to guest lxfit: 11 "
                                                                  "bytes") for ln in log.lines))
    check_exit(j, log, "lxfit", 1)  # a command line of exactly cmdline_size bytes is taken
    check_exit(j, log, "mb1fit", 1)
    check_counter(j, log, "counter", 5)


# ---- vmcb-warn ----

COMPAT_RULE = "SS is not a writable data segment, or not present outside 64-bit mode"


def judge_vmcb_warn(j: Judge, log: HvmmLog, ctx: Context) -> None:
    warn = [ln.strip() for ln in log.lines if ln.startswith("hvmm: warning: guest compatss: VMCB check: ")]
    lines = log.console("compatss")
    j.check("compatss: PASS back in 64-bit mode after CPUID in compatibility mode with a null SS",
            any(t.startswith("PASS ") for t in lines) and not any(t.startswith("FAIL") for t in lines), f"{lines}")
    check_exit(j, log, "compatss", 0)
    check_counter(j, log, "counter", 5)
    if ctx.vmcb_check:
        j.check(f"vmcb_check=1: one warning naming the rule ({COMPAT_RULE}), 'the guest runs on'",
                len(warn) == 1 and COMPAT_RULE in warn[0] and warn[0].endswith(
                    ": VMRUN does not refuse it, the guest runs on"), f"{warn}")
    else:
        j.check("without vmcb_check=1: no VMCB check warning", not warn, f"{warn}")


SCENARIOS: List[Scenario] = [
    Scenario("doc-args", doc_args_guests(), check_c2, cmdline=f"slice=5ms cpus=99 stats=full {EXIT_PORT}",
             qemu_args=["-smp", "2"], timeout=60),
    Scenario("doc-loader", LOADER_GUESTS, judge_loader, prepare=prepare_loader, timeout=60),
    # and as vmcb-warn+vmcb_check (tests/registry.py VMCB_CHECK_PASS), where the warning is wanted
    Scenario("vmcb-warn", [f"{GUESTS}/counter.elf name=counter mem=4M count=5",
                           f"{GUESTS}/compatss.elf name=compatss mem=4M"], judge_vmcb_warn),
]
