# SPDX-License-Identifier: MIT
"""Bochs scenarios: the same ISO on a second SVM implementation (Bochs 2.7, tools/run-bochs), on several CPU models.

Bochs counts emulated instructions (its TSC, PIT and LAPIC timer run at ips= instructions per second, clock
sync=none), so a run repeats exactly. It has NRIPS and flush-by-ASID on `zambezi` (QEMU's TCG has neither), no NRIPS on
`phenom_8650_toliman`, SVM without nested paging on `turion64_tyler` and no SVM on `athlon64_venice`; it raises #GP
for reserved control-register bits at the MOV and checks EVENTINJ, EFER/CR4 reserved bits and the map addresses at
VMRUN. Guests are kept small (mem=4M, few rounds): Bochs runs some tens of millions of instructions per second.
The hostile and containment scenarios reuse the QEMU judges (tests/scenarios_hostile.py, scenarios_contain.py); where
silicon raises #GP for a control-register write, the Bochs judge also wants that #GP.

Where Bochs itself differs from the AMD manual, the check is an expected failure: BOCHS_BUGS below is the one place
that says which checks and why; tests/run.py prints them as XFAIL and counts them (an expected failure that passes
is a FAIL, so the list cannot go stale).
"""

from typing import Dict, List

from hvmmlog import HvmmLog
import scenarios_contain
import scenarios_hostile
import scenarios_silicon
from scenarios import (EXIT_PORT, GUESTS, Context, Judge, Scenario, check_badmem, check_counter,
                       check_killed, check_spincli, judge_default, judge_refused, vmcb_report)
from scenarios_hostile import CPU_GUESTS, MEM_GUESTS, SVM_GUESTS, check_kill, hostile, svm_line

BOCHS_CMDLINE = "slice=10ms " + EXIT_PORT
COUNTER = f"{GUESTS}/counter.elf name=counter mem=4M"
MATMUL = f"{GUESTS}/matmul.elf name=matmul mem=4M rounds=100"
EXITCODE = f"{GUESTS}/exitcode.elf name=exitcode mem=4M status=3"

# Bochs 2.7's own bugs (read in its cpu/svm.cc; the AMD manual says otherwise): the reason for each expected failure.
BUG_VINTR = ("Bochs 2.7 bug: with V_INTR_MASKING=1 and host IF=1 a physical interrupt does not end a guest running "
             "with IF=0 (VMRUN computes the interrupt mask before it enters guest mode; APM Vol. 2 §15.21.1 says "
             "the host IF decides), so the timer never preempts a guest with IF=0 (hvmm's guests start so)")
BUG_CR0_PE = ("Bochs 2.7 bug: a guest MOV to CR0 with PG=1 PE=0 is not checked inside the guest (silicon: #GP, "
              "APM Vol. 2 §3.1.1), and its VMRUN accepts LME=1 PG=1 PE=0 (APM §15.5.1: illegal); hvmm's own VMCB "
              "check stops the guest instead")
BUG_CR0_PE_RUNS = ("Bochs 2.7 bug: its VMRUN accepts LME=1 PG=1 PE=0 (APM Vol. 2 §15.5.1: illegal) after the MOV it "
                   "did not refuse either (silicon: #GP, §3.1.1), so without hvmm's VMCB check (vmcb_check=1, the "
                   "+vmcb_check pass) nothing stops the guest")
CR0PE_RUNS = {c: BUG_CR0_PE_RUNS for c in ("hcpu-cr0pe: killed with a reason and rip", "hcpu-cr0pe: no NOT CONTAINED",
                                           "hcpu-cr0pe exit=killed",
                                           f"hcpu-cr0pe: kill reason matches /{scenarios_hostile.INVALID}/")}
BUG_DB_DR6 = ("Bochs 2.7 bug: on a #DB that hvmm intercepts (the exception-loop guard), the guest's DR6 in the VMCB "
              "is not updated first, so the single-step trap of an instruction the CPU itself ran (NOP) reaches the "
              "guest without DR6.BS; silicon updates DR6 and DR7 before the #DB intercept (APM Vol. 2 §15.12; KVM "
              "relies on it)")
STEP_NOP = "hstep-step: PASS single-step trap right after the instruction, DR6.BS set: NOP (not intercepted)"
EXC_DR6 = {c: BUG_DB_DR6 for c in ("hexc-db: PASS single step: DR6.BS set", "hexc-db: PASS instruction breakpoint: "
                                   "DR6.B0 set", "hexc-db: no FAIL line", "hexc-db: hostile done fails=0",
                                   "hexc-db exit=0")}
NO_PREEMPTION = {  # hvmm's guests start with IF=0 (docs/guest-abi.md): under Bochs only their own exits switch
    "at least 10 switches in total": BUG_VINTR,
    "guest output interleaves (>= 10 prefix changes)": BUG_VINTR,
}
BOCHS_BUGS_CHECKED: Dict[str, Dict[str, str]] = {  # the same for the vmcb_check pass, where it differs
    "bochs-hostile-cpu": {"hcpu-cr0pe: #GP at the MOV, as on silicon": BUG_CR0_PE},
}
BOCHS_BUGS: Dict[str, Dict[str, str]] = {  # scenario -> {check name: reason}
    "bochs-default": NO_PREEMPTION,
    "bochs-no-nrips": NO_PREEMPTION,
    "bochs-hostile-cpu": {"hcpu-cr0pe: #GP at the MOV, as on silicon": BUG_CR0_PE, **CR0PE_RUNS},
    "bochs-hostile-exc": EXC_DR6,
    "bochs-contain": {"counter printed while spincli spun with IF=0 (cli spinner preempted)": BUG_VINTR},
    "bochs-hostile-contain": {STEP_NOP: BUG_DB_DR6, "hstep-step: no FAIL line": BUG_DB_DR6,
                              "hstep-step: hostile done fails=0": BUG_DB_DR6, "hstep-step exit=0": BUG_DB_DR6},
    "bochs-fast-paths": {STEP_NOP: BUG_DB_DR6, "hstep-step: no FAIL line": BUG_DB_DR6,
                         "hstep-step: hostile done fails=0": BUG_DB_DR6, "hstep-step exit=0": BUG_DB_DR6},
}


def check_svm_line(j: Judge, log: HvmmLog, **want: int) -> None:
    caps = svm_line(log)
    got = {k: caps.get(k) for k in want}
    j.check("svm line: " + " ".join(f"{k}={v}" for k, v in want.items()), got == want, f"svm line has {got}")


def check_vm_cr_warning(j: Judge, log: HvmmLog) -> None:
    """Bochs 2.7 has no VM_CR MSR: hvmm's rdmsr_safe reports the #GP and carries on (svm.c)."""
    j.check("VM_CR #GP reported as a warning, not a panic",
            any(ln.startswith("hvmm: warning: RDMSR VM_CR (C001_0114h) raised #GP") for ln in log.lines))


def judge_default_on(nrips: int):
    def judge(j: Judge, log: HvmmLog, ctx: Context) -> None:
        check_svm_line(j, log, npt=1, nrips=nrips)
        check_vm_cr_warning(j, log)
        if ctx.vmcb_check:  # the report counts nRIP uses (the vmcb_check pass of tests/registry.py)
            r = vmcb_report(log) or {}
            used = r.get("nrip_used", -1)
            j.check("RIP advanced by nRIP (vmcb_check: nRIP used > 0)" if nrips else
                    "no nRIP: instruction lengths used", used > 0 if nrips else used == 0, f"nRIP used {used} times")
        judge_default(j, log, ctx)
    return judge


MANY = 64  # every Bochs SVM model has 64 ASIDs (63 for guests): the 64th guest starts a new ASID generation


def judge_many(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_svm_line(j, log, asids=64)
    for i in range(MANY):
        check_counter(j, log, f"c{i}", 2)


def judge_contain(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_killed(j, log, "svminsn")
    check_killed(j, log, "triplefault")
    k = log.killed.get("triplefault")
    j.check("triplefault: killed as a triple fault (SHUTDOWN intercept)",
            k is not None and k.reason.startswith("triple fault"), f"reason {k.reason!r}" if k else "not killed")
    check_badmem(j, log)
    check_spincli(j, log)
    check_counter(j, log)


def judge_contain_more(j: Judge, log: HvmmLog, ctx: Context) -> None:
    judge_contain(j, log, ctx)
    check_kill(j, log, "htime-int3", r"^triple fault \(shutdown\)", "int3")
    check_kill(j, log, "htime-intn", r"^triple fault \(shutdown\)", "int 0x80")


# Silicon raises #GP at the MOV for these attacks (tests/guests/hostile_cpu.c).
CR_GP = ["cr0pe", "cr0pg", "cr0nw", "cr4pae", "cr4rsvd", "cr3rsvd"]


def judge_hostile_cpu(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """QEMU's judge (a kill or #GP per attack), and where silicon raises #GP, whether Bochs did too."""
    scenarios_hostile.judge_cpu(j, log, ctx)
    for a in CR_GP:
        j.check(f"hcpu-{a}: #GP at the MOV, as on silicon", f"SURVIVED {a}: #GP" in log.console(f"hcpu-{a}"),
                f"console: {log.console(f'hcpu-{a}')[-2:]}")


def judge_hostile_svm(j: Judge, log: HvmmLog, ctx: Context) -> None:
    scenarios_hostile.judge_svm(j, log, ctx)
    j.check("hsvm-vmrunbad: a guest VMRUN with a bad rAX is intercepted (killed), not #GP first",
            "hsvm-vmrunbad" in log.killed)


def judge_fast_paths(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """CPUID answered from the cache and the null hypercall completed in vmrun.S (nRIP): values and lengths as the
    C path gives them (cpuid-policy's judge, the single-step, prefix and code-change cases of hostile_step), and
    counted."""
    scenarios_silicon.judge_cpuid(j, log, ctx)
    check_counter(j, log)
    scenarios_contain.check_fast_paths(j, log)
    j.check("bench: null VMMCALL and CPUID round trips measured", any(t.startswith("lat op=vmmcall n=64 ")
                                                                      for t in log.console("bench")),
            str(log.console("bench")[-2:]))


def judge_exc(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """Bochs fires a guest's breakpoints (QEMU 7.2's TCG does not): the instruction breakpoint (DR0, DR7 loaded for
    the guest) and the #DB loop must both run here, and the loop guard must stop the loop; a SKIP line is a failure."""
    for n in ("hexc-db", "hexc-dbloop"):
        skips = [t for t in log.console(n) if t.startswith("SKIP")]
        j.check(f"{n}: the guest's breakpoints fire (no SKIP line)", not skips, "; ".join(skips))
    scenarios_silicon.judge_exc(j, log, ctx)
    judge_acloop(j, log)


def judge_acloop(j: Judge, log: HvmmLog) -> None:
    """tests/mb1/mb1_acloop.c: Bochs checks alignment (QEMU's TCG does not), so the #AC reaches the kernel's CPL-3
    handler, and with ESP misaligned its delivery recurs until the loop guard stops it (CVE-2015-5307)."""
    lines = log.console("acloop")
    j.check("acloop: #AC raised and reflected to the CPL-3 handler (no SKIP line)",
            "PASS: #AC reaches the CPL-3 handler" in lines and not any(t.startswith("SKIP") for t in lines),
            "; ".join(lines[-3:]))
    j.check("acloop: no NOT CONTAINED", not any("NOT CONTAINED" in t for t in lines))
    check_kill(j, log, "acloop", r"^exception loop: #AC delivered 10000 times in a row at rsp=0x[0-9a-f]+ without "
               r"progress \(CVE-2015-5307\)", "acloop")


def bochs(name: str, guests: List[str], judge, cpu: str = "zambezi", timeout: int = 300, **kw) -> Scenario:
    """A Bochs scenario. The time limit is wall-clock and generous: Bochs's speed follows the host's load, while
    the emulated run is the same every time (it ends by itself long before on an idle host)."""
    return Scenario(name, guests, judge, cmdline=kw.pop("cmdline", BOCHS_CMDLINE), cpu=cpu, emulator="bochs",
                    timeout=timeout, xfail=BOCHS_BUGS.get(name, {}), xfail_checked=BOCHS_BUGS_CHECKED.get(name), **kw)


SCENARIOS: List[Scenario] = [
    bochs("bochs-default", [COUNTER, MATMUL, EXITCODE], judge_default_on(nrips=1)),
    bochs("bochs-no-nrips", [COUNTER, MATMUL, EXITCODE], judge_default_on(nrips=0), cpu="phenom_8650_toliman"),
    bochs("bochs-many-guests", [f"{GUESTS}/counter.elf name=c{i} mem=2M count=2" for i in range(MANY)], judge_many),
    bochs("bochs-no-npt", [COUNTER, EXITCODE], judge_refused(r"hvmm: error: .*nested paging"), cpu="turion64_tyler",
          runs_guests=False),
    bochs("bochs-no-svm", [COUNTER, EXITCODE], judge_refused(r"hvmm: error: .*SVM"), cpu="athlon64_venice",
          runs_guests=False),
    bochs("bochs-contain", [f"{GUESTS}/svminsn.elf name=svminsn mem=4M",
                            f"{GUESTS}/triplefault.elf name=triplefault mem=4M",
                            f"{GUESTS}/badmem.elf name=badmem mem=4M",
                            f"{GUESTS}/spincli.elf name=spincli mem=4M spin_ms=200",
                            hostile("hostile_time", "int3"), hostile("hostile_time", "intn"), COUNTER],
          judge_contain_more),
    bochs("bochs-hostile-cpu", [COUNTER, MATMUL] + CPU_GUESTS, judge_hostile_cpu),
    bochs("bochs-hostile-svm", [COUNTER, MATMUL] + SVM_GUESTS, judge_hostile_svm),
    bochs("bochs-hostile-mem", [COUNTER, MATMUL] + MEM_GUESTS, scenarios_hostile.judge_mem),
    bochs("bochs-hostile-io", [COUNTER, MATMUL, f"{GUESTS}/hostile_io.elf name=hio mem=4M"],
          scenarios_hostile.judge_io),
    bochs("bochs-hostile-hc-fault", [COUNTER, MATMUL, f"{GUESTS}/hostile_hc.elf name=hhc mem=4M",
                                     hostile("hostile_fault", "storm"), hostile("hostile_fault", "stack")],
          scenarios_hostile.judge_hc_fault),
    bochs("bochs-hostile-contain", [COUNTER, MATMUL] + scenarios_contain.CONTAIN_GUESTS,
          scenarios_contain.judge_contain),
    # The exception-loop guard (CVE-2015-8104 with #DB, CVE-2015-5307 with #AC in 32-bit protected mode) and a
    # guest's own breakpoints, which QEMU's TCG cannot show (it neither fires them nor checks alignment).
    bochs("bochs-hostile-exc", [COUNTER, MATMUL, hostile("hostile_exc", "db"), hostile("hostile_exc", "dbloop"),
                                "build/mb1/mb1_acloop.elf name=acloop mem=4M"], judge_exc),
    # The world switch with its fast paths (CPUID from the cache, the null hypercall) as a CPU with nRIP runs them
    # (scenario fast-paths: the same under QEMU's TCG, without nRIP).
    bochs("bochs-fast-paths", [f"{GUESTS}/cpuid_dump.elf name=cpuid mem=4M",
                               f"{GUESTS}/bench.elf name=bench mem=4M max_log4=3", COUNTER]
          + [hostile("hostile_step", a) for a in ("step", "len", "poke")], judge_fast_paths),
    # The safe RET against SRSO on a second implementation: `ryzen` is family 17h without IBPB (Zen 1/2 sequence).
    bochs("bochs-srso", [COUNTER, MATMUL], scenarios_silicon.judge_srso(
        "safe RET, Zen 1/2 sequence (exposed to SRSO, family 17h/18h, srso=safe-ret)", "no IBPB", count=20), cpu="ryzen"),
]
