"""Cancel (token, cancel(), callback returning False) and the shared bandwidth cap, on every real S3 server."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, List

import pytest
from upload_util import MiB, items_for, make_files, new_bucket, s3_platform_with

from rfsync_core.client import Client
from rfsync_core.transfer.progress import CancelToken, Progress
from rfsync_core.transfer.records import Records, platform_id
from rfsync_core.transfer.throttle import TokenBucket
from rfsync_core.transfer.upload import Uploader


@pytest.fixture
def bucket(server: Any) -> str:
    return new_bucket(server)


@pytest.fixture
def plat(server: Any, bucket: str) -> str:
    return s3_platform_with(server, bucket, multipart_threshold=6 * MiB, min_part_size=5 * MiB)


def _run_in_thread(up: Uploader, items: list) -> tuple:
    out: list = []
    th = threading.Thread(target=lambda: out.append(up.upload_files(items)))
    th.start()
    return th, out


def test_cancel_stops_within_a_second_and_server_folder_stops_changing(
        tmp_path: Path, server: Any, bucket: str, plat: str) -> None:
    files = make_files(tmp_path / "src", {**{f"s{i}.bin": 200_000 for i in range(20)}, "big.bin": 12 * MiB})
    items = items_for(files, tmp_path / "src")
    up = Uploader(Client(plat), threads=4, max_speed=2048)  # 2 MiB/s: ~8 s for everything
    th, out = _run_in_thread(up, items)
    time.sleep(1.5)
    t0 = time.monotonic()
    up.cancel()
    th.join(10)
    assert not th.is_alive()
    assert time.monotonic() - t0 < 3.0
    result = out[0]
    assert result.cancelled and not result.ok
    assert len(result.uploaded) < len(files)
    before = server.state(bucket)  # objects and unfinished uploads' parts (rclone: its folder, temp files too)
    time.sleep(1.5)
    assert server.state(bucket) == before  # no more bytes reach the server
    client = Client(plat)
    with Records(client.records_path) as rec:
        recorded = {r for r in (rec.get_upload(platform_id(client.platform), k) for _l, k in items) if r}
    assert {r.local for r in recorded} == set(result.uploaded)  # cancelled files are never recorded


def test_callback_returning_false_cancels(tmp_path: Path, plat: str) -> None:
    files = make_files(tmp_path / "src", {f"s{i}.bin": 100_000 for i in range(30)})
    seen: List[Progress] = []

    def progress(p: Progress) -> bool:
        seen.append(p)
        return p.bytes_done < 300_000

    result = Uploader(Client(plat), threads=2, max_speed=1024, progress=progress).upload_files(
        items_for(files, tmp_path / "src"))
    assert result.cancelled
    assert len(result.uploaded) < 30
    assert seen[-1].finished and seen[-1].cancelled


def test_shared_token_cancels_before_start(tmp_path: Path, plat: str) -> None:
    token = CancelToken()
    token.cancel()
    result = Uploader(Client(plat), cancel=token).upload_files(
        items_for(make_files(tmp_path / "src", {"a": 10}), tmp_path / "src"))
    assert result.cancelled and result.uploaded == []


def test_cap_holds_across_eight_threads(tmp_path: Path, plat: str) -> None:
    # generous bounds here; precise numbers belong in bench/
    files = make_files(tmp_path / "src", {f"s{i}.bin": 256 * 1024 for i in range(16)})  # 4 MiB total
    cap_kb = 2048  # 2 MiB/s → about 2 s
    start = time.monotonic()
    result = Uploader(Client(plat), threads=8, max_speed=cap_kb).upload_files(items_for(files, tmp_path / "src"))
    elapsed = time.monotonic() - start
    assert result.ok
    rate = result.bytes_sent / elapsed
    assert rate < cap_kb * 1024 * 1.25, f"{rate / 1024:.0f} KB/s exceeds the {cap_kb} KB/s cap"
    assert rate > cap_kb * 1024 * 0.4


def test_one_bucket_shared_by_two_uploaders(tmp_path: Path, plat: str) -> None:
    bucket = TokenBucket(1024 * 1024.0)  # 1 MiB/s for both together
    files_a = make_files(tmp_path / "a", {f"a{i}": 128 * 1024 for i in range(8)})
    files_b = make_files(tmp_path / "b", {f"b{i}": 128 * 1024 for i in range(8)})
    ups = [Uploader(Client(plat), bucket=bucket, threads=4) for _ in range(2)]
    start = time.monotonic()
    threads = [threading.Thread(target=ups[0].upload_files, args=(items_for(files_a, tmp_path),)),
               threading.Thread(target=ups[1].upload_files, args=(items_for(files_b, tmp_path),))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 2 MiB through one 1 MiB/s bucket takes ~2 s; two separate caps would take ~1 s
    assert time.monotonic() - start > 1.5
