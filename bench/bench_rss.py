"""Peak resident memory of one upload of many 1–16 MiB files at a given thread count.

    python bench/bench_rss.py [--files 60] [--threads 16]

Starts ``rclone serve s3``, writes the files (sizes 1–16 MiB, seeded), uploads them with
:class:`~rfsync_core.Uploader` in this process and prints the RSS before, the peak sampled every 20 ms
(psutil) and ``ru_maxrss``. Why its own script: the goal (≤ 200 MB whatever the threads) is about the
buffers the engine holds at once, and a whole ``bench/run.py`` hides them behind start-up and peers.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from bench_per_file import use_platform  # noqa: E402
from s3server import start_s3_server, stop_s3_server  # noqa: E402

MiB = 1 << 20


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--files", type=int, default=60)
    p.add_argument("--threads", type=int, default=16)
    a = p.parse_args()
    import psutil

    with tempfile.TemporaryDirectory(prefix="rfsync-rss-") as tmp_name:
        tmp = Path(tmp_name)
        srv = start_s3_server(tmp / "root")
        try:
            bucket = srv.new_bucket()
            rnd = random.Random(5)
            src = tmp / "src"
            src.mkdir()
            block = os.urandom(16 * MiB)
            for i in range(a.files):
                (src / f"f{i:03d}.exr").write_bytes(block[:rnd.randint(MiB, 16 * MiB)])
            del block
            use_platform(tmp / "cfg", srv, bucket)
            from rfsync_core import Client, Uploader

            me = psutil.Process()
            before = me.memory_info().rss
            peak = [before]
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(0.02):
                    peak[0] = max(peak[0], me.memory_info().rss)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            with Client("b") as client:
                result = Uploader(client, threads=a.threads).upload_files(
                    [(str(f), f"in/{f.name}") for f in sorted(src.iterdir())])
            stop.set()
            sampler.join()
            if not result.ok:
                raise SystemExit(f"upload failed: {result.failed[:3]}")
            print(f"{a.files} files of 1-16 MiB, {a.threads} threads: RSS before {before / 1e6:.0f} MB, "
                  f"peak sampled {peak[0] / 1e6:.0f} MB, ru_maxrss "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6:.0f} MB")
        finally:
            stop_s3_server(srv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
