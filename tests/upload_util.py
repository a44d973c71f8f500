"""Helpers for the uploader tests: platforms with tuned sizes, files, and server-side checks."""

from __future__ import annotations

import os
import random
import uuid
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from conftest import write_platforms
from s3server import S3Server, disk_state  # noqa: F401 - the folder tests' import

from rfsync_core.client import Client
from rfsync_core.storage.base import Storage

MiB = 1024 * 1024


def s3_client(server: S3Server):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=server.access_key,
                        aws_secret_access_key=server.secret_key, region_name="us-east-1")


def new_bucket(server: S3Server) -> str:
    """A bucket made through the S3 API (rclone caches its root listing, so a mkdir may stay unseen)."""
    name = "u" + uuid.uuid4().hex[:12]
    s3 = s3_client(server)
    s3.create_bucket(Bucket=name)
    s3.close()
    return name


def wipe_bucket(server: S3Server, bucket: str) -> int:
    """Delete every object through the S3 API (as a farm admin would); returns how many."""
    s3 = s3_client(server)
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
            n += 1
    s3.close()
    return n


def s3_platform_with(server: S3Server, bucket: str, name: str = "tests3", **options: object) -> str:
    """Write a platforms file with an s3 platform for ``bucket`` (prefix "farm") plus engine options."""
    write_platforms(
        Path(os.environ["RFSYNC_CONFIG_DIR"]),
        {name: {"engine": "s3", "endpoint": server.endpoint, "bucket": bucket, "prefix": "farm",
                "region": "us-east-1", "path_style": True, **options}},
    )
    os.environ["RFSYNC_ACCESS_KEY"] = server.access_key
    os.environ["RFSYNC_SECRET_KEY"] = server.secret_key
    return name


def folder_platform(root: Path, name: str = "testdir", **options: object) -> str:
    write_platforms(Path(os.environ["RFSYNC_CONFIG_DIR"]), {name: {"engine": "folder", "root": str(root),
                                                                   **options}})
    return name


def make_files(folder: Path, spec: Dict[str, int], seed: int = 1) -> List[Path]:
    """Create files named in ``spec`` with pseudo-random content of the given sizes."""
    out = []
    for i, (name, size) in enumerate(sorted(spec.items())):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pseudo_random(size, seed + i))
        out.append(path)
    return out


def pseudo_random(size: int, seed: int) -> bytes:
    """Deterministic bytes that differ at every position (so swapped parts would show)."""
    return random.Random(seed).randbytes(size) if size else b""


def items_for(paths: Iterable[Path], base: Path) -> List[Tuple[str, str]]:
    """``(local, key)`` pairs: key = input/<path relative to base>."""
    return [(str(p), "input/" + p.relative_to(base).as_posix()) for p in paths]


def on_s3_disk(server: S3Server, bucket: str, key: str) -> Path:
    return server.root / bucket / "farm" / key


def assert_same_bytes(local: Path, remote: Path) -> None:
    assert remote.exists(), f"{remote} is missing on the server"
    assert remote.read_bytes() == local.read_bytes(), f"{remote} differs from {local}"


class CountingStorage:
    """A real storage engine that counts the calls made through it (no behaviour of its own)."""

    def __init__(self, inner: Storage) -> None:
        self._inner = inner
        self.calls: Dict[str, int] = {}
        self.parts: List[int] = []
        self.stored: List[str] = []  # keys of finished put_file calls, in the order they finished

    def __getattr__(self, name: str) -> object:
        value = getattr(self._inner, name)
        if not callable(value):
            return value

        def counted(*args: object, **kwargs: object) -> object:
            self.calls[name] = self.calls.get(name, 0) + 1
            out = value(*args, **kwargs)
            if name == "upload_part":
                self.parts.append(int(args[2]))  # type: ignore[call-overload]
            if name == "put_file":
                self.stored.append(str(args[0]))
            return out

        return counted


class CountingClient(Client):
    """A real client whose transfers' storage instances count their calls."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.storages: List[CountingStorage] = []

    def new_storage(self) -> Storage:
        storage = CountingStorage(super().new_storage())
        self.storages.append(storage)
        return storage  # type: ignore[return-value]

    def total(self, name: str) -> int:
        return sum(s.calls.get(name, 0) for s in self.storages)
