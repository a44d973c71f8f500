"""The S3 engine's HTTP layer: proxies from the environment, keep-alive, signing of awkward keys and queries.

The signing test runs on every S3 server; the others test our side of the connection, on rclone."""

from __future__ import annotations

import hashlib
import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple
from urllib.parse import urlsplit

import pytest

from rfsync_core.errors import AccessDeniedError
from rfsync_core.storage.s3 import S3Storage

MiB = 1024 * 1024


class _ForwardProxy(socketserver.ThreadingTCPServer):
    """A tiny HTTP forward proxy: one request per client connection, absolute-URI requests only."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.seen: List[str] = []
        self.heads: List[Dict[str, str]] = []


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: _ForwardProxy = self.server  # type: ignore[assignment]
        line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        method, target, version = line.split(" ")
        server.seen.append(f"{method} {target}")
        head: List[str] = []
        fields: Dict[str, str] = {}
        server.heads.append(fields)
        length = 0
        while True:
            h = self.rfile.readline().decode("latin-1")
            if h in ("\r\n", "\n", ""):
                break
            name, _, value = h.partition(":")
            fields[name.strip().lower()] = value.strip()
            if h.lower().startswith("content-length:"):
                length = int(h.split(":", 1)[1])
            if not h.lower().startswith("connection:"):
                head.append(h)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(target)
        path = url.path + (f"?{url.query}" if url.query else "")
        with socket.create_connection((url.hostname, url.port or 80)) as up:
            up.sendall(f"{method} {path} {version}\r\n{''.join(head)}Connection: close\r\n\r\n".encode("latin-1")
                       + body)
            while True:
                data = up.recv(65536)
                if not data:
                    break
                self.wfile.write(data)


@pytest.fixture
def proxy() -> Iterator[Tuple[str, _ForwardProxy]]:
    srv = _ForwardProxy()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", srv
    finally:
        srv.shutdown()
        srv.server_close()


def _storage(server: object, bucket: str) -> S3Storage:
    return S3Storage(endpoint=server.endpoint, bucket=bucket, prefix="farm",  # type: ignore[attr-defined]
                     access_key=server.access_key, secret_key=server.secret_key)  # type: ignore[attr-defined]


def _clear_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                 "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_requests_go_through_the_environment_proxy(monkeypatch: pytest.MonkeyPatch, proxy: Tuple[str, _ForwardProxy],
                                                   s3_server: object, s3_bucket: str) -> None:
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy[0])
    s3 = _storage(s3_server, s3_bucket)
    try:
        s3.create_bucket()
        s3.put_bytes("via/proxy.txt", b"through the proxy")
        assert s3.get_bytes("via/proxy.txt") == b"through the proxy"
        assert s3.head("via/proxy.txt").size == len(b"through the proxy")
    finally:
        s3.close()
    endpoint = s3_server.endpoint  # type: ignore[attr-defined]
    assert f"PUT {endpoint}/{s3_bucket}/farm/via/proxy.txt" in proxy[1].seen
    assert f"GET {endpoint}/{s3_bucket}/farm/via/proxy.txt" in proxy[1].seen


def test_no_proxy_bypasses_the_proxy(monkeypatch: pytest.MonkeyPatch, proxy: Tuple[str, _ForwardProxy],
                                     s3_server: object, s3_bucket: str) -> None:
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy[0])
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    s3 = _storage(s3_server, s3_bucket)
    try:
        s3.create_bucket()
        s3.put_bytes("direct.txt", b"direct")
        assert s3.get_bytes("direct.txt") == b"direct"
    finally:
        s3.close()
    assert proxy[1].seen == []


def test_many_requests_reuse_a_few_connections(s3_server: object, s3_bucket: str) -> None:
    s3 = _storage(s3_server, s3_bucket)
    try:
        s3.create_bucket()
        for i in range(30):
            s3.put_bytes(f"ka/{i}", b"x" * i)
            assert s3.get_bytes(f"ka/{i}") == b"x" * i
            assert s3.head(f"ka/{i}").size == i
        s3.delete("ka/0")
    finally:
        s3.close()
    opened = s3._http.registry.opened
    assert 1 <= opened <= 2, f"{opened} connections for 92 requests from one thread"


def test_a_refused_big_body_reports_the_servers_answer(s3_server: object, s3_bucket: str, tmp_path: object) -> None:
    """A server may answer 403 and stop reading a big body: that is AccessDenied, not a retryable reset."""
    good = _storage(s3_server, s3_bucket)
    good.create_bucket()
    good.close()
    bad = S3Storage(endpoint=s3_server.endpoint, bucket=s3_bucket, prefix="farm",  # type: ignore[attr-defined]
                    access_key=s3_server.access_key, secret_key="wrong-secret-123")  # type: ignore[attr-defined]
    src = Path(str(tmp_path)) / "big.bin"
    src.write_bytes(b"\0" * (24 * 1024 * 1024))
    for limit in (64 * 1024 * 1024, 0):  # sent from memory, then streamed
        bad.buffer_limit = limit
        with pytest.raises(AccessDeniedError) as info:
            bad.put_file("big.bin", str(src))
        assert info.value.status == 403 and not info.value.retryable
    bad.close()


@pytest.mark.parametrize("size,buffered", [(200 * 1024, True), (3 * MiB + 7, False)])
def test_streamed_bodies_carry_a_content_length_never_chunked(
    monkeypatch: pytest.MonkeyPatch, proxy: Tuple[str, _ForwardProxy], s3_server: object, s3_bucket: str,
    tmp_path: Path, size: int, buffered: bool,
) -> None:
    """Bodies sent in pieces (from memory, or read from the file) still go out with Content-Length."""
    _clear_proxy_env(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", proxy[0])  # the proxy records every request's header fields
    s3 = _storage(s3_server, s3_bucket)
    if not buffered:
        s3.buffer_limit = 0
    src = tmp_path / "body.bin"
    data = os.urandom(size)
    src.write_bytes(data)
    pieces: List[int] = []
    try:
        s3.create_bucket()
        info = s3.put_file("stream/body.bin", str(src), hook=pieces.append)
    finally:
        s3.close()
    assert info.size == size and info.etag == hashlib.md5(data).hexdigest()
    assert sum(pieces) == size and max(pieces) <= MiB and len(pieces) == -(-size // MiB)
    put = [h for h, line in zip(proxy[1].heads, proxy[1].seen) if line.startswith("PUT ") and "body.bin" in line]
    assert len(put) == 1
    assert put[0]["content-length"] == str(size) and "transfer-encoding" not in put[0]
    assert put[0]["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert put[0]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert put[0]["user-agent"].startswith("rfsync/") and put[0]["accept-encoding"] == "identity"
    assert (s3_server.root / s3_bucket / "farm" / "stream" / "body.bin").read_bytes() == data  # type: ignore[attr-defined]


AWKWARD = ["a b/ü€ 名前.exr", "x+y=z/%41%2F&?#;.txt", "tilde~under_score-dot.v001.exr", "quote's (1) [2] @!$*,.bin"]


def test_awkward_keys_queries_and_a_session_token_sign_correctly(server: Any, tmp_path: Path) -> None:
    """The path and query AWS4Auth signs must be the ones sent: keys that need quoting, multipart
    query strings, continuation tokens of a paged listing, and the session-token header. On every
    server: each checks the signature its own way (moto 5.2.1 got queries with a ``/`` wrong). moto signs
    without the token: it refuses an unknown one (InvalidToken), as AWS does, and does not accept the
    temporary keys of its own STS GetSessionToken for S3 (InvalidAccessKeyId, seen with moto 5.2.5)."""
    s3 = S3Storage(endpoint=server.endpoint, bucket=server.new_bucket(), prefix="farm/sub dir",
                   access_key=server.access_key, secret_key=server.secret_key,
                   session_token=None if server.kind == "moto" else "FwoGZXIvYXdzE+token/with==")
    src = tmp_path / "part.bin"
    data = os.urandom(5 * MiB + 3)
    src.write_bytes(data)
    try:
        for key in AWKWARD:
            s3.put_bytes(key, key.encode())
            assert s3.get_bytes(key) == key.encode()
            assert s3.head(key).size == len(key.encode())
        key = "multi part/ü+=.bin"
        upload_id = s3.create_multipart(key)
        parts = [s3.upload_part(key, upload_id, 1, str(src), 0, 5 * MiB),
                 s3.upload_part(key, upload_id, 2, str(src), 5 * MiB, 3)]
        assert [p.number for p in s3.list_parts(key, upload_id)] == [1, 2]
        s3.complete_multipart(key, upload_id, parts)
        assert s3.get_bytes(key) == data
        s3.list_page_size = 1  # every page after the first needs a continuation token in the query
        assert sorted(o.key for o in s3.list("")) == sorted([*AWKWARD, key])
        for k in AWKWARD:
            s3.delete(k)
        assert [o.key for o in s3.list("")] == [key]
    finally:
        s3.close()
