"""Files a download creates beside user data (``.part``, ``.part.ranges`` and its temp) never follow a
planted symlink and never reuse a planted file: the file outside the download folder stays untouched
and the download is still right."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from download_helpers import client, farm_platform  # noqa: F401

from rfsync_core.client import Client
from rfsync_core.testing.farm_emulator import writer_for
from rfsync_core.transfer.download import Downloader

MiB = 1024 * 1024
SIZE = 3 * MiB + 777
KEY = "output/902_sh/big.exr"
OUTSIDE = b"precious: not rfsync's to write\n"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")


def _ranged(c: Client) -> Downloader:
    return Downloader(c, ranged_threshold=1 * MiB, range_size=1 * MiB, range_streams=3)


def _download(c: Client, root: Path) -> bytes:
    data = os.urandom(SIZE)
    writer_for(c.platform).put(KEY, data)
    result = _ranged(c).download_keys([(KEY, "big.exr")], root)
    assert result.ok, result.failed
    assert (root / "big.exr").read_bytes() == data
    return data


@pytest.mark.parametrize("name", ["big.exr.part.ranges.tmp", "big.exr.part.ranges"])
def test_a_symlink_at_a_sidecar_name_is_not_followed(client: Client, tmp_path: Path, name: str) -> None:  # noqa: F811
    outside = tmp_path / "outside.txt"
    outside.write_bytes(OUTSIDE)
    root = tmp_path / "dl"
    root.mkdir()
    (root / name).symlink_to(outside)
    _download(client, root)
    assert outside.read_bytes() == OUTSIDE
    assert not (root / "big.exr.part").exists() and not (root / "big.exr.part.ranges").exists()


def test_a_file_planted_at_the_sidecar_temp_name_is_not_reused(client: Client, tmp_path: Path) -> None:  # noqa: F811
    root = tmp_path / "dl"
    root.mkdir()
    planted = root / "big.exr.part.ranges.tmp"
    planted.write_bytes(OUTSIDE)
    _download(client, root)
    assert planted.read_bytes() == OUTSIDE  # not ours: neither written through nor removed
    assert not (root / "big.exr.part.ranges").exists()


def test_a_symlink_at_the_part_name_is_not_followed(client: Client, tmp_path: Path) -> None:  # noqa: F811
    outside = tmp_path / "outside.bin"
    outside.write_bytes(OUTSIDE)
    root = tmp_path / "dl"
    root.mkdir()
    (root / "big.exr.part").symlink_to(outside)
    writer_for(client.platform).put(KEY, os.urandom(SIZE))
    result = _ranged(client).download_keys([(KEY, "big.exr")], root)
    assert not result.ok and "not a regular file" in result.failed[0][1]
    assert outside.read_bytes() == OUTSIDE
    assert not (root / "big.exr").exists()
