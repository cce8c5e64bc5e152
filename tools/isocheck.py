# SPDX-License-Identifier: MIT
"""isocheck.py — tools/mkiso's input checks, before it builds anything: hvmm's command line (-c), every guest's file
and module arguments (-g). Each check refuses what hvmm would refuse or ignore at boot, with the reason hvmm gives
(docs/cmdline.md, docs/guest-abi.md "Module arguments" and "Image format").

    python3 tools/isocheck.py [-c CMDLINE] [-u] [-g "FILE ARGS"]...

Exit status 0 and the number of guests (-g without for=) on stdout, or 2 and "mkiso: error: <reason>" on stderr.
-u (mkiso -u, for tests that hand hvmm bad input on purpose) checks only that the files exist.
Standard library only; the image formats are read with struct, as hvmm's loader reads them.
"""

import os
import re
import struct
import sys
from typing import Dict, List, Optional, Tuple

# hvmm's command-line options (hvmm/core/config.c) and how each value is checked: (check, what hvmm wants).
MAX_CPUS = 16
SLICE_US = (100, 10_000_000)
MEM_MIN, MEM_MAX = 2 << 20, 16 << 30  # include/hvmm/abi.h HVMM_GUEST_MEM_MIN/MAX
LAPIC_BASE = 0xFEE00000  # platform=pc: RAM must end below the local APIC page
MB1_MEM_MAX = 4 << 30
TIME_LIMIT_MAX_US = 10 ** 12
DEBUGEXIT_PORTS = 4
# The keys hvmm takes from a module line (hvmm/guest/create.c, docs/cmdline.md "Guests"); the rest is the guest's.
MODULE_KEYS = ("name", "mem", "cpu", "platform", "kvm", "debug_exit", "for", "time_limit", "rng", "hvc", "net")


class Refused(Exception):
    pass


def parse_number(s: str) -> Optional[Tuple[int, str]]:
    """lib/cmdline.c parse_number: decimal, or hexadecimal after 0x; the value and the rest, or None."""
    m = re.match(r"0[xX]([0-9a-fA-F]+)|([0-9]+)", s)
    if not m:
        return None
    v = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    return (v, s[m.end():]) if v < 1 << 64 else None


def parse_u64(s: str) -> Optional[int]:
    r = parse_number(s)
    return r[0] if r and r[1] == "" else None


def parse_size(s: str) -> Optional[int]:
    """lib/cmdline.c parse_size: a number with an optional K/M/G/T multiplier and B or iB."""
    r = parse_number(s)
    if not r:
        return None
    v, rest = r
    mul = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}.get(rest[:1].lower(), 1)
    if mul != 1:
        rest = rest[1:]
    if mul != 1 and rest[:2].lower() == "ib":
        rest = rest[2:]
    elif rest[:1].lower() == "b":
        rest = rest[1:]
    return v * mul if rest == "" and v * mul < 1 << 64 else None


def parse_time_us(s: str) -> Optional[int]:
    """lib/cmdline.c parse_time_us: a number with us, ms or s (none: µs)."""
    r = parse_number(s)
    if not r:
        return None
    v, rest = r
    mul = {"": 1, "us": 1, "ms": 1000, "s": 1000000}.get(rest.lower())
    return v * mul if mul is not None else None


def words_before_dashes(args: str) -> List[str]:
    """hvmm's part of a module line: the words before the first '--' (docs/cmdline.md "Guests")."""
    out = []
    for w in args.split():
        if w == "--":
            break
        out.append(w)
    return out


def key_val(w: str) -> Tuple[str, str]:
    k, _, v = w.partition("=")
    return k, v


CONFIG_C = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "hvmm", "core", "config.c")


def hvmm_options() -> List[str]:
    """The option names hvmm's command-line parser compares keys with (hvmm/core/config.c), so that an option added
    there is known here without a second list; [] when the source is not at hand."""
    try:
        with open(CONFIG_C, encoding="utf-8") as f:
            return re.findall(r'strcmp\(key, "(\w+)"\)', f.read())
    except OSError:
        return []


def check_hvmm_cmdline(cmdline: str) -> None:
    """Every word of hvmm's command line is an option hvmm knows (hvmm/core/config.c) with a value it takes where
    this file knows the rule (hvmm itself only warns and keeps the default: docs/cmdline.md)."""
    checks = {
        "slice": (lambda v: (t := parse_time_us(v)) is not None and SLICE_US[0] <= t <= SLICE_US[1],
                  "a time from 100us to 10s (e.g. 10ms)"),
        "bench": (lambda v: (n := parse_u64(v)) is not None and n <= 9, "a number 0..9"),
        "cpus": (lambda v: (n := parse_u64(v)) is not None and n >= 1, "a number of CPUs, 1 or more"),
        "panic_test": (lambda v: (n := parse_u64(v)) is not None and n < MAX_CPUS, f"a CPU number below {MAX_CPUS}"),
        "apic": (lambda v: v in ("auto", "xapic", "x2apic"), "auto, xapic or x2apic"),
        "srso": (lambda v: v in ("safe-ret", "ibpb", "off"), "safe-ret, ibpb or off"),
        "smt": (lambda v: v in ("on", "off"), "on or off"),
        "stats": (lambda v: v in ("full", "short"), "full or short"),
        "vmcb_check": (lambda v: v in ("0", "1"), "0 or 1"),
        "exit_port": (lambda v: (n := parse_u64(v)) is not None and 1 <= n <= 0xFFFF, "an I/O port (e.g. 0xf4)"),
    }
    known = set(checks) | set(hvmm_options())
    for w in cmdline.split():
        k, v = key_val(w)
        if k not in known:
            raise Refused(f"unknown hvmm option '{w}' in -c (hvmm's options: {', '.join(sorted(known))}; "
                          "docs/cmdline.md)")
        if k not in checks:
            continue  # an option whose values only hvmm checks (it warns and keeps its default)
        ok, want = checks[k]
        if not ok(v):
            raise Refused(f"hvmm option {w} in -c: {k}= wants {want} (docs/cmdline.md)")


# ---- image formats (docs/guest-abi.md "Image format") ----

MB1_MAGIC, MB1_SEARCH = 0x1BADB002, 8192


def has_mb1_header(data: bytes) -> bool:
    """A multiboot v1 header in the first 8 KiB: magic, flags and checksum summing to 0 (Multiboot 0.6.96 §3.1), as
    lib/mb1.c mb1_find_header looks for it."""
    for off in range(0, min(len(data), MB1_SEARCH) - 11, 4):
        magic, flags, csum = struct.unpack_from("<III", data, off)
        if magic == MB1_MAGIC and (magic + flags + csum) & 0xFFFFFFFF == 0:
            return True
    return False


def is_bzimage(data: bytes) -> bool:
    """The x86 boot protocol's marks: 0xAA55 at 0x1fe, "HdrS" at 0x202."""
    return data[0x1FE:0x200] == b"\x55\xaa" and data[0x202:0x206] == b"HdrS"


def image_format(path: str) -> Tuple[Optional[str], str]:
    """("mb1" | "linux" | "elf64", "") for an image hvmm's loader knows, else (None, why it is not one)."""
    with open(path, "rb") as f:
        data = f.read(MB1_SEARCH)
    if not data:
        return None, "is empty (0 bytes)"
    if has_mb1_header(data):
        return "mb1", ""
    if is_bzimage(data):
        return "linux", ""
    if data[:2] == b"#!":
        return None, "is a script (starts with '#!'), not an ELF64 executable"
    if data[:4] != b"\x7fELF":
        return None, ("is not an ELF file, a multiboot v1 kernel or a Linux bzImage (hvmm loads ELF64 x86-64 "
                      "executables)")
    if len(data) < 20:
        return None, f"is only {os.path.getsize(path)} bytes long (not an ELF64 executable)"
    ei_class, ei_data = data[4], data[5]
    if ei_class == 1:
        return None, ("is a 32-bit ELF without a multiboot header: hvmm boots 32-bit kernels only as multiboot v1 "
                      "kernels, which need the header in their first 8 KiB (Multiboot 0.6.96 §3.1; "
                      "docs/guest-abi.md \"Multiboot v1 kernels\"); other guests are ELF64 x86-64 executables")
    if ei_class != 2:
        return None, f"is an ELF of unknown class {ei_class}"
    if ei_data != 1:
        return None, "is a big-endian ELF (hvmm loads little-endian x86-64)"
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_machine != 62:
        return None, f"is an ELF64 for machine 0x{e_machine:04x}, not x86-64"
    if e_type == 3:
        return None, ("is position-independent (ET_DYN: a PIE, gcc's default on Debian); link it with ld -T guest.ld, "
                      "as docs/guest-abi.md \"Build a guest\" shows")
    if e_type == 1:
        return None, ("is a relocatable object (ET_REL, a .o file), not an executable: link it with ld -T guest.ld "
                      "(docs/guest-abi.md \"Build a guest\")")
    if e_type != 2:
        return None, f"is not an executable (ELF e_type 0x{e_type:04x}; hvmm loads ET_EXEC)"
    return "elf64", ""


# ---- module arguments (docs/guest-abi.md "Module arguments") ----

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,31}$")


def check_module_args(gfile: str, words: List[str], fmt: str) -> None:
    """hvmm's keys on a guest's module line, with hvmm's reasons for a rejection (hvmm/guest/create.c,
    platform.c, kvm_pv.c, virtio_args.c, loader_mb1.c)."""
    mem, platform, kvm, rng, hvc, net = 16 << 20, None, None, None, None, None
    for w in words:
        k, v = key_val(w)
        if k == "mem":
            n = parse_size(v)
            if n is None:
                raise Refused(f"guest '{gfile}': {w}: mem= is not a size (use e.g. 16M, 512K, 1G)")
            if not MEM_MIN <= n <= MEM_MAX:
                raise Refused(f"guest '{gfile}': {w}: mem= must be between 2M and 16G")
            mem = (n + (2 << 20) - 1) & ~((2 << 20) - 1)
        elif k == "cpu":
            n = parse_u64(v)
            if n is None or n > 0xFFFF:
                raise Refused(f"guest '{gfile}': {w}: cpu= is not a CPU number (0 = the first CPU)")
        elif k == "time_limit":
            t = parse_time_us(v)
            if t is None or not 1 <= t <= TIME_LIMIT_MAX_US:
                raise Refused(f"guest '{gfile}': {w}: time_limit= must be a time from 1us to 1000000s (e.g. 30s)")
        elif k == "platform":
            if v not in ("pc", "none"):
                raise Refused(f"guest '{gfile}': {w}: platform= must be pc or none")
            platform = v
        elif k == "kvm":
            if v not in ("on", "off"):
                raise Refused(f"guest '{gfile}': {w}: kvm= must be on or off")
            kvm = v
        elif k in ("rng", "hvc"):
            if v not in ("on", "off"):
                raise Refused(f"guest '{gfile}': {w}: rng= and hvc= must be on or off")
            rng, hvc = (v, hvc) if k == "rng" else (rng, v)
        elif k == "net":
            if not 1 <= len(v) <= 15:
                raise Refused(f"guest '{gfile}': {w}: net= must name a network (1 to 15 characters)")
            net = net or v  # the first net= counts (hvmm/guest/net.c)
        elif k == "debug_exit":
            n = parse_u64(v)
            if n is None or not 1 <= n <= 0x10000 - DEBUGEXIT_PORTS:
                raise Refused(f"guest '{gfile}': {w}: debug_exit= must be an I/O port number (e.g. 0xf4)")
    if fmt == "mb1" and mem > MB1_MEM_MAX:
        raise Refused(f"guest '{gfile}': multiboot v1 kernels run in 32-bit mode: mem= must be at most 4G")
    pc = platform == "pc" if platform else fmt in ("mb1", "linux")
    if pc and mem > LAPIC_BASE:
        raise Refused(f"guest '{gfile}': platform=pc: mem= must leave the local APIC page at 0xFEE00000 outside RAM "
                      "(at most 4064M)")
    if "on" in (rng, hvc) and not pc:
        raise Refused(f"guest '{gfile}': rng=on and hvc=on need the virtual PC (platform=pc)")
    if net and not pc:
        raise Refused(f"guest '{gfile}': net= needs the virtual PC (platform=pc)")
    if kvm == "on" and not pc and fmt != "linux":
        raise Refused(f"guest '{gfile}': kvm=on needs the virtual PC (platform=pc)")


def check_guests(specs: List[str], unchecked: bool) -> int:
    """Check every -g; return the number of guests (the -g without for=)."""
    names: Dict[str, str] = {}  # name -> file
    formats: Dict[str, str] = {}  # name -> image format
    staged: Dict[str, int] = {}  # file names under /boot/guests, as mkiso stages them
    modules: List[Tuple[str, str, bool]] = []  # (file, for= name, as=disk)
    platforms: Dict[str, str] = {}  # name -> pc or none (platform=, else the format's default)
    virtio: Dict[str, int] = {}  # name -> virtio devices its own line asks for (rng=on, hvc=on, net=)
    nguests = 0
    for spec in specs:
        parts = spec.split()
        if not parts:
            raise Refused("empty -g argument")
        gfile = parts[0]
        if not os.path.isfile(gfile):
            longer = next((" ".join(parts[:i]) for i in range(len(parts), 1, -1)
                           if os.path.isfile(" ".join(parts[:i]))), None)
            if longer:
                raise Refused(f"guest path '{longer}' holds a space: -g \"FILE ARGS\" takes FILE up to the first space; "
                              "give a path without spaces (a symbolic link or a copy)")
            raise Refused(f"guest '{gfile}' does not exist (build guests with 'make guests')")
        base = os.path.basename(gfile)  # staged as base, else <stem>-2<ext>, -3, ... (mkiso)
        stem = base[:-4] if base.endswith(".elf") else base
        stage, n = base, 2
        while stage in staged:
            stage, n = f"{stem}-{n}{base[len(stem):]}", n + 1
        staged[stage] = 1
        if unchecked:
            nguests += 1
            continue
        words = words_before_dashes(" ".join(parts[1:]))
        fors = [key_val(w)[1] for w in words if key_val(w)[0] == "for"]
        if fors:  # a module of another guest (docs/guest-abi.md "Multiboot v1 kernels"): any file
            modules.append((gfile, fors[-1], ("as", "disk") in [key_val(w) for w in words]))
            continue
        nguests += 1
        fmt, why = image_format(gfile)
        if fmt is None:
            raise Refused(f"guest '{gfile}' {why}")
        # the name hvmm will give it: name= (the last one), else the staged basename (made unique as mkiso stages it)
        name = next((key_val(w)[1] for w in reversed(words) if key_val(w)[0] == "name"), None)
        if name is None:  # mkiso adds name=<staged file name without .elf>
            name = stage[:-4] if stage.endswith(".elf") else stage
        if not NAME_RE.match(name):
            hint = ""
            if any(c in name for c in "'\"\\"):
                hint = " (a name cannot hold spaces or quotes: -g splits ARGS at every space)"
            raise Refused(f"guest '{gfile}': name '{name}' must have 1 to 31 letters, digits, '_', '.' or '-'{hint}")
        if name in names:
            raise Refused(f"two guests are named '{name}' ({names[name]} and {gfile}); give one another name=")
        names[name] = gfile
        formats[name] = fmt
        platforms[name] = next((key_val(w)[1] for w in reversed(words) if key_val(w)[0] == "platform"),
                               "none" if fmt == "elf64" else "pc")
        # rng=on, hvc=on and net= each take one of the 6 virtio slots before the disks (docs/guest-abi.md "virtio
        # devices")
        virtio[name] = sum(next((key_val(w)[1] for w in reversed(words) if key_val(w)[0] == k), "off") == "on"
                           for k in ("rng", "hvc")) + any(key_val(w)[0] == "net" for w in words)
        check_module_args(gfile, words, fmt)
    initrds: Dict[str, str] = {}
    disks: Dict[str, int] = {}
    for mfile, target, disk in modules:
        if target not in names:
            raise Refused(f"module '{mfile}': for={target} names no guest (the guests: {', '.join(names) or 'none'})")
        if disk:  # a virtio disk (docs/guest-abi.md "Disks"): any guest with the virtual PC, at most 6 devices
            if platforms[target] != "pc":
                raise Refused(f"disk '{mfile}': guest '{target}' has no virtual PC (a disk needs platform=pc)")
            if os.path.getsize(mfile) < 512:
                raise Refused(f"disk '{mfile}': an image must hold at least one 512-byte sector")
            disks[target] = disks.get(target, 0) + 1
            if virtio[target] + disks[target] > 6:
                raise Refused(f"disk '{mfile}': guest '{target}' has 6 virtio devices already")
            continue
        if formats[target] == "elf64":
            raise Refused(f"module '{mfile}': guest '{target}' is an ELF64 guest, which takes no modules "
                          "(multiboot v1 kernels and Linux guests do)")
        if formats[target] == "linux":
            if target in initrds:
                raise Refused(f"module '{mfile}': guest '{target}' already has an initrd ({initrds[target]}); "
                              "a Linux guest takes one initrd")
            initrds[target] = mfile
    if nguests == 0 and not unchecked:
        raise Refused("no guest given (-g \"FILE ARGS\" without for=; hvmm needs at least one)")
    return nguests


def main(argv: List[str]) -> int:
    cmdline, unchecked, specs = "", False, []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "-u":
            unchecked = True
            i += 1
        elif a in ("-c", "-g") and i + 1 < len(argv):
            if a == "-c":
                cmdline = argv[i + 1]
            else:
                specs.append(argv[i + 1])
            i += 2
        else:
            print(f"isocheck.py: bad argument '{a}' (usage in the file's docstring)", file=sys.stderr)
            return 2
    try:
        if not unchecked:
            check_hvmm_cmdline(cmdline)
        print(check_guests(specs, unchecked))
    except Refused as e:
        print(f"mkiso: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
