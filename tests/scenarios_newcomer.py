# SPDX-License-Identifier: MIT
"""What a newcomer meets first: booting with QEMU's -kernel (multiboot v1, no GRUB), a guest built outside the tree
with the SDK (make sdk), exit statuses that tell the result, tools/mkiso's input checks, the runner's TAP and JUnit
output, and the small bugs of issue 11 (a rejection's name, run-qemu --accel kvm, "1 guests").

The scenarios boot QEMU; self_test() runs without QEMU (a stand-in QEMU where an exit status is under test) and is
part of the runner's self-test.
"""

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from typing import List

from scenarios import (GUESTS, EXIT_PORT, Judge, Context, Scenario, check_counter, check_exit,
                       check_exitcode, check_grub_output)
from hvmmlog import HvmmLog

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SDK = os.path.join(ROOT, "build", "sdk")


def _env() -> dict:
    """A clean environment for a nested make: no MAKEFLAGS/MAKELEVEL from `make test`, no V=1."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "V", "CFLAGS")}


def build_sdk_guest(d: str) -> None:
    """Copy build/sdk into a temporary directory outside the repository (nothing else in it), build its example
    there twice — with its Makefile (sdk.mk) and with pkg-config's flags — and copy the two guests into d."""
    if not os.path.isfile(os.path.join(SDK, "sdk.mk")):
        raise RuntimeError("build/sdk/ is missing: run make sdk (make test builds it)")
    tmp = tempfile.mkdtemp(prefix="hvmm-sdk-test.")
    try:
        if os.path.commonpath([tmp, ROOT]) == ROOT:
            raise RuntimeError(f"temporary directory {tmp} is inside the repository")
        sdk = os.path.join(tmp, "sdk")
        shutil.copytree(SDK, sdk)
        work = os.path.join(tmp, "myguest")
        shutil.copytree(os.path.join(sdk, "example"), work)
        log = []
        p = subprocess.run(["make", "-C", work, f"HVMM_SDK={sdk}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=_env(), cwd=tmp)
        log.append(p.stdout.decode(errors="replace"))
        if p.returncode != 0:
            raise RuntimeError("SDK example did not build:\n" + "\n".join(log))
        shutil.copy(os.path.join(work, "hello.elf"), os.path.join(d, "hello.elf"))
        with open(os.path.join(d, "sdk-build.log"), "w") as f:
            f.write("\n".join(log) + f"\n(built in {work}; the directory held: {sorted(os.listdir(tmp))})\n")
        # pkg-config route: cc $(pkg-config --cflags hvmm-guest) -c; ld ... $(pkg-config --libs hvmm-guest)
        env = dict(_env(), PKG_CONFIG_PATH=os.path.join(sdk, "lib", "pkgconfig"))
        flags = {}
        for what in ("--cflags", "--libs"):
            p = subprocess.run(["pkg-config", what, "hvmm-guest"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env)
            if p.returncode != 0:
                raise RuntimeError(f"pkg-config {what} hvmm-guest failed: {p.stdout.decode(errors='replace')}")
            flags[what] = p.stdout.decode().split()
        obj, elf = os.path.join(tmp, "hello-pc.o"), os.path.join(tmp, "hello-pc.elf")
        for cmd in (["cc"] + flags["--cflags"] + ["-c", os.path.join(work, "hello.c"), "-o", obj],
                    ["ld", "-o", elf, obj] + flags["--libs"]):
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp)
            if p.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)}:\n{p.stdout.decode(errors='replace')}")
        shutil.copy(elf, os.path.join(d, "hello-pc.elf"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def find(log: HvmmLog, rx: str):
    r = re.compile(rx)
    return next((m for m in (r.search(ln) for ln in log.lines) if m), None)


def check_hello(j: Judge, log: HvmmLog, name: str, rounds: int, status: int) -> None:
    c = log.console(name)
    # its own command line: the module line without hvmm's keys (name=, mem=, platform=; docs/cmdline.md)
    j.check(f"{name}: 'hello from {name}' with its own command line",
            any(t.startswith(f"hello from {name}: guest ") and
                f"command line \"rounds={rounds} status={status}\"" in t for t in c), f"{c[:2]}")
    got = [t for t in c if t.startswith("hello round ")]
    want = [f"hello round {i} of {rounds}" for i in range(1, rounds + 1)]
    j.check(f"{name}: hello round 1..{rounds} in order", got == want, f"{got}")
    j.check(f"{name}: 'hello done, exiting with status {status}'", f"hello done, exiting with status {status}" in c)
    check_exit(j, log, name, status)


# ---- QEMU -kernel (multiboot v1) ----

KERNEL_CMDLINE = "slice=5ms " + EXIT_PORT
# The two rejected modules differ only in the order of name= and the bad mem=: both must be named by their name=.
KERNEL_GUESTS = [f"{GUESTS}/counter.elf name=counter count=5", f"{GUESTS}/exitcode.elf name=exitcode status=3",
                 "{dir}/hello-pc.elf name=hellopc rounds=2 status=0",
                 f"{GUESTS}/counter.elf mem=1M name=tiny2", f"{GUESTS}/counter.elf name=tiny mem=1M"]


def version() -> str:
    with open(os.path.join(ROOT, "VERSION")) as f:
        return f.read().strip()


def judge_kernel(j: Judge, log: HvmmLog, ctx: Context) -> None:
    j.check(f"'hvmm: hvmm {version()} starting' (the VERSION file)",
            f"hvmm: hvmm {version()} starting" in [ln.strip() for ln in log.lines])
    m = find(log, r'^hvmm: command line: "(.*)" \(loader: (.*)\)$')
    j.check("command line without the file name QEMU puts first, loader qemu",
            m is not None and m.group(1) == ctx.cmdline and m.group(2) == "qemu",
            m.group(0) if m else "no 'command line' line")
    j.check("acpi rsdp found in the BIOS area (multiboot v1 passes none)",
            find(log, r"^hvmm: acpi rsdp rev=\d+ .*\(from BIOS area\)$") is not None)
    j.check("memory map from the multiboot v1 information", find(log, r"^hvmm: memory: \d+ KiB free") is not None)
    check_counter(j, log, "counter", 5)
    check_exitcode(j, log, "exitcode", 3)
    check_hello(j, log, "hellopc", 2, 0)
    for name in ("tiny2", "tiny"):  # issue 11 item 7: the name does not depend on where name= stands
        r = log.rejected.get(name)
        j.check(f"'guest {name} rejected: mem= ...' (name= taken wherever it stands)",
                r is not None and r.startswith("mem="), f"rejected: {dict(log.rejected)}")
    j.check("run-qemu exit status 3 (modules rejected)", ctx.status == 3, f"status {ctx.status}")


# ---- an SDK guest booted from the ISO ----

def judge_sdk(j: Judge, log: HvmmLog, ctx: Context) -> None:
    check_hello(j, log, "hello", 3, 7)
    j.check("'hvmm: running 1 guest round-robin' (singular)",
            any(ln.strip() == "hvmm: running 1 guest round-robin" for ln in log.lines))
    j.check("run-qemu exit status 1 (a guest exited non-zero)", ctx.status == 1, f"status {ctx.status}")
    check_grub_output(j, ctx)  # the ISO as mkiso makes it, under SeaBIOS


SCENARIOS: List[Scenario] = [
    Scenario("kernel-boot", KERNEL_GUESTS, judge_kernel, cmdline=KERNEL_CMDLINE, boot="kernel",
             prepare=build_sdk_guest, timeout=60),
    Scenario("sdk-guest", ["{dir}/hello.elf name=hello rounds=3 status=7"], judge_sdk, prepare=build_sdk_guest,
             timeout=60),
]


# ---- self-test: no QEMU ----

def _run(cmd: List[str], env: dict = None, timeout: int = 60):
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                       env=dict(_env(), **(env or {})), timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace")


def _elf_file(path: str, ei_class: int, e_type: int, machine: int = 62) -> None:
    """A minimal ELF header (no segments) of the given class, type and machine: enough for mkiso's format check."""
    ident = b"\x7fELF" + bytes([ei_class, 1, 1]) + bytes(9)
    with open(path, "wb") as f:
        f.write(ident + struct.pack("<HHI", e_type, machine, 1) + bytes(64))


def _mb1_layout_ok(path: str):
    """hvmm.elf's multiboot v1 address fields against its ELF program headers: the file offset of every PT_LOAD
    segment is its address minus load_addr plus the offset load_addr has, so QEMU's flat copy lands each byte right."""
    with open(path, "rb") as f:
        data = f.read()
    i = next((o for o in range(0, min(len(data), 8192) - 32, 4)
              if struct.unpack_from("<I", data, o)[0] == 0x1BADB002), None)
    if i is None:
        return False, "no multiboot v1 header in the first 8192 bytes"
    magic, flags, csum, header_addr, load_addr, load_end, bss_end, entry = struct.unpack_from("<8I", data, i)
    if (magic + flags + csum) & 0xFFFFFFFF or not flags & (1 << 16):
        return False, f"bad checksum or no address fields (flags 0x{flags:x})"
    base = i - (header_addr - load_addr)  # file offset QEMU copies to load_addr
    phoff, phentsize, phnum = struct.unpack_from("<Q", data, 32)[0], *struct.unpack_from("<HH", data, 54)
    for k in range(phnum):
        p_type, _, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIQQQQQ", data,
                                                                                      phoff + k * phentsize)
        if p_type != 1:
            continue
        if p_offset - base != p_paddr - load_addr:
            return False, f"segment at 0x{p_paddr:x} is at file offset 0x{p_offset:x}, not 0x{base + p_paddr - load_addr:x}"
        if p_filesz and p_paddr + p_filesz > load_end:
            return False, f"segment at 0x{p_paddr:x} ends past load_end_addr 0x{load_end:x}"
        if p_paddr + p_memsz > bss_end:
            return False, f"segment at 0x{p_paddr:x} ends past bss_end_addr 0x{bss_end:x}"
    return True, f"header at file offset 0x{i:x}, load 0x{load_addr:x}-0x{load_end:x}, bss to 0x{bss_end:x}"


def self_test() -> List[tuple]:
    res: List[tuple] = []
    tmp = tempfile.mkdtemp(prefix="hvmm-selftest.")
    try:
        # run-qemu's exit status from QEMU's, with a stand-in QEMU that exits with a given status
        fake = os.path.join(tmp, "fake-qemu")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n# writes FAKE_LOG (printf %b) to the -serial file:PATH it is given\n"
                    "for a; do case $a in file:*) printf '%b' \"$FAKE_LOG\" >\"${a#file:}\";; esac; done\n"
                    "[ -n \"$FAKE_SLEEP\" ] && sleep \"$FAKE_SLEEP\"\nexit \"$FAKE_STATUS\"\n")
        os.chmod(fake, 0o755)
        iso = os.path.join(tmp, "x.iso")
        open(iso, "w").close()
        for qemu, want, what in [(33, 0, "every guest exited 0"), (39, 1, "some guest exited non-zero"),
                                 (41, 3, "some guest killed or module rejected"), (35, 4, "hvmm could not start"),
                                 (37, 4, "hvmm panicked"), (0, 5, "no hvmm status"), (1, 6, "QEMU failed")]:
            st, out = _run(["tools/run-qemu", "--iso", iso, "--accel", "tcg", "--log", os.path.join(tmp, "l"),
                            "--timeout", "20"], {"QEMU": fake, "FAKE_STATUS": str(qemu)})
            res.append((f"run-qemu: QEMU status {qemu} ({what}) gives exit status {want}", st == want,
                        f"exit status {st}: {out.strip()[-200:]}"))
        st, out = _run(["tools/run-qemu", "--iso", iso, "--accel", "tcg", "--log", os.path.join(tmp, "l"),
                        "--timeout", "1"], {"QEMU": fake, "FAKE_STATUS": "0", "FAKE_SLEEP": "10"})
        res.append(("run-qemu: a timeout gives exit status 124", st == 124, f"exit status {st}: {out[-200:]}"))
        res.append(("run-qemu prints the QEMU command line", f"run-qemu: {fake} -accel tcg -cpu max" in out,
                    out[-300:]))
        st, out = _run(["tools/run-qemu", "--kernel", "build/hvmm.elf", "--accel", "tcg", "-g",
                        "build/guests/counter.elf mem=4M", "-g", "build/guests/exitcode.elf name=a,b", "--log",
                        os.path.join(tmp, "l")], {"QEMU": fake, "FAKE_STATUS": "33"})
        res.append(("run-qemu --kernel: -initrd with name= added and commas doubled",
                    "-initrd 'build/guests/counter.elf name=counter mem=4M,build/guests/exitcode.elf name=a,,b'"
                    in out and st == 0, out[-400:]))
        st, out = _run(["tools/run-qemu", "--kernel", "build/hvmm.elf", "--accel", "tcg", "-g",
                        "build/guests/counter.elf -- name=x *", "--log", os.path.join(tmp, "l")],
                       {"QEMU": fake, "FAKE_STATUS": "33"})
        res.append(("run-qemu --kernel -g: name= after '--' is the guest's, so name=<basename> is added before it",
                    "-initrd 'build/guests/counter.elf name=counter -- name=x *'" in out and st == 0, out[-300:]))
        st, out = _run(["tools/run-qemu", "--kernel", "build/hvmm.elf", "--append", "slice=5ms", "--initrd",
                        "a.elf name=a,b.elf", "--accel", "tcg", "--log", os.path.join(tmp, "l")],
                       {"QEMU": fake, "FAKE_STATUS": "33"})
        res.append(("run-qemu --kernel --initrd: QEMU's -initrd string passed unchanged",
                    "-initrd 'a.elf name=a,b.elf' -append slice=5ms" in out and st == 0, out[-300:]))
        st, out = _run(["tools/run-qemu", "--kernel", "build/hvmm.elf", "--log", os.path.join(tmp, "l")],
                       {"QEMU": fake, "FAKE_STATUS": "33"})
        res.append(("run-qemu --kernel without a guest: exit status 2 with the reason",
                    st == 2 and "at least one guest" in out, f"{st}: {out.strip()}"))
        # --guest-status NAME: that guest's own status from its summary line (a stand-in serial log)
        glog = ("hvmm: guest bad rejected: mem= must be between 2M and 16G\\r\\n"
                "hvmm: guest hk killed: triple fault rip=0x1000\\r\\n[a.b] hvmm: guest off exit=7 (its own text)\\r\\n"
                "hvmm: guest a.b exit=3 switches=1 exits=2 runtime=3 steal=4\\r\\n"
                "hvmm: guest neg exit=-1 switches=1 exits=2 runtime=3 steal=4\\r\\n"
                "hvmm: guest off exit=poweroff switches=1 exits=2 runtime=3 steal=4\\r\\n"
                "hvmm: guest rb exit=reboot switches=1 exits=2 runtime=3 steal=4\\r\\n"
                "hvmm: guest hk exit=killed switches=1 exits=2 runtime=3 steal=4\\r\\n")
        for name, want, why in [("a.b", 3, "its exit=3"), ("neg", 255, "exit=-1: the low 8 bits"),
                                ("off", 0, "exit=poweroff (not a guest's look-alike line)"), ("rb", 1, "exit=reboot"),
                                ("hk", 125, "killed: the kill line"), ("bad", 125, "rejected: the reason"),
                                ("nosuch", 125, "not in the log"), ("ab", 125, "'a.b' is not 'ab'")]:
            st, out = _run(["tools/run-qemu", "--iso", iso, "--accel", "tcg", "--log", os.path.join(tmp, "l"),
                            "--guest-status", name], {"QEMU": fake, "FAKE_STATUS": "39", "FAKE_LOG": glog})
            res.append((f"run-qemu --guest-status {name}: exit status {want} ({why})", st == want and
                        f"run-qemu: guest {name}: " in out, f"exit status {st}: {out.strip()[-300:]}"))
        st, out = _run(["tools/run-qemu", "--iso", iso, "--guest-status", "x"], {"QEMU": fake, "FAKE_STATUS": "33"})
        res.append(("run-qemu --guest-status without --log: exit status 2 with the reason",
                    st == 2 and "--guest-status needs --log" in out, out.strip()[-200:]))
        # hvmm's cpus= above QEMU's CPUs: a warning (the command line from --append, or the ISO's grub.cfg)
        # (and with threads=T above 1 and no smt=on: above the CPUs / T hvmm runs guests on, one thread per core)
        gives, threads = "asks for more CPUs than QEMU gives", "asks for more CPUs than it runs guests on here (2:"
        for args, warn, what in [(["--append", "cpus=4 exit_port=0xf4", "--smp", "2"], gives, "--smp 2"),
                                 (["--append", "cpus=4", "--", "-smp", "sockets=1,cores=2"], gives, "-smp sockets=1,cores=2 after --"),
                                 (["--append", "cpus=4"], gives, "no --smp"),
                                 (["--append", "cpus=4", "--smp", "4,maxcpus=8"], None, "--smp 4,maxcpus=8"),
                                 (["--append", "slice=5ms", "--smp", "2"], None, "no cpus="),
                                 (["--append", "cpus=4", "--smp", "4,cores=2,threads=2"], threads, "2 threads per core"),
                                 (["--append", "cpus=2", "--smp", "4,cores=2,threads=2"], None, "cpus=2, 2 cores"),
                                 (["--append", "cpus=4 smt=on", "--smp", "4,cores=2,threads=2"], None, "smt=on")]:
            st, out = _run(["tools/run-qemu", "--kernel", "build/hvmm.elf", "-g", "build/guests/counter.elf",
                            "--accel", "tcg", "--log", os.path.join(tmp, "l")] + args,
                           {"QEMU": fake, "FAKE_STATUS": "33"})
            got = f"run-qemu: warning: hvmm's cpus=4 {warn}" in out if warn else "run-qemu: warning: hvmm's cpus=" not in out
            res.append((f"run-qemu --kernel {' '.join(args)}: {'a' if warn else 'no'} cpus= warning ({what})",
                        got and st == 0, out.strip()[-300:]))
        # --accel kvm where KVM cannot run hvmm: a clear refusal (before: QEMU's assertion "failed to set MSR 0x10a")
        kvm_ok = os.access("/dev/kvm", os.R_OK | os.W_OK) and "AuthenticAMD" in open("/proc/cpuinfo").read() and \
            os.path.isfile("/sys/module/kvm_amd/parameters/nested") and \
            open("/sys/module/kvm_amd/parameters/nested").read().strip() in ("1", "Y")
        if not kvm_ok:
            st, out = _run(["tools/run-qemu", "--iso", iso, "--accel", "kvm", "--log", os.path.join(tmp, "l")],
                           {"QEMU": fake, "FAKE_STATUS": "33"})
            res.append(("run-qemu --accel kvm without nested SVM: exit status 2, says why, QEMU not started",
                        st == 2 and "KVM cannot run hvmm here" in out and f"run-qemu: {fake}" not in out, out.strip()))
        # tools/mkiso's input checks: exit status 2 and the reason, before any work
        bad = {"script": os.path.join(tmp, "guest.sh"), "elf32": os.path.join(tmp, "g32.elf"),
               "pie": os.path.join(tmp, "pie.elf"), "arm": os.path.join(tmp, "arm.elf")}
        with open(bad["script"], "w") as f:
            f.write("#!/bin/sh\necho hi\n")
        _elf_file(bad["elf32"], 1, 2, 3)  # no multiboot header
        bad["empty"] = os.path.join(tmp, "empty.elf")
        open(bad["empty"], "w").close()
        os.mkdir(os.path.join(tmp, "my dir"))
        bad["spaced"] = os.path.join(tmp, "my dir", "counter.elf")
        shutil.copy(os.path.join(ROOT, "build", "guests", "counter.elf"), bad["spaced"])
        bz = os.path.join(tmp, "bzImage")
        with open(bz, "wb") as f:  # the x86 boot protocol's marks: 0xAA55 at 0x1fe, "HdrS" at 0x202
            f.write(bytes(0x1fe) + b"\x55\xaa\xeb\x66HdrS" + bytes(512))
        _elf_file(bad["pie"], 2, 3)
        _elf_file(bad["arm"], 2, 2, 183)
        bad["rel"] = os.path.join(tmp, "g.o")
        _elf_file(bad["rel"], 2, 1)
        counter, exitcode = "build/guests/counter.elf", "build/guests/exitcode.elf"
        out_iso = os.path.join(tmp, "out.iso")
        cases = [
            ("a shell script as a guest", ["-k", "build/hvmm.elf", "-g", bad["script"]], "is a script"),
            ("a 32-bit ELF without a multiboot header", ["-k", "build/hvmm.elf", "-g", bad["elf32"]],
             "32-bit ELF without a multiboot header: hvmm boots 32-bit kernels only as multiboot v1 kernels, which "
             "need the header in their first 8 KiB"),
            ("a PIE (ET_DYN)", ["-k", "build/hvmm.elf", "-g", bad["pie"]], "position-independent"),
            ("an ELF64 for another machine", ["-k", "build/hvmm.elf", "-g", bad["arm"]], "not x86-64"),
            ("an object file (ET_REL)", ["-k", "build/hvmm.elf", "-g", bad["rel"]], "relocatable object"),
            ("zero guests", ["-k", "build/hvmm.elf"], "no guest given"),
            ("two guests of one name", ["-k", "build/hvmm.elf", "-g", f"{counter} name=x", "-g", f"{exitcode} name=x"],
             "two guests are named 'x'"),
            ("a name hvmm refuses", ["-k", "build/hvmm.elf", "-g", f"{counter} name=a/b"], "must have 1 to 31"),
            ("a kernel without a multiboot2 header", ["-k", counter, "-g", counter], "no multiboot2 header"),
            ("mem=0", ["-k", "build/hvmm.elf", "-g", f"{counter} mem=0"], "mem=0: mem= must be between 2M and 16G"),
            ("mem=100G", ["-k", "build/hvmm.elf", "-g", f"{counter} mem=100G"], "mem= must be between 2M and 16G"),
            ("mem=abc", ["-k", "build/hvmm.elf", "-g", f"{counter} mem=abc"], "mem=abc: mem= is not a size"),
            ("cpu=x", ["-k", "build/hvmm.elf", "-g", f"{counter} cpu=x"], "cpu=x: cpu= is not a CPU number"),
            ("platform=pc with mem= above 4064M", ["-k", "build/hvmm.elf", "-g", f"{counter} platform=pc mem=5G"],
             "platform=pc: mem= must leave the local APIC page"),
            ("an unknown hvmm option", ["-k", "build/hvmm.elf", "-c", "slice=5ms frob=1", "-g", counter],
             "unknown hvmm option 'frob=1'"),
            ("a bad hvmm option value", ["-k", "build/hvmm.elf", "-c", "slice=1", "-g", counter],
             "slice= wants a time from 100us to 10s"),
            ("a long option it does not have", ["--frobnicate", "-k", "build/hvmm.elf", "-g", counter],
             "unknown option --frobnicate"),
            ("a name with a space (quoted)", ["-k", "build/hvmm.elf", "-g", f'{counter} name="my guest"'],
             "a name cannot hold spaces or quotes"),
            ("a guest path with a space", ["-k", "build/hvmm.elf", "-g", f"{bad['spaced']} name=x"],
             f"guest path '{bad['spaced']}' holds a space"),
            ("an empty file", ["-k", "build/hvmm.elf", "-g", bad["empty"]], "is empty (0 bytes)"),
            ("a for= module of a guest that does not exist", ["-k", "build/hvmm.elf", "-g", counter,
                                                               "-g", f"{counter} for=nobody"],
             "for=nobody names no guest"),
            ("a second initrd for one Linux guest", ["-k", "build/hvmm.elf", "-g", f"{bz} name=linux",
                                                     "-g", f"{counter} for=linux", "-g", f"{exitcode} for=linux"],
             "a Linux guest takes one initrd"),
        ]
        for what, args, msg in cases:
            st, out = _run(["tools/mkiso", "-o", out_iso] + args)
            res.append((f"mkiso refuses {what}: exit status 2, '{msg}'", st == 2 and msg in out and
                        not os.path.exists(out_iso), f"{st}: {out.strip()}"))
        st, out = _run(["tools/mkiso", "-o", out_iso, "-k", "build/hvmm.elf", "-g", counter, "-g", counter,
                        "-g", "build/hvmm.elf name=mb1kernel", "-g", f"{bz} name=linux"])
        res.append(("mkiso accepts the same file twice without name= (counter, counter-2), a multiboot v1 kernel "
                    "and a bzImage", st == 0, out.strip()))
        st, out = _run(["tools/mkiso", "-o", out_iso, "-k", "build/hvmm.elf", "-g", f"{bz} name=linux",
                        "-g", f"{counter} for=linux", "-g", "build/hvmm.elf name=mb1",
                        "-g", f"{counter} for=mb1", "-g", f"{exitcode} for=mb1"])
        cpus_iso = os.path.join(tmp, "cpus.iso")
        st1, out1 = _run(["tools/mkiso", "-q", "-o", cpus_iso, "-k", "build/hvmm.elf", "-c", "cpus=3 exit_port=0xf4",
                          "-g", counter])
        st2, out2 = _run(["tools/run-qemu", "--iso", cpus_iso, "--accel", "tcg", "--log", os.path.join(tmp, "l"),
                          "--smp", "2"], {"QEMU": fake, "FAKE_STATUS": "33"})
        res.append(("run-qemu --iso: the ISO's cpus=3 (its grub.cfg) against --smp 2: a warning",
                    st1 == 0 and "hvmm's cpus=3 asks for more CPUs than QEMU gives (2: -smp 2)" in out2,
                    (out1 + out2).strip()[-300:]))
        res.append(("mkiso: for= modules are not guests ('wrote ... (2 guest(s))')", st == 0 and out.strip().endswith("(2 guest(s))"), out.strip()))
        # hvmm.elf's multiboot v1 header agrees with its file layout (QEMU's -kernel copies the file flat)
        if os.path.isfile(os.path.join(ROOT, "build", "hvmm.elf")):
            ok, detail = _mb1_layout_ok(os.path.join(ROOT, "build", "hvmm.elf"))
            res.append(("hvmm.elf: multiboot v1 address fields match the ELF layout", ok, detail))
        want = f"hvmm {version()}"
        outs = [_run(c)[1].strip() for c in (["make", "-s", "version"], ["tools/run-qemu", "--version"],
                                             ["tools/mkiso", "-V"])]
        res.append((f"make version, run-qemu --version, mkiso -V print '{want}' (the VERSION file)",
                    outs == [want] * 3, f"{outs}"))
        probs = doc_problems()
        res.append(("docs stand alone: every link, repository path and source in README.md, CHANGELOG.md and docs/ "
                    "resolves inside the repository", not probs, "; ".join(probs[:5])))
        # the runner's TAP and JUnit output, on one unit binary
        unit = "build/tests/test_string"
        if os.path.isfile(os.path.join(ROOT, unit)):
            junit = os.path.join(tmp, "junit.xml")
            st, out = _run([sys.executable, "tests/run.py", "--unit", unit, "--only", "test_string", "--tap",
                            "--junit", junit])
            lines = out.splitlines()
            res.append(("run.py --tap: TAP version 13, plan 1..1, 'ok 1 - unit/test_string'",
                        st == 0 and lines[:2] == ["TAP version 13", "1..1"] and
                        any(ln.startswith("ok 1 - unit/test_string") for ln in lines), out[-300:]))
            xml = open(junit).read() if os.path.isfile(junit) else ""
            res.append(("run.py --junit: a testsuite with one testcase hvmm.unit/test_string",
                        '<testcase classname="hvmm.unit" name="test_string"' in xml and 'failures="0"' in xml,
                        xml[:300]))
            st, out = _run([sys.executable, "tests/run.py", "--unit", unit, "--only", "test_string"])
            lines = out.strip().splitlines()
            res.append(("run.py: a progress line, item, scenario and skip counts, last line 'N passed, 0 failed'",
                        st == 0 and re.match(r"^\[1/1\] PASS unit/test_string \(\d+ checks, [\d.]+ s\)$", lines[0])
                        is not None and lines[-3].startswith("scenarios: 0 passed") and
                        lines[-2].startswith("skipped: 0 items, 0 checks") and
                        re.match(r"^\d+ passed, 0 failed$", lines[-1]) is not None, out[-300:]))
            st, out = _run([sys.executable, "tests/run.py", "--only", "no-such-scenario"])
            res.append(("run.py --only with an unknown name: exit status 2", st == 2 and "unknown" in out, out[-200:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


# ---- docs stand alone: every reference in README.md, CHANGELOG.md and docs/ resolves inside the repository ----

# Documents readers of the repository lack (the team's private notes), spelled in pieces so that this list is not
# itself a citation of them.
DOC_FORBIDDEN = ("svm" + "-facts", "style" + ".md", "design" + ".md §", ".." + "/shared")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`\n]+)`")
_REPO_PATH = re.compile(r"^(boot|include|hvmm|lib|guests|tools|tests|iso|docs)/[A-Za-z0-9_./*-]*$")


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to '-'."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


def _anchors(path: str) -> set:
    with open(path, encoding="utf-8") as f:
        return {_slug(ln.lstrip("#")) for ln in f if ln.startswith("#")}


def doc_problems() -> List[str]:
    """References in the user-facing docs that do not resolve inside the repository."""
    import glob
    files = [os.path.join(ROOT, "README.md"), os.path.join(ROOT, "CHANGELOG.md")] + \
        sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    bad = []
    for path in files:
        if not os.path.isfile(path):
            bad.append(f"{os.path.relpath(path, ROOT)} is missing")
            continue
        rel = os.path.relpath(path, ROOT)
        text = open(path, encoding="utf-8").read()
        for w in DOC_FORBIDDEN:
            if w in text:
                bad.append(f"{rel} mentions {w} (not part of the repository)")
        lines = text.splitlines()
        for i, ln in enumerate(lines):  # a table row after a blank line without a '| --- |' line: a broken table
            if ln.startswith("|") and i > 0 and not lines[i - 1].strip() and \
                    not (i + 1 < len(lines) and re.match(r"^\|\s*:?-{3}", lines[i + 1])):
                bad.append(f"{rel}:{i + 1}: a table row without a header (a blank line splits its table)")
        for target in _LINK.findall(text):
            if re.match(r"^[a-z]+:", target):
                bad.append(f"{rel} links outside the repository: {target}")
                continue
            file, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
            if not os.path.exists(dest):
                bad.append(f"{rel}: link {target} does not resolve")
            elif anchor and dest.endswith(".md") and anchor not in _anchors(dest):
                bad.append(f"{rel}: link {target}: no heading #{anchor} in {os.path.relpath(dest, ROOT)}")
        for code in _CODE.findall(text):
            for word in code.split():
                word = word.rstrip(",.;:)")
                if not _REPO_PATH.match(word) or "..." in word:
                    continue
                if not glob.glob(os.path.join(ROOT, word)):
                    bad.append(f"{rel}: `{word}` is not in the repository")
    return bad
