# SPDX-License-Identifier: MIT
"""The scenario registry: every scenario file of tests/, in the order tests/run.py runs them, and the group each
file's scenarios belong to (for run.py --only). A scenario file imports only tests/scenarios.py (the helpers) and
other scenario files' helpers, never this module, so any file may be imported first; tests/selftest.py checks that
each one imports alone and that every tests/scenarios_*.py file is listed here.

A new scenario file: add its module name to MODULES (group None: the group "scenarios", or "bochs" for Bochs runs).

Every scenario runs hvmm as users do: without vmcb_check=1, which turns the world switch's fast paths off
(docs/cmdline.md). The scenarios of VMCB_CHECK_PASS run a second time, as `<name>+vmcb_check` (group vmcb_check),
with vmcb_check=1 first on hvmm's command line: the VMCB consistency check before every VMRUN and, on a CPU with
NRIPS, nRIP compared with hvmm's decoder; their judges see the option in Context.cmdline.
"""

import dataclasses
import importlib
from typing import Dict, List, Optional, Tuple

from scenarios import VMCB_CHECK, Scenario

MODULES: List[Tuple[str, Optional[str]]] = [
    ("scenarios_basic", None),  # the default guests, no SVM/NPT, bad modules, badmem, CLI spinner, many guests
    ("scenarios_badinput", None),  # bad modules and command lines
    ("scenarios_acpi", None),  # ACPI tables, ACPI S5 power-off, TSC source
    ("scenarios_hw", "hw"),  # UEFI and BIOS, framebuffer console and screendumps, no serial port
    ("scenarios_bench", None),  # measurement lines; two icount runs give identical figures
    ("scenarios_hostile", "hostile"),  # hostile guests beside counter and matmul (docs/security.md)
    ("scenarios_soak", None),  # soak of 32 guests, console flood, long lines
    ("scenarios_contain", None),  # containment classes: extended state, debug registers, CPL 3, lengths
    ("scenarios_silicon", None),  # real-silicon hardening: exception loops, CPUID policy, timers, APIC, memory
    ("scenarios_newcomer", None),  # QEMU -kernel boot, an out-of-tree SDK guest, exit statuses
    ("scenarios_lag", None),  # guest-visible switch lag against probe guests
    ("scenarios_timers", None),  # the preemption period of two slice= values, measured against the TSC
    ("scenarios_documented", None),  # documented behaviour with no other test: bad module values, cpus=, hist lines
    ("scenarios_platform", None),  # multiboot v1 kernels on the virtual PC, also run under QEMU directly
    ("scenarios_linux", None),  # Debian's stock kernel as a guest beside native guests (SKIP without the package)
    ("scenarios_console", None),  # typing into hvmm's serial console: guests' UARTs, the focus, the monitor
    ("scenarios_trace", None),  # the timeline: trace=<n> dumps converted by tools/hvmm-trace, checked
    ("scenarios_gdb", None),  # Debian's gdb against the gdb stub on COM2: a native guest and Linux
    ("scenarios_realkernels", None),  # memtest86+ and Xen from Debian, also run under QEMU directly (SKIP likewise)
    ("scenarios_bochs", None),  # the same ISO under Bochs 2.7: NRIPS, no NRIPS, no NPT, no SVM; Bochs's bugs
    ("scenarios_smp", None),  # several CPUs: -smp 2/4, pinned guests, a hostile guest on an AP, panic by NMI
]

# Scenario -> what the checked pass finds there that the default path cannot.
VMCB_CHECK_PASS: Dict[str, str] = {
    "default": "every VMRUN of the sample guests checked, the report line",
    "hostile-cpu": "CR0 states hvmm's check refuses (rule named, VMCB dumped) before TCG's VMRUN would",
    "hostile-svm": "SVM instructions and a guest VMRUN with bad state: the check's kill path beside the intercepts",
    "hostile-contain": "prefixed and long instructions: the checked world switch beside single-stepping",
    "bochs-default": "nRIP (Bochs saves it) compared with hvmm's decoder for every emulated instruction",
    "bochs-hostile-cpu": "CR0.PG without PE, which Bochs 2.7's VMRUN accepts: only hvmm's check stops it",
    "bochs-hostile-contain": "nRIP compared with hvmm's decoder for prefixed instructions of 1-15 bytes",
    "vmcb-warn": "a processor-state rule VMRUN does not enforce (null SS in compatibility mode): one warning, the "
                 "guest runs on",
}
PASS_SUFFIX = "+vmcb_check"


def checked(sc: Scenario) -> Scenario:
    """sc's vmcb_check pass: the same guests and judge, vmcb_check=1 first on hvmm's command line."""
    xfail = sc.xfail if sc.xfail_checked is None else sc.xfail_checked
    return dataclasses.replace(sc, name=sc.name + PASS_SUFFIX, cmdline=f"{VMCB_CHECK} {sc.cmdline}", xfail=dict(xfail))


def load() -> Tuple[List[Scenario], Dict[str, str], Dict[str, str]]:
    """Every scenario in MODULES order, each scenario name's group and module. One name twice is an error."""
    out: List[Scenario] = []
    groups: Dict[str, str] = {}
    module_of: Dict[str, str] = {}
    for mod, group in MODULES:
        for sc in importlib.import_module(mod).SCENARIOS:
            if sc.name in groups:
                raise ValueError(f"scenario name {sc.name!r} in {mod} and {module_of[sc.name]}")
            groups[sc.name] = group or ("bochs" if sc.emulator == "bochs" else "scenarios")
            module_of[sc.name] = mod
            out.append(sc)
    by_name = {sc.name: sc for sc in out}
    for name in VMCB_CHECK_PASS:  # a name no file defines is an error: the pass cannot shrink unnoticed
        sc = checked(by_name[name])
        groups[sc.name], module_of[sc.name] = "vmcb_check", module_of[name]
        out.append(sc)
    return out, groups, module_of


SCENARIOS, GROUPS, MODULE_OF = load()


def find(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)
