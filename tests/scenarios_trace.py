# SPDX-License-Identifier: MIT
"""The timeline (trace=<n>, docs/running.md "The timeline"): hvmm's dump converted by tools/hvmm-trace and judged.

- trace-smp: cpus=2 on -smp 2, four guests, trace=16384 (a ring that holds every run of the run: lost=0 is checked).
  The trace-event JSON has the format's required fields on every event (name, ph, ts, pid, tid; dur on "X"), one
  track per CPU, a slice per run and an instant event per exit named after its reason; per guest, the slices add up
  to the runtime of its summary line: exactly in TSC cycles (args.cycles), and in microseconds within the rounding
  of the JSON's timestamps (each ts and dur rounded to 0.001 us: at most 0.0015 us per slice). The picture exists.
- trace-monitor: cpus=2 on -smp 2, a matmul on each CPU; the monitor's `trace 4` with trace=8 (the rings wrap) and
  log=json: the block and its closing line, 4 events per CPU (CPU 1's ring copied while CPU 1 runs: its oldest
  event left out), a bad count as one error line; the end-of-run dump read from its JSON lines: 8 kept per CPU, the
  rest counted lost, and the kept runs consecutive (each starts after the one before it ended).
- pause-time-limit: docs/running.md says a guest's time_limit= keeps counting while the monitor has it paused, and
  that it is stopped at the end of its first slice after resume: a matmul with time_limit=3s paused for 4 s prints
  nothing while paused and is killed with 'time_limit= reached' after the resume line, while the other guest runs on.
"""

import json
import os
import re
import subprocess
import sys
from typing import Dict, List, Optional

from hvmmlog import HvmmLog
from scenarios import (COUNTER, EXIT_PORT, EXITCODE, GUESTS, MATMUL, Context, Judge, Scenario, check_counter,
                       check_exit, check_exitcode, check_matmul)
from scenarios_console import TypedScenario, blocks, check_typist, typed
from scenarios_smp import SmpScenario, smp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_HEAD = re.compile(r"^trace cpu=(\d+) events=(\d+) ring=(\d+) kept=(\d+) printed=(\d+) lost=(\d+) tsc_khz=(\d+)$")


def hvmm_trace(ctx: Context, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "hvmm-trace"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def convert(j: Judge, ctx: Context, tag: str, *args: str) -> Optional[Dict]:
    """tools/hvmm-trace on the scenario's serial log: the trace-event JSON it wrote, or None (a failed check)."""
    out = os.path.join(ctx.dir, f"{tag}.trace.json")
    r = hvmm_trace(ctx, os.path.join(ctx.dir, "serial.log"), "-o", out, *args)
    if not j.check(f"hvmm-trace ({tag}): exit status 0", r.returncode == 0, (r.stderr or r.stdout).strip()[-300:]):
        return None
    try:
        with open(out) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        j.check(f"hvmm-trace ({tag}): its output is JSON", False, str(e))
        return None


def check_format(j: Judge, doc: Dict, cpus: List[int], tag: str) -> List[Dict]:
    """The trace-event format's required fields (Chrome's Trace Event Format: name, ph, ts, pid, tid on every event,
    dur on complete events "X"); one track (tid) per CPU named by a thread_name metadata event. Returns the X events."""
    ev = doc.get("traceEvents") if isinstance(doc, dict) else None
    if not j.check(f"{tag}: a JSON object with a traceEvents array", isinstance(ev, list) and ev, str(type(ev))):
        return []
    num = (int, float)
    bad = [e for e in ev if not (isinstance(e.get("name"), str) and isinstance(e.get("ph"), str) and
                                 isinstance(e.get("ts"), num) and isinstance(e.get("pid"), int) and
                                 isinstance(e.get("tid"), int))]
    j.check(f"{tag}: every event has name, ph, ts, pid and tid", not bad, str(bad[:2]))
    xs = [e for e in ev if e.get("ph") == "X"]
    badx = [e for e in xs if not isinstance(e.get("dur"), num) or e["dur"] < 0]
    j.check(f"{tag}: every complete event (X) has a dur >= 0", xs and not badx, f"{len(xs)} X events, {badx[:2]}")
    named = {e["tid"]: e["args"].get("name") for e in ev if e.get("ph") == "M" and e.get("name") == "thread_name"}
    j.check(f"{tag}: one track per CPU, named 'CPU <n>'", named == {c: f"CPU {c}" for c in cpus}, str(named))
    j.check(f"{tag}: slices only on those tracks", {e["tid"] for e in xs} <= set(cpus),
            str(sorted({e['tid'] for e in xs})))
    inst = [e for e in ev if e.get("ph") == "i" and e.get("cat") == "exit"]
    j.check(f"{tag}: an instant event per exit, named after its reason (not a bare code)",
            len(inst) == len(xs) and all(not e["name"].startswith("exit_0x") for e in inst),
            f"{len(inst)} exits for {len(xs)} runs; {sorted({e['name'] for e in inst})[:12]}")
    return xs


def dump_heads(log: HvmmLog, monitor: bool) -> Dict[int, Dict[str, int]]:
    """{cpu: header fields} of the text dump (the monitor's block, or the end-of-run lines)."""
    pre = "hvmm: monitor: " if monitor else "hvmm: "
    out = {}
    for ln in log.lines:
        s = ln[ln.find("hvmm: "):] if "hvmm: " in ln else ""
        m = _HEAD.match(s[len(pre):]) if s.startswith(pre) else None
        if m:
            out[int(m.group(1))] = dict(zip(("events", "ring", "kept", "printed", "lost", "tsc_khz"),
                                           map(int, m.groups()[1:])))
    return out


def consecutive(xs: List[Dict]) -> List[str]:
    """Runs of one CPU that overlap the run before them (the ring kept them out of order)."""
    bad, last = [], {}
    for e in xs:
        a = e["args"]
        end = last.get(e["tid"])
        if end is not None and a["entry_tsc"] < end:
            bad.append(f"cpu {e['tid']} entry {a['entry_tsc']} < {end}")
        last[e["tid"]] = a["entry_tsc"] + a["cycles"]
    return bad


def check_bad_input(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """hvmm-trace's usage and its one-line errors: this log cut in the middle of its dump, a log without a dump."""
    r = hvmm_trace(ctx, "-h")
    j.check("hvmm-trace -h: the usage, exit status 0", r.returncode == 0 and r.stdout.startswith("usage: hvmm-trace"),
            r.stdout[:80])
    last = max((i for i, ln in enumerate(log.lines) if re.match(r"hvmm: trace \d", ln)), default=0)
    cut = os.path.join(ctx.dir, "cut.log")
    with open(cut, "w") as f:
        f.write("\n".join(log.lines[:last - 5]) + "\n")
    r = hvmm_trace(ctx, cut, "--no-picture", "-o", os.path.join(ctx.dir, "cut.trace.json"))
    err = r.stderr.strip().splitlines()
    j.check("hvmm-trace on a log cut inside its dump: exit status 1, one line 'hvmm-trace: error: ...'",
            r.returncode == 1 and len(err) == 1 and err[0].startswith("hvmm-trace: error: dump at line ") and
            "printed=" in err[0], str(err))
    r = hvmm_trace(ctx, os.path.join(ctx.dir, "qemu.stderr"), "--no-picture", "-o", os.devnull)
    err = r.stderr.strip().splitlines()
    j.check("hvmm-trace on a file without a dump: exit status 1, 'no trace dump'",
            r.returncode == 1 and len(err) == 1 and "no trace dump" in err[0], str(err))


def judge_smp(j: Judge, log: HvmmLog, ctx: Context) -> None:
    heads = dump_heads(log, False)
    j.check("dump: a header per CPU (cpu 0 and 1), ring=16384", sorted(heads) == [0, 1] and
            all(h["ring"] == 16384 for h in heads.values()), str(heads))
    j.check("dump: the ring held every run (lost=0, kept=events on each CPU), so the dump covers the whole run",
            heads and all(h["lost"] == 0 and h["kept"] == h["printed"] == h["events"] for h in heads.values()),
            str(heads))
    j.check("dump: closing line 'hvmm: trace end cpus=2 printed=<kept on both>'",
            f"hvmm: trace end cpus=2 printed={sum(h['kept'] for h in heads.values())}" in log.lines)
    pic = os.path.join(ctx.dir, "smp.timeline.svg")
    doc = convert(j, ctx, "smp", "-p", pic)
    if doc is None:
        return
    xs = check_format(j, doc, [0, 1], "trace-event JSON")
    with open(pic, "rb") if os.path.exists(pic) else open(os.devnull, "rb") as f:
        head = f.read(4096)
    j.check("picture: an SVG was written, with the axis labels and the commit in its title",
            b"<svg" in head and os.path.getsize(pic) > 10000 if os.path.exists(pic) else False,
            f"{os.path.getsize(pic) if os.path.exists(pic) else 'no file'} bytes")
    khz = heads[0]["tsc_khz"] if heads else 0
    j.check("trace-event JSON: otherData names the commit and tsc_khz",
            doc.get("otherData", {}).get("commit") and doc["otherData"].get("tsc_khz") == khz,
            str(doc.get("otherData"))[:200])
    cyc: Dict[str, int] = {}
    dur: Dict[str, float] = {}
    runs: Dict[str, int] = {}
    for e in xs:
        g = e["args"]["guest"]
        cyc[g] = cyc.get(g, 0) + e["args"]["cycles"]
        dur[g] = dur.get(g, 0.0) + e["dur"]
        runs[g] = runs.get(g, 0) + 1
    j.check("every guest of the summary has runs in the trace", sorted(cyc) == sorted(log.guests), f"{sorted(cyc)}")
    for g, s in log.guests.items():
        j.check(f"{g}: its runs' cycles add up to its summary runtime exactly", cyc.get(g) == s.runtime,
                f"trace {cyc.get(g)}, summary {s.runtime}")
        want = s.runtime * 1000 / khz if khz else -1
        tol = 0.0015 * runs.get(g, 0) + 1e-9 * want
        j.check(f"{g}: its slices' dur (us) add up to the runtime in us within {tol:.3f} us (0.0015 us a slice)",
                abs(dur.get(g, 0) - want) <= tol, f"{dur.get(g, 0):.3f} us against {want:.3f} us")
    j.check("runs of one CPU never overlap", not consecutive(xs), str(consecutive(xs)[:3]))
    check_bad_input(j, log, ctx)
    check_counter(j, log, n=5)
    check_matmul(j, log)
    check_matmul(j, log, "matmul2")
    check_exitcode(j, log)


MONITOR_SCRIPT = """# the monitor has the focus (no guest has a serial port); one matmul on each CPU
wait input: no guest has a serial port
wait \\[matmul\\] matmul round
wait \\[matmul2\\] matmul round
send trace 4\\r
wait monitor: end trace
send trace x\\r
wait monitor: error: trace
# matmul2 (CPU 1) first: CPU 0 stops reading the input once its own guests have ended (docs/running.md)
send kill matmul2\\r
wait monitor: end kill
send kill matmul\\r
wait monitor: end kill
"""


def judge_monitor(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_typist(j, ctx, MONITOR_SCRIPT)
    bl = blocks(log)
    tb = next((b for b in bl if b[-1] == "end trace"), [])
    heads = {int(m.group(1)): m for t in tb for m in [_HEAD.match(t)] if m}
    runs = {c: [t for t in tb if re.match(rf"trace {c} \d+ \d+ 0x[0-9a-f]+ \S+ \d+ [01]$", t)] for c in (0, 1)}
    j.check("monitor trace 4: a block with a header per CPU, 4 events each, 'end trace' last",
            sorted(heads) == [0, 1] and len(tb) == 11 and all(len(r) == 4 for r in runs.values()), str(tb))
    if 0 in heads:
        j.check("monitor trace 4, cpu 0 (the monitor's own, not running meanwhile): ring=8 kept=8 printed=4",
                " ring=8 kept=8 printed=4 " in heads[0].group(0), heads[0].group(0))
    if 1 in heads:
        h = dict(zip(("events", "ring", "kept", "printed", "lost"), map(int, heads[1].groups()[1:6])))
        j.check("monitor trace 4, cpu 1 (copied while it runs): its full ring's oldest event left out (kept <= 7), "
                "lost = events - kept, printed 4", h["ring"] == 8 and h["kept"] <= 7 and h["printed"] == 4 and
                h["lost"] == h["events"] - h["kept"] and h["events"] > 8, str(h))
    err = [b[0] for b in bl if b[0].startswith("error: trace")]
    j.check("monitor trace x: one error line", err == ["error: trace: 'x' is not a number of events (1 or more)"],
            str(err))
    mon = convert(j, ctx, "monitor", "--dump", "1", "--no-picture")
    if mon is not None:
        xs = check_format(j, mon, [0, 1], "monitor dump's trace-event JSON")
        j.check("monitor dump: 8 slices, 4 per CPU, each after the one before it on its CPU",
                len(xs) == 8 and not consecutive(xs), f"{len(xs)} {consecutive(xs)}")
    tj = {o["cpu"]: o for _, o in log.json if o.get("type") == "trace"}
    j.check("end dump (log=json): a JSON trace object per CPU with kept=printed=8 and lost=events-8",
            sorted(tj) == [0, 1] and all(o["kept"] == o["printed"] == 8 and o["lost"] == o["events"] - 8 and
                                         o["events"] > 8 for o in tj.values()), str(tj))
    j.check("end dump (log=json): 16 trace_run objects and a trace_end",
            sum(o.get("type") == "trace_run" for _, o in log.json) == 16 and
            sum(o.get("type") == "trace_end" for _, o in log.json) == 1)
    end = convert(j, ctx, "end", "-p", os.path.join(ctx.dir, "end.timeline.png"))
    if end is not None:
        xs = check_format(j, end, [0, 1], "end dump's trace-event JSON")
        j.check("end dump: the 8 newest runs of each CPU, each after the one before it (the window the ring covers)",
                len(xs) == 16 and not consecutive(xs), str(consecutive(xs)))
    png = os.path.join(ctx.dir, "end.timeline.png")
    with open(png, "rb") if os.path.exists(png) else open(os.devnull, "rb") as f:
        j.check("picture: a PNG was written", f.read(8) == b"\x89PNG\r\n\x1a\n")
    check_counter(j, log, n=5)


PAUSE_SCRIPT = """# pause a guest with time_limit=3s for 4 s, then resume it
wait input: no guest has a serial port
wait \\[limited\\] matmul round
send pause limited\\r
wait monitor: end pause
sleep 4
send resume limited\\r
wait monitor: end resume
wait guest limited killed: time_limit= reached
send kill other\\r
wait monitor: end kill
"""


def judge_pause_limit(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_typist(j, ctx, PAUSE_SCRIPT)
    at = {k: next((i for i, ln in enumerate(log.lines) if ln.endswith(f"hvmm: guest limited {k}")), None)
          for k in ("paused", "resumed")}
    k = log.killed.get("limited")
    j.check("limited: paused, resumed, then killed 'time_limit= reached' (its 3 s ran out while it was paused)",
            None not in at.values() and k is not None and k.reason == "time_limit= reached" and
            at["paused"] < at["resumed"] < k.line, f"{at} {k}")
    if None not in at.values():
        during = [i for i, n, _ in log.output if n == "limited" and at["paused"] < i < at["resumed"]]
        other = [i for i, n, _ in log.output if n == "other" and at["paused"] < i < at["resumed"]]
        j.check("limited printed nothing while paused (not stopped while paused), other ran on",
                not during and other, f"{len(during)} limited lines, {len(other)} other lines")
    check_exit(j, log, "limited", "killed")
    check_exit(j, log, "other", "killed")


SCENARIOS: List[Scenario] = [
    SmpScenario("trace-smp", [COUNTER.replace("name=counter", "name=counter count=5"), MATMUL, EXITCODE,
                              f"{GUESTS}/matmul.elf name=matmul2 mem=16M seed=2"], judge_smp,
                cmdline=f"slice=10ms cpus=2 trace=16384 {EXIT_PORT}", run_qemu_args=smp(2), timeout=120),
    TypedScenario("trace-monitor", [f"{GUESTS}/matmul.elf name=matmul cpu=0 rounds=400000 progress=200",
                                    f"{GUESTS}/matmul.elf name=matmul2 cpu=1 rounds=400000 progress=200 seed=2",
                                    f"{GUESTS}/counter.elf name=counter cpu=0 count=5"], judge_monitor,
                  cmdline=f"slice=10ms cpus=2 trace=8 log=json {EXIT_PORT}", timeout=90, prepare=typed(MONITOR_SCRIPT),
                  run_qemu_args=["--input", "{dir}/input.txt", "--smp", "2"]),
    TypedScenario("pause-time-limit", [f"{GUESTS}/matmul.elf name=limited time_limit=3s rounds=400000 progress=100",
                                       f"{GUESTS}/matmul.elf name=other rounds=400000 progress=100 seed=2"],
                  judge_pause_limit, timeout=90, prepare=typed(PAUSE_SCRIPT)),
]
