# SPDX-License-Identifier: MIT
"""Console input and the monitor (docs/running.md): each scenario types into hvmm's serial port from a script
(tools/run-qemu --input: tools/serial-input waits for output, sends keys, and writes the serial log) and judges what
came back; and hvmm's JSON log. console-echo: two multiboot v1 echo kernels (tests/mb1/mb1_echo.c, the receiver as Linux's 8250 driver
drives it) and the focus moving between them, the monitor and back; console-monitor: the monitor's commands beside
two matmuls and counter; console-nmi: the monitor's nmi (a PC's NMI button) through LVT LINT1 and
without an APIC; linux-console: `echo $((6*7))` typed into Debian's kernel's busybox shell prints 42;
log-json: log=json beside the text lines, every JSON line read with Python's json module and compared with the text;
console-hvc: a line typed into a native guest's virtio console (tests/guests/hvcecho.c, hvc=on), across receive chains
of 4 bytes, echoed back through its transmitq.
"""

import os
import re
from dataclasses import dataclass, field
from typing import List, Tuple

import benchlog
from hvmmlog import HvmmLog
from scenarios import (COUNTER, EXITCODE, EXIT_PORT, GUESTS, MATMUL, Context, Judge, Scenario, check_badmem,
                       check_counter, check_exit, check_exitcode, check_matmul)
from scenarios_linux import LINUX_DIR, fetch

MB1_ECHO = "build/mb1/mb1_echo.elf"
COMMANDS = ("list", "stats", "pause", "resume", "kill", "console", "slice", "nmi", "trace", "help")  # lib/moncmd.c's table
LONG = "0123456789abcdefghijklmnopqrstuvwxyz " * 2 + "end"  # 77 bytes: the receive FIFO (16) refilled as it is read


@dataclass
class TypedScenario(Scenario):
    run_qemu_args: List[str] = field(default_factory=lambda: ["--input", "{dir}/input.txt"])  # tests/run.py


def typed(script: str):
    """A scenario's prepare step: the input script as {dir}/input.txt (tools/serial-input's format)."""
    def prepare(d: str) -> None:
        with open(os.path.join(d, "input.txt"), "w") as f:
            f.write(script)
    return prepare


def check_typist(j: Judge, ctx: Context, script: str) -> None:
    """Every step of the script ran (tools/serial-input reports each on run-qemu's stderr)."""
    steps = [ln for ln in script.splitlines() if ln.strip() and not ln.startswith("#")]
    try:
        with open(os.path.join(ctx.dir, "qemu.stderr"), encoding="utf-8", errors="replace") as f:
            err = f.read()
    except OSError:
        err = ""
    done = re.findall(r"^serial-input: line \d+: (?:saw|sent|slept) ", err, re.M)
    bad = re.findall(r"^serial-input: error: .*$", err, re.M)
    j.check(f"serial-input: all {len(steps)} steps of the script ran", len(done) == len(steps) and not bad,
            f"{len(done)} ran; {bad[:1]}")


def hvmm_lines(log: HvmmLog, prefix: str) -> List[Tuple[int, str]]:
    """(index, text after prefix) of every hvmm line that starts with prefix (after a prompt the line may carry)."""
    out = []
    for i, ln in enumerate(log.lines):
        s = re.sub(r"^(hvmm> )+", "", ln.rstrip())
        if s.startswith(prefix):
            out.append((i, s[len(prefix):]))
    return out


def blocks(log: HvmmLog) -> List[List[str]]:
    """The monitor's outputs in order: each the lines of one block up to and with its closing line ("end <cmd>"),
    or one error line."""
    out: List[List[str]] = []
    cur: List[str] = []
    for _, text in hvmm_lines(log, "hvmm: monitor: "):
        cur.append(text)
        if text.startswith("end ") or text.startswith("error: "):
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)  # unclosed: a judge sees it as a block without its end
    return out


def focus_order(log: HvmmLog) -> List[str]:
    return [m.group(1) for _, t in hvmm_lines(log, "hvmm: input: focus on ")
            for m in [re.match(r"(guest \S+|the monitor)", t)] if m]


ECHO_SCRIPT = f"""# two echo kernels: the focus starts on the first; Ctrl-A three times moves it
wait input: focus on guest echo1
wait (?s)\\[echo1\\] mb1_echo: ready.*\\[echo2\\] mb1_echo: ready|\\[echo2\\] mb1_echo: ready.*\\[echo1\\] mb1_echo: ready
send hello one\\r
wait \\[echo1\\] mb1_echo: got 'hello one'
send \\x01\\x01\\x01
wait input: focus on guest echo2
send {LONG}\\r
wait \\[echo2\\] mb1_echo: got '0123
send \\x01\\x01\\x01
wait input: focus on the monitor
send list\\r
wait monitor: end list
send console echo1\\r
wait input: focus on guest echo1
# one and two Ctrl-A before another key reach the guest
send a\\x01b\\x01\\x01c\\r
wait \\[echo1\\] mb1_echo: got 'a
send quit\\r
wait \\[echo1\\] mb1_echo: bye
send \\x01\\x01\\x01
wait input: focus on guest echo2
send quit\\r
wait \\[echo2\\] mb1_echo: bye
"""


def judge_echo(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_typist(j, ctx, ECHO_SCRIPT)
    one = log.find_console("echo1", r"^mb1_echo: got 'hello one' irqs=(\d+) timeouts=(\d+)$")
    j.check("echo1: the line typed while it had the focus, through the receive interrupt",
            one is not None and int(one[1].group(1)) > 0, one[1].group(0) if one else "no got line")
    two = log.find_console("echo2", r"^mb1_echo: got '(.*)' irqs=(\d+)")
    j.check(f"echo2: a {len(LONG)}-byte line whole (the receive FIFO refilled as it is read)",
            two is not None and two[1].group(1) == LONG, two[1].group(0) if two else "no got line")
    ctl = log.find_console("echo1", r"^mb1_echo: got '(a.*)' ")
    j.check("echo1: one and two Ctrl-A before another key reach the guest",
            ctl is not None and ctl[1].group(1) == r"a\x01b\x01\x01c", ctl[1].group(0) if ctl else "no got line")
    order = focus_order(log)
    want = ["guest echo1", "guest echo2", "the monitor", "guest echo1", "guest echo2"]
    j.check("focus: echo1, echo2, the monitor, echo1 (console echo1), echo2", order == want, str(order))
    nothing = [t for t in log.console("echo2") if t.startswith("mb1_echo: got 'hello one'")]
    j.check("echo2 got nothing typed while echo1 had the focus", not nothing, str(nothing))
    lst = next((b for b in blocks(log) if b and b[-1] == "end list"), None)
    j.check("monitor: list block with a header and a line per guest",
            lst is not None and len(lst) == 5 and lst[0].startswith("guest state cpu"), str(lst))
    for g in ("echo1", "echo2"):
        check_exit(j, log, g, 1)  # rt_exit(0): debug-exit status (0 << 1) | 1
    check_counter(j, log, n=5)


HVC_SCRIPT = """# the focus starts on hvcecho (counter has no virtual PC); its virtio console gets the bytes too
wait input: focus on guest hvcecho
wait \\[hvcecho\\] hvcecho: ready
send hello hvc\\r
wait \\[hvcecho\\] hvcecho: got 'hello hvc'
send quit\\r
wait \\[hvcecho\\] hvcecho: bye
"""


def judge_hvc(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_typist(j, ctx, HVC_SCRIPT)
    j.check("hvcecho: the typed line came back through its virtio console",
            log.find_console("hvcecho", r"^hvcecho: got 'hello hvc'$") is not None)
    j.check("hvcecho: quit", log.find_console("hvcecho", r"^hvcecho: bye$") is not None)
    line = next((x for x in log.lines if x.startswith("hvmm: guest hvcecho virtio-console 00:02.0 ")), "")
    f = dict(w.split("=", 1) for w in line.split() if "=" in w)
    j.check("hvmm: the virtio-console line counts the 15 bytes typed, none dropped",
            f.get("in") == "15" and f.get("in_dropped") == "0", line or "no line")
    check_exit(j, log, "hvcecho", 0)
    check_counter(j, log, n=5)


MONITOR_SCRIPT = """# the monitor has the focus (no guest has a serial port)
wait input: no guest has a serial port
wait \\[matmul\\] matmul round
send help\\r
wait monitor: end help
send list\\r
wait monitor: end list
send bogus 1 2\\r
wait monitor: error: unknown command
send pause\\r
wait monitor: error: pause needs
send pause nosuch\\r
wait monitor: error: no guest named
send slice 5\\r
wait monitor: error: slice
send stats matmul\\r
wait monitor: end stats
send slice 5ms\\r
wait monitor: end slice
send pause matmul\\r
wait monitor: end pause
# matmul2 runs on while matmul is paused
wait \\[matmul2\\] matmul round
sleep 0.2
send list\\r
wait monitor: end list
send resume matmul\\r
wait monitor: end resume
wait \\[matmul\\] matmul round
send kill matmul\\r
wait monitor: end kill
send kill matmul\\r
wait monitor: error: guest matmul has ended
"""


NMI_SCRIPT = """# the NMI button: apicipi button=lint1 (platform=pc) and button=direct (no local APIC)
wait input: focus on guest nmipc
wait (?s)\\[nmipc\\] button: lint1 nmi.*\\[nminone\\] button: direct nmi|\\[nminone\\] button: direct nmi.*\\[nmipc\\] button: lint1 nmi
send \\x01\\x01\\x01
wait input: focus on the monitor
send nmi\\r
wait monitor: error: nmi needs
send nmi nosuch\\r
wait monitor: error: no guest named
send nmi nmipc\\r
wait monitor: end nmi
wait \\[nmipc\\] button: lint1 masked
# LINT1 masked: this press delivers nothing (the guest checks after the byte typed below)
send nmi nmipc\\r
wait monitor: end nmi
send nmi nminone\\r
wait monitor: end nmi
wait \\[nminone\\] hostile done
wait guest nminone exited
send nmi nminone\\r
wait monitor: error: guest nminone has ended
send stats nmipc\\r
wait monitor: end stats
send console nmipc\\r
wait input: focus on guest nmipc
send g
wait \\[nmipc\\] button: lint1 fixed
send \\x01\\x01\\x01
wait input: focus on the monitor
send nmi nmipc\\r
wait monitor: end nmi
wait \\[nmipc\\] hostile done
"""


def judge_nmi(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """console-nmi: the monitor's nmi through LVT LINT1 as programmed (NMI, masked, fixed) and without an APIC."""
    check_typist(j, ctx, NMI_SCRIPT)
    pressed = [t for _, t in hvmm_lines(log, "hvmm: guest nmipc NMI button pressed: ")]
    want = ["LINT1 delivers an NMI", "LINT1 masked: nothing delivered",
            "LINT1 delivers a fixed interrupt (LVT LINT1's vector)"]
    j.check("nmipc: three presses, as LVT LINT1 says (NMI, masked, fixed)", pressed == want, str(pressed))
    direct = [t for _, t in hvmm_lines(log, "hvmm: guest nminone NMI button pressed: ")]
    j.check("nminone: one press, an NMI straight to the CPU", direct == ["an NMI (no local APIC: straight to the CPU)"],
            str(direct))
    bl = blocks(log)
    nmis = [b for b in bl if b[-1] == "end nmi"]
    j.check("four nmi blocks, each 'guest <name> NMI button pressed' then 'end nmi'",
            len(nmis) == 4 and all(len(b) == 2 and b[0].endswith(" NMI button pressed") for b in nmis), str(nmis))
    errors = [b[0] for b in bl if b[0].startswith("error: ")]
    want_err = ["nmi needs a guest name", "no guest named 'nosuch'", "guest nminone has ended"]
    j.check("nmi without a guest, of an unknown and of an ended guest: one error line each",
            len(errors) == 3 and all(w in e for w, e in zip(want_err, errors)), str(errors))
    st = next((b for b in bl if b[-1] == "end stats"), [])
    j.check("stats nmipc after the masked press: nmis=1", any(t.startswith("guest nmipc ") and " nmis=1 " in t
                                                              for t in st), str(st))
    for name, n in (("nmipc", 3), ("nminone", 1)):
        lines = log.console(name)
        fails = [t for t in lines if t.startswith("FAIL")]
        j.check(f"{name}: {n} PASS lines, no FAIL", not fails and sum(t.startswith("PASS ") for t in lines) == n,
                f"{fails[:3]}")
        check_exit(j, log, name, 0)
    check_counter(j, log, n=5)


def judge_monitor(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_typist(j, ctx, MONITOR_SCRIPT)
    bl = blocks(log)
    j.check("every monitor output is a block ending 'end <command>' or one error line",
            bl and all(b[-1].startswith("end ") or (len(b) == 1 and b[0].startswith("error: ")) for b in bl),
            str([b for b in bl if not (b[-1].startswith("end ") or len(b) == 1)][:2]))
    helpb = next((b for b in bl if b[-1] == "end help"), [])
    named = [re.match(r"(\w+)", t).group(1) for t in helpb[:-1] if re.match(r"\w+ ", t)]
    j.check("help lists every command", all(c in named for c in COMMANDS), str(named))
    errors = [b[0] for b in bl if b[0].startswith("error: ")]
    want = ["unknown command 'bogus'", "pause needs a guest name", "no guest named 'nosuch'",
            "slice: '5' is not a time", "guest matmul has ended"]
    j.check("unknown commands and bad arguments: one error line each, in order",
            len(errors) == len(want) and all(w in e for w, e in zip(want, errors)), str(errors))
    lists = [b for b in bl if b[-1] == "end list"]
    j.check("list: a line per guest (3 guests) after the header", len(lists) == 2 and all(len(b) == 5 for b in lists),
            str(lists))
    if len(lists) == 2:
        j.check("list while paused shows matmul paused", any(t.startswith("matmul paused ") for t in lists[1]),
                str(lists[1]))
    st = next((b for b in bl if b[-1] == "end stats"), [])
    j.check("stats matmul: the guest's figures, the CPU's lag and exits by reason",
            any(t.startswith("guest matmul state=running") for t in st) and any(" lag_ns n=" in t for t in st) and
            any(" exits_handled intr=" in t for t in st), str(st))
    j.check("stats: exits handled by the 8 reasons of hvmm/guest/measure.c, in order",
            any(re.search(r" exits_handled intr=\d+ cpuid=\d+ vmmcall=\d+ ioio=\d+ msr=\d+ hlt=\d+ vintr=\d+ "
                          r"other=\d+$", t) for t in st), str(st))
    sl = next((b for b in bl if b[-1] == "end slice"), [])
    j.check("slice 5ms: taken", any(t.startswith("slice=5000 us") for t in sl), str(sl))
    paused = next((i for i, ln in enumerate(log.lines) if ln.endswith("hvmm: guest matmul paused")), None)
    resumed = next((i for i, ln in enumerate(log.lines) if ln.endswith("hvmm: guest matmul resumed")), None)
    j.check("pause and resume lines", paused is not None and resumed is not None and paused < resumed)
    if paused is not None and resumed is not None:
        during = [i for i, n, _ in log.output if n == "matmul" and paused < i < resumed]
        other = [i for i, n, _ in log.output if n == "matmul2" and paused < i < resumed]
        j.check("matmul printed nothing while paused, matmul2 ran on", not during and other,
                f"{len(during)} matmul lines, {len(other)} matmul2 lines")
    k = log.killed.get("matmul")
    j.check("kill matmul: killed: from the monitor", k is not None and k.reason == "from the monitor",
            str(k.reason if k else None))
    check_exit(j, log, "matmul", "killed")
    check_matmul(j, log, "matmul2")
    check_counter(j, log, n=5)


LINUX_SCRIPT = """# Debian's kernel, console=ttyS0: its /init starts busybox's shell on the console (hvmm_shell=1)
wait input: focus on guest linux
wait hvmm-linux: shell on the console
# the prompt, shown without its newline (docs/running.md: a partial line of the focus guest, after 50 ms)
wait ^\\[linux\\] hvmm-shell\\$ 
send echo $((6*7))\\r
wait ^\\[linux\\] 42$
send exit\\r
wait hvmm-linux: shell ended
"""


def judge_linux(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_typist(j, ctx, LINUX_SCRIPT)
    j.check("linux: the shell printed 42", log.find_console("linux", r"^42$") is not None)
    j.check("linux: the prompt shown before its line ended, the typed command as its continuation",
            log.find_console("linux", r"^hvmm-shell\$ .*echo \$\(\(6\*7\)\)$") is not None and
            any(re.match(r"^\[linux\]\+ echo", ln) for ln in log.lines))
    irq4 = log.find_console("linux", r"^hvmm-linux: irq 4: +(\d+) +IO-APIC +4-edge +ttyS0")
    j.check("linux: /proc/interrupts: ttyS0's interrupts through the I/O APIC",
            irq4 is not None and int(irq4[1].group(1)) > 0, irq4[1].group(0) if irq4 else "no irq 4 line")
    check_exit(j, log, "linux", "poweroff")


JSON_TYPES = {"kill", "summary", "lag", "console", "dist", "guest", "done",  # docs/running.md "The JSON log"
              "trace", "trace_run", "trace_end"}


def judge_json(j: Judge, log: HvmmLog, ctx: Context) -> None:
    """log=json: every JSON line parses and carries log/schema/type; the guests, the kill, the lag and the
    distributions read from JSON (what tools/hvmmlog.py now reports) equal the text lines' figures."""
    j.check("JSON lines: every one parses (json module)", log.json and not log.json_errors,
            f"{len(log.json)} lines, errors {log.json_errors[:2]}")
    heads = [(o.get("log"), o.get("schema"), o.get("type")) for _, o in log.json]
    j.check("JSON lines: log=hvmm, schema=1 and a documented type on each",
            all(h[0] == "hvmm" and h[1] == 1 and h[2] in JSON_TYPES for h in heads),
            str([h for h in heads if not (h[0] == "hvmm" and h[1] == 1 and h[2] in JSON_TYPES)][:3]))
    tg, jg = log.text_guests, log.guests
    j.check("JSON guests: one per text summary line", sorted(tg) == sorted(jg), f"text {sorted(tg)}, json {sorted(jg)}")
    same = all(tg[n].exit == jg[n].exit and tg[n].switches == jg[n].switches and tg[n].exits == jg[n].exits and
               tg[n].runtime == jg[n].runtime and tg[n].irqs == jg[n].irqs for n in tg if n in jg)
    j.check("JSON guests: exit, switches, exits, runtime, irqs as the text lines", same,
            str([(tg[n], jg.get(n)) for n in tg][:1]))
    tk, jk = log.text_killed.get("badmem"), log.killed.get("badmem")
    j.check("JSON kill: badmem's reason and rip as the text line",
            tk is not None and jk is not None and (tk.reason, tk.rip) == (jk.reason, jk.rip), f"{tk} / {jk}")
    j.check("JSON lag: as the text lag line", log.text_lag is not None and log.lag == log.text_lag,
            f"text {log.text_lag}, json {log.lag}")
    tdist = {w: {k: v for k, v in d.items()} for w, d in log.text_dist.items()}
    jdist = {w: {k: d[k] for k in tdist.get(w, {}) if k in d} for w, d in log.dist.items()}
    j.check(f"JSON dist (stats=full): {len(tdist)} distributions as the text dist lines", tdist and tdist == jdist,
            f"text {sorted(tdist)}, json {sorted(jdist)}")
    types = [o["type"] for _, o in log.json]
    j.check("JSON: one summary, lag and console, and done last", types.count("summary") == 1 and
            types.count("lag") == 1 and types.count("console") == 1 and types[-1:] == ["done"], str(types[-6:]))
    from_json = benchlog.parse("\n".join(log.lines))
    from_text = benchlog.parse("\n".join(ln for ln in log.lines if not ln.startswith('{"log":"hvmm"')))
    same = (from_json["lag"] == from_text["lag"] and from_json["dist"] == from_text["dist"] and
            from_json["console"] == from_text["console"] and from_json["time"] == from_text["time"] and
            all(from_json["guests"][n][k] == v for n, g in from_text["guests"].items() for k, v in g.items()
                if k in ("exit", "switches", "exits", "runtime", "steal", "irqs")))
    j.check("tools/benchlog.py (benchreport's parser) reads the JSON lines: the same lag, time, dists, console and "
            "guests as from the text alone", from_json["source"] == "json" and from_text["source"] == "text" and same,
            f"json {from_json['lag']} / text {from_text['lag']}")
    summ = next((o for _, o in log.json if o["type"] == "summary"), {})
    j.check("JSON summary: guests=4 and the exits of every guest", summ.get("guests") == 4 and
            summ.get("exits") == sum(g.exits for g in log.guests.values()), str(summ))
    check_counter(j, log)
    check_matmul(j, log)
    check_exitcode(j, log)
    check_badmem(j, log)


SCENARIOS: List[Scenario] = [
    TypedScenario("console-echo", [f"{MB1_ECHO} name=echo1 debug_exit=0xf4", f"{MB1_ECHO} name=echo2 debug_exit=0xf4",
                              f"{GUESTS}/counter.elf name=counter count=5"], judge_echo, timeout=90,
             prepare=typed(ECHO_SCRIPT)),
    TypedScenario("console-monitor", [f"{GUESTS}/matmul.elf name=matmul rounds=400000 progress=200",
                                 f"{GUESTS}/matmul.elf name=matmul2 rounds=6000 seed=2 progress=50",
                                 f"{GUESTS}/counter.elf name=counter count=5"], judge_monitor, timeout=90,
             prepare=typed(MONITOR_SCRIPT)),
    TypedScenario("console-nmi", [f"{GUESTS}/apicipi.elf name=nmipc mem=16M platform=pc button=lint1",
                             f"{GUESTS}/apicipi.elf name=nminone mem=16M button=direct",
                             f"{GUESTS}/counter.elf name=counter count=5"], judge_nmi, timeout=90,
                 prepare=typed(NMI_SCRIPT)),
    TypedScenario("linux-console", [f"{LINUX_DIR}/vmlinuz name=linux mem=256M console=ttyS0 hvmm_end=poweroff hvmm_shell=1",
                               f"{LINUX_DIR}/initramfs.cpio for=linux"], judge_linux, timeout=180, skip_if=fetch,
             prepare=typed(LINUX_SCRIPT)),
    TypedScenario("console-hvc", [f"{GUESTS}/hvcecho.elf name=hvcecho platform=pc hvc=on",
                                  f"{GUESTS}/counter.elf name=counter count=5"], judge_hvc, timeout=90,
                  prepare=typed(HVC_SCRIPT)),
    Scenario("log-json", [COUNTER, MATMUL, EXITCODE, f"{GUESTS}/badmem.elf name=badmem mem=16M"], judge_json,
             cmdline=f"slice=10ms {EXIT_PORT} log=json stats=full"),
]
