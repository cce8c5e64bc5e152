# SPDX-License-Identifier: MIT
"""Parse the measurement lines of an hvmm serial log (docs/serial-log.md, docs/measurement.md).

With log=json on hvmm's command line (docs/running.md "The JSON log"; tools/bench passes it) the lag, the time, the
console ring, the distributions and the guests' results come from hvmm's JSON lines, read with the json module;
the lines without a JSON twin (the native and guest latency lines, hist, the per-CPU lines, hvmm_ppm) from the text.

    python3 tools/benchlog.py LOG      # prints what it found as JSON
"""

import json
import re
import sys

_KV = re.compile(r"(\w+)=(\S+)")


def _kv(text):
    out = {}
    for k, v in _KV.findall(text):
        try:
            out[k] = int(v)
        except ValueError:
            out[k] = v
    return out


def parse(text):
    """Return {tsc_khz, native: {op: {n: per_op}}, guest: {op: {n: per_op}}, lag, time, dist: {what: {...}},
    hist: {what: {bucket: count}}, guests: {name: {...}}, console: {...}, cpus: {cpu: {guests, switches, p50, p99}},
    source: "json" or "text"} from a serial log's text (cpus: the per-CPU summary lines, printed when more than one
    CPU ran guests; source "json": the log had hvmm's JSON lines, read for the figures that have them)."""
    r = {"tsc_khz": None, "native": {}, "guest": {}, "lag": None, "time": None, "dist": {}, "hist": {}, "guests": {},
         "console": None, "cpus": {}, "source": "text"}
    objs = []
    for raw in text.splitlines():
        line = raw.strip("\r")
        m = re.search(r"hvmm: native (op=.*)", line)
        if m:
            d = _kv(m.group(1))
            r["native"].setdefault(d["op"], {})[d["n"]] = d["cycles"]
            continue
        m = re.search(r"\] lat (op=.*)", line)
        if m:
            d = _kv(m.group(1))
            r["guest"].setdefault(d["op"], {})[d["n"]] = d["cycles"]
            if "min" in d:  # timer_irq (guests/platbench.c): n samples, their min and max
                r.setdefault("guest_minmax", {})[d["op"]] = {"n": d["n"], "min": d["min"], "max": d["max"]}
            continue
        m = re.search(r"hvmm: lag (n=.*)", line)
        if m:
            r["lag"] = _kv(m.group(1))
            r["tsc_khz"] = r["lag"].get("tsc_khz")
            continue
        m = re.search(r"hvmm: time (elapsed=.*)", line)
        if m:
            r["time"] = _kv(m.group(1))
            continue
        m = re.search(r"hvmm: console (ring=.*)", line)
        if m:
            r["console"] = _kv(m.group(1))
            continue
        m = re.search(r"hvmm: dist what=(\S+) (.*)", line)
        if m:
            r["dist"][m.group(1)] = _kv(m.group(2))
            continue
        m = re.search(r"hvmm: hist what=(\S+) log2(.*)", line)
        if m:
            r["hist"][m.group(1)] = {int(b): int(c) for b, c in re.findall(r"(\d+):(\d+)", m.group(2))}
            continue
        m = re.search(r"hvmm: cpu (\d+) guests=(\d+) switches=(\d+) lag p50=(\d+) p99=(\d+)$", line)
        if m:
            r["cpus"][int(m.group(1))] = dict(zip(("guests", "switches", "p50", "p99"), map(int, m.group(2, 3, 4, 5))))
            continue
        m = re.search(r"hvmm: guest (\S+) (exit=.*)", line)
        if m:
            r["guests"][m.group(1)] = _kv(m.group(2))
        if line.startswith('{"log":"hvmm"'):
            try:
                objs.append(json.loads(line))
            except ValueError:
                pass  # a cut line: the text lines stand
    if objs:
        _from_json(r, objs)
    return r


_HEAD = ("log", "schema", "type")


def _from_json(r, objs):
    """Replace the figures that have a JSON twin by the JSON's (schema 1); r["source"] says which were read."""
    for o in objs:
        if o.get("schema") != 1:
            continue
        t = o.get("type")
        body = {k: v for k, v in o.items() if k not in _HEAD}
        if t == "lag":
            r["lag"] = {k: body[k] for k in ("n", "min", "p50", "p99", "max", "mean", "tsc_khz") if k in body}
            r["tsc_khz"] = body.get("tsc_khz")
        elif t == "summary":  # hvmm_ppm has no JSON twin: kept from the text line
            r["time"] = dict(r["time"] or {}, elapsed=body["elapsed"], guests=body["in_guests"])
        elif t == "console":
            r["console"] = body
        elif t == "dist":
            r["dist"][body.pop("what")] = body
        elif t == "guest":
            r["guests"][body.pop("name")] = body
    r["source"] = "json"


if __name__ == "__main__":
    with open(sys.argv[1], errors="replace") as f:
        print(json.dumps(parse(f.read()), indent=1, sort_keys=True))
