"""``--processes``: the command line's worker processes, end to end on the real S3 server, and bad values."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import psutil
import pytest
from s3server import S3Server
from testpaths import REPO as REPO_ROOT
from upload_util import make_files, on_s3_disk

from rfsync_core.app.batch import send_from_batch
from rfsync_core.cli.main import main
from rfsync_core.client import Client
from rfsync_core.collect import CollectResult
from rfsync_core.config.settings import TransferSettings
from rfsync_core.manifest import UploadManifest
from rfsync_core.transfer.upload import Uploader


def test_upload_then_download_with_two_processes(tmp_path: Path, s3_server: S3Server, s3_bucket: str,
                                                 s3_platform: str, capsys: pytest.CaptureFixture) -> None:
    files = make_files(tmp_path / "src", {f"tex/t{i:03d}.exr": 2048 + i for i in range(60)})
    manifest = tmp_path / "upload.json"
    UploadManifest(asset=[{"local": str(p), "server": "/proj/" + p.name} for p in files]).save(manifest)
    assert main(["upload", str(manifest), "-p", s3_platform, "-q", "--processes", "2"]) == 0
    assert "uploaded 60, skipped 0 unchanged, failed 0" in capsys.readouterr().out
    for p in files:
        assert on_s3_disk(s3_server, s3_bucket, "input/proj/" + p.name).read_bytes() == p.read_bytes()
    farm = Uploader(Client(s3_platform)).upload_files([(str(p), "output/9_sh/" + p.name) for p in files])
    assert farm.ok  # the farm's output: the same files under output/
    out_dir = tmp_path / "dl"
    assert main(["download", "--server-path", "9_sh", "--local-path", str(out_dir), "-p", s3_platform,
                 "--quiet", "--processes", "2"]) == 0
    for p in files:
        assert (out_dir / "9_sh" / p.name).read_bytes() == p.read_bytes()


@pytest.mark.parametrize("command", [["upload", "u.json"], ["download", "1"], ["auto-download", "1"]])
def test_processes_below_one_is_one_clear_line(command: list, tmp_path: Path, capsys: pytest.CaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    UploadManifest(asset=[]).save(tmp_path / "u.json")
    assert main([*command, "--processes", "0"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["rfsync: error: --processes must be at least 1, got 0"]


def test_batch_under_katana_says_it_keeps_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "katana"))
    scene = tmp_path / "shot.katana"
    scene.write_text("x", encoding="utf-8")
    code = send_from_batch(str(scene), lambda: CollectResult(found=[str(scene)]),
                           lambda: TransferSettings(platform="local"), processes=2)
    assert code == 0
    assert "worker processes: no plain Python known under katana (Katana's is unconfirmed); using threads" \
        in capsys.readouterr().err


@pytest.mark.skipif(os.name == "nt", reason="POSIX process groups")
def test_ctrl_c_reaches_every_process_and_the_run_cancels_cleanly(tmp_path: Path, s3_server: S3Server,
                                                                  s3_bucket: str, s3_platform: str) -> None:
    files = make_files(tmp_path / "src", {f"t{i:03d}.exr": 4096 for i in range(200)})
    manifest = tmp_path / "upload.json"
    UploadManifest(asset=[{"local": str(p), "server": "/proj/" + p.name} for p in files]).save(manifest)
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "rfsync_core", "upload", str(manifest), "-p", s3_platform,
                             "--processes", "2", "--max-speed", "40"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    workers: List[psutil.Process] = []
    for _ in range(600):  # up to 60 s for both workers to run and files to land
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True)
                   if "spawn_main" in " ".join(c.cmdline())]
        if len(workers) >= 2 and sum(on_s3_disk(s3_server, s3_bucket, "input/proj/" + p.name).exists()
                                     for p in files) >= 10:
            break
        time.sleep(0.1)
    assert len(workers) >= 2
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert "(cancelled)" in out.decode()
    assert "Traceback" not in err.decode() and "KeyboardInterrupt" not in err.decode()
    _gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
