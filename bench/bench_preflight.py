"""Benchmark: ``preflight`` of an ``upload.json`` of N real files (default 100,000; goal ≤ 2 s).

Makes N small files in a temp folder laid out like a project (1,000 folders; frame sequences, UDIM
sets, a few faults), writes their ``upload.json``, then times ``preflight(path)`` (reading the
manifest included) over a few runs, cold page cache not forced::

    python bench/bench_preflight.py                 # 100,000 files, 3 runs
    python bench/bench_preflight.py --entries 20000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from rfsync_core.app.tasks import write_upload_manifest  # noqa: E402
from rfsync_core.preflight import PreflightSettings, preflight, summary_line  # noqa: E402


def make_tree(root: str, entries: int) -> list:
    """N files: 1,000 folders of sequences (``shot/cache/sim.0001.abc``) and tiles, one empty file each 1,000."""
    paths = []
    per_folder = max(1, entries // 1000)
    for i in range(entries):
        folder = os.path.join(root, f"seq{i // per_folder // 100:02d}", f"sh{i // per_folder:04d}", "cache")
        if i % per_folder == 0:
            os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"sim.{i % per_folder + 1:04d}.abc")
        with open(path, "wb") as fh:
            if i % 1000:
                fh.write(b"x")
        paths.append(path)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="rfsync-bench-preflight-")
    try:
        paths = make_tree(os.path.join(tmp, "proj"), args.entries)
        manifest = write_upload_manifest(os.path.join(tmp, "upload.json"), None, paths)
        settings = PreflightSettings(frames=range(1, args.entries // 1000 + 1), project_root=os.path.join(tmp, "proj"))
        times = []
        report = None
        for _ in range(max(1, args.repeat)):
            start = time.perf_counter()
            report = preflight(manifest, settings)
            times.append(time.perf_counter() - start)
        assert report is not None
        print(summary_line(report))
        print(f"preflight of {args.entries:,} entries (Python {sys.version.split()[0]}): median "
              f"{statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
              f"over {len(times)} runs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
