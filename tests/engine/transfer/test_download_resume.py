"""A download killed mid-file resumes with a ranged GET and ends byte-identical; cancel stops quickly."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from download_helpers import client, farm_platform  # noqa: F401
from testpaths import TESTS

from rfsync_core.client import Client
from rfsync_core.testing.farm_emulator import writer_for
from rfsync_core.transfer.download import Downloader

HERE = TESTS
SIZE = 4 * 1024 * 1024
KEY = "output/801_sh/big.exr"


def _big() -> bytes:
    return os.urandom(SIZE)


def test_killed_download_resumes_byte_identical(client: Client, farm_platform: str, tmp_path: Path) -> None:  # noqa: F811
    data = _big()
    writer_for(client.platform).put(KEY, data)
    root = tmp_path / "dl"
    part = root / "big.exr.part"
    child = subprocess.Popen([sys.executable, str(HERE / "download_slow_child.py"), farm_platform, KEY, str(root),
                              "768"], env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (part.exists() and 0 < part.stat().st_size < SIZE):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never wrote a partial file"
            time.sleep(0.02)
        child.kill()  # SIGKILL: no cleanup at all
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    have = part.stat().st_size
    assert 0 < have < SIZE
    assert not (root / "big.exr").exists()  # never a partial file under the final name
    assert part.read_bytes() == data[:have]

    result = Downloader(client).download_keys([(KEY, "big.exr")], root)
    assert result.ok, result.failed
    assert (root / "big.exr").read_bytes() == data
    assert result.bytes_received == SIZE - have  # only the missing tail crossed the wire
    assert not part.exists()


def test_stale_part_of_another_version_is_not_trusted(client: Client, tmp_path: Path) -> None:  # noqa: F811
    data = _big()
    writer_for(client.platform).put(KEY, data)
    root = tmp_path / "dl"
    root.mkdir()
    (root / "big.exr.part").write_bytes(b"x" * 1000)  # written "later" than the object, but wrong bytes
    result = Downloader(client).download_keys([(KEY, "big.exr")], root)
    # S3: the ETag is an MD5, the mismatch is caught after the tail; a folder gives no checksum: the
    # .part's two ends are compared with the object before resuming. Either way it is fetched again.
    assert result.ok, result.failed
    assert (root / "big.exr").read_bytes() == data
    assert not (root / "big.exr.part").exists()


def test_cancel_stops_a_slow_download_within_a_second(client: Client, tmp_path: Path) -> None:  # noqa: F811
    writer_for(client.platform).put(KEY, _big())
    dl = Downloader(client, max_speed=256)
    threading.Timer(1.0, dl.cancel).start()
    t0 = time.monotonic()
    result = dl.download_keys([(KEY, "big.exr")], tmp_path / "dl")
    elapsed = time.monotonic() - t0
    assert result.cancelled and not result.ok
    assert elapsed < 3.5, elapsed
    assert not (tmp_path / "dl" / "big.exr").exists()
