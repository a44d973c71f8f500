"""CPU per small file, client and server, one step at a time (the table in BENCHMARKS.md).

    python bench/bench_per_file.py [--files 3000]

Starts ``rclone serve s3``, writes N files of 4 KiB, then measures, for each step, the client's CPU
(``time.process_time``: every thread of this process) and the server's (``/proc``) per file:
``S3Storage.put_file`` and ``get_to_file`` alone on one thread, then the uploader and the downloader
with 1, 2, 4 and 8 threads, then with 2 worker processes (``processes=2``: the parent's CPU and the
workers', start-up included, reported apart). Why: on small files the limit is CPU per request, and only these numbers
say whose CPU it is and whether more threads help (under the interpreter lock they mostly don't).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from s3server import start_s3_server, stop_s3_server  # noqa: E402


def server_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def use_platform(cfg: Path, srv: Any, bucket: str) -> None:
    """Platform "b" on ``srv``'s ``bucket``, configured for this process (and its workers) through the env."""
    cfg.mkdir()
    (cfg / "platforms.json").write_text(json.dumps({"b": {
        "engine": "s3", "endpoint": srv.endpoint, "bucket": bucket, "prefix": "p", "region": "us-east-1",
        "path_style": True}}), encoding="utf-8")
    os.environ.update(RFSYNC_CONFIG_DIR=str(cfg), RFSYNC_DATA_DIR=str(cfg / "data"),
                      RFSYNC_ACCESS_KEY=srv.access_key, RFSYNC_SECRET_KEY=srv.secret_key)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--files", type=int, default=3000)
    p.add_argument("--profile", action="store_true",
                   help="also cProfile put_file and get_to_file on one thread (CPU time, top 30 by own time)")
    p.add_argument("--profile-only", action="store_true", help="the two single-thread steps and the profile only")
    a = p.parse_args()
    n = a.files
    with tempfile.TemporaryDirectory(prefix="rfsync-perfile-") as tmp_name:
        tmp = Path(tmp_name)
        srv = start_s3_server(tmp / "root")
        try:
            assert srv.process is not None
            pid = srv.process.pid
            bucket = srv.new_bucket()
            src = tmp / "src"
            for i in range(n):
                d = src / f"d{i // 50:03d}"
                d.mkdir(parents=True, exist_ok=True)
                (d / f"f{i:06d}.exr").write_bytes(os.urandom(4096))
            use_platform(tmp / "cfg", srv, bucket)
            from rfsync_core import Client, Downloader, Uploader

            files = sorted(src.rglob("*.exr"))

            def kids_cpu() -> float:
                ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers, once joined
                return ru.ru_utime + ru.ru_stime

            def measure(label: str, work: Callable[[], Any]) -> None:
                c0, s0, t0, k0 = time.process_time(), server_cpu(pid), time.perf_counter(), kids_cpu()
                out = work()
                if hasattr(out, "failed") and out.failed:
                    raise SystemExit(f"{label}: {out.failed[:3]}")
                wall = time.perf_counter() - t0
                kids = (kids_cpu() - k0) / n * 1e6
                print(f"{label:<28} client {(time.process_time() - c0) / n * 1e6:5.0f} µs/file  "
                      + (f"(+ workers {kids:5.0f} µs/file)  " if kids else "")
                      + f"server {(server_cpu(pid) - s0) / n * 1e6:5.0f} µs/file  {n / wall:6.0f} files/s", flush=True)

            with Client("b") as client:
                storage = client.storage
                measure("put_file, 1 thread",
                        lambda: [storage.put_file(f"output/raw/{i}", str(f)) for i, f in enumerate(files)])
                measure("get_to_file, 1 thread",
                        lambda: [storage.get_to_file(f"output/raw/{i}", io.BytesIO()) for i in range(n)])
                if a.profile:  # CPU time (not wall: socket waits are the server's), own time first
                    for what, run in (("put_file", lambda i, f: storage.put_file(f"output/raw/{i}", str(f))),
                                      ("get_to_file", lambda i, f: storage.get_to_file(f"output/raw/{i}",
                                                                                       io.BytesIO()))):
                        prof = cProfile.Profile(time.process_time)
                        prof.enable()
                        for i, f in enumerate(files):
                            run(i, f)
                        prof.disable()
                        print(f"--- {what}, 1 thread, CPU seconds by own time")
                        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
            if a.profile_only:
                return 0
            for threads in (1, 2, 4, 8):
                items = [(str(f), f"input/t{threads}/{i}") for i, f in enumerate(files)]
                with Client("b") as client:
                    up = Uploader(client, threads=threads)
                    measure(f"Uploader, {threads} threads", partial(up.upload_files, items))
            items = [(str(f), f"input/p2/{i}") for i, f in enumerate(files)]
            with Client("b") as client:
                measure("Uploader, 2 processes × 4", partial(Uploader(client, threads=8, processes=2).upload_files,
                                                             items))
            for threads in (1, 2, 4, 8):
                with Client("b") as client:
                    dl = Downloader(client, threads=threads)
                    dst = tmp / f"dl{threads}"
                    measure(f"Downloader, {threads} threads",
                            partial(dl.download, local_path=str(dst), server_paths=["raw"]))
            with Client("b") as client:
                dl = Downloader(client, threads=8, processes=2)
                measure("Downloader, 2 processes × 4",
                        partial(dl.download, local_path=str(tmp / "dlp"), server_paths=["raw"]))
        finally:
            stop_s3_server(srv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
