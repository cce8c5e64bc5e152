# SPDX-License-Identifier: MIT
"""The layering rules of hvmm/ (README "Layout", docs/design.md "Layers"): every #include points down.

    python3 tests/layers.py      # prints each include that points up or sideways; exit status 1 if any

Includes are resolved as the compiler does (the including file's folder first, then -Iinclude -Ilib/include -Ilib
-I.), so a relative include ("guest.h", "../core/arch.h") counts like "hvmm/guest/guest.h", and a lib/ header like
"fmt.h" is seen as lib/. Rules:

  - hvmm/ folders: guest/ may include vdev/, svm/, x86/ and core/; vdev/ only core/; svm/ only x86/ and core/; x86/
    only core/; core/ nothing above it. hvmm/main.c, the composition root, may include every folder. Every folder
    may include lib/ and include/ (the guest ABI).
  - lib/ is freestanding: it includes only lib/ (and include/), never hvmm/.
  - Inside hvmm/guest, a file includes only modules at or below its own in GUEST_ORDER (a module is x.c with x.h).
  - Finding no include at all is a failure too: a checker that reads nothing proves nothing.
"""

import os
import re
import sys
from typing import Dict, Iterable, List, Optional, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOWED: Dict[str, Set[str]] = {
    "core": set(),
    "x86": {"core"},
    "svm": {"x86", "core"},
    "vdev": {"core"},
    "guest": {"vdev", "svm", "x86", "core"},
}
ANYWHERE = {"lib", "include"}  # what every folder of hvmm/ may include
SEARCH = ["include", "lib/include", "lib", "."]  # the -I options of the Makefile, in order

# The reading order of hvmm/guest, bottom first (docs/design.md "Inside hvmm/guest"): each module may include only
# the modules before it. A new file gets its place here.
GUEST_ORDER = [
    "gcpu",  # the guest layer's per-CPU state (in struct cpu's room for it)
    "guest_console",  # a guest's console line buffer
    "gva_cache",  # one remembered page-table walk
    "kvm_pv_state",  # a vCPU's state of KVM's paravirtual interface
    "vcpu",  # struct vcpu
    "gdb_hook",  # where the exit path hands the gdb stub its guest's #BP, #DB and step ends
    "guest",  # struct guest, the guest table, guest_ptr, guest_stop, guest_kill
    "gva",  # guest memory at a linear address
    "insn",  # the instruction at the guest's RIP
    "vmcb_guard",  # vmcb_check=1
    "exit_retire",  # complete, skip, inject: how a handler finishes the intercepted instruction
    "exit_handlers",  # the handlers' prototypes
    "boot64", "pcacpi", "pclowmem", "loader", "loader_elf", "loader_mb1", "loader_linux",  # PC low memory, image formats
    "kvm_pv",  # KVM's paravirtual interface (kvm=on)
    "xstate", "cpuid", "msr", "ioio", "hypercall",  # exit handlers
    "platform", "mmio",  # virtual devices: interrupt injection, HLT, MMIO
    "disk", "net", "virtio_args",  # a boot module as a virtio disk; net=<name>; rng=on, hvc=on
    "exception",  # #DB, #AC, #MC and NMI exits (an NMI may be the virtual platform's)
    "exit",  # dispatch
    "trace",  # trace=<n>: the timeline's rings and their dump
    "measure",  # statistics of the switch path
    "input",  # console input and its focus
    "gdb_regs", "gdb_break", "gdbstub",  # gdb=: register layouts, breakpoints and single-step, the COM2 session
    "monitor",  # the hvmm> monitor
    "sched",  # the run loop
    "bench_native",  # bench=: the native figures
    "create",  # guests from boot modules
]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
Edge = Tuple[str, str]  # (including file, included file), both relative to the root


def resolve(root: str, src: str, name: str, quoted: bool) -> Optional[str]:
    """The file #include name in src reaches (relative to root), or None for the compiler's own headers."""
    dirs = ([os.path.dirname(src)] if quoted else []) + SEARCH
    for d in dirs:
        path = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(root, path)):
            return path
    return None


def edges(root: str = ROOT) -> List[Edge]:
    """(file, included file) for every include under hvmm/ and lib/ that resolves inside the repository."""
    out = []
    for top in ("hvmm", "lib"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if not f.endswith((".c", ".h", ".S")):
                    continue
                src = os.path.relpath(os.path.join(dirpath, f), root)
                with open(os.path.join(root, src), errors="replace") as fh:
                    for kind, name in INCLUDE.findall(fh.read()):
                        dst = resolve(root, src, name, kind == '"')
                        if dst:
                            out.append((src, dst))
    return sorted(out)


def place(path: str) -> str:
    """The layer a file belongs to: a folder of hvmm/ ("guest", "core", ...), "main", "lib" or "include"."""
    parts = path.split(os.sep)
    if parts[0] == "hvmm":
        return parts[1] if len(parts) > 2 else "main"
    return parts[0]


def module(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def violations(found: Iterable[Edge]) -> List[str]:
    """Every include a rule forbids, as "file -> included file: why"; also a failure when found is empty."""
    found = list(found)
    if not found:
        return ["no include found at all: the checker read nothing"]
    bad = []
    rank = {m: i for i, m in enumerate(GUEST_ORDER)}
    for src, dst in found:
        s, d = place(src), place(dst)
        if s == "lib":
            if d not in ("lib", "include"):
                bad.append(f"{src} -> {dst}: lib/ is freestanding (lib/ and include/ only)")
        elif s == "main" or s == d and s != "guest" or d in ANYWHERE:
            pass
        elif s == d:  # inside hvmm/guest: GUEST_ORDER
            ms, md = module(src), module(dst)
            if ms not in rank or md not in rank:
                bad.append(f"{src} -> {dst}: {ms if ms not in rank else md} has no place in GUEST_ORDER")
            elif rank[md] > rank[ms]:
                bad.append(f"{src} -> {dst}: {md} is above {ms} in GUEST_ORDER")
        elif s not in ALLOWED or d not in ALLOWED[s]:
            bad.append(f"{src} -> {dst}: {s}/ may not include {d}/")
    return bad


def self_test() -> List[tuple]:
    """(check name, ok, detail): the tree obeys the rules, and the checker catches each kind of planted defect."""
    found = edges()
    bad = violations(found)
    guest_edges = [e for e in found if place(e[0]) == place(e[1]) == "guest"]
    planted = {
        "an upward folder include (core -> guest)": [("hvmm/core/x.c", "hvmm/guest/guest.h")],
        "an upward include inside hvmm/guest (guest -> exit)": [("hvmm/guest/guest.c", "hvmm/guest/exit.h")],
        "a lib/ file including hvmm/": [("lib/fmt.c", "hvmm/core/console.h")],
        "a guest/ file missing from GUEST_ORDER": [("hvmm/guest/newfile.c", "hvmm/guest/guest.h")],
        "an empty include graph": [],
    }
    results = [("hvmm/ and lib/ includes point down the layers", not bad, "; ".join(bad)),
               ("the layer check sees includes inside hvmm/guest", len(guest_edges) > 20,
                f"{len(guest_edges)} of {len(found)}"),
               ("a relative include resolves to its folder (\"guest.h\" in hvmm/guest)",
                resolve(ROOT, "hvmm/guest/exit.c", "guest.h", True) == "hvmm/guest/guest.h" and
                resolve(ROOT, "hvmm/guest/exit.c", "../core/arch.h", True) == "hvmm/core/arch.h", ""),
               ("a lib/ header resolves to lib/ (\"fmt.h\")",
                resolve(ROOT, "hvmm/guest/guest.c", "fmt.h", True) == "lib/fmt.h", "")]
    for what, plant in planted.items():
        v = violations(plant)
        results.append((f"layer check rejects {what}", len(v) == 1, repr(v)))
    return results


if __name__ == "__main__":
    bad = violations(edges())
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)
