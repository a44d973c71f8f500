"""Worker processes (``processes=2``) against the real rclone S3 server: what holds for threads holds
across processes — confirmed files only recorded, one shared cap, cancel with no orphans, a worker
crash reported per file and resumed, a killed parent whose workers exit, downloads verified."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Set, Tuple

import psutil
import pytest
from s3server import S3Server
from testpaths import REPO as REPO_ROOT
from upload_util import make_files, on_s3_disk

from rfsync_core.client import Client
from rfsync_core.manifest import UploadManifest
from rfsync_core.transfer.download import Downloader
from rfsync_core.transfer.download.result import record_key
from rfsync_core.transfer.procs import CRASH_ENV
from rfsync_core.transfer.progress import Progress
from rfsync_core.transfer.records import Records, platform_id
from rfsync_core.transfer.upload import Uploader

KiB = 1024


def small_files(folder: Path, count: int, size: int = 4 * KiB) -> List[Tuple[str, str]]:
    files = make_files(folder, {f"d{i // 40}/f{i:04d}.exr": size for i in range(count)})
    return [(str(p), f"input/w/{p.parent.name}/{p.name}") for p in files]


def recorded_keys(client: Client) -> Set[str]:
    with Records(client.records_path) as rec:
        got = rec.get_uploads(platform_id(client.platform), [f"input/w/d{i // 40}/f{i:04d}.exr" for i in range(400)])
    return set(got)


def on_server(server: S3Server, bucket: str, key: str) -> Path:
    return on_s3_disk(server, bucket, key)


def workers_of(pid: int) -> List[psutil.Process]:
    """The spawned workers of ``pid`` (not multiprocessing's resource tracker, which lives with the parent)."""
    found = []
    try:
        for child in psutil.Process(pid).children(recursive=True):
            try:
                if "spawn_main" in " ".join(child.cmdline()):
                    found.append(child)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                pass
    except psutil.NoSuchProcess:
        pass
    return found


def test_upload_in_workers_records_only_confirmed_and_rerun_skips(
        tmp_path: Path, s3_server: S3Server, s3_bucket: str, s3_platform: str) -> None:
    items = small_files(tmp_path / "src", 120)
    client = Client(s3_platform)
    result = Uploader(client, processes=2, threads=4).upload_files(items)
    assert result.ok, result.failed[:3]
    assert sorted(result.uploaded) == sorted(local for local, _ in items)
    assert result.bytes_sent == 120 * 4 * KiB
    for local, key in items[::17]:
        assert on_server(s3_server, s3_bucket, key).read_bytes() == Path(local).read_bytes()
    assert recorded_keys(client) == {key for _, key in items}
    again = Uploader(client, processes=2).upload_files(items)
    assert len(again.skipped) == 120 and not again.uploaded


def test_one_cap_for_every_process(tmp_path: Path, s3_platform: str) -> None:
    items = small_files(tmp_path / "src", 200, size=8 * KiB)
    rate_kb = 512
    marks: List[Tuple[float, int]] = []

    def progress(p: Progress) -> None:
        if p.bytes_done:
            marks.append((time.monotonic(), p.bytes_done))

    result = Uploader(Client(s3_platform), processes=2, threads=8, max_speed=rate_kb,
                      progress=progress).upload_files(items)
    assert result.ok, result.failed[:3]
    (t0, b0), (t1, b1) = marks[0], marks[-1]
    achieved = (b1 - b0) / (t1 - t0)
    assert achieved < 1.15 * rate_kb * KiB, f"{achieved / KiB:.0f} KB/s over a cap of {rate_kb} KB/s"


def test_cancel_stops_every_worker_and_leaves_no_process(
        tmp_path: Path, s3_server: S3Server, s3_bucket: str, s3_platform: str) -> None:
    items = small_files(tmp_path / "src", 300)
    client = Client(s3_platform)
    seen: Set[int] = set()

    def progress(p: Progress) -> bool:
        seen.update(c.pid for c in workers_of(os.getpid()))
        return p.files_done < 20

    result = Uploader(client, processes=2, threads=4, max_speed=100, progress=progress).upload_files(items)
    assert result.cancelled and 20 <= len(result.uploaded) < 300
    assert len(seen) >= 2
    assert not [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    stored = {key for _, key in items if on_server(s3_server, s3_bucket, key).exists()}
    time.sleep(1.5)  # nothing is still sending
    assert {key for _, key in items if on_server(s3_server, s3_bucket, key).exists()} == stored
    keys = dict(items)
    assert recorded_keys(client) == {keys[local] for local in result.uploaded}
    assert recorded_keys(client) <= stored


def test_worker_crash_fails_its_files_together_and_a_rerun_resumes(
        tmp_path: Path, s3_server: S3Server, s3_bucket: str, s3_platform: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    items = small_files(tmp_path / "src", 80)
    client = Client(s3_platform)
    monkeypatch.setenv(CRASH_ENV, "10")  # each worker exits hard on receiving its 10th file
    crashed = Uploader(client, processes=2, threads=2).upload_files(items)
    monkeypatch.delenv(CRASH_ENV)
    assert crashed.failed and not crashed.cancelled
    assert len(crashed.uploaded) + len(crashed.failed) == 80
    for local, reason in crashed.failed:
        assert local in reason and "\n" not in reason
    assert any("worker process" in reason for _, reason in crashed.failed)
    keys = dict(items)
    assert recorded_keys(client) == {keys[local] for local in crashed.uploaded}
    rerun = Uploader(client, processes=2, threads=2).upload_files(items)
    assert rerun.ok
    assert sorted(rerun.uploaded) == sorted(local for local, _ in crashed.failed)
    assert sorted(rerun.skipped) == sorted(crashed.uploaded)
    for local, key in items:
        assert on_server(s3_server, s3_bucket, key).read_bytes() == Path(local).read_bytes()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_parent_its_workers_exit_and_the_run_resumes(
        tmp_path: Path, s3_server: S3Server, s3_bucket: str, s3_platform: str) -> None:
    items = small_files(tmp_path / "src", 150)
    manifest = tmp_path / "upload.json"
    UploadManifest(asset=[{"local": local, "server": "/" + key[len("input/"):]} for local, key in items]).save(manifest)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "rfsync_core.cli.main", "upload", str(manifest), "-p", s3_platform, "-q",
           "--processes", "2", "--max-speed", "40"]
    parent = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers: List[psutil.Process] = []
        for _ in range(300):  # up to 30 s for the workers to start and some files to land
            workers = workers_of(parent.pid)
            landed = sum(on_server(s3_server, s3_bucket, k).exists() for _, k in items)
            if len(workers) >= 2 and landed >= 15:
                break
            time.sleep(0.1)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(1.0)  # the parent writes confirmed records at least every 0.5 s
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"orphan workers: {[p.pid for p in alive]}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=10)
    result = Uploader(Client(s3_platform), processes=2).upload_manifest(manifest)
    assert result.ok, result.failed[:3]
    assert len(result.uploaded) + len(result.skipped) == 150 and result.skipped
    for local, key in items:
        assert on_server(s3_server, s3_bucket, key).read_bytes() == Path(local).read_bytes()


def test_download_in_workers_verified_recorded_and_rerun_skips(tmp_path: Path, s3_platform: str) -> None:
    src = tmp_path / "src"
    files = make_files(src, {f"beauty/f{i:04d}.exr": 3000 + i for i in range(90)})
    client = Client(s3_platform)
    assert Uploader(client).upload_files([(str(p), f"output/123_sh/{p.parent.name}/{p.name}") for p in files]).ok
    dl = Downloader(client, processes=2, threads=4)
    result = dl.download(local_path=tmp_path / "dl", server_paths=["123_sh"])
    assert result.ok and len(result.downloaded) == 90, result.failed[:3]
    for p in files:
        assert (tmp_path / "dl" / "123_sh" / "beauty" / p.name).read_bytes() == p.read_bytes()
    assert not list((tmp_path / "dl").rglob("*.part"))
    again = Downloader(client, processes=2).download(local_path=tmp_path / "dl", server_paths=["123_sh"])
    assert again.ok and len(again.skipped) == 90 and not again.downloaded


def test_download_worker_crash_fails_its_keys_and_a_rerun_fetches_them(
        tmp_path: Path, s3_platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    files = make_files(tmp_path / "src", {f"beauty/f{i:04d}.exr": 2000 + i for i in range(80)})
    client = Client(s3_platform)
    assert Uploader(client).upload_files([(str(p), f"output/7_sh/{p.parent.name}/{p.name}") for p in files]).ok
    monkeypatch.setenv(CRASH_ENV, "10")
    crashed = Downloader(client, processes=2, threads=2).download(local_path=tmp_path / "dl", server_paths=["7_sh"])
    monkeypatch.delenv(CRASH_ENV)
    assert crashed.failed and not crashed.cancelled
    assert len(crashed.downloaded) + len(crashed.failed) == 80
    for key, reason in crashed.failed:
        assert key.startswith("output/7_sh/") and key in reason and "\n" not in reason
    assert any("worker process" in reason for _, reason in crashed.failed)
    rerun = Downloader(client, processes=2, threads=2).download(local_path=tmp_path / "dl", server_paths=["7_sh"])
    assert rerun.ok
    failed = {key for key, _ in crashed.failed}
    assert set(rerun.downloaded) <= failed and set(crashed.downloaded) <= set(rerun.skipped)
    # a failed file that a worker had renamed into place before it died is checked by MD5 and kept
    assert failed <= set(rerun.downloaded) | set(rerun.skipped)
    for p in files:
        assert (tmp_path / "dl" / "7_sh" / "beauty" / p.name).read_bytes() == p.read_bytes()


def tree(folder: Path) -> Dict[str, int]:
    """Every file under ``folder`` (``.part`` files included) with its size."""
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def test_download_cancel_stops_every_worker_records_only_confirmed_and_a_rerun_completes(
        tmp_path: Path, s3_platform: str) -> None:
    files = make_files(tmp_path / "src", {f"beauty/f{i:04d}.exr": 4 * KiB + i for i in range(300)})
    client = Client(s3_platform)
    assert Uploader(client).upload_files([(str(p), f"output/9_sh/{p.parent.name}/{p.name}") for p in files]).ok
    source = {f"output/9_sh/beauty/{p.name}": p for p in files}
    dest = tmp_path / "dl"
    seen: Set[int] = set()

    def progress(p: Progress) -> bool:
        seen.update(c.pid for c in workers_of(os.getpid()))
        return p.files_done < 20

    result = Downloader(client, processes=2, threads=4, max_speed=100, progress=progress).download(
        local_path=dest, server_paths=["9_sh"])
    assert result.cancelled and 20 <= len(result.downloaded) < 300, (len(result.downloaded), result.failed[:3])
    assert len(seen) >= 2, "the download never ran in two workers"
    assert not [pid for pid in seen if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    before = tree(dest)
    time.sleep(1.5)  # no worker is still writing, nor starting a file
    assert tree(dest) == before
    done = set(result.downloaded)
    finals = {f"output/9_sh/beauty/{Path(rel).name}" for rel in before if not rel.endswith(".part")}
    assert finals == done  # no file in place that the run did not confirm, none confirmed that is not there
    for key in done:
        assert (dest / "9_sh" / "beauty" / source[key].name).read_bytes() == source[key].read_bytes()
    with Records(client.records_path) as rec:
        recorded = rec.get_downloads(platform_id(client.platform), [
            record_key(key, str(dest / "9_sh" / "beauty" / p.name)) for key, p in source.items()])
    assert {rk.split("\x00", 1)[0] for rk in recorded} == done
    rerun = Downloader(client, processes=2, threads=4).download(local_path=dest, server_paths=["9_sh"])
    assert rerun.ok, rerun.failed[:3]
    assert sorted(rerun.skipped) == sorted(done)
    assert sorted(rerun.downloaded) == sorted(set(source) - done)
    for p in source.values():
        assert (dest / "9_sh" / "beauty" / p.name).read_bytes() == p.read_bytes()
    assert not list(dest.rglob("*.part"))
