"""One benchmark contender, run in its own process so its memory and start-up are its own.

    python bench/contenders.py CONTENDER OP SRC DST --endpoint URL --bucket B [--threads N] [--max-speed KBPS]
                               [--concurrency N] [--processes N]

OP is ``upload`` (SRC: a folder, a file or an ``upload.json``; DST: a key prefix) or
``download`` (SRC: a key prefix; DST: a local folder). Prints one JSON line
``{"seconds": ..., "files": ..., "bytes": ...}`` where ``seconds`` covers the transfer
only (imports and set-up excluded) for Python contenders; the harness times the whole
process of command-line contenders itself.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from s3server import ACCESS_KEY, SECRET_KEY, rclone_binary


def walk(src: Path) -> List[Path]:
    if src.is_file():
        return [src]
    return sorted(p for p in src.rglob("*") if p.is_file())


def boto_client(endpoint: str, threads: int):  # type: ignore[no-untyped-def]
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=max(10, threads)),
    )


def boto_config(a: argparse.Namespace):  # type: ignore[no-untyped-def]
    """boto3's defaults (10 at once), or ``--concurrency``."""
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(max_concurrency=a.concurrency) if a.concurrency else TransferConfig()


# ---- uploads -----------------------------------------------------------------------------------
def up_rfsync_api(a: argparse.Namespace) -> Dict[str, float]:
    from rfsync_core import Client, Uploader

    client = Client(a.platform)
    uploader = Uploader(client, threads=a.threads, max_speed=a.max_speed or None)
    t0 = time.perf_counter()
    result = uploader.upload_manifest(a.src)
    seconds = time.perf_counter() - t0
    result.raise_for_failures()
    return {"seconds": seconds, "files": len(result.uploaded) + len(result.skipped), "bytes": result.bytes_sent}


def up_boto3(a: argparse.Namespace) -> Dict[str, float]:
    from boto3.s3.transfer import create_transfer_manager

    src = Path(a.src)
    files = walk(src)
    client = boto_client(a.endpoint, a.threads)
    t0 = time.perf_counter()
    with create_transfer_manager(client, boto_config(a)) as tm:
        futures = []
        for f in files:
            rel = f.relative_to(src).as_posix() if src.is_dir() else f.name
            futures.append(tm.upload(str(f), a.bucket, f"{a.dst}/{rel}"))
        for fut in futures:
            fut.result()
    return {"seconds": time.perf_counter() - t0, "files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def up_deadline(a: argparse.Namespace) -> Dict[str, float]:
    """AWS Deadline Cloud job attachments: hash, build the manifest, upload to its content-addressed store."""
    os.environ["AWS_ENDPOINT_URL_S3"] = a.endpoint
    os.environ["AWS_ACCESS_KEY_ID"] = ACCESS_KEY
    os.environ["AWS_SECRET_ACCESS_KEY"] = SECRET_KEY
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    import boto3
    from deadline.job_attachments.models import JobAttachmentS3Settings
    from deadline.job_attachments.upload import S3AssetManager

    files = [str(f) for f in walk(Path(a.src))]
    manager = S3AssetManager(
        farm_id="farm-0123456789abcdef0123456789abcdef", queue_id="queue-0123456789abcdef0123456789abcdef",
        job_attachment_settings=JobAttachmentS3Settings(s3BucketName=a.bucket, rootPrefix=a.dst),
        session=boto3.Session(region_name="us-east-1"),
    )
    cache = str(Path.home() / ".bench-deadline-cache")  # per-run HOME: warm reruns keep it, cold runs don't
    t0 = time.perf_counter()
    group = manager.prepare_paths_for_upload(input_paths=files, output_paths=[], referenced_paths=[])
    _, manifests = manager.hash_assets_and_create_manifest(
        group.asset_groups, group.total_input_files, group.total_input_bytes, hash_cache_dir=cache
    )
    manager.upload_assets(manifests, s3_check_cache_dir=cache)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "files": len(files), "bytes": sum(os.path.getsize(f) for f in files)}


def up_bare_put(a: argparse.Namespace) -> Dict[str, float]:
    """The floor: one streaming PUT with requests, headers signed, payload UNSIGNED, no checksum.

    ``AWS4Auth`` reads a file body into memory to hash it, so the body is hidden from it while it
    signs and the payload header is set to UNSIGNED-PAYLOAD; requests then streams the file.
    """
    import requests
    from requests_aws4auth import AWS4Auth

    class HeadersOnly(AWS4Auth):  # type: ignore[misc]
        def __call__(self, req):  # type: ignore[no-untyped-def]
            body, req.body = req.body, None
            try:
                return super().__call__(req)
            finally:
                req.body = body

        def get_canonical_headers(self, req, include=None):  # type: ignore[no-untyped-def]
            req.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
            return super().get_canonical_headers(req, include)

    files = walk(Path(a.src))
    auth = HeadersOnly(ACCESS_KEY, SECRET_KEY, "us-east-1", "s3")
    s = requests.Session()
    t0 = time.perf_counter()
    for f in files:
        with open(f, "rb") as fh:
            r = s.put(f"{a.endpoint}/{a.bucket}/{a.dst}/{f.name}", data=fh, auth=auth,
                      headers={"Content-Length": str(f.stat().st_size)})
            r.raise_for_status()
    return {"seconds": time.perf_counter() - t0, "files": len(files), "bytes": sum(f.stat().st_size for f in files)}


# ---- downloads ---------------------------------------------------------------------------------
def down_rfsync_api(a: argparse.Namespace) -> Dict[str, float]:
    from rfsync_core import Client, download

    client = Client(a.platform)
    t0 = time.perf_counter()
    download(server_path=a.src, local_path=a.dst, print_log=False, client=client)
    seconds = time.perf_counter() - t0
    files = walk(Path(a.dst))
    return {"seconds": seconds, "files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def down_boto3(a: argparse.Namespace) -> Dict[str, float]:
    from boto3.s3.transfer import create_transfer_manager

    client = boto_client(a.endpoint, a.threads)
    t0 = time.perf_counter()
    keys: List[Tuple[str, int]] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=a.bucket, Prefix=a.src + "/"):
        keys += [(o["Key"], o["Size"]) for o in page.get("Contents", [])]
    with create_transfer_manager(client, boto_config(a)) as tm:
        futures = []
        for key, _ in keys:
            target = Path(a.dst) / key[len(a.src) + 1:]
            target.parent.mkdir(parents=True, exist_ok=True)
            futures.append(tm.download(a.bucket, key, str(target)))
        for fut in futures:
            fut.result()
    return {"seconds": time.perf_counter() - t0, "files": len(keys), "bytes": sum(s for _, s in keys)}


PYTHON_CONTENDERS: Dict[Tuple[str, str], Callable[[argparse.Namespace], Dict[str, float]]] = {
    ("rfsync-api", "upload"): up_rfsync_api,
    ("boto3", "upload"): up_boto3,
    ("deadline", "upload"): up_deadline,
    ("bare-put", "upload"): up_bare_put,
    ("rfsync-api", "download"): down_rfsync_api,
    ("boto3", "download"): down_boto3,
}


def rclone_remote(endpoint: str) -> str:
    """An rclone on-the-fly S3 remote (no config file)."""
    return (f":s3,provider=Other,endpoint='{endpoint}',access_key_id={ACCESS_KEY},"
            f"secret_access_key={SECRET_KEY},region=us-east-1,force_path_style=true:")


def rfsync_binary() -> str:
    """The ``rfsync`` script of the Python running this (the venv's, even when it is not on PATH)."""
    beside = Path(sys.executable).parent / ("rfsync.exe" if os.name == "nt" else "rfsync")
    return str(beside) if beside.exists() else "rfsync"


def command_line(contender: str, op: str, a: argparse.Namespace) -> List[str]:
    """The command of a command-line contender (timed as a whole process by the harness)."""
    remote = f"{rclone_remote(a.endpoint)}{a.bucket}"
    if contender == "rclone":
        src, dst = (a.src, f"{remote}/{a.dst}") if op == "upload" else (f"{remote}/{a.src}", a.dst)
        more = ["--transfers", str(a.concurrency), "--checkers", str(a.concurrency)] if a.concurrency else []
        return [rclone_binary(), "copy", "--config", "", *more, src, dst]
    if contender == "aws":
        s3 = f"s3://{a.bucket}/"
        src, dst = (a.src, s3 + a.dst) if op == "upload" else (s3 + a.src, a.dst)
        return ["aws", "s3", "cp", "--recursive", "--only-show-errors", "--endpoint-url", a.endpoint, src, dst]
    if contender == "rfsync-cli":
        more = ["--threads", str(a.concurrency or a.threads)]
        more += ["--processes", str(a.processes)] if a.processes else []
        if op == "upload":
            cmd = [rfsync_binary(), "upload", a.src, "--platform", a.platform, "--quiet", *more]
            return cmd + (["--max-speed", str(a.max_speed)] if a.max_speed else [])
        return [rfsync_binary(), "download", "--server-path", a.src, "--local-path", a.dst, "--platform", a.platform,
                "--flat", "--quiet", *more]
    raise SystemExit(f"unknown contender {contender} for {op}")


def aws_env(a: argparse.Namespace) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION="us-east-1")
    return env


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("contender")
    p.add_argument("op", choices=["upload", "download"])
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--bucket", required=True)
    p.add_argument("--platform", default="bench")
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--max-speed", type=float, default=0)
    p.add_argument("--concurrency", type=int, default=0, help="transfers at once (0: the tool's default)")
    p.add_argument("--processes", type=int, default=0, help="rfsync-cli's --processes (0: its default)")
    a = p.parse_args()
    fn = PYTHON_CONTENDERS.get((a.contender, a.op))
    if fn is not None:
        out = fn(a)
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out))
        return
    cmd = command_line(a.contender, a.op, a)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=aws_env(a), capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    # Peak RSS of the command itself (the largest waited-for child of this process).
    print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
