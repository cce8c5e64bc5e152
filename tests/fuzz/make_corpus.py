#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of the fuzz targets into tests/fuzz/corpus/<target>/ (run once; the output is committed).

    python3 tests/fuzz/make_corpus.py [--guests build/guests]

fuzz_elf64 inputs start with 16 bytes (lo, hi: the guest range, little-endian) before the image; the guest ELFs are
stripped copies of build/guests/*.elf when those exist. fuzz_mb2 inputs are multiboot2 MBIs laid out as GRUB does
(spec 1.0 §3.6); fuzz_mb1 inputs are physical memory from 0x10000 with multiboot v1 information at its start, laid
out as QEMU's -kernel loader does (spec 0.6.96 §3.3). fuzz_cmdline inputs are command lines, fuzz_moncmd inputs bytes typed at hvmm's console,
fuzz_jsonw inputs a buffer size and the strings of a log=json line. fuzz_x86_decode inputs
are a mode byte (0/1/2 = 16/32/64-bit) and instruction bytes: the instructions hvmm intercepts, with prefixes, and the
MMIO forms.
"""

import argparse
import os
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LO, HI = 0x100000, 0x1000000


def elf64(segments, entry, e_type=2, machine=62, phentsize=56):
    """An ELF64 image: segments = [(p_type, flags, gpa, data, memsz)], data placed after the program headers."""
    phoff, n = 64, len(segments)
    off = phoff + n * phentsize
    phdrs, body = b"", b""
    for p_type, flags, gpa, data, memsz in segments:
        phdrs += struct.pack("<IIQQQQQQ", p_type, flags, off + len(body) if data else 0, gpa, gpa, len(data), memsz,
                             0x1000)
        body += data
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", e_type, machine, 1, entry, phoff, 0, 0, 64, phentsize, n, 64, 0, 0)
    return ehdr + phdrs + body


# mov eax, 3 (HVMM_HC_EXIT); mov edi, 7; vmmcall; jmp $
EXIT7 = bytes.fromhex("b803000000bf070000000f01d9ebfe")


def tag(t, payload):
    b = struct.pack("<II", t, 8 + len(payload)) + payload
    return b + bytes(-len(b) % 8)


def mbi(tags):
    body = b"".join(tags) + struct.pack("<II", 0, 8)
    return struct.pack("<II", 8 + len(body), 0) + body


def module(start, end, cmdline):
    return tag(3, struct.pack("<II", start, end) + cmdline.encode() + b"\0")


def mmap(entries, esize=24):
    return tag(6, struct.pack("<II", esize, 0) + b"".join(
        struct.pack("<QQII", b, l, t, 0) + bytes(esize - 24) for b, l, t in entries))


def bzimage(kernel=4096, setup_sects=2, version=0x20f, xlf=0x7f, reloc=1, pref=0x1000000, init_size=4 << 20):
    """A bzImage: boot sector + setup_sects sectors with the setup header (boot.rst), then `kernel` bytes."""
    setup = bytearray(512 * ((setup_sects or 4) + 1))
    setup[0x1f1] = setup_sects
    struct.pack_into("<I", setup, 0x1f4, kernel // 16)
    struct.pack_into("<H", setup, 0x1fe, 0xaa55)
    setup[0x200:0x202] = b"\xeb\x6a"
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    setup[0x211] = 0x81
    struct.pack_into("<IIII", setup, 0x22c, 0x7fffffff, 0x200000, reloc | (21 << 8) | (xlf << 16), 2047)
    struct.pack_into("<QI", setup, 0x258, pref, init_size)
    return bytes(setup) + bytes((i * 7) & 0xff for i in range(kernel))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def virtq_seeds():
    """fuzz_virtq inputs: 8 header bytes (log2 size, features, table/avail/used addresses / 16), then 4 KiB of RAM
    with a queue of 8 at 0x100/0x200/0x300 and buffers from 0x800 (VIRTIO 1.2 §2.7)."""
    def ram(descs, heads, ind=()):
        r = bytearray(0x1000)
        for i, (addr, ln, flags, nxt) in descs.items():
            struct.pack_into("<QIHH", r, 0x100 + 16 * i, addr, ln, flags, nxt)
        for i, (addr, ln, flags, nxt) in enumerate(ind):
            struct.pack_into("<QIHH", r, 0x600 + 16 * i, addr, ln, flags, nxt)
        struct.pack_into("<HH", r, 0x200, 0, len(heads))
        for i, h in enumerate(heads):
            struct.pack_into("<H", r, 0x204 + 2 * i, h)
        return struct.pack("<BBHHH", 3, 3, 0x10, 0x20, 0x30) + bytes(r)
    blk = {0: (0x800, 16, 1, 1), 1: (0x900, 512, 3, 2), 2: (0xb00, 1, 2, 0)}
    write("fuzz_virtq", "blk-read", ram(blk, [0]))
    write("fuzz_virtq", "indirect", ram({4: (0x600, 48, 4, 0)}, [4, 0],
                                        [(0x800, 16, 1, 1), (0x900, 512, 3, 2), (0xb00, 1, 2, 0)]))
    write("fuzz_virtq", "loop", ram({0: (0x800, 16, 1, 1), 1: (0x900, 16, 1, 0)}, [0]))
    write("fuzz_virtq", "out-of-ram", ram({0: (0xfffff000, 16, 0, 0)}, [0]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--guests", default=os.path.join(HERE, "..", "..", "build", "guests"))
    args = ap.parse_args()
    rng = struct.pack("<QQ", LO, HI)

    # ---- fuzz_elf64 ----
    good = elf64([(1, 5, 0x100000, EXIT7, len(EXIT7))], 0x100000)
    write("fuzz_elf64", "exit7", rng + good)
    write("fuzz_elf64", "exit7-2M", struct.pack("<QQ", LO, 0x200000) + good)
    two = elf64([(1, 5, 0x100000, EXIT7, 0x1000), (1, 6, 0x101000, b"data" * 8, 0x3000), (4, 4, 0, b"", 0)],
                0x100004)
    write("fuzz_elf64", "two-segments", rng + two)
    write("fuzz_elf64", "header-only", rng + two[:64])
    write("fuzz_elf64", "cut-40", rng + two[:40])
    write("fuzz_elf64", "cut-phdrs", rng + two[:100])
    write("fuzz_elf64", "et-dyn", rng + elf64([(1, 5, 0x100000, EXIT7, 16)], 0x100000, e_type=3))
    segs16 = [(1, 5, 0x100000, EXIT7, 0x1000)] + [(1, 4, 0x100000 + 0x1000 * i, b"", 0x1000) for i in range(1, 16)]
    write("fuzz_elf64", "16-segments", rng + elf64(segs16, 0x100000))
    write("fuzz_elf64", "17-segments", rng + elf64(segs16 + [(1, 4, 0x110000, b"", 0x1000)], 0x100000))
    write("fuzz_elf64", "wrap", rng + elf64([(1, 5, 0xfffffffffffff000, EXIT7, 0x2000)], 0xfffffffffffff000))
    for g in ("counter", "exitcode"):
        src = os.path.join(args.guests, g + ".elf")
        if os.path.isfile(src):
            with tempfile.TemporaryDirectory() as t:
                out = os.path.join(t, "g.elf")
                subprocess.run(["strip", "-o", out, src], check=True)
                with open(out, "rb") as f:
                    write("fuzz_elf64", g, rng + f.read())

    # ---- fuzz_mb2 ----
    write("fuzz_mb2", "minimal", mbi([]))
    grub_like = mbi([
        tag(1, b"slice=10ms exit_port=0xf4\0"),
        tag(2, b"GRUB 2.06-13+deb12u1\0"),
        module(0x200000, 0x209a50, "name=counter mem=16M"),
        module(0x20a000, 0x213000, "name=matmul mem=16M"),
        module(0x214000, 0x214000, "name=empty"),
        tag(4, struct.pack("<II", 639, 523264)),  # basic meminfo (skipped)
        tag(5, struct.pack("<III", 0xe0, 0xffffffff, 0xffffffff)),  # boot device (skipped)
        mmap([(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2), (0x100000, 0x1fee0000, 1),
              (0x1ffe0000, 0x20000, 2), (0xfffc0000, 0x40000, 2)]),
        tag(8, struct.pack("<QIIIBBH", 0xb8000, 160, 80, 25, 16, 2, 0)),
        tag(14, b"RSD PTR " + bytes(12)),
        tag(15, b"RSD PTR " + bytes(28)),
    ])
    write("fuzz_mb2", "grub-like", grub_like)
    write("fuzz_mb2", "mmap-32", mbi([mmap([(0, 0x9fc00, 1), (0x100000, 0x7ee0000, 1)], esize=32)]))
    write("fuzz_mb2", "many-modules", mbi([module(0x100000 * i, 0x100000 * i + 0x1000, f"name=g{i} mem=2M")
                                          for i in range(66)]))
    write("fuzz_mb2", "no-end-tag", grub_like[:-8])

    # ---- fuzz_mb1 ----
    # The window stands for physical memory from 0x10000; the 116-byte information at its start, the rest after it.
    def mb1(flags, fields, tail):
        raw = bytearray(116)
        struct.pack_into("<I", raw, 0, flags)
        for off, v in fields.items():
            struct.pack_into("<I", raw, off, v)
        return bytes(raw) + tail

    base = 0x10000 + 116
    cmd = b"build/hvmm.elf slice=5ms exit_port=0xf4\0"
    name = b"qemu\0"
    m0, m1 = b"g1.elf name=a\0", b"g2.elf name=b\0"
    strs = cmd + name + m0 + m1
    mods_at = base + len(strs)
    mods = struct.pack("<IIII", 0x400000, 0x409000, base + len(cmd) + len(name), 0)
    mods += struct.pack("<IIII", 0x40a000, 0x413000, base + len(cmd) + len(name) + len(m0), 0)
    mmap_at = mods_at + len(mods)
    recs = b"".join(struct.pack("<IQQI", 20, b, l, t) for b, l, t in
                    [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2), (0x100000, 0x1fee0000, 1)])
    qemu_like = mb1(0x24f, {4: 639, 8: 523136, 16: base, 20: 2, 24: mods_at, 44: len(recs), 48: mmap_at,
                            64: base + len(cmd)}, strs + mods + recs)
    write("fuzz_mb1", "qemu-like", qemu_like)
    write("fuzz_mb1", "memory-only", mb1(0x1, {4: 639, 8: 1024}, b""))
    write("fuzz_mb1", "cut", qemu_like[:200])
    write("fuzz_mb1", "framebuffer", mb1(0x1000, {88: 0xfd000000, 96: 4096, 100: 1024, 104: 768}, b""))

    # ---- fuzz_cmdline ----
    lines = {
        "hvmm": "slice=10ms exit_port=0xf4",
        "guest": "name=counter mem=16M count=20",
        "sizes": "mem=2M mem=16MiB mem=512K mem=1G mem=1T mem=4096B mem=0x200000 mem=1t mem=16mb",
        "times": "slice=100us slice=5ms slice=1s slice=10000 slice=0x10ms",
        "bad": "slice=abc slice=0 slice=99999s exit_port=zzz bench=77 novalue =v k= 0x 18446744073709551615 "
               "18446744073709551616 mem=16Q slice=1h",
        "spaces": "\t a=b \r\n c=d==e  ",
        "long": "name=" + "x" * 300 + " " + "k" * 70 + "=v",
    }
    for name, s in lines.items():
        write("fuzz_cmdline", name, s.encode())
    # fuzz_moncmd: bytes typed on hvmm's serial port (Ctrl-A three times moves the focus; lines for the monitor)
    write("fuzz_moncmd", "list", b"list\r")
    write("fuzz_moncmd", "mixed", b"stats linux\r\x01\x01\x01kill a\rslice 5ms\r")
    write("fuzz_moncmd", "errors", b"pause\rbogus 1 2\r\x7f\x15help\n")
    write("fuzz_moncmd", "trace", b"trace\rtrace 4\rtrace 0\rtrace 18446744073709551616\r")
    # fuzz_jsonw: a buffer size byte, then NUL-separated keys and values (log=json lines)
    write("fuzz_jsonw", "guest", b"\xff" + b"\0".join([b"name", b"linux", b"reason", b"a \"quoted\" \\ \x01\xc3\xa9"]))
    write("fuzz_jsonw", "small", b"\x08" + b"key\0value\0")

    # ---- fuzz_x86_decode ----
    insns = {
        "cs-cpuid": (2, "2e 0f a2"), "rdmsr": (2, "0f 32"), "wrmsr-66": (1, "66 0f 30"), "vmmcall": (2, "0f 01 d9"),
        "vmrun": (2, "0f 01 d8"), "hlt-rep": (2, "f3 f4"), "in-imm": (1, "e4 60"), "rep-outsw": (1, "f3 66 6f"),
        "xsetbv": (2, "0f 01 d1"), "mov-cr3": (2, "0f 22 18"), "invlpg": (2, "0f 01 b8 00 10 00 00"),
        "pause": (2, "f3 90"), "mov-moffs64": (2, "a1 00 00 e0 fe 00 00 00 00"), "mov-moffs16": (0, "a3 00 01"),
        "mov-sib": (2, "4f 8b 4c ec f8"), "mov-rip-imm": (2, "c7 05 00 10 00 00 01 00 00 00"),
        "movzx": (2, "0f b7 42 20"), "movsxd": (2, "48 63 06"), "or-imm32": (2, "81 8f f0 00 00 00 00 01 00 00"),
        "and-imm8": (1, "83 20 fe"), "test-f6": (2, "f6 01 80"), "xchg": (2, "66 41 87 00"),
        "rep-stosd": (1, "f3 ab"), "bp-di-16": (0, "89 43 02"), "a16-in-32": (1, "67 66 8b 00"),
        "bts-imm": (2, "0f ba 28 05"), "vex3": (2, "c4 e3 fd 00 84 c8 00 01 00 00 01"), "vex2": (1, "c5 f8 77"),
        "evex": (2, "62 f1 74 48 58 44 24 01"), "xop": (2, "8f e8 78 c0 c1 05"), "3dnow": (2, "0f 0f 40 08 9e"),
        "enter": (2, "c8 10 00 01"), "far-jmp": (1, "ea 00 00 00 00 08 00"), "les-32": (1, "c4 00"),
        "too-long": (2, "2e " * 14 + "0f a2"), "mov-imm64": (2, "66 66 66 66 66 48 b8 01 02 03 04 05 06 07 08"),
    }
    for name, (mode, h) in insns.items():
        write("fuzz_x86_decode", name, bytes([mode]) + bytes.fromhex(h))

    # ---- fuzz_bzimage: a RAM size (u64) and an initrd size (u32) before a bzImage shaped like Debian's 6.1 ----
    ram = struct.pack("<Q", 256 << 20)
    write("fuzz_bzimage", "debian-like", ram + struct.pack("<I", 3 << 20) + bzimage())
    write("fuzz_bzimage", "setup-sects-0", ram + struct.pack("<I", 4096) + bzimage(setup_sects=0))
    write("fuzz_bzimage", "small-ram", struct.pack("<QI", 18 << 20, 1 << 20) + bzimage())
    write("fuzz_bzimage", "not-relocatable", ram + struct.pack("<I", 0) + bzimage(reloc=0))
    write("fuzz_bzimage", "protocol-2.11", ram + struct.pack("<I", 0) + bzimage(version=0x20b))
    write("fuzz_bzimage", "no-64-bit", ram + struct.pack("<I", 0) + bzimage(xlf=0))
    write("fuzz_bzimage", "truncated", ram + struct.pack("<I", 0) + bzimage()[:2000])

    # ---- fuzz_virtq ----
    virtq_seeds()


if __name__ == "__main__":
    main()
