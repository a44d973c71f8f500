"""rfsync and its peers over a link with a real round-trip time (20 ms), with the floor.

    python bench/bench_latency.py [--small 2000] [--medium 200] [--medium-max-mib 16] [--big-mib 512]
                                  [--delay-ms 10] [--concurrency 16] [--only small,medium,big] [--rounds 3]
                                  [--rfsync-processes 1,2] [--ops upload,download]

``--delay-ms 0`` talks to the server directly (no proxy): the loopback comparison of small files.
``--rfsync-processes 1,2`` runs rfsync's command line once per value (``rfsync-cli/pN``) beside its
default.

Starts ``rclone serve s3`` and, in front of it, :mod:`latency_proxy` (each direction delayed by
``--delay-ms``; 127.0.0.1 only). Every contender talks to the proxy: rfsync's command line, rclone,
boto3 and Deadline's job attachments (uploads only: it has no plain download), first at each tool's
defaults, then at equal concurrency (``--concurrency``; Deadline has no knob and is left out there).
Prints each run and the floor of each workload: files × RTT ÷ concurrency (one request per file
at best); the bytes floor is bytes ÷ the link rate, and the proxy has no fixed link rate (it copies as
fast as one Python process can), so the big file's best rate is that floor, as measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import run as run_mod  # noqa: E402
from run import Bench, Sizes, available, make_file, make_medium, make_small, write_manifest  # noqa: E402
from s3server import start_s3_server, stop_s3_server  # noqa: E402

MiB = 1024 * 1024
UP = ["rfsync-cli", "rclone", "boto3", "deadline"]
DOWN = ["rfsync-cli", "rclone", "boto3"]


def start_proxy(target_port: int, delay_ms: float) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([sys.executable, str(HERE / "latency_proxy.py"), str(target_port),
                             "--delay-ms", str(delay_ms)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "port":
        proc.kill()
        raise SystemExit("latency proxy did not start")
    return proc, int(line[1])


def one(b: Bench, workload: str, c: str, op: str, data: Path, conc: int, root: str) -> float:
    extra = ["--concurrency", str(conc)] if conc else []
    if "/p" in c:  # rfsync-cli/pN: the command line with --processes N
        c, procs = c.split("/p")
        extra += ["--processes", procs]
    if op == "upload":
        prefix = f"{workload}-{c}-{uuid.uuid4().hex[:6]}"
        if c.startswith("rfsync"):
            manifest = write_manifest(data, b.work / f"{workload}.upload.json")
            run = b.run_contender(workload, c, "upload", str(manifest), prefix, env=b.rfsync_env(prefix),
                                  extra=["--platform", "bench", *extra])
        else:
            env = dict(os.environ, HOME=str(b.work / "home" / uuid.uuid4().hex[:8]))
            run = b.run_contender(workload, c, "upload", str(data), prefix, env=env, extra=extra)
        b.drop_prefix(prefix)
        return run.seconds
    dst = b.work / "dl" / f"{c}-{uuid.uuid4().hex[:6]}"
    if c.startswith("rfsync"):
        run = b.run_contender(workload, c, "download", workload, str(dst), env=b.rfsync_env(root),
                              extra=["--platform", "bench", *extra])
    else:
        run = b.run_contender(workload, c, "download", f"{root}/output/{workload}", str(dst), extra=extra)
    shutil.rmtree(dst, ignore_errors=True)
    return run.seconds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--small", type=int, default=2000)
    p.add_argument("--medium", type=int, default=200)
    p.add_argument("--medium-max-mib", type=int, default=16)
    p.add_argument("--big-mib", type=int, default=512)
    p.add_argument("--delay-ms", type=float, default=10.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--only", default="small,medium,big")
    p.add_argument("--ops", default="upload,download")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds, contenders rotating (A B C, B C A, ...); with 1, the first contender runs cold")
    p.add_argument("--rfsync-processes", default="", help="also rfsync-cli with each --processes value")
    p.add_argument("--contenders", default="", help="comma-separated subset (default: all)")
    a = p.parse_args()
    extra_rfsync = [f"rfsync-cli/p{n}" for n in a.rfsync_processes.split(",") if n]
    if a.contenders:
        run_mod.ONLY_CONTENDERS = set(a.contenders.split(","))
    rtt = 2 * a.delay_ms / 1000.0
    with tempfile.TemporaryDirectory(prefix="rfsync-latency-") as tmp_name:
        tmp = Path(tmp_name)
        srv = start_s3_server(tmp / "root")
        proxy, port = start_proxy(int(srv.endpoint.rsplit(":", 1)[1]), a.delay_ms) if a.delay_ms else (None, 0)
        try:
            via = replace(srv, endpoint=f"http://127.0.0.1:{port}") if proxy is not None else srv
            b = Bench(via, via.new_bucket(), tmp / "work", Sizes(0, 0, 0, 0, 0, 0, 0, [], 1))
            (tmp / "work").mkdir()
            sets: Dict[str, Path] = {}
            only = a.only.split(",")
            if "small" in only:
                sets["small"] = make_small(tmp / "data" / "small", a.small)
            if "medium" in only:
                sets["medium"] = make_medium(tmp / "data" / "medium", a.medium, a.medium_max_mib)
            if "big" in only:
                sets["big"] = make_file(tmp / "data" / "big" / "big.bin", a.big_mib * MiB, seed=7).parent
            floors: List[str] = []
            table: List[str] = []
            for name, data in sets.items():
                files = [f for f in data.rglob("*") if f.is_file()]
                nbytes = sum(f.stat().st_size for f in files)
                root = f"dlroot-{uuid.uuid4().hex[:6]}"
                if "download" in a.ops:  # the farm's outputs, written by an independent client
                    b.run_contender(name + "-seed", "rclone", "upload", str(data), f"{root}/output/{name}")
                    b.results.pop()
                for op in a.ops.split(","):
                    for conc in (0, a.concurrency) if a.concurrency else (0,):
                        who = [*available(UP if op == "upload" else DOWN), *extra_rfsync]
                        for rnd in range(a.rounds):
                            k = rnd % len(who)
                            for c in who[k:] + who[:k]:
                                if conc and c == "deadline":
                                    continue
                                secs = one(b, name, c, op, data, conc, root)
                                table.append(f"{name:<7} {op:<8} {'defaults' if not conc else f'conc {conc}':<9} "
                                             f"{c:<13} {secs:8.2f} s  {len(files) / secs:8.1f} files/s  "
                                             f"{nbytes / secs / MiB:7.1f} MiB/s")
                if a.concurrency and rtt:
                    floors.append(f"{name}: {len(files)} files × {rtt * 1000:.0f} ms ÷ {a.concurrency} = "
                                  f"{len(files) * rtt / a.concurrency:.2f} s; {nbytes / MiB:.0f} MiB")
                b.drop_prefix(root)
            print("\n".join(["", "results (load: " + os.popen("uptime").read().strip() + ")", *table,
                             "floors (request latency; the bytes floor is the big file's best rate above)",
                             *floors]))
        finally:
            if proxy is not None:
                proxy.kill()
                proxy.wait(timeout=10)
            stop_s3_server(srv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
