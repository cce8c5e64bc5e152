# SPDX-License-Identifier: MIT
"""The layering rule of hvmm/ (README "Layout"): every #include "hvmm/<folder>/..." points down the layers.

    python3 tests/layers.py      # prints each include that points up or sideways; exit status 1 if any

guest/ may include vdev/, svm/, x86/ and core/; vdev/ only core/; svm/ only x86/ and core/; x86/ only core/;
core/ nothing above it. hvmm/main.c, the composition root, may include every folder.
"""

import os
import re
import sys
from typing import Dict, Iterable, List, Set, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOWED: Dict[str, Set[str]] = {
    "core": set(),
    "x86": {"core"},
    "svm": {"x86", "core"},
    "vdev": {"core"},
    "guest": {"vdev", "svm", "x86", "core"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"hvmm/([^/"]+)/', re.M)


def edges(root: str = ROOT) -> Iterable[Tuple[str, str, str]]:
    """(file, its folder, the folder it includes) for every cross-folder include under hvmm/."""
    top = os.path.join(root, "hvmm")
    for folder in sorted(os.listdir(top)):
        if not os.path.isdir(os.path.join(top, folder)):
            continue
        for dirpath, _, files in os.walk(os.path.join(top, folder)):
            for f in sorted(files):
                path = os.path.join(dirpath, f)
                with open(path, errors="replace") as fh:
                    for target in INCLUDE.findall(fh.read()):
                        if target != folder:
                            yield os.path.relpath(path, root), folder, target


def violations(found: Iterable[Tuple[str, str, str]]) -> List[str]:
    """Every include that the layering rule forbids, as "file: folder -> target"."""
    return [f"{path}: {src} -> {dst}" for path, src, dst in found
            if src not in ALLOWED or dst not in ALLOWED[src]]


def self_test() -> List[tuple]:
    """(check name, ok, detail): the tree obeys the rule, and the checker catches a planted upward include."""
    bad = violations(edges())
    planted = violations([("hvmm/core/x.c", "core", "guest"), ("hvmm/guest/y.c", "guest", "core")])
    return [("hvmm/ includes point down the layers", not bad, "; ".join(bad)),
            ("layer check rejects a planted core -> guest include", planted == ["hvmm/core/x.c: core -> guest"],
             repr(planted))]


if __name__ == "__main__":
    bad = violations(edges())
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)
