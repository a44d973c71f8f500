"""Part integrity without a second server hash: ETags checked by the client, corruption caught.

Parts carry ``Content-MD5`` until the server has answered one part with the MD5 of
what it received; later parts are checked by that ETag instead (and by
CompleteMultipartUpload, which names the client's MD5s). A part corrupted on the
way is caught either way. A real server behind a proxy that flips a byte.
On rclone only: the corruption comes from tests/faultproxy.py, and the bytes are checked on rclone's disk.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator

import pytest
from faultproxy import FaultProxy
from s3server import S3Server
from upload_util import MiB, assert_same_bytes, items_for, make_files, new_bucket, on_s3_disk, s3_platform_with

from rfsync_core.client import Client
from rfsync_core.errors import BadDigestError, PartCorruptedError
from rfsync_core.storage.s3 import S3Storage
from rfsync_core.transfer.upload import Uploader

PART = 5 * MiB


@pytest.fixture
def proxy(s3_server: S3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint) as p:
        yield p


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return new_bucket(s3_server)


@pytest.fixture
def storage(s3_server: S3Server, proxy: FaultProxy, bucket: str) -> Iterator[S3Storage]:
    st = S3Storage(endpoint=proxy.endpoint, bucket=bucket, access_key=s3_server.access_key,
                   secret_key=s3_server.secret_key, min_part_size=PART)
    yield st
    st.close()


def _part_heads(proxy: FaultProxy) -> list:
    return [h for h in proxy.heads if b"partNumber=" in h.split(b"\r\n", 1)[0]]


def test_first_part_carries_content_md5_later_parts_are_checked_by_etag(
        storage: S3Storage, proxy: FaultProxy, tmp_path: Path, s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(3 * PART)
    (tmp_path / "f").write_bytes(data)
    upload_id = storage.create_multipart("f.bin")
    parts = [storage.upload_part("f.bin", upload_id, n, str(tmp_path / "f"), (n - 1) * PART, PART)
             for n in (1, 2, 3)]
    heads = _part_heads(proxy)
    assert len(heads) == 3
    assert b"content-md5:" in heads[0].lower()
    assert all(b"content-md5:" not in h.lower() for h in heads[1:])
    for n, part in enumerate(parts, 1):
        assert part.etag == hashlib.md5(data[(n - 1) * PART:n * PART]).hexdigest()
    storage.complete_multipart("f.bin", upload_id, parts)
    assert (s3_server.root / bucket / "f.bin").read_bytes() == data


def test_a_part_corrupted_on_the_way_is_caught_and_content_md5_comes_back(
        storage: S3Storage, proxy: FaultProxy, tmp_path: Path) -> None:
    data = os.urandom(3 * PART)
    (tmp_path / "f").write_bytes(data)
    upload_id = storage.create_multipart("g.bin")
    storage.upload_part("g.bin", upload_id, 1, str(tmp_path / "f"), 0, PART)  # the server shows MD5 ETags
    proxy.corrupt_next("partNumber=2")
    with pytest.raises(PartCorruptedError) as info:
        storage.upload_part("g.bin", upload_id, 2, str(tmp_path / "f"), PART, PART)
    assert info.value.key == "g.bin"
    assert not info.value.retryable  # retried as a whole upload, not in place
    assert "corrupted" in str(info.value)
    assert proxy.count("corrupt") == 1
    # the link corrupts data: the next part carries Content-MD5 again, so the server judges it before storing
    proxy.corrupt_next("partNumber=3")
    with pytest.raises(BadDigestError) as refused:
        storage.upload_part("g.bin", upload_id, 3, str(tmp_path / "f"), 2 * PART, PART)
    assert not isinstance(refused.value, PartCorruptedError)
    assert refused.value.status == 400  # the server's verdict
    assert b"content-md5:" in _part_heads(proxy)[-1].lower()
    storage.abort_multipart("g.bin", upload_id)


def test_an_upload_with_a_corrupted_part_restarts_and_lands_intact(
        tmp_path: Path, s3_server: S3Server, proxy: FaultProxy, bucket: str) -> None:
    server_via_proxy = S3Server(endpoint=proxy.endpoint, root=s3_server.root)
    plat = s3_platform_with(server_via_proxy, bucket, multipart_threshold=6 * MiB, min_part_size=PART)
    files = make_files(tmp_path / "src", {"big.bin": 4 * PART + 123})
    proxy.corrupt_next("partNumber=3")  # parts 1 and 2 teach the engine that ETags are MD5s
    result = Uploader(Client(plat), threads=1).upload_files(items_for(files, tmp_path / "src"))
    assert result.ok, result.failed
    assert proxy.count("corrupt") == 1
    assert sum(1 for r in proxy.requests if "?uploads" in r) == 2  # started once, restarted once
    assert sum(1 for r in proxy.requests if r.startswith("DELETE")) == 1  # the corrupted upload is aborted
    for local, key in items_for(files, tmp_path / "src"):
        assert_same_bytes(Path(local), on_s3_disk(s3_server, bucket, key))
