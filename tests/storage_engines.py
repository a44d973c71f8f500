"""Both storage engines, set up the same way for the contract tests (a folder and the real S3 server).

Every write is checked against the bytes the engine left on disk: the folder
itself, or the S3 server's folder ``s3_server.root / bucket / "farm" / key``.
Each contract test module binds :func:`open_engine` to its own ``engine``
fixture (``params=ENGINES``), so every contract test runs on both engines.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest

from rfsync_core.storage import Storage
from rfsync_core.storage.folder import FolderStorage
from rfsync_core.storage.s3 import S3Storage

MiB = 1024 * 1024
PART = 5 * MiB  # the S3 minimum for every part but the last
ENGINES = ["folder", "s3"]


@dataclass
class Engine:
    storage: Storage
    disk: Path
    """Where the engine keeps the object of key ``k``: ``disk / k``."""
    kind: str

    def on_disk(self, key: str) -> bytes:
        return (self.disk / key).read_bytes()

    def exists_on_disk(self, key: str) -> bool:
        return (self.disk / key).is_file()

    def files(self) -> List[str]:
        """Every file the engine left on disk, except the S3 server's own in-progress temp files
        (rclone removes ``.rclone_temp_put_*`` on its own once it notices the dropped request)."""
        return sorted(p.name for p in self.disk.rglob("*") if p.is_file() and not p.name.startswith(".rclone_temp"))


def open_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The body of an ``engine`` fixture parametrised with :data:`ENGINES`; closes the engine after the test."""
    if request.param == "folder":
        root = tmp_path / "farm-root"
        eng = Engine(FolderStorage(root, min_part_size=PART), root, "folder")
    else:
        server = request.getfixturevalue("s3_server")
        bucket = request.getfixturevalue("s3_bucket")
        storage = S3Storage(endpoint=server.endpoint, bucket=bucket, prefix="farm", access_key=server.access_key,
                            secret_key=server.secret_key, min_part_size=PART)
        storage.create_bucket()  # rclone caches its root listing: a bucket made with mkdir may stay unseen
        eng = Engine(storage, server.root / bucket / "farm", "s3")
    try:
        yield eng
    finally:
        eng.storage.close()


def make_file(path: Path, size: int, seed: int = 0) -> bytes:
    """A file of ``size`` bytes that differ by position and seed (so misplaced bytes are caught)."""
    block = hashlib.sha256(str(seed).encode()).digest() * 4096  # 128 KiB pattern
    data = (block * (size // len(block) + 1))[:size]
    if size:
        data = bytes([seed % 251]) + data[1:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


class Recorder:
    """A byte hook that records the chunk sizes it saw."""

    def __init__(self) -> None:
        self.sizes: List[int] = []
        self.lock = threading.Lock()

    def __call__(self, n: int) -> None:
        with self.lock:
            self.sizes.append(n)
