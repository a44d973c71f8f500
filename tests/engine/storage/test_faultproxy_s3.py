"""Retries against real faults: a TCP proxy between the S3 engine and the real server.

Uploads and downloads wrapped in ``retry_call`` must end byte-identical after
connection resets, 503s and 500s; a server that stays down must make retries
give up in bounded time with a clear error; a stall longer than the read
timeout is a retryable connection error; an interrupt ends a transfer even
when its socket is blocked.
On rclone only: the faults come from tests/faultproxy.py, which models the network, not the server.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Iterator, List

import pytest
from faultproxy import FaultProxy

from rfsync_core.errors import (
    StorageConnectionError,
    StorageError,
    ThrottledError,
    TransferCancelled,
)
from rfsync_core.storage.s3 import S3Storage
from rfsync_core.transfer import retry as retry_mod
from rfsync_core.transfer.progress import CancelToken
from rfsync_core.transfer.retry import retry_call

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_mod, "INITIAL_WAIT", 0.05)
    monkeypatch.setattr(retry_mod, "MAX_WAIT", 0.5)


@pytest.fixture
def proxy(s3_server: object) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint, lifetime=300) as p:  # type: ignore[attr-defined]
        yield p


@pytest.fixture
def s3(s3_server: object, s3_bucket: str, proxy: FaultProxy) -> Iterator[S3Storage]:
    storage = S3Storage(endpoint=proxy.endpoint, bucket=s3_bucket, prefix="farm",
                        access_key=s3_server.access_key, secret_key=s3_server.secret_key,  # type: ignore[attr-defined]
                        timeout=(3, 3))
    storage.create_bucket()  # rclone caches its root listing: make the bucket known to it
    try:
        yield storage
    finally:
        storage.close()


def disk(server: object, bucket: str, key: str) -> bytes:
    return (server.root / bucket / "farm" / key).read_bytes()  # type: ignore[attr-defined,no-any-return]


def make(path: Path, size: int) -> bytes:
    data = os.urandom(size)
    path.write_bytes(data)
    return data


def test_file_bodies_are_streamed_with_content_length_md5_and_unsigned_payload(
    s3: S3Storage, proxy: FaultProxy, s3_server: object, s3_bucket: str, tmp_path: Path
) -> None:
    data = make(tmp_path / "f.bin", 3 * MiB + 1)
    s3.put_file("w/f.bin", str(tmp_path / "f.bin"))
    s3.put_bytes("w/doc.json", b"{}")
    put_file, put_bytes = [h.decode("latin-1").lower() for h in proxy.heads if h.startswith(b"PUT ")][-2:]
    assert f"content-length: {len(data)}\r\n" in put_file
    assert "transfer-encoding" not in put_file
    assert "x-amz-content-sha256: unsigned-payload" in put_file
    assert "content-md5: " in put_file and "authorization: aws4-hmac-sha256" in put_file
    # small documents are signed with their real SHA-256
    assert "x-amz-content-sha256: " + hashlib.sha256(b"{}").hexdigest() in put_bytes
    assert "content-md5: " in put_bytes
    assert disk(s3_server, s3_bucket, "w/f.bin") == data


def test_put_file_survives_resets_503_and_500(s3: S3Storage, proxy: FaultProxy, s3_server: object,
                                              s3_bucket: str, tmp_path: Path) -> None:
    data = make(tmp_path / "f.bin", 6 * MiB + 7)
    proxy.reset_after(MiB, times=2)
    info = retry_call(s3.put_file, "in/f.bin", str(tmp_path / "f.bin"), attempts=6, describe="upload f.bin")
    assert proxy.count("reset") == 2
    assert info.etag == hashlib.md5(data).hexdigest()
    assert disk(s3_server, s3_bucket, "in/f.bin") == data

    data2 = make(tmp_path / "g.bin", 2 * MiB)
    proxy.fail_next(2, status=503)
    proxy.fail_next(1, status=500)
    retry_call(s3.put_file, "in/g.bin", str(tmp_path / "g.bin"), attempts=6)
    assert proxy.count("fail 503") == 2 and proxy.count("fail 500") == 1
    assert disk(s3_server, s3_bucket, "in/g.bin") == data2


def test_upload_part_survives_faults_and_the_object_is_whole(s3: S3Storage, proxy: FaultProxy,
                                                            s3_server: object, s3_bucket: str,
                                                            tmp_path: Path) -> None:
    size = 11 * MiB
    data = make(tmp_path / "big.bin", size)
    key = "in/big file.bin"
    upload_id = retry_call(s3.create_multipart, key)
    parts = []
    faults = [lambda: proxy.reset_after(3 * MiB), lambda: proxy.fail_next(2, 503), lambda: proxy.fail_next(1, 500)]
    for number, fault in zip((1, 2, 3), faults):
        fault()
        offset = (number - 1) * 5 * MiB
        length = min(5 * MiB, size - offset)
        md5 = hashlib.md5(data[offset: offset + length]).digest()
        parts.append(retry_call(s3.upload_part, key, upload_id, number, str(tmp_path / "big.bin"), offset, length,
                                md5=md5))
    listed = retry_call(s3.list_parts, key, upload_id)
    assert [(p.number, p.etag) for p in listed] == [(p.number, p.etag) for p in parts]
    proxy.fail_next(1, 500)
    retry_call(s3.complete_multipart, key, upload_id, parts)
    assert disk(s3_server, s3_bucket, key) == data
    assert proxy.count("reset") == 1 and proxy.count("fail 503") == 2 and proxy.count("fail 500") == 2


def test_get_to_file_resumes_after_cut_downloads_and_errors(s3: S3Storage, proxy: FaultProxy,
                                                            tmp_path: Path) -> None:
    data = make(tmp_path / "f.bin", 5 * MiB + 3)
    s3.put_file("out/f.bin", str(tmp_path / "f.bin"))
    dest = tmp_path / "dl.bin"
    offsets: List[int] = []

    def resume() -> None:
        with open(dest, "ab") as fh:
            offsets.append(fh.tell())
            s3.get_to_file("out/f.bin", fh, offset=fh.tell())

    dest.write_bytes(b"")
    proxy.cut_response_after(2 * MiB)
    proxy.fail_next(1, 503)  # applies to the retry after the cut
    retry_call(resume, attempts=6)
    assert dest.read_bytes() == data
    assert offsets[0] == 0 and offsets[-1] > 0  # the last attempt resumed where the cut left off
    assert proxy.count("cut") == 1 and proxy.count("fail 503") == 1


def test_a_server_that_stays_down_makes_retries_give_up(s3: S3Storage, proxy: FaultProxy,
                                                        tmp_path: Path) -> None:
    make(tmp_path / "f.bin", 1000)
    proxy.fail_next(None, 503)
    start = time.monotonic()
    with pytest.raises(ThrottledError) as info:
        retry_call(s3.put_file, "x.bin", str(tmp_path / "f.bin"), attempts=4, max_delay=20, describe="upload x.bin")
    assert time.monotonic() - start < 20
    assert "gave up after 4 attempts" in str(info.value)
    assert "SlowDown" in str(info.value) and "x.bin" in str(info.value)
    assert proxy.count("fail 503") == 4

    proxy.clear()
    proxy.refuse(True)
    start = time.monotonic()
    with pytest.raises(StorageConnectionError) as info2:
        retry_call(s3.head, "x.bin", attempts=3, max_delay=20)
    assert time.monotonic() - start < 20
    assert "gave up after 3 attempts" in str(info2.value)


def test_a_stall_longer_than_the_read_timeout_is_a_retryable_connection_error(
    s3: S3Storage, s3_server: object, s3_bucket: str, proxy: FaultProxy
) -> None:
    s3.put_bytes("s.txt", b"hello")
    short = S3Storage(endpoint=proxy.endpoint, bucket=s3_bucket, prefix="farm",
                      access_key=s3_server.access_key, secret_key=s3_server.secret_key,  # type: ignore[attr-defined]
                      timeout=(2, 1))
    proxy.stall(3)
    start = time.monotonic()
    with pytest.raises(StorageConnectionError) as info:
        short.get_bytes("s.txt")
    assert info.value.retryable
    assert time.monotonic() - start < 2.9  # the read timeout fired, not the end of the stall
    time.sleep(max(0.0, 3.2 - (time.monotonic() - start)))
    assert short.get_bytes("s.txt") == b"hello"  # and the next try works


def test_retry_through_a_stall_with_cancel_stops_quickly(s3: S3Storage, s3_server: object, s3_bucket: str,
                                                         proxy: FaultProxy) -> None:
    s3.put_bytes("s.txt", b"hello")
    s3 = S3Storage(endpoint=proxy.endpoint, bucket=s3_bucket, prefix="farm",
                   access_key=s3_server.access_key, secret_key=s3_server.secret_key,  # type: ignore[attr-defined]
                   timeout=(5, 60))  # only the interrupt can end the stalled read in time
    cancel = CancelToken()
    proxy.stall(30)
    errors: List[BaseException] = []

    def run() -> None:
        try:
            retry_call(s3.get_bytes, "s.txt", cancel=cancel, attempts=50, max_delay=120)
        except BaseException as exc:
            errors.append(exc)

    cancel.on_cancel(s3.interrupt)
    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.5)
    asked = time.monotonic()
    cancel.cancel()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - asked < 3
    assert errors and isinstance(errors[0], TransferCancelled), errors
    proxy.clear()


@pytest.mark.parametrize("direction", ["upload", "download"])
def test_interrupt_unblocks_a_transfer_stuck_on_a_stalled_socket(s3: S3Storage, s3_server: object,
                                                                 s3_bucket: str, proxy: FaultProxy,
                                                                 tmp_path: Path, direction: str) -> None:
    data = make(tmp_path / "big.bin", 64 * MiB)
    if direction == "download":
        s3.put_file("big.bin", str(tmp_path / "big.bin"))
    slow = S3Storage(endpoint=proxy.endpoint, bucket=s3_bucket, prefix="farm",
                     access_key=s3_server.access_key, secret_key=s3_server.secret_key,  # type: ignore[attr-defined]
                     timeout=(5, 60))  # far longer than the test: only the interrupt can end it
    errors: List[BaseException] = []
    moved: List[int] = []

    def hook(n: int) -> None:
        moved.append(n)
        if sum(moved) >= 4 * MiB:
            proxy.stall(60)  # from now on the socket blocks

    def run() -> None:
        try:
            if direction == "upload":
                slow.put_file("big.bin", str(tmp_path / "big.bin"), hook=hook)
            else:
                with open(tmp_path / "dl.bin", "wb") as fh:
                    slow.get_to_file("big.bin", fh, hook=hook)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 20
    while sum(moved) < 4 * MiB and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # let it block in send/recv
    assert worker.is_alive()
    asked = time.monotonic()
    slow.interrupt()
    worker.join(10)
    took = time.monotonic() - asked
    proxy.clear()
    assert not worker.is_alive() and took < 3, took
    assert errors and isinstance(errors[0], TransferCancelled), errors
    if direction == "upload":
        assert not (s3_server.root / s3_bucket / "farm" / "big.bin").exists()  # type: ignore[attr-defined]
    else:
        assert len((tmp_path / "dl.bin").read_bytes()) < len(data)


def test_errors_from_the_proxy_are_typed(s3: S3Storage, proxy: FaultProxy) -> None:
    proxy.fail_next(1, 500)
    with pytest.raises(StorageError) as info:
        s3.get_bytes("whatever.txt")
    assert info.value.code == "InternalError" and info.value.status == 500 and info.value.retryable
    proxy.fail_next(1, 503)
    with pytest.raises(ThrottledError) as info2:
        s3.head("whatever.txt")  # HEAD: no body, the status alone says SlowDown
    assert info2.value.status == 503
