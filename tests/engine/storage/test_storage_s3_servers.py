"""What each real S3 server answers where servers differ, and what rfsync makes of it.

Runs on every S3 server the tests start (:data:`storage_engines.SERVERS`): rules AWS
enforces (EntityTooSmall, InvalidPart, SigV4 checks), and the error messages rfsync
writes from answers that differ (Ceph RGW: AccessDenied for a malformed Content-MD5,
error bodies without ``<Message>``). Every message must stay one line that names
the operation, the object and the server's code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

import pytest
from storage_engines import PART, SERVERS, Engine, make_file, open_engine

from rfsync_core.errors import AccessDeniedError, NotFoundError, StorageError
from rfsync_core.storage import PartInfo
from rfsync_core.storage.s3 import S3Storage


@pytest.fixture(params=SERVERS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from open_engine(request, tmp_path)


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text.strip() == text and len(text) < 600, text
    return text


def test_a_wrong_secret_is_refused_in_one_line_that_names_the_keys(engine: Engine, tmp_path: Path) -> None:
    st = engine.storage
    assert isinstance(st, S3Storage)
    wrong = S3Storage(endpoint=st.endpoint, bucket=st.bucket, prefix="farm", access_key=st._access_key,
                      secret_key="not-the-secret-0123456789")
    try:
        with pytest.raises(AccessDeniedError) as info:
            wrong.put_bytes("k.txt", b"x")
    finally:
        wrong.close()
    text = one_line(info.value)
    assert info.value.code in ("SignatureDoesNotMatch", "AccessDenied") and not info.value.retryable
    assert "upload" in text and "k.txt" in text and info.value.code in text and "secret key" in text
    assert "not-the-secret" not in text
    assert not engine.exists_on_disk("k.txt")


def test_a_missing_object_is_one_line_with_or_without_a_message(engine: Engine) -> None:
    with pytest.raises(NotFoundError) as info:
        engine.storage.get_bytes("no/such.json")
    text = one_line(info.value)
    assert "no/such.json" in text and "NoSuchKey" in text


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned-md5", "signed-md5"])
def test_a_malformed_content_md5_is_named_as_such(engine: Engine, signed: bool) -> None:
    """AWS and rclone answer InvalidDigest 400; Ceph RGW 16 too, unless Content-MD5 is a signed header
    (as boto3 signs it): then AccessDenied 403 with no Message; moto does not look. Never 'check your keys'."""
    st = engine.storage
    assert isinstance(st, S3Storage)
    if signed:  # sign Content-MD5 the way boto3 does (rfsync's own requests leave it unsigned)
        st._http._thread().auth.include_hdrs.add("content-md5")
    try:
        resp = st._request("PUT", "md5.txt", op="upload", headers={"Content-MD5": "not-an-md5"}, body=b"x")
    except StorageError as exc:
        text = one_line(exc)
        assert "Content-MD5" in text and "md5.txt" in text
        assert "secret key" not in text, text
    else:
        resp.close()
        assert engine.kind == "moto", f"{engine.kind} accepted a malformed Content-MD5"


def test_a_part_below_the_minimum_is_refused_at_complete(engine: Engine, tmp_path: Path) -> None:
    """AWS (moto, Ceph) refuse a non-last part under 5 MiB with EntityTooSmall; rclone accepts it."""
    st = engine.storage
    make_file(tmp_path / "small.bin", 2 * 1000, seed=21)
    upload_id = st.create_multipart("small.bin")
    parts = [st.upload_part("small.bin", upload_id, n, str(tmp_path / "small.bin"), (n - 1) * 1000, 1000)
             for n in (1, 2)]
    try:
        info = st.complete_multipart("small.bin", upload_id, parts)
    except StorageError as exc:
        assert engine.kind != "rclone"
        assert exc.code == "EntityTooSmall" and not exc.retryable
        assert "EntityTooSmall" in one_line(exc)
        st.abort_multipart("small.bin", upload_id)
    else:
        assert engine.kind == "rclone", f"{engine.kind} accepted a 1000-byte first part"
        assert info.size == 2000


def test_an_unknown_part_etag_is_invalid_part(engine: Engine, tmp_path: Path) -> None:
    st = engine.storage
    size = PART + 100
    data = make_file(tmp_path / "big.bin", size, seed=22)
    upload_id = st.create_multipart("ip.bin")
    first = st.upload_part("ip.bin", upload_id, 1, str(tmp_path / "big.bin"), 0, PART)
    assert first.etag == hashlib.md5(data[:PART]).hexdigest()
    with pytest.raises(StorageError) as info:
        st.complete_multipart("ip.bin", upload_id, [first, PartInfo(number=2, size=100, etag="0" * 32)])
    assert info.value.code in ("InvalidPart", "InvalidPartOrder") and not info.value.retryable
    one_line(info.value)
    st.abort_multipart("ip.bin", upload_id)
    assert not engine.exists_on_disk("ip.bin")
