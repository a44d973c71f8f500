"""Real upload processes on every S3 server: SIGKILL in the middle of a multipart upload then resume; two
processes, one DB."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from storage_engines import assert_stored
from testpaths import REPO as REPO_ROOT
from testpaths import TESTS
from upload_util import (
    CountingClient,
    MiB,
    items_for,
    make_files,
    new_bucket,
    s3_platform_with,
)

from rfsync_core.client import Client
from rfsync_core.manifest import UploadManifest
from rfsync_core.transfer.records import Records, platform_id
from rfsync_core.transfer.upload import Uploader

CHILD = str(TESTS / "upload_child.py")
ROOT = str(REPO_ROOT)


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def bucket(server: Any) -> str:
    return new_bucket(server)


@pytest.fixture
def plat(server: Any, bucket: str) -> str:
    return s3_platform_with(server, bucket, multipart_threshold=6 * MiB, min_part_size=5 * MiB)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_multipart_then_resume_sends_only_missing_parts(
        tmp_path: Path, server: Any, bucket: str, plat: str) -> None:
    files = make_files(tmp_path / "src", {"huge.bin": 40 * MiB})  # 8 parts of 5 MiB
    items = items_for(files, tmp_path / "src")
    items_file = tmp_path / "items.json"
    items_file.write_text(json.dumps(items), encoding="utf-8")
    client = Client(plat)
    pid = platform_id(client.platform)
    proc = subprocess.Popen([sys.executable, CHILD, plat, str(items_file), "--max-speed", "5120", "--threads", "2"],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done_parts = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
            if not client.records_path.exists():
                continue
            with Records(client.records_path) as rec:
                mp = rec.get_multipart(pid, items[0][1])
                done_parts = len(rec.get_parts(pid, items[0][1], mp.upload_id)) if mp else 0
            if done_parts >= 3:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    assert 3 <= done_parts < 8
    assert server.read(bucket, f"farm/{items[0][1]}") is None  # no complete-looking object

    counting = CountingClient(plat)
    result = Uploader(counting, threads=4).upload_files(items)
    assert result.ok, result.failed
    sent = sorted(counting.storages[0].parts)
    assert result.parts_reused >= done_parts
    assert result.parts_sent == 8 - result.parts_reused == len(sent)
    assert len(sent) <= 8 - done_parts
    assert counting.total("create_multipart") == 0  # the recorded upload was resumed, not restarted
    assert_stored(server, bucket, items[0][1], files[0])
    with Records(client.records_path) as rec:
        assert rec.get_multipart(pid, items[0][1]) is None
        assert rec.get_upload(pid, items[0][1]) is not None


def test_resume_after_upload_vanished_starts_over(tmp_path: Path, server: Any, bucket: str,
                                                  plat: str) -> None:
    files = make_files(tmp_path / "src", {"big.bin": 12 * MiB})
    items = items_for(files, tmp_path / "src")
    client = Client(plat)
    pid = platform_id(client.platform)
    storage = client.new_storage()
    dead = storage.create_multipart(items[0][1])
    storage.abort_multipart(items[0][1], dead)
    st = files[0].stat()
    with Records(client.records_path) as rec:  # a record of an upload the server no longer has
        rec.put_multipart(pid, items[0][1], dead, str(files[0]), st.st_size, st.st_mtime_ns, 5 * MiB)
    counting = CountingClient(plat)
    result = Uploader(counting).upload_files(items)
    assert result.ok, result.failed
    assert counting.total("create_multipart") == 1 and result.parts_sent == 3
    assert_stored(server, bucket, items[0][1], files[0])


def test_changed_file_does_not_resume_old_upload(tmp_path: Path, server: Any, bucket: str,
                                                 plat: str) -> None:
    files = make_files(tmp_path / "src", {"big.bin": 12 * MiB})
    items = items_for(files, tmp_path / "src")
    client = Client(plat)
    pid = platform_id(client.platform)
    storage = client.new_storage()
    old = storage.create_multipart(items[0][1])
    storage.upload_part(items[0][1], old, 1, str(files[0]), 0, 5 * MiB)
    with Records(client.records_path) as rec:  # recorded for an older version of the file
        rec.put_multipart(pid, items[0][1], old, str(files[0]), 12 * MiB, 1, 5 * MiB)
    counting = CountingClient(plat)
    result = Uploader(counting).upload_files(items)
    assert result.ok and result.parts_reused == 0 and result.parts_sent == 3
    assert counting.total("create_multipart") == 1
    assert_stored(server, bucket, items[0][1], files[0])


N_FILES = 20
"""Files per process: enough for both to write records at once (with 40, Ceph RGW took 5.5 s, rclone 0.6 s)."""


def test_two_processes_share_the_records_db(tmp_path: Path, server: Any, bucket: str, plat: str) -> None:
    procs = []
    all_files = []
    for name in ("one", "two"):
        files = make_files(tmp_path / name, {f"{name}_{i}.bin": 20_000 + i for i in range(N_FILES)})
        all_files += files
        manifest = UploadManifest(scene=[], asset=[{"local": str(p), "server": f"/proj/{name}/{p.name}"}
                                                  for p in files], extra={})
        path = tmp_path / f"upload_{name}.json"
        manifest.save(path)
        procs.append(subprocess.Popen([sys.executable, CHILD, plat, str(path), "--threads", "4"], env=_env(),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1].decode()[-2000:] for o in outs]
    for out, _err in outs:
        assert len(json.loads(out.decode().strip().splitlines()[-1])["uploaded"]) == N_FILES
    for p in all_files:
        assert_stored(server, bucket, f"input/proj/{p.parent.name}/{p.name}", p)
    client = Client(plat)
    with Records(client.records_path) as rec:
        assert rec.count_uploads(platform_id(client.platform)) == 2 * N_FILES
