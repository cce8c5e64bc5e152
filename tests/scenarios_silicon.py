"""Scenarios for hardening that matters on real AMD silicon (docs/security.md "Real silicon"): exception loops
(CVE-2015-8104), the guest CPUID policy, the TSC calibration source, the local APIC mode and memory types.
What no platform here can show (IBPB, RSB filling, SRSO) is checked on the binary by tests/switchpath.py."""

from typing import List

from hvmmlog import HvmmLog
from scenarios import GUESTS, Context, Judge, Scenario
from scenarios_hostile import COUNTER, check_kill, check_passes, check_well_behaved, hostile

# counter and a shorter matmul beside the guests under test (check_matmul recomputes the checksum for any rounds=)
WELL_BEHAVED = [COUNTER, f"{GUESTS}/matmul.elf name=matmul mem=16M rounds=200"]


def judge_exc(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_well_behaved(j, log)
    check_passes(j, log, "hexc-db", ["single step reaches the guest's #DB handler",
                                     "instruction breakpoint reaches the guest's #DB handler", "rdpru raises #UD"])
    check_kill(j, log, "hexc-dbloop",
               r"^exception loop: #DB delivered 10000 times in a row at rsp=0x[0-9a-f]+ without progress "
               r"\(CVE-2015-8104\)", "dbloop")


SCENARIOS: List[Scenario] = [
    Scenario("hostile-exc", WELL_BEHAVED + [hostile("hostile_exc", "db"), hostile("hostile_exc", "dbloop")],
             judge_exc),
]
