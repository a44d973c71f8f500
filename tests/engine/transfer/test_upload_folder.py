"""The uploader against a folder platform (the default engine): bytes, records, multipart, resume, cancel."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from upload_util import CountingClient, MiB, assert_same_bytes, disk_state, folder_platform, items_for, make_files

from rfsync_core.client import Client
from rfsync_core.transfer.progress import Progress
from rfsync_core.transfer.records import Records, platform_id
from rfsync_core.transfer.upload import Uploader

SPEC = {"scene/sh 010.ma": 5000, "tex/木目 wood.exr": 100_000, "zero.txt": 0, "big.bin": 5 * MiB + 77}


@pytest.fixture
def farm(tmp_path: Path) -> Path:
    return tmp_path / "farm"


@pytest.fixture
def plat(farm: Path) -> str:
    return folder_platform(farm, multipart_threshold=2 * MiB, min_part_size=1 * MiB)


def test_builtin_local_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "localfarm"))
    files = make_files(tmp_path / "src", {"a b.txt": 10, "ç.bin": 2000})
    result = Uploader(Client()).upload_files(items_for(files, tmp_path / "src"))
    assert result.ok, result.failed
    for local, key in items_for(files, tmp_path / "src"):
        assert_same_bytes(Path(local), tmp_path / "localfarm" / key)


def test_folder_upload_multipart_and_rerun(tmp_path: Path, farm: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", SPEC)
    items = items_for(files, tmp_path / "src")
    result = Uploader(Client(plat), threads=3).upload_files(items)
    assert result.ok, result.failed
    assert result.parts_sent == 6  # 5 MiB + 77 bytes in 1 MiB parts
    for local, key in items:
        assert_same_bytes(Path(local), farm / key)
    before = disk_state(farm)
    client = CountingClient(plat)
    again = Uploader(client).upload_files(items)
    assert again.ok and len(again.skipped) == len(SPEC) and not again.uploaded
    assert client.total("put_file") == 0 and client.total("upload_part") == 0
    assert disk_state(farm) == before


def test_folder_wiped_is_noticed(tmp_path: Path, farm: Path, plat: str) -> None:
    import shutil

    files = make_files(tmp_path / "src", {"a": 10, "b": 20, "c": 30})
    items = items_for(files, tmp_path / "src")
    assert Uploader(Client(plat)).upload_files(items).ok
    shutil.rmtree(farm / "input")
    again = Uploader(Client(plat)).upload_files(items)
    assert len(again.uploaded) == 3
    for local, key in items:
        assert_same_bytes(Path(local), farm / key)


def test_folder_resume_sends_only_missing_parts(tmp_path: Path, farm: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {"big.bin": 6 * MiB})
    items = items_for(files, tmp_path / "src")
    client = Client(plat)
    pid = platform_id(client.platform)
    storage = client.new_storage()
    upload_id = storage.create_multipart(items[0][1])
    for n in (1, 3, 4):  # as if a killed process had sent these
        storage.upload_part(items[0][1], upload_id, n, str(files[0]), (n - 1) * MiB, MiB)
    st = files[0].stat()
    with Records(client.records_path) as rec:
        rec.put_multipart(pid, items[0][1], upload_id, str(files[0]), st.st_size, st.st_mtime_ns, MiB)
    counting = CountingClient(plat)
    result = Uploader(counting).upload_files(items)
    assert result.ok, result.failed
    assert sorted(counting.storages[0].parts) == [2, 5, 6]
    assert result.parts_reused == 3 and result.bytes_sent == 3 * MiB
    assert_same_bytes(files[0], farm / items[0][1])


def test_folder_resume_resends_a_corrupt_part(tmp_path: Path, farm: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {"big.bin": 3 * MiB})
    items = items_for(files, tmp_path / "src")
    client = Client(plat)
    pid = platform_id(client.platform)
    storage = client.new_storage()
    upload_id = storage.create_multipart(items[0][1])
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(b"\0" * MiB)
    storage.upload_part(items[0][1], upload_id, 1, str(wrong), 0, MiB)  # right size, wrong bytes
    st = files[0].stat()
    with Records(client.records_path) as rec:
        rec.put_multipart(pid, items[0][1], upload_id, str(files[0]), st.st_size, st.st_mtime_ns, MiB)
    counting = CountingClient(plat)
    result = Uploader(counting).upload_files(items)
    assert result.ok
    assert sorted(counting.storages[0].parts) == [1, 2, 3]
    assert_same_bytes(files[0], farm / items[0][1])


def test_folder_cancel_is_quick(tmp_path: Path, farm: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {f"f{i}": 300_000 for i in range(20)})
    up = Uploader(Client(plat), threads=4, max_speed=1024)
    out: list = []
    th = threading.Thread(target=lambda: out.append(up.upload_files(items_for(files, tmp_path / "src"))))
    th.start()
    time.sleep(1.0)
    t0 = time.monotonic()
    up.cancel()
    th.join(10)
    assert time.monotonic() - t0 < 3.0
    assert out[0].cancelled
    before = disk_state(farm)
    time.sleep(1.0)
    assert disk_state(farm) == before
    # no temp files are left looking like objects, and only finished files exist under input/
    on_disk = {p.name for p in (farm / "input").glob("*")} if (farm / "input").exists() else set()
    assert on_disk == {Path(p).name for p in out[0].uploaded}


def test_folder_progress_snapshots(tmp_path: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {f"f{i}": 1000 for i in range(10)})
    snaps: list = []

    def cb(p: Progress) -> None:
        snaps.append(p)

    assert Uploader(Client(plat), progress=cb).upload_files(items_for(files, tmp_path / "src")).ok
    assert snaps[-1].finished and snaps[-1].files_done == 10 and snaps[-1].bytes_done == 10_000
    assert all(a.bytes_done <= b.bytes_done for a, b in zip(snaps, snaps[1:]))


def test_a_big_run_keeps_about_one_tracked_object_per_file_alive(tmp_path: Path, plat: str) -> None:
    """Every object that outlives a few collections goes to the interpreter's oldest generation, and enough of
    them start a full collection, which stops every thread of the process (a host's UI too: the panel's stall
    benchmark, ``bench/bench_ui_stall.py``). Queued files are the files' states themselves (one object each),
    not a job tuple per file besides."""
    import gc

    count = 3000
    files = make_files(tmp_path / "src", {f"d{i // 500}/t{i:05d}.bin": 64 for i in range(count)})
    items = items_for(files, tmp_path / "src")
    gc.collect()
    before = {id(o) for o in gc.get_objects()}
    alive: list = []

    def progress(snap: Progress) -> None:
        if not alive and snap.files_done >= count // 10:  # early: most files still queued
            gc.collect()  # only what is really kept alive, not garbage waiting for a collection
            alive.append(sum(1 for o in gc.get_objects() if id(o) not in before))

    result = Uploader(Client(plat), threads=4, progress=progress).upload_files(items)
    assert result.ok and len(result.uploaded) == count
    assert alive and alive[0] < 1.3 * count, f"{alive[0]} new tracked objects for {count} files"
