#!/usr/bin/env python3
"""Figures the block-kind redesign is measured by (issue 11's note): lines of Rust per
crate (src/ only), the files of lyceum-web/src that name a block kind's `LeafContent`
variant, and the longest functions. Usage: scripts/code-metrics.py [REPO_DIR]"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
crates = os.path.join(root, "crates")


def rust_files(top):
    for d, _, files in os.walk(top):
        for f in sorted(files):
            if f.endswith(".rs"):
                yield os.path.join(d, f)


print("## Lines of Rust per crate (src/)")
total = 0
for c in sorted(os.listdir(crates)):
    src = os.path.join(crates, c, "src")
    if not os.path.isdir(src):
        continue
    n = sum(sum(1 for _ in open(p, encoding="utf-8")) for p in rust_files(src))
    total += n
    print(f"{c:14} {n:6}")
print(f"{'total':14} {total:6}")

variant = re.compile(r"LeafContent::([A-Z][A-Za-z]*)")
print("\n## Files of crates/lyceum-web/src naming a LeafContent variant")
web = os.path.join(crates, "lyceum-web", "src")
for p in rust_files(web):
    names = sorted(set(variant.findall(open(p, encoding="utf-8").read())))
    if names:
        print(f"{os.path.relpath(p, root)}: {', '.join(names)}")

fn_start = re.compile(r"^(\s*)(pub(\([^)]*\))?\s+)?(async\s+)?fn\s+([A-Za-z_0-9]+)")
found = []
for c in sorted(os.listdir(crates)):
    for p in rust_files(os.path.join(crates, c, "src")):
        lines = open(p, encoding="utf-8").read().split("\n")
        i = 0
        while i < len(lines):
            m = fn_start.match(lines[i])
            if not m:
                i += 1
                continue
            indent = m.group(1)
            # The body ends at the first line that closes at the fn's own indent.
            j = i
            while j < len(lines) and not (
                lines[j].startswith(indent + "}") and len(lines[j]) - len(lines[j].lstrip()) == len(indent)
            ):
                if lines[j].rstrip().endswith(";") and j == i:
                    break
                j += 1
            found.append((j - i + 1, f"{os.path.relpath(p, root)}::{m.group(5)}"))
            i += 1
found.sort(reverse=True)
print("\n## Longest functions (lines)")
for n, name in found[:12]:
    print(f"{n:5} {name}")
