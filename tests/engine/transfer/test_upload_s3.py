"""The uploader against every real S3 server (rclone, moto, Ceph RGW through the ``server`` fixture): bytes
on the server, records, errors."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, List

import pytest
from conftest import write_platforms
from s3server import S3Server
from storage_engines import assert_stored
from upload_util import (
    CountingClient,
    MiB,
    folder_platform,
    items_for,
    make_files,
    new_bucket,
    s3_platform_with,
    wipe_bucket,
)

from rfsync_core.client import Client
from rfsync_core.errors import TransferCancelled, TransferError
from rfsync_core.transfer.progress import Progress
from rfsync_core.transfer.records import Records, platform_id
from rfsync_core.transfer.upload import Uploader, UploadResult, part_size_for

SPEC = {
    "scene/shot 010.ma": 3000,
    "tex/wood.exr": 70_000,
    "tex/ünïcödé 名前.tx": 1234,
    "empty.txt": 0,
    "deep/a/b/c/d.bin": 300_000,
}


@pytest.fixture
def s3_bucket(server: Any) -> str:
    return new_bucket(server)


@pytest.fixture
def plat(server: Any, s3_bucket: str) -> str:
    return s3_platform_with(server, s3_bucket, multipart_threshold=6 * MiB, min_part_size=5 * MiB)


def check_all_on_server(server: Any, bucket: str, files: List[Path], base: Path) -> None:
    for local, key in items_for(files, base):
        assert_stored(server, bucket, key, Path(local))


def test_uploads_small_files_byte_identical(tmp_path: Path, server: Any, s3_bucket: str, plat: str) -> None:
    files = make_files(tmp_path / "src", SPEC)
    snaps: List[Progress] = []
    result = Uploader(Client(plat), progress=snaps.append).upload_files(items_for(files, tmp_path / "src"))
    assert result.ok, result.failed
    assert sorted(result.uploaded) == sorted(str(p) for p in files)
    assert result.bytes_sent == sum(SPEC.values())
    check_all_on_server(server, s3_bucket, files, tmp_path / "src")
    final = snaps[-1]
    assert final.finished and final.files_done == len(SPEC) and final.bytes_done == final.bytes_total


def test_multipart_upload_byte_identical(tmp_path: Path, server: Any, s3_bucket: str, plat: str) -> None:
    client = CountingClient(plat)
    part = client.new_storage().min_part_size  # a part size every server accepts (AWS: 5 MiB but the last)
    files = make_files(tmp_path / "src", {"big.bin": 3 * part + 2 * MiB + 123, "small.bin": 10})
    result = Uploader(client, threads=4).upload_files(items_for(files, tmp_path / "src"))
    assert result.ok, result.failed
    assert result.parts_sent == 4
    assert sorted(n for st in client.storages for n in st.parts) == [1, 2, 3, 4]
    assert client.total("put_file") == 1
    check_all_on_server(server, s3_bucket, files, tmp_path / "src")
    with Records(client.records_path) as rec:
        assert rec.get_multipart(platform_id(client.platform), "input/big.bin") is None  # dropped when done
        assert rec.get_upload(platform_id(client.platform), "input/big.bin") is not None


def test_rerun_skips_unchanged_without_requests(tmp_path: Path, server: Any, s3_bucket: str,
                                                plat: str) -> None:
    files = make_files(tmp_path / "src", SPEC)
    items = items_for(files, tmp_path / "src")
    assert Uploader(Client(plat)).upload_files(items).ok
    before = {k: server.stamp(s3_bucket, f"farm/{k}") for _l, k in items}
    client = CountingClient(plat)
    again = Uploader(client).upload_files(items)
    assert again.ok and again.uploaded == [] and sorted(again.skipped) == sorted(str(p) for p in files)
    assert client.total("put_file") == 0
    assert client.total("head") <= 3  # only the sample
    assert {k: server.stamp(s3_bucket, f"farm/{k}") for _l, k in items} == before
    # a changed file (new mtime) is sent again, the others still skipped
    os.utime(files[0], ns=(files[0].stat().st_atime_ns, files[0].stat().st_mtime_ns + 5_000_000_000))
    third = Uploader(Client(plat)).upload_files(items)
    assert third.uploaded == [str(files[0])] and len(third.skipped) == len(files) - 1


def test_no_db_uploads_everything(tmp_path: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {"a": 10, "b": 20})
    items = items_for(files, tmp_path / "src")
    assert Uploader(Client(plat), use_records=False).upload_files(items).ok
    second = Uploader(Client(plat), use_records=False).upload_files(items)
    assert len(second.uploaded) == 2 and second.skipped == []
    third = Uploader(Client(plat)).upload_files(items)  # nothing was recorded by the no-db runs
    assert len(third.uploaded) == 2


def test_wiped_bucket_noticed_by_sampling(tmp_path: Path, server: Any, s3_bucket: str, plat: str) -> None:
    files = make_files(tmp_path / "src", {f"f{i}.bin": 100 + i for i in range(6)})
    items = items_for(files, tmp_path / "src")
    assert Uploader(Client(plat)).upload_files(items).ok
    assert wipe_bucket(server, s3_bucket) == 6
    again = Uploader(Client(plat)).upload_files(items)
    assert again.ok and len(again.uploaded) == 6 and again.skipped == []
    check_all_on_server(server, s3_bucket, files, tmp_path / "src")


def test_recheck_heads_every_file(tmp_path: Path, server: Any, s3_bucket: str, plat: str) -> None:
    files = make_files(tmp_path / "src", {f"f{i}.bin": 100 + i for i in range(5)})
    items = items_for(files, tmp_path / "src")
    assert Uploader(Client(plat)).upload_files(items).ok
    # one object removed behind our back; sampling may miss it, a full re-check may not
    server.client().delete_object(Bucket=s3_bucket, Key="farm/" + items[2][1])
    client = CountingClient(plat)
    result = Uploader(client, recheck=True).upload_files(items)
    assert result.ok and result.uploaded == [items[2][0]] and len(result.skipped) == 4
    assert client.total("head") == 5
    check_all_on_server(server, s3_bucket, files, tmp_path / "src")


def test_recheck_without_records_uses_md5(tmp_path: Path, server: Any, s3_bucket: str, plat: str) -> None:
    files = make_files(tmp_path / "src", {"a.bin": 1000, "b.bin": 2000})
    items = items_for(files, tmp_path / "src")
    assert Uploader(Client(plat), use_records=False).upload_files(items).ok
    files[1].write_bytes(b"x" * 2000)  # same size, other content: must be sent again
    result = Uploader(Client(plat), recheck=True).upload_files(items)
    assert result.skipped == [items[0][0]] and result.uploaded == [items[1][0]]
    check_all_on_server(server, s3_bucket, files, tmp_path / "src")


def test_missing_and_unreadable_files_reported_together(tmp_path: Path, server: Any, s3_bucket: str,
                                                        plat: str) -> None:
    files = make_files(tmp_path / "src", {"ok1": 10, "ok2": 20})
    fifo = tmp_path / "src" / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "src" / "adir").mkdir()
    items = [
        *items_for(files, tmp_path / "src"),
        (str(tmp_path / "src" / "missing.exr"), "input/missing.exr"),
        (str(fifo), "input/pipe"),
        (str(tmp_path / "src" / "adir"), "input/adir"),
        ("relative/path.exr", "input/rel"),
    ]
    result = Uploader(Client(plat)).upload_files(items)
    assert len(result.uploaded) == 2
    reasons = dict(result.failed)
    assert set(reasons) == {str(tmp_path / "src" / "missing.exr"), str(fifo), str(tmp_path / "src" / "adir"),
                            "relative/path.exr"}
    assert "not found" in reasons[str(tmp_path / "src" / "missing.exr")]
    assert "regular file" in reasons[str(fifo)]
    assert "folder" in reasons[str(tmp_path / "src" / "adir")]
    assert "absolute" in reasons["relative/path.exr"]
    for local, reason in result.failed:
        assert local in reason and "\n" not in reason
    with pytest.raises(TransferError) as info:
        result.raise_for_failures()
    assert len(info.value.failures) == 4
    check_all_on_server(server, s3_bucket, files, tmp_path / "src")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_permission_denied_file(tmp_path: Path) -> None:  # pragma: no cover - not run as root
    """On a folder platform: the file fails before any storage is asked, so no server has anything to add."""
    plat = folder_platform(tmp_path / "farm")
    files = make_files(tmp_path / "src", {"secret": 10})
    files[0].chmod(0)
    result = Uploader(Client(plat)).upload_files(items_for(files, tmp_path / "src"))
    assert "permission denied" in result.failed[0][1]


def test_same_key_twice_from_different_files(tmp_path: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {"a": 10, "b": 10})
    result = Uploader(Client(plat)).upload_files([(str(files[0]), "input/x"), (str(files[1]), "input/x"),
                                                  (str(files[0]), "input/x")])
    assert result.uploaded == [str(files[0])]
    assert result.failed and "same storage key" in result.failed[0][1]


def test_bad_credentials_fail_fast_with_a_clear_message(tmp_path: Path, plat: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    files = make_files(tmp_path / "src", {f"f{i}": 10 for i in range(30)})
    monkeypatch.setenv("RFSYNC_SECRET_KEY", "wrong-secret-000")
    client = CountingClient(plat)
    result = Uploader(client, threads=2).upload_files(items_for(files, tmp_path / "src"))
    assert len(result.failed) == 30 and not result.uploaded
    assert all("AccessDenied" in r or "SignatureDoesNotMatch" in r or "credentials" in r.lower()
               or "access key" in r for _l, r in result.failed)
    assert all("wrong-secret-000" not in r for _l, r in result.failed)
    assert client.total("put_file") <= 4 + 2  # the rest were not attempted: one failure stops the run
    assert any("not uploaded" in r for _l, r in result.failed)


def test_unknown_bucket(tmp_path: Path, server: Any) -> None:
    plat = s3_platform_with(server, "nosuchbucket-rfsync")
    files = make_files(tmp_path / "src", {"a": 10})
    result = Uploader(Client(plat)).upload_files(items_for(files, tmp_path / "src"))
    assert len(result.failed) == 1
    assert "nosuchbucket-rfsync" in result.failed[0][1]


def test_stop_on_error(tmp_path: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {f"f{i}": 10 for i in range(50)})
    items = [(str(tmp_path / "nope"), "input/nope"), *items_for(files, tmp_path / "src")]
    result = Uploader(Client(plat), stop_on_error=True, threads=2).upload_files(items)
    # the missing file fails in the plan; nothing is uploaded after the first failure is seen
    assert result.failed[0][0] == str(tmp_path / "nope")
    assert result.uploaded == [] and len(result.failed) == 51
    assert all("not uploaded: stopped after an earlier failure" in r for _l, r in result.failed[1:])


def test_file_changed_during_upload_is_retried_once(tmp_path: Path, server: Any, s3_bucket: str,
                                                     plat: str) -> None:
    files = make_files(tmp_path / "src", {"growing.bin": 600_000})
    touched = []

    def progress(p: Progress) -> None:
        if p.bytes_done > 0 and not touched:
            touched.append(1)
            st = files[0].stat()
            os.utime(files[0], ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))

    up = Uploader(Client(plat), max_speed=600, progress=progress)  # ~1 s of sending
    result = up.upload_files(items_for(files, tmp_path / "src"))
    assert touched and result.ok, result.failed
    assert_stored(server, s3_bucket, "input/growing.bin", files[0])
    with Records(Client(plat).records_path) as rec:
        got = rec.get_upload(platform_id(Client(plat).platform), "input/growing.bin")
        assert got is not None and got.mtime_ns == files[0].stat().st_mtime_ns


def test_file_that_keeps_changing_fails_and_is_not_recorded(tmp_path: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {"busy.bin": 400_000})
    lock = threading.Lock()

    def progress(p: Progress) -> None:
        if p.bytes_done > 0:
            with lock, open(files[0], "ab") as fh:
                fh.write(b"more")

    result = Uploader(Client(plat), max_speed=400, progress=progress).upload_files(items_for(files, tmp_path / "src"))
    assert len(result.failed) == 1 and "changed" in result.failed[0][1]
    with Records(Client(plat).records_path) as rec:
        assert rec.get_upload(platform_id(Client(plat).platform), "input/busy.bin") is None


def test_file_deleted_mid_upload(tmp_path: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {"gone.bin": 400_000, "stays.bin": 100})

    def progress(p: Progress) -> None:
        if p.bytes_done > 1000 and files[0].exists():
            files[0].unlink()

    result = Uploader(Client(plat), max_speed=400, threads=1, progress=progress).upload_files(
        items_for(files, tmp_path / "src"))
    reasons = dict(result.failed)
    assert str(files[0]) in reasons and "deleted" in reasons[str(files[0])]
    assert result.uploaded == [str(files[1])]
    with Records(Client(plat).records_path) as rec:
        assert rec.get_upload(platform_id(Client(plat).platform), "input/gone.bin") is None


def test_records_do_not_mix_platforms_with_the_same_name(tmp_path: Path, server: Any) -> None:
    files = make_files(tmp_path / "src", {"a.bin": 100})
    items = items_for(files, tmp_path / "src")
    b1, b2 = new_bucket(server), new_bucket(server)
    s3_platform_with(server, b1, name="farm")
    assert Uploader(Client("farm")).upload_files(items).uploaded
    s3_platform_with(server, b2, name="farm")  # same name, other bucket
    second = Uploader(Client("farm")).upload_files(items)
    assert second.uploaded == [str(files[0])]
    assert_stored(server, b2, "input/a.bin", files[0])


def test_cancelled_result_raises(tmp_path: Path, plat: str) -> None:
    up = Uploader(Client(plat))
    up.cancel()
    result = up.upload_files(items_for(make_files(tmp_path / "src", {"a": 1}), tmp_path / "src"))
    assert result.cancelled and not result.uploaded and not result.ok
    with pytest.raises(TransferCancelled):
        result.raise_for_failures()


def test_part_size_rule() -> None:
    assert part_size_for(10 * MiB, 5 * MiB) == 5 * MiB
    assert part_size_for(100 * 1024 * MiB, 5 * MiB) == 11 * MiB  # 100 GiB / 10000 → 10.24 MiB → 11 MiB
    big = 5 * 1024 * 1024 * MiB  # 5 TiB
    assert -(-big // part_size_for(big, 5 * MiB)) <= 10000


def test_platforms_helper_round_trip(tmp_path: Path, s3_server: S3Server) -> None:
    # write_platforms is the conftest helper; make sure options reach the engine
    write_platforms(Path(os.environ["RFSYNC_CONFIG_DIR"]), {"opt": {
        "engine": "s3", "endpoint": s3_server.endpoint, "bucket": "x", "multipart_threshold": 7 * MiB}})
    os.environ["RFSYNC_ACCESS_KEY"] = s3_server.access_key
    os.environ["RFSYNC_SECRET_KEY"] = s3_server.secret_key
    assert Client("opt").new_storage().multipart_threshold == 7 * MiB


def test_upload_result_merge() -> None:
    a = UploadResult(uploaded=["x"], bytes_sent=3)
    a.merge(UploadResult(skipped=["y"], failed=[("z", "z: bad")], bytes_sent=4, cancelled=False))
    assert (a.uploaded, a.skipped, a.failed, a.bytes_sent) == (["x"], ["y"], [("z", "z: bad")], 7)


def test_sampling_error_does_not_forget_records(tmp_path: Path, server: Any, s3_bucket: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    plat = s3_platform_with(server, s3_bucket)
    files = make_files(tmp_path / "src", {f"f{i}": 10 for i in range(3)})
    items = items_for(files, tmp_path / "src")
    assert Uploader(Client(plat)).upload_files(items).ok
    monkeypatch.setenv("RFSYNC_SECRET_KEY", "wrong-secret-000")
    bad = Uploader(Client(plat)).upload_files(items)
    assert bad.failed and not bad.skipped  # not vouched for by the server: not skipped
    monkeypatch.setenv("RFSYNC_SECRET_KEY", server.secret_key)
    good = Uploader(Client(plat)).upload_files(items)
    assert len(good.skipped) == 3  # the records survived the failed run
