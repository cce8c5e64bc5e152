# SPDX-License-Identifier: MIT
"""The basic scenarios: the default three guests, no SVM, no NPT, bad modules, a guest writing outside its memory, a
CLI spinner, more guests than ASIDs, SVM instructions and a triple fault in a guest."""

import os
import random
from typing import List

from hvmmlog import HvmmLog
from scenarios import (COUNTER, EXITCODE, GUESTS, MATMUL, Context, Judge, Scenario, check_badmem, check_counter,
                       check_exitcode, check_killed, check_matmul, check_rejected, check_spincli, judge_default,
                       judge_refused)

MANY = 20  # more guests than the 15 guest ASIDs QEMU's TCG offers: ASIDs are recycled with a TLB flush


def judge_many(j: Judge, log: HvmmLog, ctx: Context) -> None:
    for i in range(MANY):
        check_counter(j, log, f"c{i}", 3)
    sw = log.total_switches()
    j.check(f"at least {MANY * 3} switches", sw >= MANY * 3, f"sum of switches= is {sw}")


def make_bad_modules(d: str) -> None:
    rng = random.Random(20240601)
    with open(os.path.join(d, "junk.bin"), "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(4096)))
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("This is a text file, not a guest image.\nhvmm must reject it and run the others.\n" * 20)


def judge_bad_module(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_rejected(j, log, "junk")
    check_rejected(j, log, "textfile")
    check_counter(j, log)
    check_exitcode(j, log)


def judge_badmem(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_badmem(j, log)
    check_counter(j, log)
    check_matmul(j, log)


def judge_spin_cli(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_spincli(j, log)
    check_counter(j, log)
    check_matmul(j, log)


def judge_contain(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_killed(j, log, "svminsn")
    check_killed(j, log, "triplefault")
    check_counter(j, log)


SCENARIOS: List[Scenario] = [
    Scenario("default", [COUNTER, MATMUL, EXITCODE], judge_default),
    Scenario("no-svm", [COUNTER, EXITCODE], judge_refused(r"hvmm: error: .*SVM"), cpu="qemu64,-svm",
             timeout=30, runs_guests=False),
    Scenario("no-npt", [COUNTER, EXITCODE], judge_refused(r"hvmm: error: .*nested paging"), cpu="qemu64,+svm",
             timeout=30, runs_guests=False),
    Scenario("bad-module", ["{dir}/junk.bin name=junk", COUNTER, "{dir}/notes.txt name=textfile", EXITCODE],
             judge_bad_module, prepare=make_bad_modules),
    Scenario("badmem", [f"{GUESTS}/badmem.elf name=badmem mem=16M", COUNTER, MATMUL], judge_badmem),
    Scenario("spin-cli", [f"{GUESTS}/spincli.elf name=spincli mem=8M spin_ms=1500", COUNTER, MATMUL],
             judge_spin_cli),
    Scenario("many-guests", [f"{GUESTS}/counter.elf name=c{i} mem=4M count=3" for i in range(MANY)], judge_many),
    Scenario("contain", [f"{GUESTS}/svminsn.elf name=svminsn mem=8M",
                         f"{GUESTS}/triplefault.elf name=triplefault mem=8M", COUNTER], judge_contain),
]
