"""A rerun whose record sample cannot be checked (issue 13b, point 1): the soak sent 10.1 GB for 1.2 GB of
data because every recorded file was re-sent when the sample HEAD failed after its retries.

On rclone through tests/faultproxy.py: the sample's HEAD is answered 503 by the proxy for all its
attempts; the files' own HEADs then reach the server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from faultproxy import FaultProxy
from s3server import S3Server
from upload_util import (
    MiB,
    assert_same_bytes,
    items_for,
    make_files,
    new_bucket,
    on_s3_disk,
    s3_platform_with,
    wipe_bucket,
)

from rfsync_core.client import Client
from rfsync_core.transfer.upload import Uploader

ATTEMPTS = 2
SPEC = {**{f"s{i:02d}.bin": 20_000 + i for i in range(40)}, "big.bin": 7 * MiB}


@pytest.fixture
def proxy(s3_server: S3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint) as p:
        yield p


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return new_bucket(s3_server)


@pytest.fixture
def plat(s3_server: S3Server, proxy: FaultProxy, bucket: str) -> str:
    via_proxy = S3Server(endpoint=proxy.endpoint, root=s3_server.root)
    return s3_platform_with(via_proxy, bucket, multipart_threshold=6 * MiB, min_part_size=5 * MiB)


def _upload(plat: str, tmp: Path, files: list, processes: int = 1):  # type: ignore[no-untyped-def]
    return Uploader(Client(plat), threads=4, retry_attempts=ATTEMPTS, retry_max_delay=0.5,
                    processes=processes).upload_files(items_for(files, tmp / "src"))


@pytest.mark.parametrize("processes", [1, 2])
def test_failing_sample_sends_nothing_unchanged(tmp_path: Path, s3_server: S3Server, bucket: str,
                                                proxy: FaultProxy, plat: str, processes: int) -> None:
    files = make_files(tmp_path / "src", SPEC)
    first = _upload(plat, tmp_path, files)
    assert first.ok, first.failed
    proxy.fail_next(ATTEMPTS, 503)  # the first request of the rerun is the sample's HEAD: every attempt fails
    second = _upload(plat, tmp_path, files, processes)
    assert proxy.count("fail 503") == ATTEMPTS
    assert second.ok, second.failed
    assert second.bytes_sent == 0 and not second.uploaded
    assert sorted(second.skipped) == sorted(str(p) for p in files)


def test_failing_sample_still_notices_a_wiped_bucket(tmp_path: Path, s3_server: S3Server, bucket: str,
                                                     proxy: FaultProxy, plat: str) -> None:
    files = make_files(tmp_path / "src", SPEC)
    assert _upload(plat, tmp_path, files).ok
    assert wipe_bucket(s3_server, bucket) == len(files)
    proxy.fail_next(ATTEMPTS, 503)
    second = _upload(plat, tmp_path, files)
    assert proxy.count("fail 503") == ATTEMPTS
    assert second.ok, second.failed
    assert sorted(second.uploaded) == sorted(str(p) for p in files)
    for local, key in items_for(files, tmp_path / "src"):
        assert_same_bytes(Path(local), on_s3_disk(s3_server, bucket, key))
