# SPDX-License-Identifier: MIT
"""Parse an hvmm serial log (the format in docs/serial-log.md) into a structure the tests and reports share.

Only hvmm's own lines are parsed; firmware and GRUB output before them (and terminal escape sequences) is skipped.
With `log=json` on hvmm's command line (docs/running.md "The JSON log") the summary, the guests' results, the kills
and the distributions come from its JSON lines, read with Python's json module; the same figures from the text lines
stay in text_guests, text_killed, text_lag and text_dist, so the two can be compared.

    log = HvmmLog.from_file("build/scenarios/default/serial.log")
    log.console("counter")        # ["count 1", ...]: that guest's console lines, in order
    log.guests["counter"].exit    # 0, or "killed"; log.lag["p50"]; log.killed["badmem"].reason

Usable as a script too: `python3 tools/hvmmlog.py LOG` prints what it found.
"""

import json
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

# CSI and other two-byte escape sequences (GRUB and the firmware clear the screen on the serial line).
_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_REJECTED = re.compile(r"^hvmm: guest (\S+) rejected: (.*)$")
_KILLED = re.compile(r"^hvmm: guest (\S+) killed: (.*?)(?: rip=0x([0-9a-fA-F]+))?$")
_SUMMARY = re.compile(
    r"^hvmm: guest (\S+) exit=(-?\d+|\w+) switches=(\d+) exits=(\d+) runtime=(\d+)(?:\s.*)?$")
_IRQS = re.compile(r" irqs=(\d+)(?: clamped=(\d+))?")
_UNCLAIMED = re.compile(r" unclaimed=(\d+) ports=((?:0x[0-9a-f]+:\d+,?)+)(?: other=(\d+))?")
_LAG = re.compile(r"^hvmm: lag (.*)$")
_RING = re.compile(r"^hvmm: console (ring=.*)$")
_DIST = re.compile(r"^hvmm: dist what=(\S+) (.*)$")
_HIST = re.compile(r"^hvmm: hist what=(\S+) (?:log2|buckets)(.*)$")
_ERROR = re.compile(r"^hvmm: error: (.*)$")
_PANIC = re.compile(r"hvmm: PANIC: ?(.*)$")
_ALL_DONE = re.compile(r"^hvmm: all guests done\s*$")
_CONSOLE = re.compile(r"^\[([^\]\s]+)\](?: (.*))?$")
_CONTINUED = re.compile(r"^\[([^\]\s]+)\]\+(?: (.*))?$")  # a later piece of a guest line (a flushed line's rest)
_KV = re.compile(r"(\w+)=(\S+)")

LAG_FIELDS = ("n", "min", "p50", "p99", "max", "mean", "tsc_khz")


@dataclass
class Kill:
    """A `hvmm: guest NAME killed: REASON rip=0xHEX` line."""
    name: str
    reason: str
    rip: Optional[int]  # None when the line carried no rip=
    line: int  # 0-based index into HvmmLog.lines


@dataclass
class GuestSummary:
    """A `hvmm: guest NAME exit=STATUS switches=N exits=N runtime=CYCLES` summary line."""
    name: str
    exit: Union[int, str]  # the decimal status, or a word: "killed" (or "running", never in a finished run)
    switches: int
    exits: int
    runtime: int
    line: int
    irqs: Optional[int] = None  # interrupts injected (` irqs=N`: guests with the virtual PC only)
    clamped: int = 0  # periodic timers programmed faster than the minimum period and clamped (` clamped=N`)
    unclaimed: int = 0  # accesses to ports no device claims (` unclaimed=N`)
    ports: Dict[int, int] = field(default_factory=dict)  # the first unclaimed ports -> accesses (` ports=0xP:N,...`)
    unclaimed_other: int = 0  # accesses to unclaimed ports beyond those listed (` other=N`)


@dataclass
class HvmmLog:
    lines: List[str] = field(default_factory=list)  # every line, escapes and control characters removed
    errors: List[str] = field(default_factory=list)  # messages of `hvmm: error:` lines
    panics: List[str] = field(default_factory=list)  # whole `hvmm: PANIC:` lines
    rejected: Dict[str, str] = field(default_factory=dict)  # guest name -> reason
    killed: Dict[str, Kill] = field(default_factory=dict)
    output: List[Tuple[int, str, str]] = field(default_factory=list)  # (line index, guest name, text)
    _tails: Dict[str, str] = field(default_factory=dict)  # a guest's last piece's trailing blanks (parse)
    lag_lines: List[Dict[str, int]] = field(default_factory=list)  # every `hvmm: lag` line's fields
    ring: Optional[Dict[str, int]] = None  # the `hvmm: console ring=...` line's fields
    dist: Dict[str, Dict[str, int]] = field(default_factory=dict)  # `hvmm: dist what=W ...` (stats=full): W -> fields
    hist: Dict[str, Dict[int, int]] = field(default_factory=dict)  # `hvmm: hist what=W ...`: W -> {bucket: count}
    guests: Dict[str, GuestSummary] = field(default_factory=dict)  # summary lines, in log order
    duplicate_summaries: List[str] = field(default_factory=list)  # names with more than one summary line
    all_done: bool = False
    all_done_line: Optional[int] = None
    json: List[Tuple[int, Dict]] = field(default_factory=list)  # log=json: (line index, object) of each JSON line
    json_errors: List[str] = field(default_factory=list)  # lines that start like hvmm's JSON but do not parse
    text_guests: Dict[str, GuestSummary] = field(default_factory=dict)  # with JSON: the text summary lines' guests
    text_killed: Dict[str, Kill] = field(default_factory=dict)
    text_lag: Optional[Dict[str, int]] = None
    text_dist: Dict[str, Dict[str, int]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> "HvmmLog":
        log = cls()
        for raw in text.replace("\r\n", "\n").split("\n"):
            full = _CONTROL.sub("", _ESCAPE.sub("", raw))
            line = full.rstrip()
            i = len(log.lines)
            log.lines.append(line)
            # hvmm's first line may share a line with GRUB's screen clearing: start at its prefix.
            s = line.lstrip()
            at = s.find("hvmm: ")
            if at > 0 and not s.startswith("["):
                s = s[at:]
            log._line(i, s, full[len(line):])
        if log.json:
            log._from_json()
        return log

    def _from_json(self) -> None:
        """log=json: take the guests, kills, lag and distributions from the JSON lines (the text's kept aside)."""
        self.text_guests, self.text_killed, self.text_lag, self.text_dist = self.guests, self.killed, self.lag, self.dist
        self.guests, self.killed, self.dist, self.duplicate_summaries = {}, {}, {}, []
        lag = None
        for i, o in self.json:
            t = o.get("type")
            if t == "guest":
                g = GuestSummary(o["name"], o["exit"], o["switches"], o["exits"], o["runtime"], i, o.get("irqs"),
                                 o.get("clamped", 0), o.get("unclaimed", 0))
                if g.name in self.guests:
                    self.duplicate_summaries.append(g.name)
                self.guests[g.name] = g
            elif t == "kill":
                self.killed[o["guest"]] = Kill(o["guest"], o["reason"], o.get("rip"), i)
            elif t == "lag":
                lag = {k: o[k] for k in LAG_FIELDS if k in o}
            elif t == "dist":
                self.dist[o["what"]] = {k: v for k, v in o.items() if isinstance(v, int) and k != "schema"}
        self.lag_lines = [lag] if lag is not None else []

    @classmethod
    def from_file(cls, path: str) -> "HvmmLog":
        with open(path, "rb") as f:
            return cls.parse(f.read().decode("utf-8", errors="replace"))

    def _line(self, i: int, s: str, tail: str = "") -> None:
        """One line s (stripped; tail: the blanks it ended with, which a continuation of a guest's line needs)."""
        m = _PANIC.search(s)
        if m:
            self.panics.append(s)
            return
        m = _CONSOLE.match(s)
        if m:
            self.output.append((i, m.group(1), m.group(2) or ""))
            self._tails[m.group(1)] = tail
            return
        m = _CONTINUED.match(s)
        if m:  # join it to that guest's previous line, with the blanks that piece ended with (a flushed prompt)
            text = m.group(2) or ""
            if not text:  # a piece of blanks only: the stripped line lost them, the first one is the separator
                tail = tail[1:]
            k = next((k for k in range(len(self.output) - 1, -1, -1) if self.output[k][1] == m.group(1)), None)
            if k is None:
                self.output.append((i, m.group(1), text))
            else:
                joined = self.output[k][2] + self._tails.get(m.group(1), "") + text
                self.output[k] = self.output[k][:2] + (joined,)
            self._tails[m.group(1)] = tail
            return
        if s.startswith('{"log":"hvmm"'):
            try:
                self.json.append((i, json.loads(s)))
            except ValueError as e:
                self.json_errors.append(f"line {i}: {e}")
            return
        if not s.startswith("hvmm: "):
            return
        m = _ERROR.match(s)
        if m:
            self.errors.append(m.group(1))
            return
        m = _REJECTED.match(s)
        if m:
            self.rejected[m.group(1)] = m.group(2)
            return
        m = _SUMMARY.match(s)
        if m:
            status = m.group(2)
            g = GuestSummary(m.group(1), int(status) if status.lstrip("-").isdigit() else status, int(m.group(3)),
                             int(m.group(4)), int(m.group(5)), i)
            q = _IRQS.search(s)
            if q:
                g.irqs = int(q.group(1))
                g.clamped = int(q.group(2) or 0)
            u = _UNCLAIMED.search(s)
            if u:
                g.unclaimed = int(u.group(1))
                g.ports = {int(p, 16): int(n) for p, n in (x.split(":") for x in u.group(2).split(","))}
                g.unclaimed_other = int(u.group(3) or 0)
            if g.name in self.guests:
                self.duplicate_summaries.append(g.name)
            self.guests[g.name] = g
            return
        m = _KILLED.match(s)
        if m:
            rip = int(m.group(3), 16) if m.group(3) else None
            self.killed[m.group(1)] = Kill(m.group(1), m.group(2), rip, i)
            return
        m = _LAG.match(s)
        if m:
            self.lag_lines.append({k: int(v) for k, v in _KV.findall(m.group(1)) if v.isdigit()})
            return
        m = _RING.match(s)
        if m:
            self.ring = {k: int(v) for k, v in _KV.findall(m.group(1)) if v.isdigit()}
            return
        m = _DIST.match(s)
        if m:
            self.dist[m.group(1)] = {k: int(v) for k, v in _KV.findall(m.group(2)) if v.isdigit()}
            return
        m = _HIST.match(s)
        if m:
            self.hist[m.group(1)] = {int(b): int(c) for b, c in re.findall(r"(\d+):(\d+)", m.group(2))}
            return
        if _ALL_DONE.match(s):
            self.all_done = True
            self.all_done_line = i

    @property
    def lag(self) -> Optional[Dict[str, int]]:
        """The (last) lag summary's fields, or None when there was none."""
        return self.lag_lines[-1] if self.lag_lines else None

    def console(self, name: str) -> List[str]:
        """The console lines of one guest, in order (the pieces of a line hvmm split joined again)."""
        return [text for _, n, text in self.output if n == name]

    def find_console(self, name: str, pattern: str) -> Optional[Tuple[int, re.Match]]:
        """The first console line of guest `name` matching regex `pattern`: (line index, match), or None."""
        rx = re.compile(pattern)
        for i, n, text in self.output:
            if n == name:
                m = rx.search(text)
                if m:
                    return i, m
        return None

    def prefix_changes(self) -> int:
        """How often consecutive console lines come from different guests (a measure of interleaving)."""
        names = [n for _, n, _ in self.output]
        return sum(1 for a, b in zip(names, names[1:]) if a != b)

    def total_switches(self) -> int:
        return sum(g.switches for g in self.guests.values())

    def tail(self, n: int = 30) -> List[str]:
        lines = self.lines
        while lines and not lines[-1]:
            lines = lines[:-1]
        return lines[-n:]


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print("usage: hvmmlog.py SERIAL.LOG", file=sys.stderr)
        return 2
    log = HvmmLog.from_file(argv[1])
    for e in log.errors:
        print(f"error: {e}")
    for p in log.panics:
        print(f"panic: {p}")
    for n, r in log.rejected.items():
        print(f"rejected: {n}: {r}")
    for k in log.killed.values():
        print(f"killed: {k.name}: {k.reason} rip={hex(k.rip) if k.rip is not None else '?'}")
    if log.lag:
        print("lag: " + " ".join(f"{k}={v}" for k, v in log.lag.items()))
    for g in log.guests.values():
        print(f"guest {g.name}: exit={g.exit} switches={g.switches} exits={g.exits} runtime={g.runtime} "
              f"lines={len(log.console(g.name))}")
    print(f"console lines={len(log.output)} prefix changes={log.prefix_changes()} all done={log.all_done}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
