"""A byte flipped in one range of a ranged download costs a re-read of ranges, not the file (issue 13, point 3).

Before: the whole-file MD5 failed, the ``.part`` was deleted and the file failed (retried only when it
was a resume). Real rclone behind the fault proxy, which flips the first body byte of chosen answers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from faultproxy import FaultProxy
from s3server import S3Server
from upload_util import new_bucket, s3_platform_with

from rfsync_core.client import Client
from rfsync_core.storage.s3 import S3Storage
from rfsync_core.transfer import retry as retry_mod
from rfsync_core.transfer.download import Downloader

MiB = 1024 * 1024
RANGE = 2 * MiB
SIZE = 4 * RANGE + 777
KEY = "output/950_sh/big.exr"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_mod, "INITIAL_WAIT", 0.05)
    monkeypatch.setattr(retry_mod, "MAX_WAIT", 0.2)


@pytest.fixture
def setup(s3_server: S3Server, tmp_path: Path) -> Iterator[Tuple[FaultProxy, Client, bytes]]:
    bucket = new_bucket(s3_server)
    data = os.urandom(SIZE)
    direct = S3Storage(endpoint=s3_server.endpoint, bucket=bucket, prefix="farm", access_key=s3_server.access_key,
                       secret_key=s3_server.secret_key)
    direct.put_bytes(KEY, data)
    direct.close()
    with FaultProxy(s3_server.endpoint) as proxy:
        plat = s3_platform_with(S3Server(endpoint=proxy.endpoint, root=s3_server.root), bucket)
        client = Client(plat)
        yield proxy, client, data
        client.close()


def _download(client: Client, root: Path):  # type: ignore[no-untyped-def]
    seen: List[Tuple[int, int]] = []
    dl = Downloader(client, ranged_threshold=RANGE, range_size=RANGE, range_streams=3, use_records=False,
                    progress=lambda p: seen.append((p.bytes_done, p.bytes_total)))
    result = dl.download_keys([(KEY, "big.exr")], root)
    assert seen and all(done <= total for done, total in seen), seen[-3:]  # a repair is not counted twice
    return result


def _range_gets(proxy: FaultProxy) -> int:
    return sum(1 for r in proxy.requests if r.startswith("GET") and "big.exr" in r)


def test_a_flipped_byte_in_one_range_is_repaired_in_place(setup: Tuple[FaultProxy, Client, bytes],
                                                           tmp_path: Path) -> None:
    proxy, client, data = setup
    proxy.corrupt_response("Range: bytes=0-")  # the first range's answer arrives with a byte flipped
    result = _download(client, tmp_path / "dl")
    assert result.ok, result.failed
    assert proxy.count("corrupt-response") == 1
    assert (tmp_path / "dl" / "big.exr").read_bytes() == data
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["big.exr"]
    # five ranges the first time, then only the bad one again (not the whole file)
    assert _range_gets(proxy) == 5 + 1, proxy.requests


def test_a_bad_middle_range_costs_at_most_the_ranges_before_it(setup: Tuple[FaultProxy, Client, bytes],
                                                                tmp_path: Path) -> None:
    proxy, client, data = setup
    proxy.corrupt_response(f"Range: bytes={2 * RANGE}-")
    result = _download(client, tmp_path / "dl")
    assert result.ok, result.failed
    assert (tmp_path / "dl" / "big.exr").read_bytes() == data
    assert _range_gets(proxy) == 5 + 3, proxy.requests


def test_a_link_that_always_corrupts_ends_in_one_line_and_keeps_the_part(
        setup: Tuple[FaultProxy, Client, bytes], tmp_path: Path) -> None:
    proxy, client, data = setup
    proxy.corrupt_response("Range: bytes=", times=None)
    result = _download(client, tmp_path / "dl")
    assert not result.ok
    ((_key, reason),) = result.failed
    assert "\n" not in reason
    assert "does not match the storage" in reason and "ranges again" in reason, reason
    assert _range_gets(proxy) <= 2 * 5, proxy.requests  # bounded: one pass again, then it stops
    part = tmp_path / "dl" / "big.exr.part"
    assert part.exists() and (tmp_path / "dl" / "big.exr.part.ranges").exists()
    assert not (tmp_path / "dl" / "big.exr").exists()
    proxy.clear()  # the link is fixed: a rerun repairs the kept .part
    before = _range_gets(proxy)
    again = _download(client, tmp_path / "dl")
    assert again.ok, again.failed
    assert (tmp_path / "dl" / "big.exr").read_bytes() == data
    assert again.bytes_received == 0  # every range was on disk: nothing was counted as fetched anew
    assert _range_gets(proxy) - before == 5  # the repair pass, range by range
