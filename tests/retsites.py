# SPDX-License-Identifier: MIT
"""hvmm's returns, checked on the binary (hvmm/x86/spec_ret.h, docs/security.md "Real silicon"), objdump as the
reference:

    python3 tests/retsites.py [build/hvmm.elf]   # prints each finding; exit status 1 if any

  - the .retsites table lists exactly the JMP/Jcc rel32 to __x86_return_thunk in .text (tools/retsites);
  - every other near RET in .text is a thunk's own (__x86_return_thunk, srso_safe_ret, srso_alias_safe_ret) or a
    retpoline's (right after `mov %reg,(%rsp)` at the target of the CALL just before it: -mindirect-branch);
  - the safe RETs are laid out as the untraining needs: srso_safe_ret starts a 64-byte line 2 bytes into
    srso_untrain_ret's MOVABS, whose immediate is LEA 8(%rsp),%rsp; RET; INT3; INT3; srso_alias_untrain_ret and
    srso_alias_safe_ret differ in exactly bits 2, 8, 14 and 20;
  - .text patched as retsites_patch does at boot (plain RET, Zen 1/2 and Zen 3/4 safe RET) and disassembled again
    has no jump to __x86_return_thunk left: each site is a RET (a Jcc site: J!cc over one), or jumps to its thunk.
Part of the runner's self-test (tests/selftest.py).
"""

import importlib.machinery
import os
import re
import struct
import subprocess
import sys
import tempfile
from typing import Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF = os.path.join(ROOT, "build", "hvmm.elf")
tool = importlib.machinery.SourceFileLoader("retsites_tool", os.path.join(ROOT, "tools", "retsites")).load_module()
ALIAS_BITS = 0x104104  # SPEC_SRSO_ALIAS_BITS
SAFE_RET_BYTES = bytes.fromhex("488d642408c3cccc")  # lea 0x8(%rsp),%rsp; ret; int3; int3
THUNKS = {"plain": None, "zen12": "srso_return_thunk", "zen34": "srso_alias_return_thunk"}


def patch(text: bytes, base: int, sites: List[int], target) -> bytes:
    """.text as retsites_patch (hvmm/x86/retsites.c) leaves it: target None = plain RET, else the thunk's address."""
    t = bytearray(text)
    for a in sites:
        o = a - base
        n = 6 if t[o] == 0x0f else 5
        if target is not None:
            struct.pack_into("<i", t, o + n - 4, target - (a + n))
        elif n == 6:
            t[o:o + 6] = bytes([0x70 | ((t[o + 1] & 0xf) ^ 1), 4, 0xc3, 0xcc, 0xcc, 0xcc])
        else:
            t[o:o + 5] = b"\xc3\xcc\xcc\xcc\xcc"
    return bytes(t)


def disassemble_raw(text: bytes, base: int) -> List[Tuple[int, str, str]]:
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(text)
        f.flush()
        out = subprocess.run(["objdump", "-D", "-w", "-b", "binary", "-m", "i386:x86-64", f"--adjust-vma=0x{base:x}",
                              f.name], check=True, stdout=subprocess.PIPE, text=True).stdout
    res = []
    for ln in out.splitlines():
        m = tool.LINE.match(ln)
        if m:
            res.append((int(m.group(1), 16), m.group(3), m.group(4)))
    return res


def check_patched(text: bytes, base: int, sites: List[int], sym: Dict[str, int]) -> List[str]:
    bad = []
    thunk = sym[tool.THUNK]
    for kind, name in THUNKS.items():
        target = sym[name] if name else None
        insns = disassemble_raw(patch(text, base, sites, target), base)
        at = {a: (m, o) for a, m, o in insns}
        left = [a for a, m, o in insns if m.startswith("j") and re.match(rf"^0x{thunk:x}\b", o)]
        if left:
            bad.append(f"patched ({kind}): {len(left)} jumps to __x86_return_thunk left, first at 0x{left[0]:x}")
        for a in sites:
            m, o = at.get(a, ("?", ""))
            if target is None:
                ok = m == "ret" or (re.match(r"^j[a-z]+$", m) and at.get(a + 2, ("",))[0] == "ret" and
                                    re.match(rf"^0x{a + 6:x}$", o))
            else:
                ok = m.startswith("j") and re.match(rf"^0x{target:x}$", o)
            if not ok:
                bad.append(f"patched ({kind}): site 0x{a:x} reads '{m} {o}'")
                break
    return bad


def check_layout(text: bytes, base: int, sym: Dict[str, int]) -> List[str]:
    bad = []
    safe, untrain = sym["srso_safe_ret"], sym["srso_untrain_ret"]
    if safe % 64 or safe - untrain != 2 or text[untrain - base:untrain - base + 2] != b"\x48\xb8" or \
            text[safe - base:safe - base + 8] != SAFE_RET_BYTES:
        bad.append("srso_untrain_ret/srso_safe_ret: not a MOVABS whose immediate is the safe RET at a 64-byte line")
    a, s = sym["srso_alias_untrain_ret"], sym["srso_alias_safe_ret"]
    if a ^ s != ALIAS_BITS or text[s - base:s - base + 6] != SAFE_RET_BYTES[:6]:
        bad.append(f"srso_alias_untrain_ret 0x{a:x} and srso_alias_safe_ret 0x{s:x} do not differ in exactly bits "
                   "2, 8, 14 and 20, or the safe RET is not LEA 8(%rsp),%rsp; RET")
    return bad


def check_rets(insns, sym: Dict[str, int], sites: List[int], table: List[int]) -> List[str]:
    bad = []
    if table != sites:
        bad.append(f"the .retsites table ({len(table)} entries) does not list the return sites ({len(sites)}): "
                   f"missing {[hex(a) for a in sorted(set(sites) - set(table))][:4]}, "
                   f"not a site {[hex(a) for a in sorted(set(table) - set(sites))][:4]}")
    own = {sym[tool.THUNK], sym["srso_safe_ret"] + 5, sym["srso_alias_safe_ret"] + 5}
    for i, (addr, raw, mnem, ops) in enumerate(insns):
        if mnem not in ("ret", "retq") or addr in own:
            continue
        prev = insns[i - 1] if i else None
        called = {int(m.group(1), 16) for _, _, mn, op in insns[max(0, i - 6):i - 1] if mn == "call"
                  for m in [re.match(r"^([0-9a-f]+) ", op)] if m}
        if prev and prev[2] == "mov" and re.match(r"^%r\w+,\(%rsp\)$", prev[3]) and prev[0] in called:
            continue  # a retpoline's RET, predicted from the CALL just before it
        bad.append(f"0x{addr:x}: a RET that is not a return site, a thunk's own or a retpoline's")
    return bad


def check(elf: str = ELF) -> List[str]:
    sym = tool.symbols(elf)
    base, text = tool.sections(elf)[".text"]
    insns = tool.disassemble(elf)
    sites, errors = tool.find_sites(insns, sym[tool.THUNK])
    table = tool.table(elf)
    return errors + check_rets(insns, sym, sites, table) + check_layout(text, base, sym) + \
        check_patched(text, base, table, sym)


def self_test() -> List[tuple]:
    """(check name, ok, detail): hvmm's binary passes; a table missing a site and an unlisted RET are caught."""
    if not os.path.isfile(ELF):
        return [("return sites: build/hvmm.elf exists", False, "build it first")]
    bad = check()
    sym = tool.symbols(ELF)
    insns = tool.disassemble(ELF)
    sites, _ = tool.find_sites(insns, sym[tool.THUNK])
    short = check_rets(insns, sym, sites, sites[1:])
    planted = check_rets(insns + [(0x7fff00, b"\xc3", "ret", "")], sym, sites, sites)
    return [("return sites: every RET of hvmm.elf listed in .retsites or a thunk's/retpoline's own, the safe-RET "
             "layout, none left after patching (plain, Zen 1/2, Zen 3/4)", not bad, "; ".join(bad[:3])),
            ("return-site check rejects a table that misses a site", any("missing" in b for b in short), repr(short[:1])),
            ("return-site check rejects a plain RET that is not a site", any("0x7fff00" in b for b in planted),
             repr(planted[:1]))]


if __name__ == "__main__":
    found = check(sys.argv[1] if len(sys.argv) > 1 else ELF)
    for b in found:
        print(b)
    sys.exit(1 if found else 0)
