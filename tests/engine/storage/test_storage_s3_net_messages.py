"""Network failures read as one plain line naming the endpoint and what went wrong (issue 13, point 5).

Before: "ConnectionError: _Pool(host='127.0.0.1', port=9): Max retries exceeded with url: …". Real
sockets on loopback: a closed port, a black hole (accepts, never answers), a name that does not resolve
(the resolver refuses it), an HTTPS client talking to a plain-HTTP server.
"""

from __future__ import annotations

import re
import socket
from typing import Any, Iterator

import pytest
from s3server import S3Server

from rfsync_core.errors import StorageConnectionError, StorageError
from rfsync_core.storage.s3 import S3Storage
from rfsync_core.transfer import retry as retry_mod
from rfsync_core.transfer.retry import retry_call

LEAKS = ("_Pool", "Max retries", "HTTPConnectionPool", "NewConnectionError", "urllib3", "Caused by")


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_mod, "INITIAL_WAIT", 0.05)
    monkeypatch.setattr(retry_mod, "MAX_WAIT", 0.1)


def _storage(endpoint: str, **kw: Any) -> S3Storage:
    return S3Storage(endpoint=endpoint, bucket="bkt", access_key="AKIAEXAMPLE", secret_key="a-long-secret-key",
                     **kw)


def _fail(storage: S3Storage, attempts: int = 3) -> str:
    with pytest.raises(StorageError) as info:
        retry_call(storage.head, "a/b.exr", attempts=attempts, describe="HEAD a/b.exr")
    storage.close()
    text = str(info.value)
    assert "\n" not in text
    assert not [leak for leak in LEAKS if leak in text], text
    return text


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()  # nothing listens there now: connecting is refused
    return port


@pytest.fixture
def black_hole() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)  # the kernel accepts connections; nobody ever reads or answers
    yield int(sock.getsockname()[1])
    sock.close()


def test_a_closed_port_says_cannot_reach_and_how_long_it_tried(closed_port: int) -> None:
    text = _fail(_storage(f"http://127.0.0.1:{closed_port}"))
    assert re.fullmatch(rf"head s3://bkt/a/b\.exr: cannot reach http://127\.0\.0\.1:{closed_port} "
                        r"\(connection refused\) — gave up after 3 attempts in \d+\.\d s", text), text


def test_a_server_that_never_answers_says_no_answer_within_the_read_timeout(black_hole: int) -> None:
    text = _fail(_storage(f"http://127.0.0.1:{black_hole}", timeout=(2.0, 0.5)), attempts=2)
    assert re.fullmatch(rf"head s3://bkt/a/b\.exr: no answer from http://127\.0\.0\.1:{black_hole} within 0\.5 s"
                        r" — gave up after 2 attempts in \d+\.\d s", text), text


def test_a_name_that_does_not_resolve_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "farm-s3.invalid":  # the OS resolver's answer for an unknown name (no query leaves the box)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    text = _fail(_storage("http://farm-s3.invalid:9000"), attempts=1)
    assert text == "head s3://bkt/a/b.exr: cannot resolve host farm-s3.invalid (for http://farm-s3.invalid:9000)"


def test_tls_against_a_plain_http_server_names_tls(s3_server: S3Server) -> None:
    https = s3_server.endpoint.replace("http://", "https://")
    with pytest.raises(StorageConnectionError) as info:
        _storage(https).head("a/b.exr")
    text = str(info.value)
    assert text.startswith(f"head s3://bkt/a/b.exr: TLS with {https} failed ("), text
    assert not [leak for leak in LEAKS if leak in text], text
    assert "\n" not in text
