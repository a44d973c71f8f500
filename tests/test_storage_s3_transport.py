"""The S3 engine's own HTTP transport: proxies from the environment, header parsing, keep-alive."""

from __future__ import annotations

import io
import socket
import socketserver
import threading
from typing import Iterator, List, Tuple
from urllib.parse import urlsplit

import pytest

from rfsync_core.storage._s3http import _parse_headers
from rfsync_core.storage.s3 import S3Storage


class _ForwardProxy(socketserver.ThreadingTCPServer):
    """A tiny HTTP forward proxy: one request per client connection, absolute-URI requests only."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.seen: List[str] = []


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: _ForwardProxy = self.server  # type: ignore[assignment]
        line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        method, target, version = line.split(" ")
        server.seen.append(f"{method} {target}")
        head: List[str] = []
        length = 0
        while True:
            h = self.rfile.readline().decode("latin-1")
            if h in ("\r\n", "\n", ""):
                break
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


def test_header_parser_folds_repeats_and_ignores_case() -> None:
    raw = (b"ETag: \"abc\"\r\nx-amz-meta-a: 1\r\nX-Amz-Meta-A: 2\r\nLong: first\r\n  second\r\n"
           b"junk line\r\nContent-Length: 0\r\n\r\nbody")
    fp = io.BytesIO(raw)
    h = _parse_headers(fp)
    assert h.get("etag") == '"abc"' and h.get("ETAG") == '"abc"'
    assert h.get("X-AMZ-META-A") == "1, 2"
    assert h.get("long") == "first second"
    assert h.get("missing", "d") == "d" and h.get_all("missing") is None
    assert fp.read() == b"body"  # stopped at the blank line


def test_many_requests_reuse_a_few_connections(s3_server: object, s3_bucket: str) -> None:
    s3 = _storage(s3_server, s3_bucket)
    opened: List[socket.socket] = []
    make = s3._http._create_socket

    def counting(*args: object, **kw: object) -> socket.socket:
        sock = make(*args, **kw)  # type: ignore[arg-type]
        opened.append(sock)
        return sock

    s3._http._create_socket = counting  # type: ignore[method-assign]
    try:
        s3.create_bucket()
        for i in range(30):
            s3.put_bytes(f"ka/{i}", b"x" * i)
            assert s3.get_bytes(f"ka/{i}") == b"x" * i
    finally:
        s3.close()
    assert 1 <= len(opened) <= 2, f"{len(opened)} connections for 61 requests from one thread"


def test_a_refused_big_body_reports_the_servers_answer(s3_server: object, s3_bucket: str, tmp_path: object) -> None:
    """A server may answer 403 and stop reading a big body: that is AccessDenied, not a retryable reset."""
    from pathlib import Path

    from rfsync_core.errors import AccessDeniedError

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
