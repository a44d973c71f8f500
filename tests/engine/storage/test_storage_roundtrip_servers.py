"""The user's round trip on every real S3 server: upload (small files and a multipart one), rerun,
recheck, a farm that renders, download, download again.

The engine-level contract is in test_storage_contract.py; this checks that the uploader and the
downloader, through the public façade, work on each server as they do on rclone: the bytes an
independent client (boto3) reads back, the multipart ETag each server reports, and the skips a
rerun makes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest
from conftest import write_platforms
from download_helpers import render

from rfsync_core import Client, Downloader, Uploader
from rfsync_core.testing.farm_emulator import frame_output_bytes

MiB = 1024 * 1024
SIZES = {"scene/sh010.ma": 3000, "tex/wood é.exr": 70_000, "empty.txt": 0, "cache/sim.abc": 11 * MiB + 5}


@pytest.fixture
def client(server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """A platform on a fresh bucket of ``server``, multipart from 6 MiB in 5 MiB parts."""
    bucket = server.new_bucket()
    write_platforms(Path(os.environ["RFSYNC_CONFIG_DIR"]),
                    {"srv": {"engine": "s3", "endpoint": server.endpoint, "bucket": bucket, "prefix": "farm",
                             "region": "us-east-1", "path_style": True, "multipart_threshold": 6 * MiB,
                             "min_part_size": 5 * MiB}})
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", server.access_key)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", server.secret_key)
    c = Client("srv")
    c.bucket_for_test = bucket  # type: ignore[attr-defined]
    yield c
    c.close()


def make(folder: Path) -> List[Tuple[str, str]]:
    items = []
    for i, (name, size) in enumerate(sorted(SIZES.items())):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        block = hashlib.sha256(f"{name}{i}".encode()).digest() * 2048
        path.write_bytes((block * (size // len(block) + 1))[:size])
        items.append((str(path), "input/" + name))
    return items


def test_upload_rerun_recheck_render_download(server: Any, client: Client, tmp_path: Path) -> None:
    items = make(tmp_path / "src")
    first = Uploader(client, threads=3).upload_files(items)
    assert first.ok, first.failed
    assert sorted(first.uploaded) == sorted(local for local, _ in items) and first.parts_sent == 3

    s3 = server.client()
    bucket = client.bucket_for_test  # type: ignore[attr-defined]
    for local, key in items:
        got = s3.get_object(Bucket=bucket, Key=f"farm/{key}")
        data = Path(local).read_bytes()
        assert got["Body"].read() == data, key
        if len(data) > 6 * MiB and server.kind != "rclone":  # md5 of the parts' md5s, "-N" (as AWS)
            md5s = b"".join(hashlib.md5(data[i:i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB))
            assert got["ETag"].strip('"') == f"{hashlib.md5(md5s).hexdigest()}-3"
        else:  # rclone keeps a file and reports its plain MD5, multipart or not
            assert got["ETag"].strip('"') == hashlib.md5(data).hexdigest()

    again = Uploader(client).upload_files(items)
    assert again.ok and again.uploaded == [] and len(again.skipped) == len(items)
    s3.delete_object(Bucket=bucket, Key="farm/input/tex/wood é.exr")
    recheck = Uploader(client, recheck=True).upload_files(items)
    assert recheck.ok and recheck.uploaded == [str(tmp_path / "src" / "tex" / "wood é.exr")]

    render(client, "701", frames="1-2", output_size=30_000)
    result = Downloader(client).download(["701"], tmp_path / "dl")
    assert result.ok, result.failed
    for frame in ("1", "2"):
        path = tmp_path / "dl" / "701_sh010" / "masterLayer" / f"sh010.{int(frame):04d}.exr"
        assert path.read_bytes() == frame_output_bytes("701", frame, "masterLayer", 30_000)
    second = Downloader(client).download(["701"], tmp_path / "dl")
    assert second.ok and second.downloaded == [] and second.skipped
