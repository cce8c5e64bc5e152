# SPDX-License-Identifier: MIT
"""Bad-input scenarios: malformed guest images, bad module arguments, too many modules, a bad hvmm command line.

tests/registry.py lists this file. Each bad module is generated into the scenario directory with the standard library --
hand-built ELF64 images (struct) that differ from a valid one, loaded as the control guest `exit7`, in exactly one
defect, and a few cut or patched copies of build/guests/counter.elf -- and must be rejected with `hvmm: guest <name>
rejected: <reason>` naming that defect (reasons: lib/elf64.c, hvmm/guest/loader.c, hvmm/guest/guest.c, hvmm/main.c),
while a counter and exitcode pair in the same ISO still finishes correctly. The broken images ask for mem=256M, half of
QEMU's 512 MiB: each rejection happens after hvmm allocated the guest's RAM, so if one leaked it the next would be
refused for lack of memory instead of for its own defect.
"""

import os
import random
import re
import struct
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from hvmmlog import HvmmLog
from scenarios import (COUNTER, EXITCODE, GUESTS, Context, Judge, Scenario, check_counter, check_exit, check_exitcode,
                       check_summary)

# ---- hand-built ELF64 images ----

PT_LOAD, PT_NOTE = 1, 4
PF_X, PF_W, PF_R = 1, 2, 4
LOAD = 0x100000  # HVMM_LOAD_MIN_GPA (docs/guest-abi.md)
# mov eax, 3 (HVMM_HC_EXIT); mov edi, 7; vmmcall; jmp $ -- exits with status 7
EXIT7 = bytes.fromhex("b803000000bf070000000f01d9ebfe")


@dataclass
class Seg:
    gpa: int
    memsz: int
    flags: int = PF_R | PF_X
    data: bytes = b""
    p_type: int = PT_LOAD
    vaddr: Optional[int] = None  # default: gpa (identity-mapped)
    filesz: Optional[int] = None  # default: len(data)
    offset: Optional[int] = None  # default: where data is placed


def elf64(segs: List[Seg], entry: int, e_type: int = 2, machine: int = 62, ei_class: int = 2, ei_data: int = 1,
          phentsize: int = 56) -> bytes:
    """An ELF64 file (ELF-64 Object File Format 1.5): header, program headers, then each segment's data."""
    phoff = 64
    data_at = phoff + len(segs) * 56
    phdrs, body = b"", b""
    for s in segs:
        off = s.offset if s.offset is not None else (data_at + len(body) if s.data else 0)
        filesz = s.filesz if s.filesz is not None else len(s.data)
        vaddr = s.vaddr if s.vaddr is not None else s.gpa
        phdrs += struct.pack("<IIQQQQQQ", s.p_type, s.flags, off, vaddr, s.gpa, filesz, s.memsz, 0x1000)
        body += s.data
    ident = b"\x7fELF" + bytes([ei_class, ei_data, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", e_type, machine, 1, entry, phoff, 0, 0, 64, phentsize, len(segs),
                               64, 0, 0)
    return ehdr + phdrs + body


def code(memsz: int = 0x1000, **kw) -> Seg:
    """The control guest's code segment at 1 MiB."""
    return Seg(LOAD, memsz, data=EXIT7, **kw)


def counter_elf() -> bytes:
    with open(os.path.join(GUESTS, "counter.elf"), "rb") as f:
        return f.read()


def patched(b: bytes, at: int, fmt: str, value: int) -> bytes:
    n = struct.calcsize(fmt)
    return b[:at] + struct.pack(fmt, value) + b[at + n:]


# ---- one bad (or control) module: its file, module arguments, and the rejection hvmm must print ----

@dataclass
class Mod:
    name: str  # name= on the module line
    make: Optional[Callable[[], bytes]]  # the file's contents; None: `path` is used as it is
    reason: Optional[str]  # expected rejection reason (exact), None: must load
    args: str = "mem=2M"
    path: str = ""  # for make=None
    shown_as: Optional[str] = None  # the name hvmm prints when it is not `name` (a guest<N> fallback, an index)

    def spec(self) -> str:
        path = self.path or "{dir}/" + self.name + ".elf"
        return f"{path} name={self.name} {self.args}".rstrip()


def bad_elf_modules() -> List[Mod]:
    big = 0xfffffffffffff000
    mods = [
        Mod("exit7", lambda: elf64([code()], LOAD), None),  # the control: the base every image below breaks once
        Mod("empty", lambda: b"", "empty module"),
        Mod("cut40", lambda: counter_elf()[:40], "file too small for an ELF header"),
        Mod("cutphdrs", lambda: counter_elf()[:64 + 56], "program headers outside the file"),
        Mod("elf32", lambda: patched(counter_elf(), 4, "<B", 1), "not a 64-bit ELF"),
        Mod("bigendian", lambda: elf64([code()], LOAD, ei_data=2), "not little-endian"),
        Mod("i386", lambda: patched(counter_elf(), 18, "<H", 3), "not an x86-64 ELF"),
        Mod("etdyn", lambda: elf64([code()], LOAD, e_type=3),
            "ET_DYN (position-independent) images are not supported"),
        Mod("etrel", lambda: elf64([code()], LOAD, e_type=1), "not an executable (e_type)"),
        Mod("phentsize", lambda: elf64([code()], LOAD, phentsize=64), "bad program header size"),
        Mod("noload", lambda: elf64([Seg(LOAD, 0x1000, data=EXIT7, p_type=PT_NOTE)], LOAD), "no loadable segment"),
        Mod("overlap", lambda: elf64([code(0x2000), Seg(LOAD + 0x1000, 0x1000, PF_R | PF_W)], LOAD),
            "segments overlap"),
        Mod("fileszbig", lambda: elf64([code(0x10, filesz=0x11)], LOAD), "segment has p_filesz > p_memsz"),
        Mod("dataout", lambda: elf64([code(offset=0x100000)], LOAD), "segment data outside the file"),
        Mod("vaddr", lambda: elf64([code(vaddr=0xffffffff80100000)], LOAD), "segment p_vaddr != p_paddr"),
        Mod("below", lambda: elf64([Seg(0x1000, 0x1000, data=EXIT7)], 0x1000), "segment below the guest load address"),
        # guest RAM is [0, 2 MiB): a segment [1 MiB, 2 MiB + 4 KiB)
        Mod("beyondram", lambda: elf64([code(0x101000)], LOAD), "segment beyond guest RAM"),
        Mod("wrap", lambda: elf64([Seg(big, 0x2000, data=EXIT7)], big), "segment wraps the address space"),
        # the entry point lies in a data segment, not in the code segment
        Mod("entrydata", lambda: elf64([code(), Seg(LOAD + 0x1000, 0x1000, PF_R | PF_W)], LOAD + 0x1000),
            "entry point outside every executable segment"),
        Mod("entrynone", lambda: elf64([code()], LOAD + 0x80000), "entry point outside every executable segment"),
        Mod("manysegs", lambda: elf64([code()] + [Seg(LOAD + 0x1000 * i, 0x1000, PF_R) for i in range(1, 17)], LOAD),
            "too many loadable segments"),
        Mod("random", lambda: bytes(random.Random(66).getrandbits(8) for _ in range(8192)),
            "unknown image format (not an ELF64 x86-64 executable, a multiboot v1 kernel or a Linux bzImage)"),
    ]
    for m in mods:
        if m.reason and m.name != "beyondram":  # beyondram needs its 2 MiB
            m.args = "mem=256M"
    return mods


MODULE_LINE_MAX = 4095  # the longest module command line hvmm takes (GUEST_CMDLINE_MAX - 1 bytes)
ELF_LINE_MAX = 255  # the longest guest line an ELF64 guest's boot information holds (hvmm's keys removed)


def padded(name: str, length: int) -> str:
    """Module arguments that make the command line `name=<name> <args>` exactly length bytes."""
    head = f"name={name} mem=2M count=1 pad="
    return "mem=2M count=1 pad=" + "x" * (length - len(head))


def guest_padded(length: int) -> str:
    """Module arguments whose guest part (without hvmm's name= and mem=) is exactly length bytes."""
    head = "count=1 pad="
    return "mem=2M count=1 pad=" + "x" * (length - len(head))


def bad_arg_modules() -> List[Mod]:
    """Bad module arguments; shown_as is the name hvmm prints (guest<module index> when name= is unusable)."""
    counter = f"{GUESTS}/counter.elf"
    mods = [
        Mod("mem0", None, "mem= must be between 2M and 16G", "mem=0", path=counter),
        Mod("mem1", None, "mem= must be between 2M and 16G", "mem=1", path=counter),
        Mod("mem1t", None, "mem= must be between 2M and 16G", "mem=1T", path=counter),
        Mod("mem17g", None, "mem= must be between 2M and 16G", "mem=17G", path=counter),
        Mod("memq", None, "mem= is not a size (use e.g. 16M, 512K, 1G)", "mem=16Q", path=counter),
        Mod("memempty", None, "mem= is not a size (use e.g. 16M, 512K, 1G)", "mem=", path=counter),
        Mod("memhuge", None, "mem= is not a size (use e.g. 16M, 512K, 1G)", "mem=99999999999999999999M", path=counter),
        Mod("memlong", None, "mem= value is too long", "mem=" + "1" * 70, path=counter),
        # in range, but more than QEMU's 512 MiB: the allocation fails and is reported; nothing leaks (later guests run)
        Mod("mem16g", None, "not enough free memory for its RAM (mem=)", "mem=16G", path=counter),
        Mod("", None, "name= must have 1 to 31 characters", path=counter, shown_as="guest?"),
        Mod("n" * 32, None, "name= must have 1 to 31 characters", path=counter, shown_as="guest?"),
        Mod("n" * 70, None, "name= is too long", path=counter, shown_as="guest?"),
        Mod("a]b", None, "name= may hold only letters, digits, '_', '.' and '-'", path=counter, shown_as="guest?"),
        # hvmm's keys are not the guest's: a 255-byte guest line fits an ELF64 guest's boot information, 256 do not;
        # a module line of 4096 bytes is too long for any guest
        Mod("len255", None, None, guest_padded(ELF_LINE_MAX), path=counter),
        Mod("len256", None, "the guest's command line (without hvmm's keys) is longer than the 255 bytes of an ELF64 "
            "guest's boot information", guest_padded(ELF_LINE_MAX + 1), path=counter),
        Mod("len4096", None, "module command line longer than 4095 bytes", padded("len4096", MODULE_LINE_MAX + 1),
            path=counter),
        Mod("tlabc", None, "time_limit= must be a time from 1us to 1000000s (e.g. 30s)", "mem=2M time_limit=abc",
            path=counter),
        Mod("tl0", None, "time_limit= must be a time from 1us to 1000000s (e.g. 30s)", "mem=2M time_limit=0",
            path=counter),
        Mod("counter", None, None, "mem=16M", path=f"{GUESTS}/counter.elf"),
        Mod("counter", None, "another guest already has this name", "mem=2M count=1", path=counter),
        Mod("exitcode", None, None, "mem=8M status=3", path=f"{GUESTS}/exitcode.elf"),
    ]
    for i, m in enumerate(mods):
        if m.shown_as == "guest?":
            m.shown_as = f"guest{i}"  # a guest without a usable name= is named by its module index
    return mods


def write_modules(mods: List[Mod]) -> Callable[[str], None]:
    def prepare(d: str) -> None:
        for m in mods:
            if m.make is not None:
                with open(os.path.join(d, m.name + ".elf"), "wb") as f:
                    f.write(m.make())
    return prepare


# ---- judging ----

_REJECTED = re.compile(r"hvmm: guest (\S+) rejected: (.*)$")


def rejections(log: HvmmLog) -> List[Tuple[str, str]]:
    """Every rejection line in order, as (printed name, reason) (HvmmLog.rejected keeps one per name)."""
    out = []
    for ln in log.lines:
        m = _REJECTED.search(ln)
        if m:
            out.append((m.group(1), m.group(2).strip()))
    return out


def check_modules(j: Judge, log: HvmmLog, mods: List[Mod]) -> List[str]:
    """Each bad module rejected with its reason, and nothing else rejected; return the names expected to load."""
    got = rejections(log)
    unexplained = list(got)
    for m in mods:
        if m.reason is None:
            continue
        shown = m.shown_as or m.name
        want = (shown, m.reason)
        label = m.name if 0 < len(m.name) <= 24 else f"name {m.name[:8]!r}...({len(m.name)} chars)"
        others = [r for n, r in got if n == shown]
        j.check(f"{label}: rejected: {m.reason}", want in got,
                f"rejection lines for {shown}: {others}" if others else f"no 'hvmm: guest {shown} rejected:' line")
        if want in unexplained:
            unexplained.remove(want)
        if shown == m.name and m.name not in [x.name for x in mods if x.reason is None]:
            j.check(f"{label}: did not run", not log.console(m.name) and m.name not in log.guests)
    j.check("no other rejection", not unexplained, f"unexpected: {unexplained}")
    return [m.name for m in mods if m.reason is None]


def check_no_error(j: Judge, log: HvmmLog) -> None:
    j.check("no hvmm error", not log.errors, "; ".join(log.errors[:3]))


def judge_bad_elf(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_modules(j, log, BAD_ELF)
    check_exit(j, log, "exit7", 7)
    check_counter(j, log)
    check_exitcode(j, log)


def judge_bad_args(j: Judge, log: HvmmLog, ctx: Context) -> None:
    # runs_guests=False: check_common would take the rejected duplicate "counter" for the real one; checked here
    loaded = check_modules(j, log, BAD_ARGS)
    check_no_error(j, log)
    check_summary(j, log, sorted(set(loaded)))
    check_counter(j, log, "len255", 1)
    check_counter(j, log)
    check_exitcode(j, log)


TOO_MANY = 66  # mb2 keeps MB2_MAX_MODULES = 64 modules, hvmm runs MAX_GUESTS = 64 guests


def judge_too_many(j: Judge, log: HvmmLog, ctx: Context) -> None:
    # runs_guests=False: check_common expects a summary for every module; the last two are rejected by position
    kept = [f"m{i}" for i in range(64)]
    check_no_error(j, log)
    check_summary(j, log, kept)
    bad = [n for n in kept if log.console(n)[:2] != ["count 1", "counter done sum=1"]
           or n not in log.guests or log.guests[n].exit != 0]
    j.check("m0..m63 each counted to 1 and exited 0", not bad, f"not so: {bad[:8]}")
    j.check("m64, m65 did not run", all(not log.console(n) and n not in log.guests for n in ("m64", "m65")))
    for i in (64, 65):
        want = f"hvmm: guest guest{i} rejected: too many modules (hvmm keeps the first 64)"
        j.check(f"module {i} rejected: too many modules", want in [ln.strip() for ln in log.lines])
    j.check("hvmm: running 64 guests round-robin", any(ln.strip() == "hvmm: running 64 guests round-robin"
                                                        for ln in log.lines))


# hvmm's own command line: exit_port=0xf4 first (QEMU must still power off), then bad values, unknown keys, a key
# without a value and a 300-character token; every one must print a warning and leave the default in place.
LONG_TOKEN = "t" * 300
HVMM_BAD_CMDLINE = ("exit_port=0xf4 slice=abc slice=0 slice=99999s exit_port=zzz exit_port=0x10000 bench=77 "
                    "frobnicate=yes slice verbose " + LONG_TOKEN)
SLICE_WARN = "is not a duration between 100 us and 10 s; using 10000 us"
HVMM_WARNINGS = [
    f"slice=abc {SLICE_WARN}",
    f"slice=0 {SLICE_WARN}",
    f"slice=99999s {SLICE_WARN}",
    "exit_port=zzz is not an I/O port number; ignored",
    "exit_port=0x10000 is not an I/O port number; ignored",
    "bench=77 is not a number 0..9 (n up to 4^bench); ignored",
    "unknown command-line option 'frobnicate'; ignored",
    f"slice= {SLICE_WARN}",
    "unknown command-line option 'verbose'; ignored",
    f"command-line option '{'t' * 31}...' is too long; ignored",
    "hvmm's command line is longer than 255 bytes; the rest was ignored",
]


def judge_hvmm_cmdline(j: Judge, log: HvmmLog, ctx: Context) -> None:
    warnings = [ln.strip()[len("hvmm: warning: "):] for ln in log.lines if ln.strip().startswith("hvmm: warning: ")]
    for w in HVMM_WARNINGS:
        j.check(f"hvmm: warning: {w}", w in warnings, f"warnings: {warnings}")
    j.check("default slice kept: hvmm: slice=10000 us",
            any(ln.strip().startswith("hvmm: slice=10000 us ") for ln in log.lines))
    j.check("bench not run", not any(ln.strip().startswith("hvmm: native op=") for ln in log.lines))
    check_counter(j, log)
    check_exitcode(j, log)


BAD_ELF = bad_elf_modules()
BAD_ARGS = bad_arg_modules()

SCENARIOS: List[Scenario] = [
    # timeout 120: GRUB loading its 25 modules takes 13 s alone and 53-66 s at load average 15-20 (a shared CI host)
    Scenario("bad-elf", [COUNTER] + [m.spec() for m in BAD_ELF] + [EXITCODE], judge_bad_elf,
             prepare=write_modules(BAD_ELF), timeout=120),
    Scenario("bad-args", [m.spec() for m in BAD_ARGS], judge_bad_args, runs_guests=False),
    Scenario("too-many-guests", [f"{GUESTS}/counter.elf name=m{i} mem=2M count=1" for i in range(TOO_MANY)],
             judge_too_many, timeout=120, runs_guests=False),
    Scenario("hvmm-cmdline", [COUNTER, EXITCODE], judge_hvmm_cmdline, cmdline=HVMM_BAD_CMDLINE),
]
