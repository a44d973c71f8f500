"""A recorded multipart upload that cannot be looked up never sticks a file (issue 13, point 4).

Against a server without ListParts (the proxy answers 405 MethodNotAllowed to ``GET …?uploadId=``),
resuming used to fail the file on every rerun, ``--no-db`` included, until the records were moved aside.
Runs on every S3 server (the proxy sits in front of each): the fallback must also hold where AWS's rules
(moto) or RGW's complete and abort answers apply.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from faultproxy import FaultProxy
from storage_engines import assert_stored
from upload_util import MiB, items_for, make_files, new_bucket, s3_platform_with

from rfsync_core.client import Client
from rfsync_core.transfer.records import Records, platform_id
from rfsync_core.transfer.upload import Uploader

LIST_PARTS = r"^GET [^ ]*uploadId="
COMPLETE = r"^POST [^ ]*uploadId="


@pytest.fixture
def proxy(server: Any) -> Iterator[FaultProxy]:
    with FaultProxy(server.endpoint) as p:
        yield p


@pytest.fixture
def bucket(server: Any) -> str:
    return new_bucket(server)


@pytest.fixture
def plat(server: Any, proxy: FaultProxy, bucket: str) -> str:
    via = SimpleNamespace(endpoint=proxy.endpoint, access_key=server.access_key, secret_key=server.secret_key)
    return s3_platform_with(via, bucket, multipart_threshold=6 * MiB, min_part_size=5 * MiB, read_timeout=5.0)


def interrupted_upload(tmp_path: Path, proxy: FaultProxy, client: Client) -> list:
    """A big file whose complete fails: its multipart state stays recorded, as after a kill."""
    files = make_files(tmp_path / "src", {"big.bin": 11 * MiB})
    proxy.answer_matching(COMPLETE, 500)
    first = Uploader(client, threads=2, retry_attempts=1).upload_files(items_for(files, tmp_path / "src"))
    assert len(first.failed) == 1
    proxy.clear()
    with Records(client.records_path) as rec:
        assert rec.get_multipart(platform_id(client.platform), items_for(files, tmp_path / "src")[0][1])
    return files


def test_resume_without_list_parts_falls_back_to_a_fresh_upload(
        tmp_path: Path, server: Any, bucket: str, proxy: FaultProxy, plat: str) -> None:
    client = Client(plat)
    files = interrupted_upload(tmp_path, proxy, client)
    (local, key), = items_for(files, tmp_path / "src")
    proxy.answer_matching(LIST_PARTS, 405)
    result = Uploader(client, threads=2).upload_files([(local, key)])
    assert result.ok, result.failed
    assert proxy.count("fail 405") >= 1  # the lookup was tried and refused
    assert any(line.startswith("DELETE ") and "uploadId=" in line for line in proxy.requests)  # old one aborted
    assert_stored(server, bucket, key, Path(local))
    with Records(client.records_path) as rec:
        assert rec.get_multipart(platform_id(client.platform), key) is None
        assert rec.count_uploads(platform_id(client.platform)) == 1


def test_no_db_reads_and_writes_no_multipart_state(
        tmp_path: Path, server: Any, bucket: str, proxy: FaultProxy, plat: str) -> None:
    client = Client(plat)
    files = interrupted_upload(tmp_path, proxy, client)
    (local, key), = items_for(files, tmp_path / "src")
    pid = platform_id(client.platform)
    with Records(client.records_path) as rec:
        before = rec.get_multipart(pid, key)
    proxy.answer_matching(LIST_PARTS, 405)
    result = Uploader(client, threads=2, use_records=False).upload_files([(local, key)])
    assert result.ok, result.failed
    assert proxy.count("fail 405") == 0  # the recorded upload was not even looked at
    assert_stored(server, bucket, key, Path(local))
    with Records(client.records_path) as rec:
        assert rec.get_multipart(pid, key) == before  # untouched: neither replaced nor dropped
        assert rec.count_uploads(pid) == 0
