#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tests of tools/usb (writing the ISO to a USB stick): every refusal, and real writes with read-back verification.

    python3 tests/usb_test.py        # prints PASS: usb: ... / FAIL: usb: ... / SKIP: usb: ... lines

tests/run.py runs these as a stage of `make test` (run()). Nothing here writes to a real disk: the image is a 3 MiB
random file, and every block-device target is a loop device over a scratch file, also where a fake sysfs tree
(HVMM_USB_TEST_SYSFS) makes that loop device look like a partition or a removable USB disk. Tests that need loop
devices (root, losetup) or mount(8) print SKIP when they are not available.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Callable, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USB = os.path.join(ROOT, "tools", "usb")
ISO_BYTES = 3 << 20  # a multiple of 2048, as a real ISO

Result = Tuple[str, str]  # ("PASS"|"FAIL"|"SKIP", text)


def usb(args: List[str], env: Optional[dict] = None) -> Tuple[int, str]:
    """Run tools/usb with stdin not a terminal; returns (exit status, stdout + stderr)."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([USB] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=e, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", errors="replace")


def same(path: str, iso: str, n: int = ISO_BYTES) -> bool:
    with open(path, "rb") as a, open(iso, "rb") as b:
        return a.read(n) == b.read(n)


class Loops:
    """Loop devices made here (losetup -f --show), detached by name at the end; also our own mounts."""

    def __init__(self) -> None:
        self.devs: List[str] = []
        self.mounts: List[str] = []
        self.why_not = ""
        if os.geteuid() != 0:
            self.why_not = "not root (loop devices need it)"
        elif not shutil.which("losetup"):
            self.why_not = "no losetup"

    def attach(self, backing: str) -> Optional[str]:
        if self.why_not:
            return None
        p = subprocess.run(["losetup", "-f", "--show", backing], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            self.why_not = "losetup failed: " + p.stderr.decode(errors="replace").strip()
            return None
        dev = p.stdout.decode().strip()
        self.devs.append(dev)
        return dev

    def cleanup(self) -> None:
        for m in reversed(self.mounts):
            subprocess.run(["umount", m], stderr=subprocess.DEVNULL)
        for d in reversed(self.devs):
            subprocess.run(["losetup", "-d", d], stderr=subprocess.DEVNULL)


def devnum(dev: str) -> str:
    st = os.stat(dev)
    return f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"


def fake_sysfs(top: str, dev: str, kind: str, removable: int = 1, size_bytes: int = 16 << 20,
               holder: bool = False) -> str:
    """A sysfs tree in which the loop device dev is a disk `sdz` (kind "disk") or its partition `sdz1` (kind
    "partition"); returns its root. The disk's partition sdz1 gets the next minor."""
    sys_root = os.path.join(top, "sys")
    maj, mnr = (int(x) for x in devnum(dev).split(":"))
    disk = os.path.join(sys_root, "devices", "pci0000:00", "usb1", "1-1", "block", "sdz")
    part = os.path.join(disk, "sdz1")
    os.makedirs(os.path.join(disk, "device"))
    os.makedirs(os.path.join(disk, "holders"))
    os.makedirs(os.path.join(part, "holders"))
    os.makedirs(os.path.join(sys_root, "dev", "block"))

    def put(path: str, text: str) -> None:
        with open(path, "w") as f:
            f.write(text + "\n")

    disk_num, part_num = (f"{maj}:{mnr}", f"{maj}:{mnr + 1000}") if kind == "disk" else (f"{maj}:{mnr + 1000}",
                                                                                       f"{maj}:{mnr}")
    put(os.path.join(disk, "dev"), disk_num)
    put(os.path.join(disk, "removable"), str(removable))
    put(os.path.join(disk, "size"), str(size_bytes // 512))
    put(os.path.join(disk, "device", "vendor"), "HVMMTEST")
    put(os.path.join(disk, "device", "model"), "Fake Stick")
    put(os.path.join(part, "dev"), part_num)
    put(os.path.join(part, "partition"), "1")
    if holder:
        os.makedirs(os.path.join(part, "holders", "dm-0"))
    os.symlink(disk, os.path.join(sys_root, "dev", "block", disk_num))
    os.symlink(part, os.path.join(sys_root, "dev", "block", part_num))
    return sys_root


def fake_mountinfo(top: str, extra: str = "") -> str:
    """A mount table: the real root line (so the root-disk check still sees the real root) plus extra lines."""
    path = os.path.join(top, "mountinfo")
    with open("/proc/self/mountinfo") as f:
        root = [ln for ln in f if ln.split()[4] == "/"]
    with open(path, "w") as f:
        f.writelines(root)
        f.write(extra)
    return path


def run() -> List[Result]:
    out: List[Result] = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        out.append(("PASS" if ok else "FAIL", f"usb: {name}" + ("" if ok or not detail else f" ({detail})")))

    def skip(name: str, why: str) -> None:
        out.append(("SKIP", f"usb: {name} ({why})"))

    def refused(name: str, args: List[str], pattern: str, env: Optional[dict] = None,
                untouched: Optional[Tuple[str, bytes]] = None) -> None:
        rc, text = usb(args, env)
        ok = rc == 1 and re.search(pattern, text) is not None and "verified" not in text
        if ok and untouched:
            with open(untouched[0], "rb") as f:
                ok = f.read(len(untouched[1])) == untouched[1]
                if not ok:
                    text += " [the target was modified]"
        check(name, ok, f"status {rc}, want 1 and /{pattern}/: {text.strip()[-300:]!r}")

    tmp = tempfile.mkdtemp(prefix="usb-test.")
    loops = Loops()
    try:
        iso = os.path.join(tmp, "test.iso")
        with open(iso, "wb") as f:
            f.write(os.urandom(ISO_BYTES))
        I = ["--iso", iso]

        refused("refuses a nonexistent path", I + ["--yes", os.path.join(tmp, "no-such-disk")], r"no such file")
        refused("refuses a directory", I + ["--yes", "--allow-file", tmp], r"directory")
        plain = os.path.join(tmp, "plain.img")
        junk = b"old contents " * 1000
        with open(plain, "wb") as f:
            f.write(junk)
        refused("refuses a regular file without --allow-file", I + ["--yes", plain], r"regular file.*--allow-file",
                untouched=(plain, junk))
        refused("refuses without a terminal and without --yes", I + ["--allow-file", plain], r"--yes",
                untouched=(plain, junk))
        refused("refuses a character device (/dev/null)", I + ["--yes", "/dev/null"], r"neither a block device")
        rc, text = usb(["--iso", os.path.join(tmp, "missing.iso"), "--yes", plain])
        check("a missing ISO is a usage error (status 2)", rc == 2 and "does not exist" in text, text.strip())

        # A real write to a plain file, longer than the ISO before: the result is exactly the ISO.
        with open(plain, "wb") as f:
            f.write(b"\xff" * (ISO_BYTES + 12345))
        rc, text = usb(I + ["--yes", "--allow-file", plain])
        check("writes and verifies a plain file (--allow-file --yes)",
              rc == 0 and "verified" in text and os.path.getsize(plain) == ISO_BYTES and same(plain, iso),
              f"status {rc}, size {os.path.getsize(plain)}: {text.strip()[-300:]!r}")

        # The disk of the running system's root filesystem, as found in the real mount table.
        root_dev = None
        with open("/proc/self/mountinfo") as f:
            for ln in f:
                w = ln.split()
                if w[4] == "/":
                    m = os.path.realpath(f"/sys/dev/block/{w[2]}")
                    if os.path.isfile(os.path.join(m, "partition")):
                        m = os.path.dirname(m)
                    cand = "/dev/" + os.path.basename(m)
                    if os.path.exists(f"/sys/dev/block/{w[2]}") and os.path.exists(cand):
                        root_dev = cand
        if root_dev:
            refused(f"refuses the root filesystem's disk ({root_dev})", I + ["--yes", root_dev],
                    r"running system's root filesystem|partition|not a removable")
        else:
            skip("refuses the root filesystem's disk", "root is not on a block device with a /dev node here")
        vda = "/dev/vda"
        if os.path.exists(vda) and os.path.exists("/sys/block/vda"):
            refused("refuses a non-removable disk (/dev/vda)", I + ["--yes", vda],
                    r"not a removable disk|running system's root filesystem")
        else:
            skip("refuses a non-removable disk (/dev/vda)", "no /dev/vda")

        # Loop devices: file-backed block devices, safe to write.
        backing = os.path.join(tmp, "loop.img")
        with open(backing, "wb") as f:
            f.truncate(16 << 20)
        loop = loops.attach(backing)
        if not loop:
            for name in ("refuses a loop device without --allow-file", "writes and verifies a loop device",
                         "refuses a mounted device", "refuses a partition", "refuses a non-removable disk (fake sysfs)",
                         "writes and verifies a removable disk (fake sysfs)", "refuses a disk with a mounted partition",
                         "refuses a disk with a held partition", "refuses a disk smaller than the ISO"):
                skip(name, loops.why_not)
            return out
        refused(f"refuses a loop device without --allow-file ({loop})", I + ["--yes", loop], r"loop device")
        rc, text = usb(I + ["--yes", "--allow-file", loop])
        check(f"writes and verifies a loop device ({loop})", rc == 0 and "verified" in text and same(backing, iso),
              f"status {rc}: {text.strip()[-300:]!r}")

        # A mounted device (ext2 on a second loop device).
        fsimg = os.path.join(tmp, "fs.img")
        with open(fsimg, "wb") as f:
            f.truncate(8 << 20)
        mnt = os.path.join(tmp, "mnt")
        os.mkdir(mnt)
        fsloop = loops.attach(fsimg)
        mk = subprocess.run(["mkfs.ext2", "-q", "-F", fsloop], stdout=subprocess.PIPE, stderr=subprocess.STDOUT) \
            if fsloop and shutil.which("mkfs.ext2") else None
        mo = subprocess.run(["mount", fsloop, mnt], stdout=subprocess.PIPE, stderr=subprocess.STDOUT) \
            if mk and mk.returncode == 0 else None
        if mo and mo.returncode == 0:
            loops.mounts.append(mnt)
            with open(fsimg, "rb") as f:
                head = f.read(1 << 20)
            refused(f"refuses a mounted device ({fsloop} on {mnt})", I + ["--yes", "--allow-file", fsloop],
                    r"in use \(mounted on " + re.escape(mnt), untouched=(fsimg, head))
        else:
            skip("refuses a mounted device", "could not make and mount an ext2 loop device: " +
                 (mo.stdout.decode(errors="replace").strip() if mo else mk.stdout.decode(errors="replace").strip()
                  if mk else "no mkfs.ext2"))

        # Fake sysfs: the loop device seen as partition sdz1, or as the removable USB disk sdz.
        with open(backing, "wb") as f:
            f.truncate(0)
            f.truncate(16 << 20)
        zero = b"\0" * 4096
        n = [0]

        def env_for(kind: str, extra_mounts: str = "", **kw) -> dict:
            n[0] += 1
            top = os.path.join(tmp, f"fake{n[0]}")
            os.mkdir(top)
            return {"HVMM_USB_TEST_SYSFS": fake_sysfs(top, loop, kind, **kw),
                    "HVMM_USB_TEST_MOUNTINFO": fake_mountinfo(top, extra_mounts)}

        refused("refuses a partition (fake sysfs: loop device as sdz1)", I + ["--yes", loop], r"partition.*/dev/sdz\b",
                env_for("partition"), untouched=(backing, zero))
        refused("refuses a non-removable disk (fake sysfs: removable=0)", I + ["--yes", loop], r"removable is not 1",
                env_for("disk", removable=0), untouched=(backing, zero))
        maj, mnr = devnum(loop).split(":")
        mounted = f"999 27 {maj}:{int(mnr) + 1000} / /media/stick rw,relatime - vfat /dev/sdz1 rw\n"
        refused("refuses a disk with a mounted partition (fake mount table)", I + ["--yes", loop],
                r"/dev/sdz1 is in use \(mounted on /media/stick\)", env_for("disk", mounted), untouched=(backing, zero))
        refused("refuses a disk with a held partition (fake holders/dm-0)", I + ["--yes", loop], r"held by dm-0",
                env_for("disk", holder=True), untouched=(backing, zero))
        refused("refuses a disk smaller than the ISO (fake size)", I + ["--yes", loop], r"less than the ISO",
                env_for("disk", size_bytes=1 << 20), untouched=(backing, zero))
        rc, text = usb(I + ["--yes", loop], env_for("disk"))
        check("writes and verifies a removable disk (fake sysfs; model and size printed)",
              rc == 0 and "HVMMTEST Fake Stick, 16.0 MiB" in text and "verified" in text and same(backing, iso),
              f"status {rc}: {text.strip()[-300:]!r}")
    finally:
        loops.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> int:
    results = run()
    for status, text in results:
        print(f"{status}: {text}")
    return 1 if any(s == "FAIL" for s, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
