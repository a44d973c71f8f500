"""S3 engine specifics against every real S3 server (the ``server`` fixture: rclone, moto, Ceph RGW): errors,
integrity, memory, paging; range quirks against a small loopback server that ignores or honours Range."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import re
import threading
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator, Optional, Tuple

import pytest
from storage_engines import SERVERS

from rfsync_core.errors import (
    AccessDeniedError,
    BadDigestError,
    ConfigError,
    CredentialsError,
    NotFoundError,
    StorageError,
)
from rfsync_core.storage import open_storage
from rfsync_core.storage.folder import FolderStorage
from rfsync_core.storage.s3 import S3Storage

MiB = 1024 * 1024


def make_storage(server: object, bucket: str, **kw: object) -> S3Storage:
    args = dict(endpoint=server.endpoint, bucket=bucket, prefix="farm",  # type: ignore[attr-defined]
                access_key=server.access_key, secret_key=server.secret_key)  # type: ignore[attr-defined]
    args.update(kw)
    return S3Storage(**args)  # type: ignore[arg-type]


@pytest.fixture
def s3_bucket(server: Any) -> str:
    """A fresh bucket on this test's server (made through boto3, so rclone's cached listing knows it)."""
    return str(server.new_bucket())


@pytest.fixture
def s3(server: Any, s3_bucket: str) -> Iterator[S3Storage]:
    storage = make_storage(server, s3_bucket)
    try:
        yield storage
    finally:
        storage.close()


def stored_md5(server: Any, bucket: str, key: str) -> Optional[str]:
    """The MD5 of what the server holds at ``farm/key`` (None if nothing)."""
    data = server.read(bucket, f"farm/{key}")
    return None if data is None else hashlib.md5(data).hexdigest()


def write_random(path: Path, size: int) -> str:
    """Write ``size`` random bytes in 1 MiB pieces (bounded memory); return their MD5 hex."""
    digest = hashlib.md5()
    with open(path, "wb") as fh:
        left = size
        while left:
            block = os.urandom(min(MiB, left))
            fh.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def md5_file(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            digest.update(block)
    return digest.hexdigest()


# -- errors ------------------------------------------------------------------------------------------------


def test_wrong_secret_is_access_denied_with_a_helpful_message(s3: S3Storage, server: Any,
                                                              s3_bucket: str, tmp_path: Path) -> None:
    s3.put_bytes("x.txt", b"x")
    secret = "not-the-secret-Zq81"
    bad = make_storage(server, s3_bucket, secret_key=secret)
    (tmp_path / "f").write_bytes(b"data")
    for call in (lambda: bad.head("x.txt"), lambda: bad.get_bytes("x.txt"), lambda: list(bad.list("")),
                 lambda: bad.put_file("y.txt", str(tmp_path / "f"))):
        with pytest.raises(AccessDeniedError) as info:
            call()
        err = info.value
        text = str(err)
        assert not err.retryable
        assert err.status == 403
        assert err.code in ("AccessDenied", "SignatureDoesNotMatch")
        assert "access key" in text and "secret key" in text
        assert s3_bucket in text and server.endpoint in text  # type: ignore[attr-defined]
        assert secret not in text and secret not in repr(err.args)
    assert secret not in repr(bad)
    assert server.read(s3_bucket, "farm/y.txt") is None


def test_unknown_access_key_is_access_denied(s3: S3Storage, server: Any, s3_bucket: str) -> None:
    bad = make_storage(server, s3_bucket, access_key="nobody")
    with pytest.raises(AccessDeniedError) as info:
        bad.get_bytes("x.txt")
    assert "check the access key" in str(info.value).lower()
    assert server.secret_key not in str(info.value)  # type: ignore[attr-defined]


def test_unknown_bucket_is_not_found(server: Any) -> None:
    st = make_storage(server, "no-such-bucket-rfsync")
    with pytest.raises(NotFoundError) as info:
        st.put_bytes("x.txt", b"x")
    assert info.value.code == "NoSuchBucket"
    assert "no-such-bucket-rfsync" in str(info.value)
    with pytest.raises(NotFoundError) as info:
        list(st.list(""))
    assert info.value.code == "NoSuchBucket"


@pytest.mark.parametrize("server", [s for s in SERVERS if s != "moto"], indirect=True)
def test_corrupted_content_md5_is_rejected_by_the_server(s3: S3Storage, server: Any, s3_bucket: str,
                                                         tmp_path: Path) -> None:
    """Not on moto: it does not check Content-MD5."""
    data = os.urandom(300_000)
    (tmp_path / "f").write_bytes(data)
    wrong = bytearray(hashlib.md5(data).digest())
    wrong[0] ^= 0xFF
    with pytest.raises(BadDigestError) as info:
        s3.put_file("f.bin", str(tmp_path / "f"), md5=bytes(wrong))
    assert info.value.status == 400  # the server's verdict, not a local check
    assert info.value.code in ("BadDigest", "InvalidDigest")
    assert info.value.retryable
    assert server.read(s3_bucket, "farm/f.bin") is None


def test_bad_settings_fail_early() -> None:
    with pytest.raises(StorageError):
        S3Storage(endpoint="ftp://x", bucket="b", access_key="a", secret_key="s")
    with pytest.raises(StorageError):
        S3Storage(endpoint="http://127.0.0.1:1", bucket="", access_key="a", secret_key="s")
    with pytest.raises(StorageError):
        S3Storage(endpoint="http://127.0.0.1:1", bucket="b", access_key="a", secret_key="s", min_part_size=1024)


def test_connection_refused_is_a_retryable_connection_error() -> None:
    import socket

    from rfsync_core.errors import StorageConnectionError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there
    st = S3Storage(endpoint=f"http://127.0.0.1:{port}", bucket="bkt", access_key="a", secret_key="s3cr3t-value",
                   timeout=(2, 2))
    with pytest.raises(StorageConnectionError) as info:
        st.head("x")
    assert info.value.retryable
    assert "s3cr3t-value" not in str(info.value)


# -- big files, memory -------------------------------------------------------------------------------------


def test_large_upload_and_download_keep_memory_bounded(s3: S3Storage, server: Any, s3_bucket: str,
                                                       tmp_path: Path) -> None:
    size = 64 * MiB + 123
    src = tmp_path / "big.bin"
    md5 = write_random(src, size)
    tracemalloc.start()
    try:
        info = s3.put_file("big/big.bin", str(src))
        _, peak_up = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with open(tmp_path / "back.bin", "wb") as fh:
            got = s3.get_to_file("big/big.bin", fh)
        _, peak_down = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == size and info.etag == md5
    assert stored_md5(server, s3_bucket, "big/big.bin") == md5
    assert got.size == size and md5_file(tmp_path / "back.bin") == md5
    assert peak_up < 40 * MiB, f"upload peak {peak_up / MiB:.1f} MiB"
    assert peak_down < 40 * MiB, f"download peak {peak_down / MiB:.1f} MiB"


def test_streamed_part_upload_keeps_memory_bounded(s3: S3Storage, server: Any, s3_bucket: str,
                                                   tmp_path: Path) -> None:
    size = 48 * MiB
    src = tmp_path / "big.bin"
    md5 = write_random(src, size)
    upload_id = s3.create_multipart("mp/big.bin")
    tracemalloc.start()
    try:
        parts = [s3.upload_part("mp/big.bin", upload_id, 1, str(src), 0, 40 * MiB),
                 s3.upload_part("mp/big.bin", upload_id, 2, str(src), 40 * MiB, 8 * MiB)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    s3.complete_multipart("mp/big.bin", upload_id, parts)
    assert stored_md5(server, s3_bucket, "mp/big.bin") == md5
    assert peak < 30 * MiB, f"part upload peak {peak / MiB:.1f} MiB"


# -- paging --------------------------------------------------------------------------------------------------


def test_list_follows_pages(s3: S3Storage) -> None:
    keys = [f"p/{i:03d}.txt" for i in range(7)] + ["p/ü space.txt"]
    for key in keys:
        s3.put_bytes(key, key.encode())
    s3.list_page_size = 2
    assert [o.key for o in s3.list("p/")] == sorted(keys)
    assert all(o.size == len(o.key.encode()) and o.etag and o.mtime > 0 for o in s3.list("p/"))


def test_list_parts_follows_pages(s3: S3Storage, tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    write_random(src, 16 * MiB)
    upload_id = s3.create_multipart("pp.bin")
    sent = [s3.upload_part("pp.bin", upload_id, n, str(src), (n - 1) * 5 * MiB, 5 * MiB) for n in (1, 2, 3)]
    s3.list_page_size = 1
    listed = s3.list_parts("pp.bin", upload_id)
    assert [(p.number, p.size, p.etag) for p in listed] == [(p.number, p.size, p.etag) for p in sent]
    s3.abort_multipart("pp.bin", upload_id)


def test_parts_of_one_length_reuse_one_map_and_each_sends_its_own_bytes(s3: S3Storage, server: Any,
                                                                        s3_bucket: str, tmp_path: Path) -> None:
    """A sent part's map is kept for the next part of the same length (a fresh map costs the kernel a page fault
    and a zeroed page per 4 KiB); every part still carries its own bytes, and a kept map's budget is given back
    as soon as another slice needs it."""
    src = tmp_path / "p.bin"
    md5 = write_random(src, 18 * MiB)
    upload_id = s3.create_multipart("reuse.bin")
    parts = [s3.upload_part("reuse.bin", upload_id, n, str(src), (n - 1) * 6 * MiB, 6 * MiB) for n in (1, 2, 3)]
    kept = s3._part_maps._free
    assert [len(m) for m in kept] == [6 * MiB]  # one map served the three parts (else two would be kept)
    s3.complete_multipart("reuse.bin", upload_id, parts)
    assert stored_md5(server, s3_bucket, "reuse.bin") == md5  # and the server assembled the file's own bytes
    budget = s3._budget
    assert budget._left == budget.limit - 6 * MiB  # the kept map's bytes stay taken while it is kept
    others = budget._left - 1 * MiB
    assert budget.take(others)  # other threads hold the rest but 1 MiB
    assert s3._take(6 * MiB) == 6 * MiB and not kept  # the kept map is let go for a slice that needs its room
    budget.give(others + 6 * MiB)
    assert budget._left == budget.limit


# -- range answers of other servers -----------------------------------------------------------------------------


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves files of a folder; ``mode`` says how it treats Range (ignore it, or answer 206)."""

    root: Path
    mode: str

    def do_GET(self) -> None:
        from urllib.parse import unquote

        path = self.root / unquote(self.path.split("?", 1)[0].lstrip("/"))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        m = re.match(r"bytes=(\d+)-$", self.headers.get("Range", ""))
        if m and self.mode == "partial":
            start = int(m.group(1))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            body = data[start:]
        else:
            self.send_response(200)
            body = data
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"' + hashlib.md5(data).hexdigest() + '"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(params=["ignore", "partial"])
def range_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tuple[str, Path]]:
    root = tmp_path / "http"
    (root / "bkt" / "farm").mkdir(parents=True)
    handler = type("H", (_RangeHandler,), {"root": root, "mode": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root / "bkt" / "farm"
    finally:
        server.shutdown()
        server.server_close()


def test_ranged_get_against_servers_that_ignore_or_honour_range(range_server: Tuple[str, Path]) -> None:
    endpoint, folder = range_server
    data = os.urandom(3 * MiB + 11)
    (folder / "f.bin").write_bytes(data)
    st = S3Storage(endpoint=endpoint, bucket="bkt", prefix="farm", access_key="a", secret_key="s")
    for offset in (0, 5, MiB + 1, len(data) - 1):
        out = io.BytesIO()
        info = st.get_to_file("f.bin", out, offset=offset)
        assert out.getvalue() == data[offset:], offset
        assert info.size == len(data)


# -- open_storage ------------------------------------------------------------------------------------------------


def platform(**kw: object) -> SimpleNamespace:
    base = dict(name="p", engine="s3", root="", endpoint="", bucket="", prefix="", region="us-east-1",
                path_style=True, server_name="", source="", options={})
    base.update(kw)
    return SimpleNamespace(**base)


def test_open_storage_builds_a_working_s3_engine(server: Any, s3_bucket: str) -> None:
    plat = platform(endpoint=server.endpoint, bucket=s3_bucket, prefix="farm",  # type: ignore[attr-defined]
                    options={"multipart_threshold": 16 * MiB, "read_timeout": 30})
    creds = SimpleNamespace(access_key=server.access_key, secret_key=server.secret_key,  # type: ignore[attr-defined]
                            session_token=None)
    st = open_storage(plat, creds)  # type: ignore[arg-type]
    assert isinstance(st, S3Storage)
    assert st.multipart_threshold == 16 * MiB and st.timeout == (10.0, 30.0)
    st.create_bucket()
    st.put_bytes("hello.txt", b"hi")
    assert server.read(s3_bucket, "farm/hello.txt") == b"hi"


def test_open_storage_refuses_bad_platforms(tmp_path: Path) -> None:
    creds = SimpleNamespace(access_key="a", secret_key="s", session_token=None)
    with pytest.raises(ConfigError, match="unknown engine 'ftp'"):
        open_storage(platform(engine="ftp"), creds)  # type: ignore[arg-type]
    with pytest.raises(CredentialsError):
        open_storage(platform(endpoint="http://127.0.0.1:9", bucket="b"), None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="endpoint"):
        open_storage(platform(bucket="b"), creds)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="multipart_threshold"):
        open_storage(platform(endpoint="http://h", bucket="b", options={"multipart_threshold": "big"}),
                     creds)  # type: ignore[arg-type]
    folder = open_storage(platform(engine="folder", root=str(tmp_path / "f")), None)  # type: ignore[arg-type]
    assert isinstance(folder, FolderStorage) and folder.root == str(tmp_path / "f")
    with pytest.raises(ConfigError, match="root"):
        open_storage(platform(engine="folder"), None)  # type: ignore[arg-type]


@pytest.mark.parametrize("server", [s for s in SERVERS if s != "moto"], indirect=True)
def test_bounded_ranges_read_exactly_their_bytes_on_one_connection(s3: S3Storage, tmp_path: Path) -> None:
    """Not on moto: its Werkzeug server answers ``Connection: close`` to every request (seen with moto 5.2.5,
    Werkzeug 3.1), so there is no keep-alive connection to reuse."""
    data = os.urandom(3 * 1024 * 1024 + 17)
    s3.put_bytes("r.bin", data)
    opened = s3._http.registry.opened
    pieces = []
    for offset, length in [(0, 1000), (1000, len(data) - 1017), (len(data) - 17, 17), (len(data) - 5, 100)]:
        out = io.BytesIO()
        info = s3.get_to_file("r.bin", out, offset=offset, length=length)
        assert info.size == len(data)
        assert out.getvalue() == data[offset:offset + length]  # the last one is cut at the object's end
        pieces.append(out.getvalue())
    assert b"".join(pieces[:3]) == data
    # every answer was read to its end, so the one keep-alive connection served all four
    assert s3._http.registry.opened - opened <= 1
    with pytest.raises(ValueError):
        s3.get_to_file("r.bin", io.BytesIO(), length=0)
