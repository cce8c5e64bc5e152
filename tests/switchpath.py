# SPDX-License-Identifier: MIT
"""What no emulator here can show about speculation, checked on the binary (docs/security.md "Real silicon").

    python3 tests/switchpath.py [build/hvmm.elf]   # prints each finding; exit status 1 if any

Disassembles hvmm with objdump and checks, in order of the switch path:
  - no indirect CALL or JMP anywhere in hvmm (retpolines: -mindirect-branch=thunk-inline);
  - svm_world_switch (and svm_world_switch_fetch, its fast paths for a CPU without nRIP, and
    svm_world_switch_checked, its copy without fast paths for vmcb_check=1): after the slow-path VMSAVE/VMLOAD of
    host state and before STGI and any RET, the exit barrier guarded by spec_exit_mode (CALL spec_exit_barrier,
    which issues IBPB or jumps to the safe RET's untraining sequence); its only RET is the RSB-free return (pop %rcx;
    call T; pause; lfence; jmp; T: mov %rcx,(%rsp); ret), the only CALLs after VMRUN are the barrier's and that one,
    and the fast paths (CPUID, the null hypercall) re-enter the guest with no RET, CALL, VMSAVE or VMLOAD;
  - a return site (JMP/Jcc to __x86_return_thunk, patched at boot: hvmm/x86/spec_ret.h) counts as a RET;
  - every caller of a world switch (the run loop) has the 32-entry return-stack fill (32 CALLs each over an INT3,
    RSP restored by 256, LFENCE) right before each of its RETs, and makes no tail call;
  - the guest switch (sched.c's switch_state with xstate.h's inline xstate_switch, wherever the compiler put them)
    fills the return stack and issues the IBPB guarded by spec_ibpb_switch (WRMSR 0x49) before it loads the next
    guest's extended state: before each XRSTOR64/FXRSTOR64 outside xstate_switch_any and each call of
    xstate_switch_any, in the same function; every FXRSTOR64/XRSTOR64 in hvmm follows the FXSAVE-leak fixup
    (FNCLEX, EMMS, FILD) within 8 instructions.
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
RET_SITE = re.compile(r"^j[a-z]+ [0-9a-f]+ <__x86_return_thunk>$")


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
                x = re.sub(r"\s+", " ", m.group(2).strip())
                # A return site (hvmm/x86/spec_ret.h): patched at boot to a RET, or to the safe RET's thunk.
                funcs[cur].append("ret" if RET_SITE.match(x) else x)
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
    if fast:
        # The fast paths: the exit-code tests between VMRUN and the slow path's first PUSH, and the code after the
        # switch's only RET (vmrun.S puts them there); no RET, CALL or VMSAVE in them, and a JMP back to VMRUN.
        entry = first(ws, r"^push ", vmrun + 1)
        ret = first(ws, r"^ret", slow)
        region = ws[vmrun + 1:entry] + (ws[ret + 1:] if ret >= 0 else [])
        if entry < 0 or ret < 0 or not any(x.startswith("jmp ") for x in ws[ret + 1:]) or \
                any(re.match(r"^(ret|call|vmsave|vmload)", x) for x in region):
            bad.append("svm_world_switch: the fast paths do not re-enter the guest without RET/CALL")
    stgi = first(ws, r"^stgi", host + 1)
    guard = first(ws, r"^cmpb \$0x0,.*<spec_exit_mode>", host + 1)
    barrier = first(ws, r"^call .*<spec_exit_barrier>", guard + 1) if guard >= 0 else -1
    if not (0 <= guard < barrier < stgi) or any(re.match(r"^(ret|call|jmp) ", x) for x in ws[host + 1:barrier]):
        bad.append("svm_world_switch: no exit barrier (spec_exit_mode, CALL spec_exit_barrier: IBPB or the safe "
                   "RET's untraining) between the host VMLOAD and STGI, before any RET")
    # The return: pop %rcx; call T; pause; lfence; jmp back; T: mov %rcx,(%rsp); ret -- the only RET, and the only
    # CALL after VMRUN.
    rets = [i for i, x in enumerate(ws) if re.match(r"^ret", x)]
    calls = [i for i, x in enumerate(ws) if re.match(r"^call ", x) and i > vmrun]
    r = rets[-1] if rets else -1
    tail = [x.split()[0] for x in ws[r - 6:r + 1]] if r >= 6 else []
    if len(rets) != 1 or tail != ["pop", "call", "pause", "lfence", "jmp", "mov", "ret"] or \
            ws[r - 6] != "pop %rcx" or ws[r - 1] != "mov %rcx,(%rsp)" or calls != [barrier, r - 5]:
        bad.append("svm_world_switch: does not return through the RSB-free return (SPEC_RET_NO_RSB) alone: "
                   "a RET or CALL after VMRUN would use or push a prediction next to the guest's")
    return bad


def check_exit_barrier(funcs: Dict[str, List[str]]) -> List[str]:
    """spec_exit_barrier (hvmm/x86/spec_ret.S): IBPB (WRMSR PRED_CMD = 1) then a return; else a jump to one of the two
    untraining sequences; no other RET before them."""
    ins = funcs.get("spec_exit_barrier", [])
    msr = first(ins, r"^mov \$0x49,%ecx")
    one = first(ins, r"^mov \$0x1,%eax", msr + 1) if msr >= 0 else -1
    wr = first(ins, r"^wrmsr", one + 1) if one >= 0 else -1
    ret = first(ins, r"^ret")
    if not (0 <= msr < one < wr < ret) or ret != wr + 1 or \
            not any(re.match(r"^j[a-z]+ .*<srso_alias_untrain_ret>", x) for x in ins[ret + 1:]) or \
            not any(re.match(r"^jmp .*<srso_untrain_ret>", x) for x in ins[ret + 1:]):
        return ["spec_exit_barrier: not IBPB (WRMSR 0x49 of 1) and a return, else a jump to srso_untrain_ret or "
                "srso_alias_untrain_ret"]
    return []


def fills(insns: List[str]) -> List[int]:
    """Indices of the return-stack fills in insns: 32 CALL/INT3 pairs, ADD 256 to RSP, LFENCE (index of LFENCE)."""
    out = []
    for i in range(len(insns)):
        if i + 65 < len(insns) and all(insns[i + 2 * k].startswith("call ") and insns[i + 2 * k + 1] == "int3"
                                       for k in range(32)):
            if insns[i + 64] == "add $0x100,%rsp" and insns[i + 65] == "lfence":
                out.append(i + 65)
    return out


def check_run_loop(funcs: Dict[str, List[str]]) -> List[str]:
    """Every caller of a world switch fills the RSB before each of its RETs, with no CALL in between."""
    bad: List[str] = []
    callers = [n for n, ins in funcs.items() if any(re.match(r"^call .*<svm_world_switch(_checked|_fetch)?>", x)
                                                     for x in ins)]
    if not callers:
        return ["no caller of svm_world_switch found"]
    for name in callers:
        ins = funcs[name]
        f = fills(ins)
        for i, x in enumerate(ins):
            if re.match(r"^ret", x):
                before = [k for k in f if k < i]
                if not before or any(re.match(r"^(call|jmp) ", y) for y in ins[before[-1] + 1:i]):
                    bad.append(f"{name}: a RET without the return-stack fill (32 CALLs, ADD 256, LFENCE) right "
                               "before it")
            elif re.match(r"^jmp .*<", x) and not re.match(rf"^jmp .*<{re.escape(name)}[+>]", x):
                bad.append(f"{name}: a tail call ({x}) leaves the run loop without the return-stack fill")
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
    ws = funcs.get("svm_world_switch_fetch")  # the fast paths without nRIP (QEMU TCG, pre-NRIPS silicon)
    bad += check_world_switch(ws, "svm_world_switch_fetch") if ws else ["no svm_world_switch_fetch"]
    ws = funcs.get("svm_world_switch_checked")  # the same switch without the fast path, for vmcb_check=1
    bad += check_world_switch(ws, "svm_world_switch_checked", fast=False) if ws else ["no svm_world_switch_checked"]
    bad += check_exit_barrier(funcs)
    bad += check_run_loop(funcs)
    sites = 0
    restores = 0
    for name, insns in funcs.items():
        for i, x in enumerate(insns):
            restore = re.match(r"^(fxrstor64|xrstor64)", x)
            if re.match(r"^(call|jmp) .*<xstate_switch_any>", x) or (restore and name != "xstate_switch_any"):
                sites += 1
                what = f"{name}: {x.split()[0]} of the next guest's extended state"
                ib = first(insns, r"^cmpb \$0x0,.*<spec_ibpb_switch>")
                if not (0 <= ib < first(insns, r"^mov \$0x49,%ecx", ib) < first(insns, r"^wrmsr", ib) < i):
                    bad.append(f"{what} without the IBPB (spec_ibpb_switch, WRMSR 0x49) before it")
                if not [k for k in fills(insns) if k < i]:
                    bad.append(f"{what} without a return-stack fill before it (the guest switch)")
            if restore:
                restores += 1
                near = [y.split()[0] for y in insns[max(0, i - 8):i]]
                if "fnclex" not in near or near[near.index("fnclex"):near.index("fnclex") + 3] != ["fnclex", "emms", "fildl"]:
                    bad.append(f"{name}: {x.split()[0]} without the FXSAVE-leak fixup right before it")
    if sites == 0:
        bad.append("no load of the next guest's extended state (the guest switch) found")
    if restores == 0:
        bad.append("no FXRSTOR64/XRSTOR64 found")
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
    planted = check(re.sub(r"(call\s+[0-9a-f]+ <[^>]+>\n\s*[0-9a-f]+:\s+)int3", r"\1nop", text, count=1))
    plain_ret = check(re.sub(r"mov    %rcx,\(%rsp\)\n(\s*[0-9a-f]+:\s+)(ret|jmp\s+[0-9a-f]+ <__x86_return_thunk>)",
                             r"nop\n\1\2", text))
    no_barrier = check(text.replace("<spec_exit_barrier>", "<elsewhere>"))
    return [("switch path: retpolines, the exit barrier and the RSB-free return after #VMEXIT, RSB fill and IBPB on guest switch "
             "and when the run loop returns, FXSAVE-leak fixup", not bad, "; ".join(bad[:4])),
            ("switch-path check rejects a switch path without the RSB fill",
             any("return-stack fill" in b for b in planted), repr(planted[:2])),
            ("switch-path check rejects a world switch that returns with a plain RET",
             any("RSB-free return" in b for b in plain_ret), repr(plain_ret[:2])),
            ("switch-path check rejects a world switch without the exit barrier (IBPB or safe-RET untraining)",
             any("no exit barrier" in b for b in no_barrier), repr(no_barrier[:2]))]


if __name__ == "__main__":
    found = check(disassemble(sys.argv[1] if len(sys.argv) > 1 else ELF))
    for b in found:
        print(b)
    sys.exit(1 if found else 0)
