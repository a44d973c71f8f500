"""A server that goes away ends the run: one line, nothing recorded, in about the watch's window.

Before: each file retried on its own, so 503s to everything cost ``files × retries`` and the run went
on (issue 13, point 2: 1,834 files still queued after 120 s).
On rclone only: the faults come from tests/faultproxy.py, which models the network, not the server.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from download_helpers import emulator, submit
from faultproxy import FaultProxy
from s3server import S3Server
from upload_util import items_for, make_files, new_bucket, s3_platform_with

from rfsync_core.cli.main import main
from rfsync_core.client import Client
from rfsync_core.manifest import UploadManifest
from rfsync_core.testing.farm_emulator import writer_for
from rfsync_core.transfer import retry as retry_mod
from rfsync_core.transfer import watch as watch_mod
from rfsync_core.transfer.download import Downloader
from rfsync_core.transfer.records import Records, platform_id
from rfsync_core.transfer.upload import Uploader

FILES = {f"f{i:02d}.bin": 1000 for i in range(40)}


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_mod, "INITIAL_WAIT", 0.2)
    monkeypatch.setattr(retry_mod, "MAX_WAIT", 1.0)
    monkeypatch.setattr(watch_mod, "DEAD_SERVER_WINDOW", 2.0)


@pytest.fixture
def proxy(s3_server: S3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint) as p:
        yield p


@pytest.fixture
def plat(s3_server: S3Server, proxy: FaultProxy) -> str:
    via = S3Server(endpoint=proxy.endpoint, root=s3_server.root)
    return s3_platform_with(via, new_bucket(s3_server), read_timeout=3.0)


@pytest.mark.parametrize("fault", ["503", "refused"])
def test_dead_server_stops_the_upload_with_one_line(tmp_path: Path, proxy: FaultProxy, plat: str,
                                                    fault: str) -> None:
    files = make_files(tmp_path / "src", FILES)
    if fault == "503":
        proxy.fail_next(None, 503)
    else:
        proxy.refuse(True)
    client = Client(plat)
    start = time.monotonic()
    # 40 files × 6 attempts (≥ 3 s of backoff each) over 2 threads would take minutes
    result = Uploader(client, threads=2, retry_attempts=6, retry_max_delay=60).upload_files(
        items_for(files, tmp_path / "src"))
    assert time.monotonic() - start < 30
    assert result.stopped.startswith(f"the server at {proxy.endpoint} has not answered for 2 s: ")
    assert result.stopped.endswith("; 40 files not sent, run again to resume")
    assert not result.uploaded and len(result.failed) == 40 and not result.ok
    with Records(client.records_path) as rec:
        assert rec.count_uploads(platform_id(client.platform)) == 0


def test_a_server_that_answers_sometimes_is_not_dead(tmp_path: Path, proxy: FaultProxy, plat: str) -> None:
    files = make_files(tmp_path / "src", {"a.bin": 1000, "b.bin": 2000, "c.bin": 10})
    proxy.fail_next(3, 503)
    result = Uploader(Client(plat), threads=1).upload_files(items_for(files, tmp_path / "src"))
    assert result.ok and not result.stopped, result.failed


def test_cli_upload_exits_nonzero_with_one_stopped_line(tmp_path: Path, proxy: FaultProxy, plat: str,
                                                         capsys: pytest.CaptureFixture) -> None:
    files = make_files(tmp_path / "src", FILES)
    m = tmp_path / "u.json"
    UploadManifest(asset=[{"local": str(p), "server": "/D/proj/" + p.name} for p in files]).save(m)
    proxy.fail_next(None, 503)
    assert main(["upload", str(m), "-p", plat, "--threads", "2", "-q"]) == 1
    out = capsys.readouterr().out
    stopped = [line for line in out.splitlines() if "has not answered" in line]
    assert len(stopped) == 1 and "40 files not sent, run again to resume" in stopped[0]
    assert "FAILED" not in out


@pytest.mark.parametrize("fault", ["503", "refused"])
def test_dead_server_stops_the_download_with_one_line(tmp_path: Path, proxy: FaultProxy, plat: str,
                                                      fault: str) -> None:
    files = make_files(tmp_path / "src", FILES)
    items = items_for(files, tmp_path / "src")
    client = Client(plat)
    assert Uploader(client, threads=4).upload_files(items).ok
    if fault == "503":
        proxy.fail_next(None, 503)
    else:
        proxy.refuse(True)
    start = time.monotonic()
    result = Downloader(client, threads=2).download_keys([(key, Path(key).name) for _local, key in items],
                                                         local_path=tmp_path / "out")
    assert time.monotonic() - start < 30
    assert result.stopped.startswith(f"the server at {proxy.endpoint} has not answered for 2 s: ")
    assert result.stopped.endswith("; 40 files not sent, run again to resume")
    assert not result.downloaded and not result.ok
    out = tmp_path / "out"
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file() and not p.name.endswith(".part")]


def test_dead_server_ends_auto_download_polls(tmp_path: Path, proxy: FaultProxy, plat: str) -> None:
    client = Client(plat)
    submit(client, "611", frames="1-2")
    emulator(client, "611", stop_after=1).run()
    writer = writer_for(client.platform)
    doc = json.loads(writer.get("tasks/611/status.json") or b"{}")
    doc["state"] = "rendering"  # a task still running: auto-download keeps polling
    doc["frames"][1]["state"] = "rendering"
    writer.put("tasks/611/status.json", json.dumps(doc).encode())
    box: dict = {}

    def go() -> None:
        box["result"] = Downloader(client).auto_download(["611"], tmp_path / "dl", sleep_time=0.2)

    worker = threading.Thread(target=go, daemon=True)
    worker.start()
    deadline = time.monotonic() + 20
    frame1 = tmp_path / "dl" / "611_sh010" / "masterLayer" / "sh010.0001.exr"
    while time.monotonic() < deadline and not frame1.exists():
        time.sleep(0.05)
    proxy.fail_next(None, 503)  # the server goes away while the task still renders
    worker.join(timeout=60)
    assert not worker.is_alive()
    result = box["result"]
    assert result.stopped.startswith(f"the server at {proxy.endpoint} has not answered for 2 s: ")
    assert len(result.downloaded) == 1  # frame 1 arrived before the outage
