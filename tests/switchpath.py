# SPDX-License-Identifier: MIT
"""What no emulator here can show about speculation, checked on the binary (docs/security.md "Real silicon").

    python3 tests/switchpath.py [build/hvmm.elf]   # prints each finding; exit status 1 if any

Disassembles hvmm with objdump and checks, in order of the switch path:
  - no indirect CALL or JMP anywhere in hvmm (retpolines: -mindirect-branch=thunk-inline);
  - svm_world_switch (and svm_world_switch_checked, its copy without the fast path for vmcb_check=1): after the
    slow-path VMSAVE/VMLOAD of host state and before STGI and the first RET, the 32-entry
    return-stack fill (32 CALLs each over an INT3, RSP restored by 256, LFENCE) and then the IBPB guarded by
    spec_ibpb_exit (WRMSR PRED_CMD = 1); no RET or CALL between VMRUN and the fill; the null-hypercall fast path
    re-enters the guest with no RET or CALL;
  - the guest switch (sched.c's switch_state, wherever the compiler put it) issues the IBPB guarded by
    spec_ibpb_switch (WRMSR 0x49) before it calls xstate_switch; every FXRSTOR64/XRSTOR64 in xstate_switch follows
    the FXSAVE-leak fixup (FNCLEX, EMMS, FILD) within 8 instructions.
"""

import os
import re
import subprocess
import sys
from typing import Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF = os.path.join(ROOT, "build", "hvmm.elf")
FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(.*)$")


def functions(text: str) -> Dict[str, List[str]]:
    """{function: [instruction text, ...]} from `objdump -d --no-show-raw-insn` output."""
    funcs: Dict[str, List[str]] = {}
    cur = None
    for ln in text.splitlines():
        m = FUNC.match(ln)
        if m:
            cur = m.group(1)
            funcs[cur] = []
        elif cur:
            m = INSN.match(ln)
            if m:
                funcs[cur].append(re.sub(r"\s+", " ", m.group(2).strip()))
    return funcs


def first(insns: List[str], pattern: str, start: int = 0) -> int:
    for i in range(start, len(insns)):
        if re.search(pattern, insns[i]):
            return i
    return -1


def check_world_switch(ws: List[str], name: str = "svm_world_switch", fast: bool = True) -> List[str]:
    """The checks above for one world switch; fast=False: the variant without the fast path (vmcb_check=1)."""
    return [b.replace("svm_world_switch:", f"{name}:", 1) for b in _check_world_switch(ws, fast)]


def _check_world_switch(ws: List[str], fast: bool) -> List[str]:
    bad: List[str] = []
    vmrun = first(ws, r"^vmrun")
    slow = first(ws, r"^vmsave", vmrun + 1) if vmrun >= 0 else -1
    host = first(ws, r"^vmload", slow + 1) if slow >= 0 else -1
    if min(vmrun, slow, host) < 0:
        return ["svm_world_switch: no VMRUN, VMSAVE, VMLOAD (host) sequence"]
    fast_end = first(ws, r"^jmp ", vmrun + 1)
    if fast and (fast_end < 0 or fast_end > slow or any(re.match(r"^(ret|call)", x) for x in ws[vmrun + 1:fast_end])):
        bad.append("svm_world_switch: the fast path does not re-enter the guest without RET/CALL")
    fill = first(ws, r"^call ", host + 1)
    stgi = first(ws, r"^stgi", host + 1)
    ret = first(ws, r"^ret", host + 1)
    if fill < 0 or stgi < 0 or not fill < stgi < ret:
        return bad + ["svm_world_switch: no return-stack fill between the host VMLOAD and STGI"]
    if any(re.match(r"^(ret|call)", x) for x in ws[vmrun + 1:fill]):
        bad.append("svm_world_switch: a RET or CALL runs between VMRUN and the return-stack fill")
    body = ws[fill:stgi]
    pairs = 0
    while pairs * 2 + 1 < len(body) and body[pairs * 2].startswith("call ") and body[pairs * 2 + 1] == "int3":
        pairs += 1
    if pairs != 32:
        bad.append(f"svm_world_switch: the return-stack fill has {pairs} CALL/INT3 pairs, not 32")
    add = first(body, r"^add \$0x100,%rsp")
    lf = first(body, r"^lfence")
    if add != 2 * pairs or lf != add + 1:
        bad.append("svm_world_switch: the fill does not restore RSP by 256 bytes and then LFENCE")
    guard = first(body, r"^cmpb \$0x0,.*<spec_ibpb_exit>")
    msr = first(body, r"^mov \$0x49,%ecx")
    wr = first(body, r"^wrmsr")
    if not (lf < guard < msr < wr):
        bad.append("svm_world_switch: no IBPB (spec_ibpb_exit, WRMSR 0x49) after the fill and before STGI")
    return bad


def check(text: str) -> List[str]:
    funcs = functions(text)
    bad: List[str] = []
    for name, insns in funcs.items():
        for x in insns:
            if re.match(r"^(call|jmp) \*", x):
                bad.append(f"{name}: indirect branch without a retpoline: {x}")
    ws = funcs.get("svm_world_switch")
    bad += check_world_switch(ws) if ws else ["no svm_world_switch"]
    ws = funcs.get("svm_world_switch_checked")  # the same switch without the fast path, for vmcb_check=1
    bad += check_world_switch(ws, "svm_world_switch_checked", fast=False) if ws else ["no svm_world_switch_checked"]
    callers = 0
    for name, insns in funcs.items():
        for i, x in enumerate(insns):
            if re.match(r"^(call|jmp) .*<xstate_switch>", x) and name != "xstate_switch":
                callers += 1
                ib = first(insns, r"^cmpb \$0x0,.*<spec_ibpb_switch>")
                if not (0 <= ib < first(insns, r"^mov \$0x49,%ecx", ib) < first(insns, r"^wrmsr", ib) < i):
                    bad.append(f"{name}: no IBPB (spec_ibpb_switch, WRMSR 0x49) before it calls xstate_switch")
    if callers == 0:
        bad.append("no call of xstate_switch (the guest switch) found")
    switches = 0
    xs = funcs.get("xstate_switch", [])
    for i, x in enumerate(xs):
        if re.match(r"^(fxrstor64|xrstor64)", x):
            switches += 1
            near = [y.split()[0] for y in xs[max(0, i - 8):i]]
            if "fnclex" not in near or near[near.index("fnclex"):near.index("fnclex") + 3] != ["fnclex", "emms", "fildl"]:
                bad.append(f"xstate_switch: {x.split()[0]} without the FXSAVE-leak fixup right before it")
    if switches == 0:
        bad.append("xstate_switch: no FXRSTOR64/XRSTOR64 found")
    return bad


def disassemble(elf: str = ELF) -> str:
    return subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], check=True, stdout=subprocess.PIPE,
                          text=True).stdout


def self_test() -> List[tuple]:
    """(check name, ok, detail): hvmm's binary passes, and the checker catches a switch path without the fill."""
    if not os.path.isfile(ELF):
        return [("switch path: build/hvmm.elf exists", False, "build it first")]
    text = disassemble()
    bad = check(text)
    planted = check(text.replace("int3", "nop", 1))
    return [("switch path: retpolines, RSB fill and IBPB after #VMEXIT, IBPB and FXSAVE-leak fixup on switch",
             not bad, "; ".join(bad[:4])),
            ("switch-path check rejects a world switch without the RSB fill",
             any("return-stack fill" in b for b in planted), repr(planted[:2]))]


if __name__ == "__main__":
    found = check(disassemble(sys.argv[1] if len(sys.argv) > 1 else ELF))
    for b in found:
        print(b)
    sys.exit(1 if found else 0)
