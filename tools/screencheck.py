#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""screencheck: read text back from a screendump of hvmm's framebuffer console, and take such screendumps from QEMU.

    tools/screencheck.py read IMAGE.{ppm,png} [--font PSF]          print the text on screen, one line per row
    tools/screencheck.py find IMAGE TEXT...                          exit 0 if every TEXT is on screen
    tools/screencheck.py watch --qmp SOCK --png OUT.png [--text OUT.txt] [--until REGEX] [--timeout SEC]

hvmm/core/fbcon.c draws glyphs of the PSF font that tools/font2c converted, from the top-left pixel, in fixed character
cells, light on dark (the status line on the bottom row dark on light). So reading the screen back needs no OCR:
every cell is compared pixel for pixel with the same font's glyphs (a pixel is lit when its grey level is >= 64;
the status line is inverted first). A cell that matches no glyph reads as '\\x7f' (shown as '#').

watch: connect to QEMU's QMP socket, take a screendump every --every seconds, and stop when a line of the screen
matches --until and the screen stayed the same over two dumps, or when the guest shut down (QMP SHUTDOWN event:
run QEMU with -action shutdown=pause so the screen stays), or after --timeout. Then keep the last dump as PNG
(--png), its text (--text), and quit QEMU. Exit status 0 when --until matched, 1 otherwise.
Standard library only (PNG written with zlib).
"""

import argparse
import functools
import json
import os
import re
import socket
import struct
import sys
import tempfile
import time
import zlib
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import psffont  # noqa: E402

LIT = 64  # grey level from which a pixel counts as lit
UNKNOWN = "\x7f"


class Image:
    """An RGB image: width, height, and rows of bytes (3 per pixel)."""

    def __init__(self, width: int, height: int, data: bytes) -> None:
        self.width, self.height, self.data = width, height, data

    def grey(self, x: int, y: int) -> int:
        i = (y * self.width + x) * 3
        return max(self.data[i], self.data[i + 1], self.data[i + 2])


def read_ppm(path: str) -> Image:
    """Binary PPM (P6, maxval 255), as QEMU's screendump writes it."""
    with open(path, "rb") as f:
        raw = f.read()
    fields: List[bytes] = []
    i = 0
    while len(fields) < 4:
        while raw[i:i + 1].isspace():
            i += 1
        if raw[i:i + 1] == b"#":
            i = raw.index(b"\n", i) + 1
            continue
        j = i
        while not raw[j:j + 1].isspace():
            j += 1
        fields.append(raw[i:j])
        i = j
    i += 1  # the single whitespace byte after maxval
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError(f"{path}: not a binary PPM with maxval 255")
    w, h = int(fields[1]), int(fields[2])
    data = raw[i:i + w * h * 3]
    if len(data) != w * h * 3:
        raise ValueError(f"{path}: truncated PPM")
    return Image(w, h, data)


def write_png(img: Image, path: str) -> None:
    """8-bit RGB PNG, no interlace, filter 0 on every row (PNG spec §11.2)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    stride = img.width * 3
    raw = b"".join(b"\x00" + img.data[y * stride:(y + 1) * stride] for y in range(img.height))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", img.width, img.height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, path)


def read_png(path: str) -> Image:
    """Reads the PNGs write_png writes (8-bit RGB, any of the five filters)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    i, idat, w, h = 8, b"", 0, 0
    while i < len(raw):
        (n,) = struct.unpack_from(">I", raw, i)
        kind, body = raw[i + 4:i + 8], raw[i + 8:i + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack_from(">IIBB", body)
            if depth != 8 or ctype != 2:
                raise ValueError(f"{path}: only 8-bit RGB PNGs are read")
        elif kind == b"IDAT":
            idat += body
        i += 12 + n
    data, stride, bpp = zlib.decompress(idat), w * 3, 3
    out = bytearray(h * stride)
    prev = bytearray(stride)
    for y in range(h):
        ft, line = data[y * (stride + 1)], bytearray(data[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return Image(w, h, bytes(out))


def load_image(path: str) -> Image:
    with open(path, "rb") as f:
        magic = f.read(2)
    return read_png(path) if magic == b"\x89P" else read_ppm(path)


_LIT = bytes(1 if v >= LIT else 0 for v in range(256))
_UNLIT = bytes(0 if v >= LIT else 1 for v in range(256))


@functools.lru_cache(maxsize=4)
def _glyph_table(font: psffont.Font) -> Dict[bytes, str]:
    """Each glyph as the cell's lit mask: per pixel row, 3 bytes (R, G, B) of 0 or 1 per pixel."""
    table: Dict[bytes, str] = {}
    for code in range(0x20, 0x7F):
        if code in font.rows:
            key = b"".join(b"".join(b"\x01\x01\x01" if (bits >> (font.width - 1 - x)) & 1 else b"\x00\x00\x00"
                                    for x in range(font.width)) for bits in font.rows[code])
            table.setdefault(key, chr(code))
    return table


def read_cells(img: Image, font: psffont.Font, y0: int, inverted: bool, cols: int) -> str:
    """The text of the character row whose top pixel row is y0 (grey pixels only: hvmm draws nothing else)."""
    table = _glyph_table(font)
    stride, cw = img.width * 3, font.width * 3
    mask = [img.data[y * stride:(y + 1) * stride].translate(_UNLIT if inverted else _LIT)
            for y in range(y0, y0 + font.height)]
    out = []
    for c in range(cols):
        key = b"".join(m[c * cw:(c + 1) * cw] for m in mask)
        out.append(table.get(key, UNKNOWN))
    return "".join(out).rstrip()


def read_screen(img: Image, font: psffont.Font) -> Tuple[List[str], str]:
    """(text rows, status line) as hvmm/core/fbcon.c lays them out: rows from the top, the status line on the bottom."""
    cols, rows = img.width // font.width, img.height // font.height - 1
    text = [read_cells(img, font, r * font.height, False, cols) for r in range(rows)]
    status = read_cells(img, font, img.height - font.height, True, cols)
    return text, status


def find(lines: List[str], want: str) -> Optional[int]:
    """Index of the first row that contains want, or None."""
    for i, ln in enumerate(lines):
        if want in ln:
            return i
    return None


# ---- QMP ----

class Qmp:
    def __init__(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.s.settimeout(120)
        self.buf = b""
        self.events: List[dict] = []
        self._recv()  # greeting
        self.cmd("qmp_capabilities")

    def _recv(self) -> dict:
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("QMP socket closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name: str, **args) -> dict:
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._recv()
            if "event" in r:
                self.events.append(r)
            elif "return" in r or "error" in r:
                return r

    def shutdown_seen(self) -> Optional[dict]:
        return next((e for e in self.events if e["event"] == "SHUTDOWN"), None)


def watch(args: argparse.Namespace, font: psffont.Font) -> int:
    until = re.compile(args.until) if args.until else None
    deadline = time.monotonic() + args.timeout
    try:
        q = Qmp(args.qmp, timeout=60)
    except (OSError, EOFError) as e:
        print(f"screencheck: cannot reach QMP at {args.qmp}: {e}", file=sys.stderr)
        return 1
    fd, ppm = tempfile.mkstemp(suffix=".ppm", dir=os.path.dirname(os.path.abspath(args.png)))
    os.close(fd)
    last: Optional[List[str]] = None
    matched, img, why = False, None, "timeout"
    try:
        while True:
            st = q.cmd("query-status").get("return", {})
            shutdown = q.shutdown_seen() or (st.get("status") == "shutdown" and {"data": {"reason": "runstate"}})
            r = q.cmd("screendump", filename=ppm)
            if "error" in r:
                why = f"screendump failed: {r['error']}"
                break
            try:
                img = load_image(ppm)
                text, status = read_screen(img, font)
            except (ValueError, OSError, IndexError) as e:
                why = f"bad screendump: {e}"
                break
            matched = until is None or any(until.search(ln) for ln in text)
            if shutdown:
                why = f"guest shutdown ({shutdown.get('data', {}).get('reason', '?')})"
                break
            if matched and text == last:
                why = "text matched and the screen is still"
                break
            last = text
            if time.monotonic() > deadline:
                break
            time.sleep(args.every)
    except (OSError, EOFError) as e:
        why = f"QEMU went away: {e}"
    if img is not None:
        write_png(img, args.png)
        if args.text:
            text, status = read_screen(img, font)
            with open(args.text, "w") as f:
                f.write("\n".join(text + [status]) + "\n")
    try:
        os.unlink(ppm)
    except OSError:
        pass
    try:
        q.cmd("quit")
    except (OSError, EOFError):
        pass
    print(f"screencheck: stopped watching: {why}; {'until-text matched' if matched else 'until-text NOT seen'}; "
          f"screen in {args.png if img is not None else '(none)'}", file=sys.stderr)
    return 0 if matched else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--font", default=psffont.DEFAULT_FONT, help="the PSF font hvmm was built with")
    sub = ap.add_subparsers(dest="what", required=True)
    r = sub.add_parser("read")
    r.add_argument("image")
    f = sub.add_parser("find")
    f.add_argument("image")
    f.add_argument("text", nargs="+")
    w = sub.add_parser("watch")
    w.add_argument("--qmp", required=True)
    w.add_argument("--png", required=True)
    w.add_argument("--text")
    w.add_argument("--until", help="regular expression a screen row must match")
    w.add_argument("--timeout", type=float, default=120)
    w.add_argument("--every", type=float, default=1.0, help="seconds between screendumps")
    args = ap.parse_args()
    font = psffont.load(args.font)
    if args.what == "watch":
        return watch(args, font)
    text, status = read_screen(load_image(args.image), font)
    if args.what == "read":
        print("\n".join(ln.replace(UNKNOWN, "#") for ln in text))
        print("status: " + status)
        return 0
    missing = [t for t in args.text if find(text + [status], t) is None]
    for t in missing:
        print(f"screencheck: not on screen: {t!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
