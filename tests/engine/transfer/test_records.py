"""The records database: uploads, multipart state, downloads, schema versions, threads and processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from rfsync_core.transfer.records import (
    SCHEMA_VERSION,
    DownloadRecord,
    MultipartRecord,
    Records,
    RecordsError,
    UploadRecord,
    platform_id,
)


@pytest.fixture
def records(tmp_path: Path) -> Records:
    rec = Records(tmp_path / "db" / "records.sqlite3")
    yield rec
    rec.close()


def test_upload_roundtrip_and_forget(records: Records) -> None:
    assert records.get_upload("p", "input/a") is None
    records.put_upload("p", "input/a", "/a", 10, 123, "etag1")
    assert records.get_upload("p", "input/a") == UploadRecord("input/a", "/a", 10, 123, "etag1")
    records.put_upload("p", "input/a", "/a", 11, 124, "etag2")  # replace
    assert records.get_upload("p", "input/a") == UploadRecord("input/a", "/a", 11, 124, "etag2")
    assert records.get_upload("other", "input/a") is None
    records.forget_upload("p", "input/a")
    assert records.get_upload("p", "input/a") is None


def test_wal_mode_and_schema_version(records: Records) -> None:
    conn = sqlite3.connect(str(records.path))
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    finally:
        conn.close()
    assert records.schema_version() == SCHEMA_VERSION


def test_batch_lookup_many_keys(records: Records) -> None:
    rows = [UploadRecord(f"input/f{i}", f"/f{i}", i, i * 7, "") for i in range(1234)]
    records.put_uploads("p", rows)
    found = records.get_uploads("p", [f"input/f{i}" for i in range(0, 1300)])
    assert len(found) == 1234
    assert found["input/f1000"] == rows[1000]
    assert records.count_uploads("p") == 1234


def test_forget_platform_and_sample(records: Records) -> None:
    records.put_uploads("p", [UploadRecord(f"k{i}", f"/l{i}", i, i, "") for i in range(20)])
    records.put_upload("q", "k1", "/l1", 1, 1, "")
    sample = records.sample_uploads("p", 3)
    assert len(sample) == 3 and len({s.key for s in sample}) == 3
    assert all(s.key.startswith("k") for s in sample)
    records.forget_platform("p")
    assert records.count_uploads("p") == 0
    assert records.get_upload("q", "k1") is not None


def test_multipart_and_parts(records: Records) -> None:
    records.put_multipart("p", "big", "up1", "/big", 100, 5, 10)
    records.put_part("p", "big", "up1", 1, 10, "e1")
    records.put_part("p", "big", "up1", 2, 10, "e2")
    assert records.get_multipart("p", "big") == MultipartRecord("big", "up1", "/big", 100, 5, 10)
    assert {n: p.etag for n, p in records.get_parts("p", "big", "up1").items()} == {1: "e1", 2: "e2"}
    # a new upload id for the same key replaces the old state and its parts
    records.put_multipart("p", "big", "up2", "/big", 100, 6, 10)
    assert records.get_parts("p", "big", "up1") == {}
    assert records.get_multipart("p", "big").upload_id == "up2"  # type: ignore[union-attr]
    records.drop_multipart("p", "big")
    assert records.get_multipart("p", "big") is None


def test_downloads(records: Records) -> None:
    assert records.get_download("p", "output/x") is None
    records.put_download("p", "output/x", "/dl/x", 5, "e", 99)
    assert records.get_download("p", "output/x") == DownloadRecord("output/x", "/dl/x", 5, "e", 99)
    assert records.get_downloads("p", ["output/x", "output/y"]) == {
        "output/x": DownloadRecord("output/x", "/dl/x", 5, "e", 99)
    }
    records.forget_download("p", "output/x")
    assert records.get_download("p", "output/x") is None


def test_newer_schema_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    Records(path).close()
    conn = sqlite3.connect(str(path))
    conn.execute("UPDATE meta SET value='99' WHERE name='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(RecordsError, match=r"schema version 99.*newer"):
        Records(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RecordsError, match=str(path).replace("\\", "\\\\")):
        Records(path)


def test_one_connection_per_thread(records: Records) -> None:
    errors = []

    def work(t: int) -> None:
        try:
            for i in range(50):
                records.put_upload("p", f"t{t}/{i}", "/x", i, i, "")
                assert records.get_upload("p", f"t{t}/{i}") is not None
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert records.count_uploads("p") == 300


def test_two_processes_write_the_same_db(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    script = (
        "import sys\n"
        "from rfsync_core.transfer.records import Records\n"
        "r = Records(sys.argv[1])\n"
        "for i in range(300):\n"
        "    r.put_upload('p', sys.argv[2] + str(i), '/x', i, i, '')\n"
        "r.close()\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), name]) for name in ("a", "b", "c")]
    assert [p.wait(120) for p in procs] == [0, 0, 0]
    with Records(path) as rec:
        assert rec.count_uploads("p") == 900


def test_platform_id_tells_same_named_platforms_apart() -> None:
    a = SimpleNamespace(name="farm", engine="s3", endpoint="http://a:9000/", bucket="b", prefix="/x/")
    b = SimpleNamespace(name="farm", engine="s3", endpoint="http://other:9000", bucket="b", prefix="x")
    c = SimpleNamespace(name="farm", engine="folder", root="/mnt/a")
    d = SimpleNamespace(name="farm", engine="folder", root="/mnt/b")
    ids = {platform_id(p) for p in (a, b, c, d)}
    assert len(ids) == 4
    assert platform_id(a) == platform_id(SimpleNamespace(**{**vars(a), "endpoint": "http://a:9000"}))
    assert platform_id("given") == "given"


def test_platform_object_and_id_are_interchangeable(records: Records) -> None:
    plat = SimpleNamespace(name="farm", engine="folder", root="/mnt/a")
    records.put_upload(plat, "k", "/l", 1, 2, "")
    assert records.get_upload(platform_id(plat), "k") is not None


def test_closed_records_refuse_use(tmp_path: Path) -> None:
    rec = Records(tmp_path / "r.sqlite3")
    rec.close()
    with pytest.raises(RecordsError, match="closed"):
        rec.get_upload("p", "k")


def test_many_threads_open_a_new_db_at_once(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    errors: list = []
    opened: list = []
    barrier = threading.Barrier(8)

    def open_it() -> None:
        barrier.wait()
        try:
            rec = Records(path)
            rec.put_upload("p", str(threading.get_ident()), "/x", 1, 1, "")
            opened.append(rec)
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert opened[0].count_uploads("p") == 8
    for rec in opened:
        rec.close()
