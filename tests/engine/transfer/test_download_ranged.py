"""Big files over parallel ranged GETs: byte-identical, resumable range by range, cancellable, and
the small-file path's adaptive concurrency gate."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from download_helpers import client, farm_platform  # noqa: F401

from rfsync_core.client import Client
from rfsync_core.testing.farm_emulator import writer_for
from rfsync_core.transfer.download import Downloader
from rfsync_core.transfer.download.gate import ConcurrencyGate
from rfsync_core.transfer.download.ranged import plan_ranges

MiB = 1024 * 1024
SIZE = 6 * MiB + 12345
KEY = "output/901_sh/big.exr"


def _ranged(c: Client, **kw: object) -> Downloader:
    return Downloader(c, ranged_threshold=1 * MiB, range_size=1 * MiB, range_streams=3, **kw)  # type: ignore[arg-type]


def test_plan_ranges_cover_the_file_once() -> None:
    ranges = plan_ranges(SIZE, MiB)
    assert ranges[0][0] == 0 and ranges[-1][1] == SIZE
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert plan_ranges(0, MiB) == []


def test_big_file_over_ranges_is_byte_identical(client: Client, tmp_path: Path) -> None:  # noqa: F811
    data = os.urandom(SIZE)
    writer_for(client.platform).put(KEY, data)
    result = _ranged(client).download_keys([(KEY, "big.exr")], tmp_path / "dl")
    assert result.ok, result.failed
    assert (tmp_path / "dl" / "big.exr").read_bytes() == data
    assert result.bytes_received == SIZE
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["big.exr"]  # no .part, no sidecar left


def test_interrupted_ranged_download_resumes_only_missing_bytes(client: Client, tmp_path: Path) -> None:  # noqa: F811
    data = os.urandom(SIZE)
    writer_for(client.platform).put(KEY, data)
    root = tmp_path / "dl"
    first = _ranged(client, max_speed=2048)  # 2 MiB/s: about a third arrives before the cancel
    threading.Timer(1.0, first.cancel).start()
    result = first.download_keys([(KEY, "big.exr")], root)
    assert result.cancelled
    part, state = root / "big.exr.part", root / "big.exr.part.ranges"
    assert part.exists() and state.exists()
    assert not (root / "big.exr").exists()
    done = json.loads(state.read_text())["done"]
    have = sum(done.values())
    assert 0 < have < SIZE
    got = part.read_bytes()
    for start, n in done.items():  # what the sidecar claims is really there
        assert got[int(start):int(start) + n] == data[int(start):int(start) + n]

    again = _ranged(client).download_keys([(KEY, "big.exr")], root)
    assert again.ok, again.failed
    assert (root / "big.exr").read_bytes() == data
    assert again.bytes_received == SIZE - have
    assert not part.exists() and not state.exists()


def test_sidecar_of_another_version_is_not_trusted(client: Client, tmp_path: Path) -> None:  # noqa: F811
    data = os.urandom(SIZE)
    writer_for(client.platform).put(KEY, data)
    root = tmp_path / "dl"
    root.mkdir()
    (root / "big.exr.part").write_bytes(b"x" * SIZE)
    (root / "big.exr.part.ranges").write_text(json.dumps(
        {"size": SIZE, "etag": "0" * 32, "range": MiB, "done": {"0": MiB}}))
    result = _ranged(client).download_keys([(KEY, "big.exr")], root)
    assert result.ok, result.failed
    assert (root / "big.exr").read_bytes() == data
    assert result.bytes_received == SIZE


def test_cancel_stops_a_ranged_download_within_a_second(client: Client, tmp_path: Path) -> None:  # noqa: F811
    writer_for(client.platform).put(KEY, os.urandom(SIZE))
    dl = _ranged(client, max_speed=256)
    threading.Timer(1.0, dl.cancel).start()
    t0 = time.monotonic()
    result = dl.download_keys([(KEY, "big.exr")], tmp_path / "dl")
    assert result.cancelled and not result.ok
    assert time.monotonic() - t0 < 3.5
    assert not (tmp_path / "dl" / "big.exr").exists()


def test_gate_shrinks_when_cpu_bound_and_grows_when_idle() -> None:
    """The gate's rule on a given CPU/wall history (the process's real CPU use is too noisy to script)."""
    now = {"wall": 0.0, "cpu": 0.0}
    gate = ConcurrencyGate(8, start=4, minimum=2, clock=lambda: now["wall"], cpu_seconds=lambda: now["cpu"])
    stop = threading.Event()
    now["wall"] += 0.3
    now["cpu"] += 0.3  # one full core: CPU-bound
    assert gate.adjust() == pytest.approx(1.0)
    assert gate.limit == 2
    now["wall"] += 0.3
    now["cpu"] += 0.03  # waiting on the network
    assert gate.adjust() == pytest.approx(0.1)
    assert gate.limit == 3
    assert gate.enter(stop) and gate.enter(stop) and gate.enter(stop)
    stop.set()
    assert gate.enter(stop) is False  # full and stopped: gives up instead of waiting forever
    for _ in range(3):
        gate.leave()


def test_gate_measures_the_real_process_cpu() -> None:
    gate = ConcurrencyGate(8)
    end = time.monotonic() + 0.2
    while time.monotonic() < end:
        sum(range(1000))
    assert gate.adjust() > 0.0
