#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The TSC calibration under a disturbed vCPU (slow; not part of `make test`: `make test-tsc`, docs/hardware.md).

Boots hvmm RUNS times (default 20) under QEMU TCG with -kernel and one small guest, and while hvmm calibrates its
TSC stops and continues the QEMU process at random (SIGSTOP for 1-40 ms after 1-15 ms of running, until the
`hvmm: tsc_khz=` line appears). Under TCG the guest's RDTSC is the host's TSC, so every run must find the host's TSC
rate, measured here against CLOCK_MONOTONIC_RAW by a small C helper, within --tolerance-ppm (default 1000: 0.1 %).
Prints one line per run and a summary `tsc-calibration: runs=N ok=N host_khz=K spread_ppm=MIN..MAX`; exits 1 when a
run is outside the tolerance or found no tsc_khz line.

    tests/tsc_calibration.py [--runs 20] [--kernel build/hvmm.elf] [--tolerance-ppm 1000] [--no-disturb]
"""

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HOST_TSC_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>
/* The tightest of 64 (TSC, CLOCK_MONOTONIC_RAW, TSC) triples: the TSC at the clock's reading. */
static void pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 64; i++) {
		struct timespec ts;
		uint64_t a = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
		uint64_t b = __rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		}
	}
}
int main(void)
{
	uint64_t t0, n0, t1, n1;
	pair(&t0, &n0);
	struct timespec d = { 1, 0 };
	nanosleep(&d, NULL);
	pair(&t1, &n1);
	printf("%llu\n", (unsigned long long)((t1 - t0) * 1000000ull / (n1 - n0)));
	return 0;
}
"""


def host_tsc_khz(build: str) -> int:
    src, exe = os.path.join(build, "host_tsc_khz.c"), os.path.join(build, "host_tsc_khz")
    with open(src, "w") as f:
        f.write(HOST_TSC_C)
    subprocess.run(["cc", "-O2", "-o", exe, src], check=True)
    got = sorted(int(subprocess.run([exe], check=True, capture_output=True, text=True).stdout) for _ in range(3))
    return got[1]


def disturb(pid: int, log: str, stop: threading.Event, rng: random.Random, counts: dict) -> None:
    """SIGSTOP/SIGCONT the QEMU process until the tsc_khz line is in the log (or stop is set)."""
    while not stop.is_set():
        time.sleep(rng.uniform(0.001, 0.015))
        try:
            with open(log, errors="replace") as f:
                if "tsc_khz=" in f.read():
                    return
            os.kill(pid, signal.SIGSTOP)
            counts["stops"] += 1
            time.sleep(rng.uniform(0.001, 0.040))
            os.kill(pid, signal.SIGCONT)
        except (ProcessLookupError, FileNotFoundError):
            return


def one_run(args, i: int, d: str, rng: random.Random):
    log = os.path.join(d, f"run{i}.log")
    open(log, "w").close()
    cmd = [args.qemu, "-accel", "tcg", "-cpu", "max", "-m", "256M", "-display", "none", "-no-reboot",
           "-serial", f"file:{log}", "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-kernel", args.kernel, "-initrd", f"{args.guest} name=e status=0", "-append", "exit_port=0xf4"]
    q = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop, counts = threading.Event(), {"stops": 0}
    t = None
    if not args.no_disturb:
        t = threading.Thread(target=disturb, args=(q.pid, log, stop, rng, counts))
        t.start()
    try:
        q.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        q.kill()
        q.wait()
    stop.set()
    if t:
        t.join()
    with open(log, errors="replace") as f:
        text = f.read()
    m = re.search(r"hvmm: tsc_khz=(\d+) \(([^\n]*)\)", text)
    warn = [ln for ln in text.splitlines() if ln.startswith("hvmm: warning: tsc")]
    return (int(m.group(1)) if m else None), (m.group(2) if m else ""), counts["stops"], warn


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--kernel", default="build/hvmm.elf")
    ap.add_argument("--guest", default="build/guests/exitcode.elf")
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-x86_64"))
    ap.add_argument("--tolerance-ppm", type=int, default=1000)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-disturb", action="store_true", help="no SIGSTOP/SIGCONT (the host's load only)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print each run's whole tsc_khz line")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="tsccal.") as d:
        host = host_tsc_khz(d)
        print(f"tsc-calibration: host TSC {host} kHz (CLOCK_MONOTONIC_RAW, 1 s)")
        errs, bad = [], 0
        for i in range(1, args.runs + 1):
            khz, how, stops, warn = one_run(args, i, d, rng)
            if khz is None:
                bad += 1
                print(f"run {i:2}: FAIL no tsc_khz line ({stops} stops)")
                continue
            ppm = (khz - host) * 1e6 / host
            errs.append(ppm)
            ok = abs(ppm) <= args.tolerance_ppm
            bad += not ok
            print(f"run {i:2}: {'ok  ' if ok else 'FAIL'} tsc_khz={khz} {ppm:+9.1f} ppm, {stops} stops"
                  + (f", {len(warn)} warning lines" if warn else "") + (f"\n    ({how})" if args.verbose else ""))
            for w in warn:
                print(f"    {w}")
        spread = f"{min(errs):+.1f}..{max(errs):+.1f}" if errs else "none"
        print(f"tsc-calibration: runs={args.runs} ok={args.runs - bad} host_khz={host} spread_ppm={spread} "
              f"tolerance_ppm={args.tolerance_ppm}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
