"""Connect and read timeouts where they belong, on every request type, and as platform settings
(issue 13, point 6).

Before: urllib3 sends a request's body under the *connect* timeout, so a server that stops reading a
part while it is busy (rclone holds an out-of-order part up to 60 s before answering) was given up
after 10 s. Real rclone behind the fault proxy, whose ``stall`` stops every byte both ways.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import pytest
from conftest import write_platforms
from faultproxy import FaultProxy
from s3server import S3Server
from upload_util import new_bucket

from rfsync_core.client import Client
from rfsync_core.config import get_platform
from rfsync_core.errors import ConfigError, StorageConnectionError
from rfsync_core.storage.s3 import S3Storage
from rfsync_core.storage.s3.transport import DEFAULT_TIMEOUT

MiB = 1024 * 1024


@pytest.fixture
def proxy(s3_server: S3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint) as p:
        yield p


def _storage(s3_server: S3Server, proxy: FaultProxy, **kw: object) -> S3Storage:
    return S3Storage(endpoint=proxy.endpoint, bucket=new_bucket(s3_server), access_key=s3_server.access_key,
                     secret_key=s3_server.secret_key, **kw)  # type: ignore[arg-type]


def test_a_part_held_15_s_is_not_given_up_at_the_connect_timeout(s3_server: S3Server, proxy: FaultProxy,
                                                                  tmp_path: Path) -> None:
    assert DEFAULT_TIMEOUT[0] < 15 < DEFAULT_TIMEOUT[1]
    src = tmp_path / "part.bin"
    data = os.urandom(48 * MiB)  # more than the loopback buffers hold: the send itself has to wait
    src.write_bytes(data)
    st = _storage(s3_server, proxy)  # the default timeouts
    upload_id = st.create_multipart("held.bin")
    proxy.stall(15.0)
    part = st.upload_part("held.bin", upload_id, 1, str(src), 0, len(data))
    st.complete_multipart("held.bin", upload_id, [part])
    assert st.head("held.bin").size == len(data)
    st.close()


@pytest.mark.parametrize("call", ["head", "get", "put"])
def test_every_request_type_waits_the_read_timeout_for_an_answer(s3_server: S3Server, proxy: FaultProxy,
                                                                 call: str) -> None:
    st = _storage(s3_server, proxy, timeout=(1.0, 20.0))
    st.put_bytes("k.bin", b"x" * 1000)
    proxy.stall(3.0)  # three connect timeouts long, well inside the read timeout
    if call == "head":
        assert st.head("k.bin").size == 1000
    elif call == "get":
        assert st.get_bytes("k.bin") == b"x" * 1000
    else:
        st.put_bytes("k2.bin", b"y" * 1000)
    st.close()


def test_the_read_timeout_ends_a_wait_that_is_too_long(s3_server: S3Server, proxy: FaultProxy) -> None:
    st = _storage(s3_server, proxy, timeout=(5.0, 1.0))
    st.put_bytes("k.bin", b"x")
    proxy.stall(4.0)
    with pytest.raises(StorageConnectionError) as info:
        st.get_bytes("k.bin")
    assert f"no answer from {proxy.endpoint} within 1 s" in str(info.value)
    st.close()


def _plat(tmp_path: Path, **options: object) -> None:
    write_platforms(Path(os.environ["RFSYNC_CONFIG_DIR"]),
                    {"tm": {"engine": "s3", "endpoint": "http://127.0.0.1:9", "bucket": "b", **options}})


def test_timeouts_are_platform_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", "AKIAEXAMPLE")
    monkeypatch.setenv("RFSYNC_SECRET_KEY", "a-long-secret-key")
    _plat(tmp_path, connect_timeout=3, read_timeout=120.5)
    client = Client("tm")
    assert client.storage.timeout == (3.0, 120.5)  # type: ignore[attr-defined]
    client.close()
    _plat(tmp_path)
    client = Client("tm")
    assert client.storage.timeout == DEFAULT_TIMEOUT  # type: ignore[attr-defined]
    client.close()


@pytest.mark.parametrize("key,value,words", [
    ("connect_timeout", "10", "must be a number of seconds, not a string"),
    ("read_timeout", 0, "must be more than 0 s"),
    ("read_timeout", -5, "must be more than 0 s"),
    ("connect_timeout", True, "must be a number of seconds, not a boolean"),
    ("read_timeout", 1e9, "at most 3600 s"),
])
def test_a_bad_timeout_is_one_line_naming_file_platform_and_key(tmp_path: Path, key: str, value: object,
                                                                words: str) -> None:
    _plat(tmp_path, **{key: value})
    with pytest.raises(ConfigError) as info:
        get_platform("tm")
    text = str(info.value)
    assert "\n" not in text
    assert "platforms.json" in text and "'tm'" in text and key in text and words in text, text
    assert json.dumps(value) in text or str(value) in text
