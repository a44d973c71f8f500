"""HTTPS with a studio's private CA: trusted only when told, and one clear line when not.

rclone serves S3 over TLS with a certificate from a CA the test makes (tests/tls_ca.py).
"""

from __future__ import annotations

import time
import uuid

import pytest
from s3server import S3Server
from tls_ca import StudioCA

from rfsync_core.errors import StorageError
from rfsync_core.storage.s3 import S3Storage
from rfsync_core.transfer.retry import retry_call


def storage(server: S3Server, **kwargs: object) -> S3Storage:
    return S3Storage(endpoint=server.endpoint, bucket="t" + uuid.uuid4().hex[:12], prefix="farm",
                     access_key=server.access_key, secret_key=server.secret_key, **kwargs)  # type: ignore[arg-type]


def test_the_server_speaks_https(https_s3_server: S3Server) -> None:
    assert https_s3_server.endpoint.startswith("https://127.0.0.1:")


def test_an_untrusted_certificate_is_one_clear_line_and_not_retried(https_s3_server: S3Server,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    st = storage(https_s3_server)
    calls = []

    def attempt() -> None:
        calls.append(time.monotonic())
        st.create_bucket()

    try:
        with pytest.raises(StorageError) as info:
            retry_call(attempt, describe="create bucket")
    finally:
        st.close()
    text = str(info.value)
    assert "\n" not in text and len(text) < 600, text
    assert "certificate" in text and "REQUESTS_CA_BUNDLE" in text and "ca_bundle" in text
    assert not info.value.retryable and len(calls) == 1  # no retry storm on a certificate nobody trusts


def test_requests_ca_bundle_makes_it_work(https_s3_server: S3Server, studio_ca: StudioCA,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(studio_ca.ca_cert))
    st = storage(https_s3_server)
    try:
        st.create_bucket()
        st.put_bytes("a.txt", b"over TLS")
        assert st.get_bytes("a.txt") == b"over TLS"
    finally:
        st.close()


def test_the_platforms_ca_bundle_makes_it_work(https_s3_server: S3Server, studio_ca: StudioCA,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    st = storage(https_s3_server, ca_bundle=str(studio_ca.ca_cert))
    try:
        st.create_bucket()
        st.put_bytes("b.txt", b"studio CA")
        assert st.get_bytes("b.txt") == b"studio CA"
    finally:
        st.close()


def test_a_platforms_file_with_ca_bundle_makes_it_work(https_s3_server: S3Server, studio_ca: StudioCA,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """What a studio writes: ``"ca_bundle": "/path/studio-ca.pem"`` on its platform."""
    import os
    from pathlib import Path

    from conftest import write_platforms

    from rfsync_core.client import Client

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    bucket = "p" + uuid.uuid4().hex[:12]
    write_platforms(Path(os.environ["RFSYNC_CONFIG_DIR"]),
                    {"tls": {"engine": "s3", "endpoint": https_s3_server.endpoint, "bucket": bucket,
                             "prefix": "farm", "ca_bundle": str(studio_ca.ca_cert)}})
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", https_s3_server.access_key)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", https_s3_server.secret_key)
    client = Client("tls")
    try:
        client.storage.create_bucket()  # type: ignore[attr-defined]
        client.storage.put_bytes("c.txt", b"from the platforms file")
        assert client.storage.get_bytes("c.txt") == b"from the platforms file"
    finally:
        client.close()
