"""Quick upload throughput against the test S3 server (rclone serve s3 on loopback).

Measures rfsync's uploader for: many small files (default 5,000 × 4 KiB, cold then a
warm rerun that skips every file), one large file (default 1 GiB, multipart), and a warm
rerun of many unchanged files from the records (default 100,000; folder platform, records
pre-filled) — the case that must make no per-file network request::

    python bench/bench_upload_quick.py
    python bench/bench_upload_quick.py --small 2000 --large-mib 256 --warm 20000

Not the full harness (see bench/run.py); numbers depend on the machine and the server.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from s3server import start_s3_server, stop_s3_server  # noqa: E402

MiB = 1024 * 1024


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(8 * MiB), b""):
            digest.update(block)
    return digest.hexdigest()


def _setup_env(tmp: Path) -> None:
    os.environ["RFSYNC_CONFIG_DIR"] = str(tmp / "config")
    os.environ["RFSYNC_DATA_DIR"] = str(tmp / "data")
    os.environ["HOME"] = str(tmp / "home")


def _write_platforms(tmp: Path, platforms: dict) -> None:
    (tmp / "config").mkdir(parents=True, exist_ok=True)
    (tmp / "config" / "platforms.json").write_text(json.dumps(platforms), encoding="utf-8")


def bench_s3(tmp: Path, small: int, small_size: int, large_mib: int, threads: int) -> List[Tuple[str, str]]:
    from rfsync_core.client import Client
    from rfsync_core.transfer.upload import Uploader

    root = tmp / "s3root"
    (root / "bench").mkdir(parents=True)  # made before the server starts, so it is listed
    server = start_s3_server(root)
    rows: List[Tuple[str, str]] = []
    try:
        _write_platforms(tmp, {"bench": {"engine": "s3", "endpoint": server.endpoint, "bucket": "bench",
                                         "prefix": "farm"}})
        os.environ["RFSYNC_ACCESS_KEY"] = server.access_key
        os.environ["RFSYNC_SECRET_KEY"] = server.secret_key
        client = Client("bench")
        if small:
            src = tmp / "small"
            src.mkdir()
            items = []
            for i in range(small):
                p = src / f"d{i // 500}" / f"f{i:06d}.bin"
                p.parent.mkdir(exist_ok=True)
                p.write_bytes(os.urandom(small_size))
                items.append((str(p), f"input/small/{p.parent.name}/{p.name}"))
            t0 = time.perf_counter()
            res = Uploader(client, threads=threads).upload_files(items)
            dt = time.perf_counter() - t0
            assert res.ok, res.failed[:3]
            rows.append((f"{small} x {small_size // 1024} KiB, cold",
                         f"{dt:.2f} s  {small / dt:.0f} files/s  {res.bytes_sent / dt / MiB:.2f} MiB/s"))
            t0 = time.perf_counter()
            res = Uploader(client, threads=threads).upload_files(items)
            dt = time.perf_counter() - t0
            assert res.ok and len(res.skipped) == small
            rows.append((f"{small} x {small_size // 1024} KiB, warm rerun (all skipped)", f"{dt:.2f} s"))
            sample = items[small // 2]
            assert _md5(Path(sample[0])) == _md5(root / "bench" / "farm" / sample[1])
        if large_mib:
            big = tmp / "large.bin"
            with open(big, "wb") as fh:
                block = os.urandom(8 * MiB)
                for i in range(large_mib // 8):
                    fh.write(block[i % 7:] + block[: i % 7])
                fh.write(os.urandom((large_mib % 8) * MiB))
            size = big.stat().st_size
            t0 = time.perf_counter()
            res = Uploader(client, threads=threads).upload_files([(str(big), "input/large.bin")])
            dt = time.perf_counter() - t0
            assert res.ok, res.failed
            rows.append((f"1 x {large_mib} MiB (multipart, {res.parts_sent} parts)",
                         f"{dt:.2f} s  {size / dt / MiB:.1f} MiB/s"))
            assert _md5(big) == _md5(root / "bench" / "farm" / "input" / "large.bin")
    finally:
        stop_s3_server(server)
    return rows


def bench_warm(tmp: Path, count: int) -> List[Tuple[str, str]]:
    """A warm rerun of ``count`` unchanged files whose records exist (folder platform)."""
    from rfsync_core.client import Client
    from rfsync_core.transfer.records import Records, UploadRecord, platform_id
    from rfsync_core.transfer.upload import Uploader

    farm = tmp / "farm"
    _write_platforms(tmp, {"warm": {"engine": "folder", "root": str(farm)}})
    client = Client("warm")
    src = tmp / "warm"
    items = []
    records = []
    for i in range(count):
        p = src / f"d{i // 1000}" / f"f{i:06d}.bin"
        if i % 1000 == 0:
            p.parent.mkdir(parents=True)
            (farm / "input" / "warm" / p.parent.name).mkdir(parents=True)
        p.write_bytes(b"x")
        key = f"input/warm/{p.parent.name}/{p.name}"
        os.link(p, farm / key)  # the "server" holds it (needed by the sampled HEADs)
        st = p.stat()
        items.append((str(p), key))
        records.append(UploadRecord(key, str(p), st.st_size, st.st_mtime_ns, ""))
    with Records(client.records_path) as rec:
        rec.put_uploads(platform_id(client.platform), records)
    t0 = time.perf_counter()
    res = Uploader(client).upload_files(items)
    dt = time.perf_counter() - t0
    assert res.ok and len(res.skipped) == count, (len(res.skipped), res.failed[:3])
    return [(f"warm rerun, {count} unchanged files (records, no per-file request)", f"{dt:.2f} s")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=5000, help="number of small files (0: skip)")
    parser.add_argument("--small-kib", type=int, default=4)
    parser.add_argument("--large-mib", type=int, default=1024, help="size of the large file in MiB (0: skip)")
    parser.add_argument("--warm", type=int, default=100_000, help="files of the warm-rerun case (0: skip)")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rfsync-bench-"))
    try:
        _setup_env(tmp)
        rows = bench_s3(tmp, args.small, args.small_kib * 1024, args.large_mib, args.threads)
        if args.warm:
            rows += bench_warm(tmp, args.warm)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"rfsync upload, {args.threads} threads, rclone serve s3 on loopback, {os.cpu_count()} CPUs")
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
