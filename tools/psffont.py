# SPDX-License-Identifier: MIT
"""psffont: read a Linux console font (PSF1 or PSF2, optionally gzip-compressed) into ASCII glyph bitmaps.

Used by tools/font2c (the font built into hvmm's framebuffer console) and tools/screencheck.py (which renders the
same glyphs to find text in a screendump). Standard library only.

PSF1: 2-byte magic 36 04, mode (bit 0: 512 glyphs, bit 1: Unicode table), charsize (bytes per glyph = height),
glyphs 8 pixels wide, then an optional Unicode table of little-endian u16 (0xffff ends a glyph's entries, 0xfffe
starts a sequence). PSF2: magic 72 b5 4a 86, then u32 version, headersize, flags (bit 0: Unicode table), length,
charsize, height, width; the Unicode table holds UTF-8 (0xff ends a glyph's entries, 0xfe starts a sequence).
"""

import gzip
import struct
from typing import Dict, List

DEFAULT_FONT = "/usr/share/consolefonts/default8x16.psf.gz"  # Debian package console-data


class Font:
    """width x height glyphs; glyph(c) gives rows as ints, bit (width - 1 - x) set for a lit pixel at column x."""

    def __init__(self, width: int, height: int, rows: Dict[int, List[int]], source: str) -> None:
        self.width, self.height, self.rows, self.source = width, height, rows, source

    def glyph(self, code: int) -> List[int]:
        """Rows of the glyph for code point code (0..127); '?' for one the font lacks."""
        return self.rows.get(code) or self.rows.get(ord("?")) or [0] * self.height


def _unicode_map_psf1(table: bytes, nglyphs: int) -> Dict[int, int]:
    cmap: Dict[int, int] = {}
    g, i, in_seq = 0, 0, False
    while g < nglyphs and i + 1 < len(table):
        (u,) = struct.unpack_from("<H", table, i)
        i += 2
        if u == 0xFFFF:
            g, in_seq = g + 1, False
        elif u == 0xFFFE:
            in_seq = True
        elif not in_seq:
            cmap.setdefault(u, g)
    return cmap


def _unicode_map_psf2(table: bytes, nglyphs: int) -> Dict[int, int]:
    cmap: Dict[int, int] = {}
    for g, entry in enumerate(table.split(b"\xff")[:nglyphs]):
        singles = entry.split(b"\xfe")[0]
        for ch in singles.decode("utf-8", errors="ignore"):
            cmap.setdefault(ord(ch), g)
    return cmap


def load(path: str = DEFAULT_FONT) -> Font:
    """Read the font at path; keep glyphs for code points 0x20..0x7e (through the Unicode table when there is one)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == b"\x36\x04":
        mode, charsize = data[2], data[3]
        nglyphs, width, height, bpr, off = (512 if mode & 1 else 256), 8, charsize, 1, 4
        has_table = bool(mode & 6)
        glyph_bytes = charsize
        table_at = off + nglyphs * glyph_bytes
        cmap = _unicode_map_psf1(data[table_at:], nglyphs) if has_table else {}
    elif data[:4] == b"\x72\xb5\x4a\x86":
        _, headersize, flags, nglyphs, glyph_bytes, height, width = struct.unpack_from("<7I", data, 4)
        bpr, off = (width + 7) // 8, headersize
        table_at = off + nglyphs * glyph_bytes
        cmap = _unicode_map_psf2(data[table_at:], nglyphs) if flags & 1 else {}
    else:
        raise ValueError(f"{path}: not a PSF1 or PSF2 font (magic {data[:4].hex()})")
    if len(data) < off + nglyphs * glyph_bytes:
        raise ValueError(f"{path}: truncated ({len(data)} bytes for {nglyphs} glyphs of {glyph_bytes})")
    rows: Dict[int, List[int]] = {}
    for code in range(0x20, 0x7F):
        g = cmap.get(code, code if not cmap else None)
        if g is None or g >= nglyphs:
            continue
        base = off + g * glyph_bytes
        glyph = []
        for y in range(height):
            v = int.from_bytes(data[base + y * bpr:base + (y + 1) * bpr], "big")
            glyph.append(v >> (bpr * 8 - width))
        rows[code] = glyph
    return Font(width, height, rows, path)
