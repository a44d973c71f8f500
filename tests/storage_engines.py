"""Every storage engine and S3 server, set up the same way for the contract tests.

Engines: the folder engine, and the S3 engine on each real server the tests start
(``rclone serve s3``, moto's server in its signature-checking mode, Ceph RGW where its
binaries exist). Every write is checked against the bytes the server holds: the folder
itself, rclone's folder ``root / bucket / "farm" / key``, or, for servers that keep
objects elsewhere (moto's memory, Ceph's memstore), an independent client (boto3).
Each contract test module binds :func:`open_engine` to its own ``engine`` fixture
(``params=ENGINES``), so every contract test runs on every engine and server.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from rfsync_core.storage import Storage
from rfsync_core.storage.folder import FolderStorage
from rfsync_core.storage.s3 import S3Storage

MiB = 1024 * 1024
PART = 5 * MiB  # the S3 minimum for every part but the last
ALL_SERVERS = ("rclone", "moto", "ceph")
"""The S3 servers; each has a session fixture ``<name>_server`` in conftest.py."""


def selected_servers(value: Optional[str] = None) -> List[str]:
    """The servers ``RFSYNC_TEST_SERVERS`` names (comma-separated, e.g. ``rclone``), default all of them:
    the switch to run one server's tests, or to leave a slow one out while working."""
    raw = os.environ.get("RFSYNC_TEST_SERVERS", "") if value is None else value
    names = [n.strip().lower() for n in raw.split(",") if n.strip()]
    unknown = sorted(set(names) - set(ALL_SERVERS))
    if unknown:
        raise pytest.UsageError(f"RFSYNC_TEST_SERVERS names {', '.join(unknown)}: "
                                f"the test servers are {', '.join(ALL_SERVERS)}")
    return [n for n in ALL_SERVERS if n in names] if names else list(ALL_SERVERS)


SERVERS = selected_servers()
"""The servers this run tests on; every test parametrised over servers takes its list from here."""
ENGINES = ["folder", *SERVERS]
CHECKS_MD5 = [e for e in ENGINES if e != "moto"]
"""The engines that check ``Content-MD5``: moto accepts any (shared/storage-servers.md), so a BadDigest test
has nothing to see there; such a test takes ``@pytest.mark.parametrize("engine", CHECKS_MD5, indirect=True)``."""


@dataclass
class Engine:
    storage: Storage
    disk: Optional[Path]
    """Where the engine keeps the object of key ``k``: ``disk / k``; None if the server has no folder."""
    kind: str
    """``folder`` or the S3 server's name (``rclone``, ``moto``, ``ceph``)."""
    s3: Any = None
    """For servers without a folder: a boto3 client and the bucket, to read what the server holds."""
    bucket: str = ""

    @property
    def is_s3(self) -> bool:
        return self.kind != "folder"

    def on_disk(self, key: str) -> bytes:
        if self.disk is not None:
            return (self.disk / key).read_bytes()
        return bytes(self.s3.get_object(Bucket=self.bucket, Key=f"farm/{key}")["Body"].read())

    def exists_on_disk(self, key: str) -> bool:
        if self.disk is not None:
            return (self.disk / key).is_file()
        return key in self._keys()

    def _keys(self) -> List[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="farm/")
        return [o["Key"][len("farm/"):] for page in pages for o in page.get("Contents", ())]

    def files(self) -> List[str]:
        """Every file the engine left on the server, except the S3 server's own in-progress temp files
        (rclone removes ``.rclone_temp_put_*`` on its own once it notices the dropped request)."""
        if self.disk is None:
            return sorted(k.rsplit("/", 1)[-1] for k in self._keys())
        return sorted(p.name for p in self.disk.rglob("*") if p.is_file() and not p.name.startswith(".rclone_temp"))


def open_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The body of an ``engine`` fixture parametrised with :data:`ENGINES`; closes the engine after the test."""
    if request.param == "folder":
        root = tmp_path / "farm-root"
        eng = Engine(FolderStorage(root, min_part_size=PART), root, "folder")
    else:
        server = request.getfixturevalue(f"{request.param}_server")  # skips where the server cannot run
        bucket = server.new_bucket()
        storage = S3Storage(endpoint=server.endpoint, bucket=bucket, prefix="farm", access_key=server.access_key,
                            secret_key=server.secret_key, min_part_size=PART)
        if request.param == "rclone":
            eng = Engine(storage, server.root / bucket / "farm", "rclone")
        else:
            eng = Engine(storage, None, request.param, s3=server.client(), bucket=bucket)
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


def assert_stored(server: Any, bucket: str, key: str, local: Path, prefix: str = "farm") -> None:
    """The object ``prefix/key`` on any test server holds exactly ``local``'s bytes (read back by the
    server's own means: rclone's folder, boto3 for the others)."""
    got = server.read(bucket, f"{prefix}/{key}" if prefix else key)
    assert got is not None, f"{key} is missing on {server.kind}"
    assert got == local.read_bytes(), f"{key} on {server.kind} differs from {local}"


@dataclass
class Farm:
    """A farm on any engine for the end-to-end upload tests (``upload_farm`` in conftest.py): the folder
    engine's root, or a fresh bucket on an S3 server; what it holds is read by independent means (the
    folder, or the server's own :class:`s3server.BucketAccess`), never through rfsync's storage layer."""

    kind: str
    """``folder`` or the S3 server's name."""
    root: Path
    """The folder engine's root (unused on S3)."""
    server: Any = None
    bucket: str = ""

    def platform(self, **options: object) -> str:
        """Write a platform for this farm (prefix ``farm`` on S3) with engine options; returns its name."""
        from upload_util import folder_platform, s3_platform_with  # imported here: upload_util imports conftest

        if self.server is None:
            return folder_platform(self.root, **options)
        return s3_platform_with(self.server, self.bucket, **options)

    def read(self, key: str) -> Optional[bytes]:
        """The bytes stored at ``key`` (relative to the farm's root), None if there are none."""
        if self.server is None:
            path = self.root / key
            return path.read_bytes() if path.is_file() else None
        return self.server.read(self.bucket, f"farm/{key}")

    def keys(self, prefix: str = "") -> List[str]:
        """Every key stored under ``prefix``, sorted."""
        if self.server is None:
            found = [p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()]
            return sorted(k for k in found if k.startswith(prefix))
        pages = self.server.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                               Prefix=f"farm/{prefix}")
        return sorted(o["Key"][len("farm/"):] for page in pages for o in page.get("Contents", ()))

    def assert_holds(self, key: str, local: Path) -> None:
        """The object at ``key`` holds exactly ``local``'s bytes."""
        from upload_util import assert_same_bytes

        if self.server is None:
            assert_same_bytes(local, self.root / key)
        else:
            assert_stored(self.server, self.bucket, key, local)


def servers_of(item: Any) -> List[str]:
    """The S3 servers a collected test runs on: a server parameter (``server``, ``engine``, ``farm_platform``)
    or a server fixture it names (``s3_server`` is rclone's)."""
    names = set(getattr(item, "fixturenames", ()))
    params = getattr(getattr(item, "callspec", None), "params", {})
    found = {v for v in params.values() if isinstance(v, str) and v in ALL_SERVERS}
    found |= {s for s in ALL_SERVERS if f"{s}_server" in names}
    if "s3_server" in names:
        found.add("rclone")
    return [s for s in ALL_SERVERS if s in found]


class ServerTally:
    """Each server's outcomes in the run, for one summary line: the log shows every server's tests passing
    (and, with ``RFSYNC_TEST_REQUIRE``, that none was skipped)."""

    ORDER = ("passed", "failed", "skipped")

    def __init__(self) -> None:
        self.servers: Dict[str, List[str]] = {}
        self.outcome: Dict[str, str] = {}

    def collected(self, items: List[Any]) -> None:
        self.servers = {item.nodeid: servers_of(item) for item in items}

    def report(self, report: Any) -> None:
        if not self.servers.get(report.nodeid):
            return
        if report.failed:
            self.outcome[report.nodeid] = "failed"
        elif report.skipped and self.outcome.get(report.nodeid) != "failed":
            self.outcome[report.nodeid] = "skipped"
        elif report.when == "call" and report.passed:
            self.outcome.setdefault(report.nodeid, "passed")

    def summary(self) -> str:
        counts: Dict[str, Dict[str, int]] = {s: {} for s in ALL_SERVERS}
        for nodeid, outcome in self.outcome.items():
            for s in self.servers[nodeid]:
                counts[s][outcome] = counts[s].get(outcome, 0) + 1
        parts = [f"{s} " + ", ".join(f"{c[o]} {o}" for o in self.ORDER if c.get(o))
                 for s, c in counts.items() if c]
        return "S3 servers: " + "; ".join(parts) if parts else ""
