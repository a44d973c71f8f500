"""rfsync against the tools users would pick instead, on one S3 server, in one run.

    python bench/run.py            # the full run (tens of minutes; see BENCHMARKS.md)
    python bench/run.py --quick    # a small smoke run (CI runs this)

Starts ``rclone serve s3`` on 127.0.0.1:0, generates every data set in a temporary
folder, runs each contender in its own process on each workload, alternating the
order every round (A B C, B C A, …) with a fresh key prefix per run, and prints a
table of medians with min–max, rates, the rfsync/peer ratio and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from s3server import ACCESS_KEY, SECRET_KEY, S3Server, start_s3_server, stop_s3_server  # noqa: E402

MiB = 1024 * 1024


@dataclass
class Sizes:
    small_files: int
    big_bytes: int
    medium_files: int
    medium_max_mib: int
    warm_files: int
    cap_mb_s: float
    cap_bytes: int
    cut_args: List[str]
    rounds: int


FULL = Sizes(5000, 1024 * MiB, 200, 64, 100_000, 40.0, 400 * MiB, [], 3)
QUICK = Sizes(300, 32 * MiB, 8, 4, 2000, 8.0, 24 * MiB, ["--quick"], 1)
MEDIUM = Sizes(3000, 256 * MiB, 40, 32, 20_000, 40.0, 200 * MiB, ["--quick"], 3)
"""Big enough to decide on an engine change in a few minutes (``--sizes medium``)."""
PRESETS = {"full": FULL, "medium": MEDIUM, "quick": QUICK}


@dataclass
class Run:
    workload: str
    contender: str
    seconds: float
    rss_mb: float
    files: int
    nbytes: int
    client_cpu: float = 0.0
    server_cpu: float = 0.0


@dataclass
class Bench:
    server: S3Server
    bucket: str
    work: Path
    sizes: Sizes
    results: List[Run] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    # -- environment for one rfsync run -----------------------------------------------------
    def rfsync_env(self, prefix: str, data_dir: Optional[Path] = None) -> Dict[str, str]:
        cfg = self.work / "cfg" / uuid.uuid4().hex[:8]
        cfg.mkdir(parents=True)
        (cfg / "platforms.json").write_text(json.dumps({"bench": {
            "engine": "s3", "endpoint": self.server.endpoint, "bucket": self.bucket, "prefix": prefix,
            "region": "us-east-1", "path_style": True}}), encoding="utf-8")
        env = dict(os.environ)
        env.update(RFSYNC_CONFIG_DIR=str(cfg), RFSYNC_DATA_DIR=str(data_dir or cfg / "data"),
                   RFSYNC_ACCESS_KEY=ACCESS_KEY, RFSYNC_SECRET_KEY=SECRET_KEY, HOME=str(cfg / "home"))
        return env

    def run_contender(self, workload: str, contender: str, op: str, src: str, dst: str,
                      env: Optional[Dict[str, str]] = None, extra: Optional[List[str]] = None) -> Run:
        cmd = [sys.executable, str(HERE / "contenders.py"), contender, op, src, dst,
               "--endpoint", self.server.endpoint, "--bucket", self.bucket, *(extra or [])]
        fresh_home = str(self.work / "home" / uuid.uuid4().hex[:8])  # no tool's cache carries over by accident
        server_before = self.server_cpu()
        kids_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, env=env or dict(os.environ, HOME=fresh_home),
                              capture_output=True, text=True)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = (kids.ru_utime + kids.ru_stime) - (kids_before.ru_utime + kids_before.ru_stime)
        if os.environ.get("BENCH_CPU_SPLIT"):
            print(f"    user {kids.ru_utime - kids_before.ru_utime:.2f} sys {kids.ru_stime - kids_before.ru_stime:.2f}")
        server_cpu = self.server_cpu() - server_before
        if proc.returncode != 0:
            raise RuntimeError(f"{contender} {op} on {workload} failed: {proc.stderr.strip()[-800:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        run = Run(workload, contender, out["seconds"], out.get("rss_mb", 0.0), int(out.get("files", 0)),
                  int(out.get("bytes", 0)), client_cpu, server_cpu)
        self.results.append(run)
        print(f"  {workload:<14} {contender:<11} {run.seconds:8.2f} s  rss {run.rss_mb:6.0f} MB"
              f"  cpu client {client_cpu:6.2f} s server {server_cpu:6.2f} s", flush=True)
        return run

    def server_cpu(self) -> float:
        """CPU seconds the S3 server has used so far (client and server share this machine's cores)."""
        if self.server.process is None:
            return 0.0
        try:
            with open(f"/proc/{self.server.process.pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def drop_prefix(self, prefix: str) -> None:
        shutil.rmtree(self.server.root / self.bucket / prefix, ignore_errors=True)

    def server_bytes(self, prefix: str) -> int:
        root = self.server.root / self.bucket / prefix
        return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0


# ---- data sets -----------------------------------------------------------------------------------
def make_small(root: Path, n: int) -> Path:
    """n files of 4 KiB, 50 per folder, three levels deep; every file unique."""
    rng = random.Random(1)
    for i in range(n):
        d = root / f"a{i // 2500:02d}" / f"b{i // 50:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"tex_{i:06d}.exr").write_bytes(rng.randbytes(4096))
    return root


def make_file(path: Path, size: int, seed: int) -> Path:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            chunk = min(left, 4 * MiB)
            fh.write(rng.randbytes(chunk))
            left -= chunk
    return path


def make_medium(root: Path, n: int, max_mib: int) -> Path:
    rng = random.Random(3)
    for i in range(n):
        make_file(root / f"cache_{i:04d}.abc", rng.randint(1 * MiB, max_mib * MiB), seed=100 + i)
    return root


def write_manifest(src: Path, out: Path) -> Path:
    """The upload.json rfsync reads: every file of ``src`` with its server path."""
    files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
    out.write_text(json.dumps({"asset": [{"local": str(f), "server": str(f)} for f in files]}), encoding="utf-8")
    return out


# ---- workloads -----------------------------------------------------------------------------------
UPLOAD_CONTENDERS = ["rfsync-cli", "rfsync-api", "rclone", "boto3", "aws", "deadline"]
DOWNLOAD_CONTENDERS = ["rfsync-cli", "rfsync-api", "rclone", "boto3", "aws"]


ONLY_CONTENDERS: Optional[set] = None


def available(contenders: List[str]) -> List[str]:
    out = []
    for c in contenders:
        if ONLY_CONTENDERS is not None and c not in ONLY_CONTENDERS:
            continue
        if c == "aws" and not shutil.which("aws"):
            continue
        if c == "deadline":
            try:
                import deadline.job_attachments  # noqa: F401
            except ImportError:
                continue
        out.append(c)
    return out


# DEFERRED_DELETES: files written by one run are deleted after the whole workload, not before the next run.
# Why: ext4 skips recently deleted inodes when it allocates new ones; creating 5,000 files seconds after
# deleting 5,000 others cost every contender ~6 s of kernel time in find_inode_bit/recently_deleted
# (perf), an artefact of the harness, not of the tools. Big workloads (few files, many bytes) are still
# cleaned after each run to bound disk use.


def walk_files(root: Path) -> List[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def upload_rounds(b: Bench, workload: str, data: Path, contenders: List[str]) -> None:
    manifest = write_manifest(data, b.work / f"{workload}.upload.json")
    expected = sum(p.stat().st_size for p in ([data] if data.is_file() else data.rglob("*")) if p.is_file())
    many_files = data.is_dir() and len(walk_files(data)) > 1000  # see DEFERRED_DELETES
    later: List[str] = []
    for rnd in range(b.sizes.rounds):
        k = rnd % len(contenders)
        for c in contenders[k:] + contenders[:k]:
            prefix = f"{workload}-{c}-{uuid.uuid4().hex[:6]}"
            if c.startswith("rfsync"):
                b.run_contender(workload, c, "upload", str(manifest), prefix, env=b.rfsync_env(prefix),
                                extra=["--platform", "bench"])
            else:
                b.run_contender(workload, c, "upload", str(data), prefix)
            got = b.server_bytes(prefix)
            if got < expected:
                raise RuntimeError(f"{c} left {got} of {expected} bytes on the server for {workload}")
            if many_files:
                later.append(prefix)
            else:
                b.drop_prefix(prefix)
    for prefix in later:
        b.drop_prefix(prefix)


def warm_rounds(b: Bench, workload: str, data: Path) -> None:
    """Upload once (untimed), then time reruns where nothing changed."""
    manifest = write_manifest(data, b.work / f"{workload}.upload.json")
    # The 100,000-file case costs a cold upload per contender: only rfsync's API (the goal) and rclone.
    contenders = available(["rfsync-api", "rfsync-cli", "rclone", "deadline"] if workload == "warm-small"
                           else ["rfsync-api", "rclone"])
    for c in contenders:
        prefix = f"{workload}-{c}-{uuid.uuid4().hex[:6]}"
        data_dir = b.work / "warmdata" / prefix
        env = b.rfsync_env(prefix, data_dir) if c.startswith("rfsync") else None
        src = str(manifest) if c.startswith("rfsync") else str(data)
        extra = ["--platform", "bench"] if c.startswith("rfsync") else []
        if c == "deadline":  # its caches live under HOME; keep HOME for both runs
            env = dict(os.environ, HOME=str(b.work / "home-deadline" / prefix))
        first = b.run_contender(workload + "-cold", c, "upload", src, prefix, env=env, extra=extra)
        b.results.remove(first)
        for _ in range(b.sizes.rounds):
            b.run_contender(workload, c, "upload", src, prefix, env=env, extra=extra)
        b.drop_prefix(prefix)


def download_rounds(b: Bench, workload: str, data: Path) -> None:
    root = f"dlroot-{uuid.uuid4().hex[:6]}"
    sub = workload
    # Seed the server with an independent client (rclone), as a farm would have written the outputs.
    b.run_contender(workload + "-seed", "rclone", "upload", str(data), f"{root}/output/{sub}")
    b.results.pop()
    contenders = available(DOWNLOAD_CONTENDERS)
    later: List[Path] = []
    expected = sum(p.stat().st_size for p in ([data] if data.is_file() else data.rglob("*")) if p.is_file())
    for rnd in range(b.sizes.rounds):
        k = rnd % len(contenders)
        for c in contenders[k:] + contenders[:k]:
            dst = b.work / "dl" / f"{c}-{uuid.uuid4().hex[:6]}"
            if c.startswith("rfsync"):
                b.run_contender(workload, c, "download", sub, str(dst), env=b.rfsync_env(root),
                                extra=["--platform", "bench"])
            else:
                b.run_contender(workload, c, "download", f"{root}/output/{sub}", str(dst))
            got = sum(p.stat().st_size for p in dst.rglob("*") if p.is_file())
            if got != expected:
                raise RuntimeError(f"{c} downloaded {got} of {expected} bytes for {workload}")
            later.append(dst)
    for dst in later:  # deleted together at the end: see DEFERRED_DELETES
        shutil.rmtree(dst)
    b.drop_prefix(root)


def capped_rounds(b: Bench, data: Path) -> None:
    manifest = write_manifest(data, b.work / "capped.upload.json")
    cap_kb = b.sizes.cap_mb_s * 1024
    for _ in range(b.sizes.rounds):
        prefix = f"capped-{uuid.uuid4().hex[:6]}"
        run = b.run_contender("capped", "rfsync-api", "upload", str(manifest), prefix, env=b.rfsync_env(prefix),
                              extra=["--platform", "bench", "--threads", "8", "--max-speed", str(cap_kb)])
        achieved = run.nbytes / run.seconds / MiB
        b.notes.append(f"max_speed {b.sizes.cap_mb_s:.0f} MiB/s, 8 threads: achieved {achieved:.1f} MiB/s "
                       f"({achieved / b.sizes.cap_mb_s:.0%} of the cap)")
        b.drop_prefix(prefix)


# ---- report --------------------------------------------------------------------------------------
def report(b: Bench) -> str:
    by: Dict[str, Dict[str, List[Run]]] = {}
    for r in b.results:
        by.setdefault(r.workload, {}).setdefault(r.contender, []).append(r)
    lines = ["| workload | contender | median s | min–max s | rate | peer ÷ rfsync-api | peak RSS MB "
             "| CPU s client | CPU s server |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for workload, runs in by.items():
        ref = runs.get("rfsync-api")
        ref_med = statistics.median(r.seconds for r in ref) if ref else None
        for contender, rs in runs.items():
            secs = [r.seconds for r in rs]
            med = statistics.median(secs)
            files = max(r.files for r in rs)
            nbytes = max(r.nbytes for r in rs)
            big_files = files and nbytes / files >= MiB  # MiB/s for big files, files/s for many small ones
            rate = (f"{nbytes / med / MiB:.0f} MiB/s" if big_files or not files
                    else f"{files / med:.0f} files/s") if (files or nbytes) else "–"
            ratio = f"{med / ref_med:.2f}×" if ref_med and contender != "rfsync-api" else ""
            lines.append(f"| {workload} | {contender} | {med:.2f} | {min(secs):.2f}–{max(secs):.2f} | {rate} | "
                         f"{ratio} | {max(r.rss_mb for r in rs):.0f} | "
                         f"{statistics.median(r.client_cpu for r in rs):.1f} | "
                         f"{statistics.median(r.server_cpu for r in rs):.1f} |")
    lines.append("")
    lines.append("peer ÷ rfsync-api = the peer's median time / rfsync-api's median time (above 1: rfsync is faster).")
    lines += [f"- {n}" for n in b.notes]
    return "\n".join(lines)


def fill_counts(b: Bench, workload: str, files: int, nbytes: int) -> None:
    """Command-line contenders don't report counts; every contender moved the same data."""
    for r in b.results:
        if r.workload == workload and not r.files:
            r.files, r.nbytes = files, nbytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small data sets, one round (a CI smoke test)")
    ap.add_argument("--sizes", choices=sorted(PRESETS), help="data-set sizes (default full; --quick = quick)")
    ap.add_argument("--rounds", type=int, help="rounds per workload (default 3, quick 1)")
    ap.add_argument("--only", help="comma-separated workloads: small,big,medium,warm,download,cut,capped")
    ap.add_argument("--json", help="also write the raw runs to this file")
    ap.add_argument("--contenders", help="comma-separated subset of contenders to run")
    ap.add_argument("--small-files", type=int, help="files in the small data set (default 5000, quick 300)")
    ap.add_argument("--big-mib", type=int, help="size of the big file in MiB (default 1024, quick 32)")
    args = ap.parse_args()
    global ONLY_CONTENDERS
    if args.contenders:
        ONLY_CONTENDERS = set(args.contenders.split(","))
    sizes = QUICK if args.quick else PRESETS[args.sizes or "full"]
    if args.rounds:
        sizes.rounds = args.rounds
    if args.small_files:
        sizes.small_files = args.small_files
    if args.big_mib:
        sizes.big_bytes = args.big_mib * MiB
    only = set(args.only.split(",")) if args.only else {"small", "big", "medium", "warm", "download", "cut",
                                                         "capped"}
    work = Path(tempfile.mkdtemp(prefix="rfsync-bench-"))
    server = start_s3_server(work / "s3root")
    try:
        b = Bench(server, server.new_bucket(), work, sizes)
        print(f"rfsync bench: server {server.endpoint}, data in {work}", flush=True)
        contenders = available(UPLOAD_CONTENDERS)
        small = make_small(work / "data" / "small", sizes.small_files)
        big = make_file(work / "data" / "big" / "big.bin", sizes.big_bytes, seed=2)
        if "small" in only:
            upload_rounds(b, "small", small, contenders)
            fill_counts(b, "small", sizes.small_files, sizes.small_files * 4096)
        if "big" in only:
            upload_rounds(b, "big", big.parent, [*contenders, *available(["bare-put"])])
            fill_counts(b, "big", 1, sizes.big_bytes)
        if "medium" in only:
            medium = make_medium(work / "data" / "medium", sizes.medium_files, sizes.medium_max_mib)
            total = sum(p.stat().st_size for p in medium.iterdir())
            upload_rounds(b, "medium", medium, contenders)
            fill_counts(b, "medium", sizes.medium_files, total)
            shutil.rmtree(medium)
        if "warm" in only:
            warm_rounds(b, "warm-small", small)
            fill_counts(b, "warm-small", sizes.small_files, sizes.small_files * 4096)
            many = make_small(work / "data" / "many", sizes.warm_files)
            warm_rounds(b, "warm-many", many)
            fill_counts(b, "warm-many", sizes.warm_files, sizes.warm_files * 4096)
            shutil.rmtree(many)
        if "download" in only:
            download_rounds(b, "dl-small", small)
            fill_counts(b, "dl-small", sizes.small_files, sizes.small_files * 4096)
            download_rounds(b, "dl-big", big.parent)
            fill_counts(b, "dl-big", 1, sizes.big_bytes)
        if "capped" in only:
            capped = work / "data" / "capped"
            for i in range(8):
                make_file(capped / f"part{i}.bin", sizes.cap_bytes // 8, seed=300 + i)
            capped_rounds(b, capped)
        table = report(b)
        if "cut" in only and (HERE / "bench_cut.py").exists():
            cut = subprocess.run([sys.executable, str(HERE / "bench_cut.py"), *sizes.cut_args],
                                 capture_output=True, text=True)
            table += "\n\n`cutting_upload` (bench/bench_cut.py):\n\n" + (cut.stdout or cut.stderr).strip()
            if cut.returncode != 0:
                raise RuntimeError("bench_cut.py failed: " + cut.stderr[-500:])
        print("\n" + table)
        if args.json:
            Path(args.json).write_text(json.dumps([r.__dict__ for r in b.results], indent=1), encoding="utf-8")
        return 0
    finally:
        stop_s3_server(server)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    t0 = time.time()
    code = main()
    print(f"\nbench finished in {time.time() - t0:.0f} s")
    sys.exit(code)
