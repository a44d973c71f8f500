"""Benchmark: cutting a big upload.json vs one plain ``json.load`` + ``json.dump`` of it.

Generates an ``upload.json`` of N asset entries (default 1,000,000; ``--quick``: 20,000) in a temp
folder, then runs each contender in its own fresh Python process and reports the time of the work
(interpreter start excluded) and the process's peak RSS, next to the file size::

    python bench/bench_cut.py            # 1,000,000 entries
    python bench/bench_cut.py --quick    # 20,000 entries
    python bench/bench_cut.py --entries 200000 --repeat 3

Contenders: ``json.load + json.dump`` (the reference the cut is held to), ``json.load +
write(json.dumps)`` (the fastest stdlib round trip, for honesty), and ``cutting_upload`` into parts
of 1,000 and of 100,000 assets.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONTENDERS: List[Tuple[str, str]] = [
    ("load+dump", "json.load + json.dump"),
    ("load+dumps", "json.load + write(json.dumps)"),
    ("cut1000", "cutting_upload, parts of 1,000"),
    ("cut100000", "cutting_upload, parts of 100,000"),
]


def generate(path: str, entries: int) -> None:
    """A realistic manifest: long studio paths, a few non-ASCII names, the seed's indent=4 layout."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{\n    "scene": [\n        {"local": "D:/projects/alpha/sh010/sh010_lighting_v012.ma", '
                 '"server": "/D/projects/alpha/sh010/sh010_lighting_v012.ma", "hash": "0123456789abcdef"}\n'
                 '    ],\n    "asset": [\n')
        for i in range(entries):
            name = "bois_chêne" if i % 97 == 0 else "wood_diffuse"
            rel = f"projects/alpha/seq{i // 10000:03d}/sh{i // 100:05d}/textures/asset_{i % 100:02d}/" \
                  f"{name}_v003.{1001 + i % 10}.exr"
            entry = json.dumps({"local": "D:/" + rel, "server": "/D/" + rel}, ensure_ascii=False, indent=4)
            fh.write("        " + entry.replace("\n", "\n        "))
            fh.write(",\n" if i + 1 < entries else "\n")
        fh.write("    ]\n}\n")


def _peak_rss_bytes() -> int:
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return int(psutil.Process().memory_info().peak_wset)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def child(mode: str, source: str, out_dir: str) -> None:
    """Run one contender in this (fresh) process and print ``{"seconds", "rss", "rss_start"}``."""
    sys.path.insert(0, ROOT)
    from rfsync_core.manifest import cutting_upload

    rss_start = _peak_rss_bytes()
    start = time.perf_counter()
    if mode.startswith("load+"):
        with open(source, encoding="utf-8") as fh:
            data = json.load(fh)
        with open(os.path.join(out_dir, "copy.json"), "w", encoding="utf-8") as fh:
            if mode == "load+dump":
                json.dump(data, fh, ensure_ascii=False)
            else:
                fh.write(json.dumps(data, ensure_ascii=False))
        count = 1
    else:
        count = len(cutting_upload(source, int(mode[3:]), out_dir))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss": _peak_rss_bytes(), "rss_start": rss_start, "files": count}))


def run(mode: str, source: str, work: str) -> Dict[str, float]:
    out_dir = tempfile.mkdtemp(prefix=mode + "-", dir=work)
    try:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", mode, source, out_dir],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{mode} failed:\n{proc.stderr}")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="asset entries (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="20,000 entries")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender, best time kept")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    entries = 20_000 if args.quick else args.entries
    work = tempfile.mkdtemp(prefix="rfsync-bench-cut-")
    try:
        source = os.path.join(work, "upload.json")
        generate(source, entries)
        size = os.path.getsize(source)
        print(f"upload.json: {entries:,} entries, {size / 1e6:.1f} MB  (Python {sys.version.split()[0]})")
        results: Dict[str, Dict[str, float]] = {}
        for mode, _ in CONTENDERS:
            runs = [run(mode, source, work) for _ in range(max(1, args.repeat))]
            results[mode] = min(runs, key=lambda r: r["seconds"])
        ref = results["load+dump"]["seconds"]
        print(f"{'contender':34} {'files':>6} {'seconds':>8} {'x ref':>6} {'peak RSS MB':>12} {'x file':>7} "
              f"{'net x file':>10}")
        for mode, label in CONTENDERS:
            r = results[mode]
            print(f"{label:34} {int(r['files']):>6} {r['seconds']:>8.2f} {r['seconds'] / ref:>6.2f} "
                  f"{r['rss'] / 1e6:>12.0f} {r['rss'] / size:>7.2f} {(r['rss'] - r['rss_start']) / size:>10.2f}")
        print(f"(interpreter + imports alone: about {results['cut1000']['rss_start'] / 1e6:.0f} MB RSS, "
              f"excluded in 'net x file'; 'x ref' is relative to json.load + json.dump)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
