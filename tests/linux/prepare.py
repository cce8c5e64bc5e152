#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Fetch Debian's stock kernel and build the test initramfs for the Linux guest (docs/linux-guest.md).

    python3 tests/linux/prepare.py [--out build/linux] [--virtio]

Writes into build/linux/ (never committed; kept between runs as a cache):
  vmlinuz          the bzImage of Debian's linux-image-amd64 (apt-get download, dpkg-deb), and kernel.txt its package
  initramfs.cpio   a newc cpio archive (cpio -o -H newc) of busybox-static's /bin/busybox, /init (init.sh) and
                   /bin/hvmm-helper (helper.c, built static with gcc -nostdlib)
  modules/         the kernel modules the virtio scenarios load, from the same linux-image package as vmlinuz:
                   virtio_pci, virtio_blk, virtio_rng, virtio_console, virtio_net, ext4 (for ext2) and what they depend on (each module's .modinfo
                   "depends="), and modules/order, the order to load them in (dependencies first)
  initramfs-virtio.cpio   the same archive with /init from init-virtio.sh and /lib/modules/ (modules/)
  initramfs-net.cpio      the same with /init from init-net.sh (the two-guest network scenario)
  System.map       the kernel's symbol addresses (the gdb scenario's breakpoints, tests/scenarios_gdb.py): the
                   package's own /boot/System.map-* only points to linux-image-<version>-dbg, so it comes from there
Prints what it did; exits 2 with "SKIP: ..." when the kernel package cannot be downloaded, 1 on other errors.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "build", "linux")
META = "linux-image-amd64"
BUSYBOX = "/bin/busybox"  # Debian's busybox-static


class Skip(Exception):
    """The kernel package cannot be had: the scenario is skipped, not failed."""


def run(cmd, cwd=None) -> str:
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stdout.decode(errors='replace')[-800:]}")
    return p.stdout.decode(errors="replace")


def download(pkg: str, d: str) -> str:
    """apt-get download pkg into d; return the .deb's path (Skip when apt cannot get it)."""
    p = subprocess.run(["apt-get", "download", pkg], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    debs = glob.glob(os.path.join(d, f"{pkg}_*.deb"))
    if p.returncode != 0 or not debs:
        raise Skip(f"apt-get download {pkg} failed: {p.stdout.decode(errors='replace').strip()[-300:]}")
    return debs[0]


def kernel(out: str) -> str:
    """build/linux/vmlinuz: Debian's kernel, downloaded once. The metapackage names the versioned package."""
    dst = os.path.join(out, "vmlinuz")
    if os.path.isfile(dst) and os.path.isfile(os.path.join(out, "kernel.txt")):
        return dst
    with tempfile.TemporaryDirectory(dir=out) as t:
        meta = download(META, t)
        dep = run(["dpkg-deb", "-f", meta, "Depends"]).split(",")[0].split()[0].strip()
        deb = download(dep, t)
        deb_tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
        x = subprocess.run(["tar", "-x", "-C", t, "--wildcards", "./boot/vmlinuz-*"], stdin=deb_tar.stdout,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deb_tar.stdout.close()
        if deb_tar.wait() != 0 or x.returncode != 0:
            raise RuntimeError(f"extracting /boot/vmlinuz-* from {deb}: {x.stdout.decode(errors='replace')[-300:]}")
        found = glob.glob(os.path.join(t, "boot", "vmlinuz-*"))
        if not found:
            raise RuntimeError(f"{deb} has no /boot/vmlinuz-*")
        shutil.copyfile(found[0], f"{dst}.tmp{os.getpid()}")
        os.replace(f"{dst}.tmp{os.getpid()}", dst)
        with open(os.path.join(out, "kernel.txt"), "w") as f:
            f.write(f"{dep} {os.path.basename(found[0])}\n")
    return dst


def helper(out: str) -> str:
    """build/linux/hvmm-helper from tests/linux/helper.c."""
    dst = os.path.join(out, "hvmm-helper")
    src = os.path.join(HERE, "helper.c")
    if not os.path.isfile(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
        run(["gcc", "-static", "-nostdlib", "-ffreestanding", "-fno-stack-protector", "-fno-pie", "-no-pie", "-O2",
             "-Wall", "-Wextra", "-Werror", "-o", dst, src])
    return dst


# The modules the virtio scenarios load (tests/linux/init-virtio.sh), with their dependencies added; crc32c_generic is
# what ext4 asks the crypto API for ("crc32c") when it mounts.
VIRTIO_MODULES = ("virtio_pci", "virtio_blk", "virtio_rng", "virtio_console", "virtio_net", "crc32c_generic", "ext4")


def _deb_extract(deb: str, dest: str, members: List[str]) -> None:
    deb_tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    x = subprocess.run(["tar", "-x", "-C", dest] + members, stdin=deb_tar.stdout, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    deb_tar.stdout.close()
    if deb_tar.wait() != 0 or x.returncode != 0:
        raise RuntimeError(f"extracting {members[:3]}... from {deb}: {x.stdout.decode(errors='replace')[-300:]}")


def modules(out: str) -> str:
    """build/linux/modules/: VIRTIO_MODULES and their dependencies from the kernel's own package (kernel.txt names
    it), and modules/order (one name a line, dependencies first)."""
    dst = os.path.join(out, "modules")
    order = os.path.join(dst, "order")
    if os.path.isfile(order) and os.path.getmtime(order) >= os.path.getmtime(os.path.abspath(__file__)):
        return dst
    with open(os.path.join(out, "kernel.txt")) as f:
        pkg = f.read().split()[0]
    with tempfile.TemporaryDirectory(dir=out) as t:
        deb = download(pkg, t)
        listing = run(["dpkg-deb", "-c", deb]).splitlines()
        path = {}  # module name (with "_") -> member path in the package
        for line in listing:
            member = line.split()[-1]
            if member.endswith(".ko"):
                path[os.path.basename(member)[:-3].replace("-", "_")] = member
        deps: Dict[str, List[str]] = {}
        want = list(VIRTIO_MODULES)
        while True:
            todo = list(dict.fromkeys(n for n in want if n not in deps))
            if not todo:
                break
            missing = [n for n in todo if n not in path]
            if missing:
                raise RuntimeError(f"{pkg} has no module {', '.join(missing)}")
            _deb_extract(deb, t, [path[n] for n in todo])
            for n in todo:
                with open(os.path.join(t, path[n]), "rb") as f:
                    m = re.search(rb"depends=([^\0]*)\0", f.read())
                deps[n] = [d.decode().replace("-", "_") for d in m.group(1).split(b",") if d] if m else []
                want += deps[n]
        ordered: List[str] = []

        def visit(n: str) -> None:
            if n in ordered:
                return
            for d in deps[n]:
                visit(d)
            ordered.append(n)
        for n in VIRTIO_MODULES:
            visit(n)
        if os.path.isdir(dst):
            shutil.rmtree(dst)
        os.makedirs(dst)
        for n in ordered:
            shutil.copyfile(os.path.join(t, path[n]), os.path.join(dst, n + ".ko"))
        with open(order, "w") as f:
            f.write("".join(n + "\n" for n in ordered))
    return dst


def initramfs(out: str, name: str = "initramfs.cpio", init_script: str = "init.sh",
              module_dir: Optional[str] = None) -> str:
    """build/linux/<name>: /init (init_script), /bin/busybox, /bin/hvmm-helper, /dev/console (when mknod is allowed),
    and module_dir's files as /lib/modules/."""
    dst = os.path.join(out, name)
    init = os.path.join(HERE, init_script)
    inputs = [init, os.path.join(HERE, "helper.c"), BUSYBOX, os.path.abspath(__file__)]
    if module_dir:
        inputs.append(os.path.join(module_dir, "order"))
    if os.path.isfile(dst) and all(os.path.getmtime(dst) >= os.path.getmtime(i) for i in inputs):
        return dst
    if not os.path.isfile(BUSYBOX):
        raise RuntimeError(f"{BUSYBOX} missing: install busybox-static (make deps)")
    h = helper(out)
    with tempfile.TemporaryDirectory(dir=out) as t:
        for d in ("bin", "dev", "proc", "sys"):
            os.makedirs(os.path.join(t, d))
        if module_dir:
            shutil.copytree(module_dir, os.path.join(t, "lib", "modules"))
        shutil.copy(BUSYBOX, os.path.join(t, "bin", "busybox"))
        shutil.copy(h, os.path.join(t, "bin", "hvmm-helper"))
        shutil.copy(init, os.path.join(t, "init"))
        os.chmod(os.path.join(t, "init"), 0o755)
        os.symlink("busybox", os.path.join(t, "bin", "sh"))
        try:  # the kernel's built-in initramfs has /dev/console too; this is for kernels without one
            os.mknod(os.path.join(t, "dev", "console"), 0o600 | 0o020000, os.makedev(5, 1))
        except OSError:
            pass
        names = subprocess.run(["find", ".", "-mindepth", "1"], cwd=t, stdout=subprocess.PIPE, check=True).stdout
        # two scenarios may build it at once (make test runs two at a time, in threads): a temporary file of its own
        fd, tmp = tempfile.mkstemp(dir=out, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            p = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=t, input=names, stdout=f,
                               stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise RuntimeError(f"cpio: {p.stderr.decode(errors='replace')}")
        os.replace(tmp, dst)
    return dst


def system_map(out: str) -> str:
    """build/linux/System.map: the kernel's symbol addresses. Debian's linux-image package (kernel.txt names it) ships
    a one-line /boot/System.map-* that points to the linux-image-<version>-dbg package, which has the real one as
    /usr/lib/debug/boot/System.map-* (its first members: tar stops there, without reading the ~850 MB of debug
    information behind them)."""
    dst = os.path.join(out, "System.map")
    if os.path.isfile(dst):
        return dst
    with open(os.path.join(out, "kernel.txt")) as f:
        pkg = f.read().split()[0]
    version = pkg[len("linux-image-"):]
    with tempfile.TemporaryDirectory(dir=out) as t:
        deb = download(f"{pkg}-dbg", t)
        member = f"./usr/lib/debug/boot/System.map-{version}"
        deb_tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL)  # it ends on a broken pipe once tar has the member
        subprocess.run(["tar", "-x", "-C", t, "--occurrence=1", member], stdin=deb_tar.stdout,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deb_tar.stdout.close()
        deb_tar.wait()
        got = os.path.join(t, member)
        if not os.path.isfile(got) or os.path.getsize(got) < 100000:
            raise RuntimeError(f"{pkg}-dbg has no usable {member}")
        shutil.copyfile(got, f"{dst}.tmp{os.getpid()}")
        os.replace(f"{dst}.tmp{os.getpid()}", dst)
    return dst


def prepare(out: str = OUT) -> Optional[str]:
    """Make vmlinuz and initramfs.cpio in out. Returns None, or the reason when the kernel cannot be downloaded."""
    os.makedirs(out, exist_ok=True)
    try:
        kernel(out)
    except Skip as e:
        return str(e)
    initramfs(out)
    return None


def _prepare_then(out: str, extra) -> Optional[str]:
    """prepare(), then extra(out). Returns None, or the reason to skip."""
    why = prepare(out)
    if why:
        return why
    try:
        extra(out)
    except Skip as e:
        return str(e)
    return None


def _virtio(out: str) -> None:
    mods = modules(out)
    initramfs(out, "initramfs-virtio.cpio", "init-virtio.sh", mods)
    initramfs(out, "initramfs-net.cpio", "init-net.sh", mods)


def prepare_virtio(out: str = OUT) -> Optional[str]:
    """prepare(), then modules/, initramfs-virtio.cpio and initramfs-net.cpio. Returns None, or the reason to skip."""
    return _prepare_then(out, _virtio)


def prepare_gdb(out: str = OUT) -> Optional[str]:
    """prepare(), then System.map. Returns None, or the reason to skip."""
    return _prepare_then(out, system_map)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--virtio", action="store_true", help="also the modules and initramfs-virtio.cpio")
    args = ap.parse_args()
    try:
        why = prepare_virtio(args.out) if args.virtio else prepare(args.out)
    except RuntimeError as e:
        print(f"prepare: error: {e}", file=sys.stderr)
        return 1
    if why:
        print(f"SKIP: {why}")
        return 2
    with open(os.path.join(args.out, "kernel.txt")) as f:
        print(f"kernel: {f.read().strip()} -> {args.out}/vmlinuz; initramfs: {args.out}/initramfs.cpio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
